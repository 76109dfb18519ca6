// Embeddings through the official clients, unchanged: openai's embeddings.create (float and
// base64, which the client decodes itself; arrays; token arrays; dimensions; errors) and the
// ollama client's embed, on the llama-tiny fixture (no pooling_type: mean pooling). Where the
// zoo holds llama.cpp's embeddings of the same model (tools/zoo/embeddings.sh), the vectors
// must agree with them (cosine >= 0.999).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ollama } from 'ollama';
import OpenAI from 'openai';

import { startServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const N_EMBD = 256;
const ORACLE = '../../build/zoo/zoo-oracle/embeddings/llama-tiny-Q8_0.mean.json';

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const cosine = (a, b) => dot(a, b) / (norm(a) * norm(b));

describe('embeddings with the openai and ollama clients', () => {
  let server;
  let openai;
  let ollama;
  before(async () => {
    server = await startServer();
    openai = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: server.baseURL });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('float and base64 (the client default) give the same unit vectors', async () => {
    const input = ['Hello world', 'Grüße aus Köln'];
    const f = await openai.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
    assert.equal(f.object, 'list');
    assert.equal(f.model, MODEL);
    assert.equal(f.data.length, 2);
    assert.deepEqual(f.data.map((d) => d.index), [0, 1]);
    assert.equal(f.data[0].object, 'embedding');
    assert.equal(f.data[0].embedding.length, N_EMBD);
    assert.ok(Math.abs(norm(f.data[1].embedding) - 1) < 1e-5);
    assert.ok(f.usage.prompt_tokens > 2);
    assert.equal(f.usage.total_tokens, f.usage.prompt_tokens);
    const b = await openai.embeddings.create({ model: MODEL, input });  // base64 on the wire
    for (let i = 0; i < 2; i++) {
      assert.equal(b.data[i].embedding.length, N_EMBD);
      b.data[i].embedding.forEach((x, k) => assert.ok(Math.abs(x - f.data[i].embedding[k]) < 1e-7));
    }
    assert.ok(cosine(f.data[0].embedding, f.data[1].embedding) < 0.999);  // different inputs
  });

  test('agrees with llama.cpp on its inputs', { skip: !existsSync(ORACLE) && 'no zoo' }, async () => {
    const oracle = JSON.parse(readFileSync(ORACLE, 'utf8'));
    const r = await openai.embeddings.create({ model: MODEL, input: oracle.inputs });
    r.data.forEach((d, i) => assert.ok(cosine(d.embedding, oracle.embeddings[i]) >= 0.999, `${i}`));
  });

  test('token arrays are embedded as given', async () => {
    const ids = [1, 15043, 3186];  // what "Hello world" tokenizes to, BOS first
    const text = await openai.embeddings.create({ model: MODEL, input: 'Hello world' });
    const one = await openai.embeddings.create({ model: MODEL, input: ids });
    const many = await openai.embeddings.create({ model: MODEL, input: [ids, [1, 263]] });
    assert.equal(one.usage.prompt_tokens, 3);
    assert.equal(many.data.length, 2);
    assert.ok(cosine(one.data[0].embedding, text.data[0].embedding) > 0.99999);
    assert.ok(cosine(many.data[0].embedding, text.data[0].embedding) > 0.99999);
  });

  test('dimensions truncates and re-normalises', async () => {
    const full = await openai.embeddings.create({ model: MODEL, input: 'matryoshka' });
    const cut = await openai.embeddings.create({ model: MODEL, input: 'matryoshka', dimensions: 32 });
    const v = cut.data[0].embedding;
    assert.equal(v.length, 32);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
    assert.ok(cosine(v, full.data[0].embedding.slice(0, 32)) > 0.99999);
  });

  test('errors are 400s naming the field', async () => {
    const cases = [
      [{ input: [] }, 'input'],
      [{ input: '' }, 'input'],
      [{ input: [[1, 999999]] }, 'input'],
      [{ input: 'x', dimensions: N_EMBD + 1 }, 'dimensions'],
      [{ input: 'word '.repeat(3000) }, 'input'],
    ];
    for (const [body, param] of cases) {
      await assert.rejects(openai.embeddings.create({ model: MODEL, ...body }), (e) => {
        assert.ok(e instanceof OpenAI.BadRequestError, `${JSON.stringify(body).slice(0, 40)}: ${e}`);
        assert.equal(e.param, param);
        return true;
      });
    }
    await assert.rejects(openai.embeddings.create({ model: 'nope', input: 'x' }),
                         (e) => e instanceof OpenAI.NotFoundError);
  });

  test('ollama embed: one input, several, and truncation', async () => {
    const one = await ollama.embed({ model: MODEL, input: 'Hello world' });
    assert.equal(one.model, MODEL);
    assert.equal(one.embeddings.length, 1);
    assert.equal(one.embeddings[0].length, N_EMBD);
    assert.equal(one.prompt_eval_count, 3);
    assert.ok(one.total_duration > 0);
    const f = await openai.embeddings.create({ model: MODEL, input: 'Hello world', encoding_format: 'float' });
    one.embeddings[0].forEach((x, k) => assert.ok(Math.abs(x - f.data[0].embedding[k]) < 1e-7));
    const two = await ollama.embed({ model: MODEL, input: ['a', 'b'], keep_alive: '5m', options: {} });
    assert.equal(two.embeddings.length, 2);
    const long = 'word '.repeat(3000);
    const cut = await ollama.embed({ model: MODEL, input: long });
    assert.equal(cut.embeddings.length, 1);
    await assert.rejects(ollama.embed({ model: MODEL, input: long, truncate: false }),
                         (e) => e.status_code === 400);
  });

  test('ollama legacy embeddings', async () => {
    const r = await ollama.embeddings({ model: MODEL, prompt: 'Hello world' });
    assert.equal(r.embedding.length, N_EMBD);
  });
});

describe('serve --pooling overrides the model\'s pooling', () => {
  const oracle = '../../build/zoo/zoo-oracle/embeddings/llama-tiny-F16.last.json';
  test('last pooling agrees with llama-server --pooling last', { skip: !existsSync(oracle) && 'no zoo' },
       async () => {
    const server = await startServer(['--pooling', 'last'], { model: 'llama-tiny-F16.gguf' });
    try {
      const want = JSON.parse(readFileSync(oracle, 'utf8'));
      const client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r = await client.embeddings.create({ model: 'llama-tiny-F16', input: want.inputs });
      r.data.forEach((d, i) => assert.ok(cosine(d.embedding, want.embeddings[i]) >= 0.999, `${i}`));
    } finally {
      await server.stop();
    }
  });
});
