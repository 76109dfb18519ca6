// The wire details of the OpenAI API, driven by the official `openai` client, unchanged,
// against a real `inferno serve`: usage null on intermediate chunks, several choices (n), logprobs
// that join to the content (no end-of-generation token, nothing past a stop string),
// logit_bias, echo, refused parameters and the models' `created`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { statSync } from 'node:fs';
import OpenAI from 'openai';

import { fixtureModel, startServer, startThinkingServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const messages = [{ role: 'user', content: 'Tell me about the sea.' }];

describe('openai wire details', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer(['--parallel', '8']);
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('models have the file time as created', async () => {
    const m = await client.models.retrieve(MODEL);
    const mtime = Math.floor(statSync(fixtureModel(`${MODEL}.gguf`)).mtimeMs / 1000);
    assert.equal(m.created, mtime);
  });

  test('include_usage: usage null on every chunk but the last', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 5, temperature: 0, stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.ok(chunks.length >= 3);
    for (const c of chunks.slice(0, -1)) {
      assert.ok('usage' in c, JSON.stringify(c));
      assert.equal(c.usage, null);
    }
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.completion_tokens, 5);
  });

  test('n choices: indexes, usage, different and reproducible with a seed, streamed alike', async () => {
    const request = { model: MODEL, messages, max_tokens: 10, temperature: 1.5, top_k: 0,
                      top_p: 1, min_p: 0, seed: 7, n: 3 };
    const a = await client.chat.completions.create(request);
    const b = await client.chat.completions.create(request);
    assert.deepEqual(a.choices.map((c) => c.index), [0, 1, 2]);
    const texts = a.choices.map((c) => c.message.content);
    assert.deepEqual(b.choices.map((c) => c.message.content), texts);
    assert.ok(new Set(texts).size > 1, `all choices alike: ${JSON.stringify(texts)}`);
    assert.equal(a.usage.completion_tokens, 30);
    // Choice 0 is what n = 1 gives with the same seed.
    const one = await client.chat.completions.create({ ...request, n: 1 });
    assert.equal(one.choices[0].message.content, texts[0]);

    const stream = await client.chat.completions.create({
      ...request, stream: true, stream_options: { include_usage: true },
    });
    const streamed = ['', '', ''];
    const finishes = [];
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        streamed[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finishes.push(c.index);
      }
    }
    assert.deepEqual(streamed, texts);
    assert.deepEqual(finishes.sort(), [0, 1, 2]);
    assert.equal(usage.completion_tokens, 30);

    const legacy = await client.completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 6, n: 2, temperature: 1.5, seed: 3,
    });
    assert.deepEqual(legacy.choices.map((c) => c.index), [0, 1]);
    assert.equal(legacy.usage.completion_tokens, 12);
  });

  test('logprobs stop where a stop string ends the text', async () => {
    const base = { model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 };
    const full = (await client.completions.create(base)).choices[0].text;
    let cut = -1;
    for (let i = 1; i + 2 <= full.length && cut < 0; i++) {
      if (full.indexOf(full.slice(i, i + 2)) === i) cut = i;
    }
    assert.ok(cut > 0);
    for (const stream of [false, true]) {
      const request = { ...base, logprobs: 1, stop: [full.slice(cut, cut + 2)] };
      let text = '';
      const tokens = [];
      if (stream) {
        for await (const chunk of await client.completions.create({ ...request, stream })) {
          text += chunk.choices[0]?.text ?? '';
          tokens.push(...(chunk.choices[0]?.logprobs?.tokens ?? []));
        }
      } else {
        const r = await client.completions.create(request);
        text = r.choices[0].text;
        tokens.push(...r.choices[0].logprobs.tokens);
      }
      assert.equal(text, full.slice(0, cut));
      const joined = tokens.join('');
      assert.ok(joined.startsWith(text), `${JSON.stringify(tokens)} vs ${JSON.stringify(text)}`);
      // No token lies wholly past the text: without the last one they fall short of it.
      assert.ok(tokens.slice(0, -1).join('').length < text.length, JSON.stringify(tokens));
    }
  });

  test('logit_bias steers sampling and shows in the logprobs', async () => {
    const tok = await (await fetch(`${server.baseURL}/tokenize`, {
      method: 'POST', body: JSON.stringify({ content: ' sea', add_special: false }),
    })).json();
    const id = tok.tokens[0].id ?? tok.tokens[0];
    const r = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 3, temperature: 0, logprobs: true,
      logit_bias: { [id]: 100 },
    });
    const content = r.choices[0].logprobs.content;
    assert.equal(content.length, 3);
    for (const t of content) assert.ok(t.logprob > -0.01, JSON.stringify(t));
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages, logit_bias: { [id]: 150 } }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'logit_bias');
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages, logit_bias: { 99999999: 1 } }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'logit_bias');
  });

  test('echo returns the prompt before the completion, with its logprobs', async () => {
    const base = { model: MODEL, prompt: 'Once upon a time', max_tokens: 4, temperature: 0 };
    const plain = await client.completions.create(base);
    const echoed = await client.completions.create({ ...base, echo: true, logprobs: 2 });
    const choice = echoed.choices[0];
    assert.equal(choice.text, base.prompt + plain.choices[0].text);
    const lp = choice.logprobs;
    assert.ok(lp.tokens.length > 4);
    const promptCount = lp.tokens.length - 4;
    // Every echoed prompt token has a logprob (the BOS before it is not echoed) and 2 alternatives.
    for (let i = 0; i < promptCount; i++) {
      assert.ok(lp.token_logprobs[i] <= 0);
      assert.equal(Object.keys(lp.top_logprobs[i]).length, 2);
    }
    // The echoed tokens spell the prompt, and the offsets index the text.
    assert.equal(lp.tokens.slice(0, promptCount).join(''), base.prompt);
    // (Offsets count bytes; the prompt is ASCII.)
    for (let i = 0; i < promptCount; i++) {
      assert.ok(choice.text.startsWith(lp.tokens[i], lp.text_offset[i]), lp.tokens[i]);
    }
    let streamed = '';
    for await (const chunk of await client.completions.create({ ...base, echo: true, stream: true })) {
      streamed += chunk.choices[0]?.text ?? '';
    }
    assert.equal(streamed, choice.text);
  });

  test('known parameters that cannot be honoured are a 400 naming them', async () => {
    const cases = [
      [client.completions, { prompt: 'x', best_of: 2 }, 'best_of'],
      [client.completions, { prompt: 'x', suffix: 'the end' }, 'suffix'],
      [client.chat.completions, { messages, service_tier: 'flex' }, 'service_tier'],
      [client.chat.completions, { messages, modalities: ['text', 'audio'] }, 'modalities'],
    ];
    for (const [api, body, param] of cases) {
      await assert.rejects(api.create({ model: MODEL, max_tokens: 2, ...body }),
        (e) => e instanceof OpenAI.BadRequestError && e.param === param && e.message.includes(param),
        param);
    }
    // Unknown names stay ignored, as OpenAI-compatible servers do.
    const r = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 2, service_tier: 'auto', made_up_option: 1,
    });
    assert.equal(r.usage.completion_tokens, 2);
  });
});

// The scripted thinking model (tests/thinking_model.h) answers "Hello!" and stops on </s>.
describe('openai logprobs at a natural stop', () => {
  let server;
  let client;
  before(async () => {
    server = await startThinkingServer();
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => { await server.stop(); });

  test('the end-of-turn token is not among the content logprobs, streamed or not', async () => {
    const params = { model: 'thinking', messages: [{ role: 'user', content: 'Hi' }],
                     temperature: 0, logprobs: true };
    const r = await client.chat.completions.create(params);
    assert.equal(r.choices[0].finish_reason, 'stop');
    const content = r.choices[0].logprobs.content.map((t) => t.token);
    assert.equal(content.join(''), r.choices[0].message.content);
    assert.equal(content.join(''), 'Hello!');
    const tokens = [];
    for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) {
      for (const t of chunk.choices[0]?.logprobs?.content ?? []) tokens.push(t.token);
    }
    assert.deepEqual(tokens, content);
  });

  test('n above the server\'s --parallel is a 400 naming n', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'thinking', messages, n: 5 }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'n' && /--parallel/.test(e.message));
  });
});
