// Ollama's API with the official `ollama` npm client, unchanged: chat and generate (streamed
// and not) on the scripted thinking model (tests/thinking_model.h: it thinks "Hmm...", then
// answers "Hello!"), a JSON schema as `format` on the random-weight llama-tiny, which writes
// gibberish unless constrained (every answer must parse and validate), show, list, ps, version,
// keep_alive 0 unloading the model, and an error as the client's ResponseError.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ollama } from 'ollama';

import { startThinkingServer } from './server.mjs';

const TINY = 'llama-tiny-Q8_0';
const hi = [{ role: 'user', content: 'Hi' }];
const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 12 },
    age: { type: 'integer', minimum: 0, maximum: 120 },
    tags: { type: 'array', items: { type: 'string', maxLength: 6 }, minItems: 1, maxItems: 3 },
  },
  required: ['name', 'age', 'tags'],
  additionalProperties: false,
};

// The schema, checked by hand.
function assertPerson(text) {
  const p = JSON.parse(text);
  assert.deepEqual(Object.keys(p), ['name', 'age', 'tags'], text);
  assert.ok(typeof p.name === 'string' && p.name.length <= 12, text);
  assert.ok(Number.isInteger(p.age) && p.age >= 0 && p.age <= 120, text);
  assert.ok(Array.isArray(p.tags) && p.tags.length >= 1 && p.tags.length <= 3, text);
  for (const t of p.tags) assert.ok(typeof t === 'string' && t.length <= 6, text);
}

describe('ollama client', () => {
  let server;
  let ollama;
  before(async () => {
    server = await startThinkingServer();
    ollama = new Ollama({ host: server.baseURL });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('version and list', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+/);
    const names = (await ollama.list()).models.map((m) => m.name).sort();
    assert.deepEqual(names, [TINY, 'thinking']);
  });

  test('chat, with the thought apart', async () => {
    const r = await ollama.chat({ model: 'thinking', messages: hi, think: true });
    assert.equal(r.message.role, 'assistant');
    assert.equal(r.message.content, 'Hello!');
    assert.equal(r.message.thinking, 'Hmm...');
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'stop');
    assert.equal(r.eval_count, 7);
    assert.ok(r.prompt_eval_count > 0);
  });

  test('chat streamed', async () => {
    const stream = await ollama.chat({ model: 'thinking', messages: hi, stream: true });
    let content = '';
    let thinking = '';
    let last;
    for await (const part of stream) {
      content += part.message.content;
      thinking += part.message.thinking ?? '';
      last = part;
    }
    assert.equal(content, 'Hello!');
    assert.equal(thinking, 'Hmm...');
    assert.equal(last.done, true);
  });

  test('generate, and its context for the next turn', async () => {
    const r = await ollama.generate({ model: 'thinking', prompt: 'Hi' });
    assert.equal(r.response, 'Hello!');
    assert.equal(r.thinking, 'Hmm...');
    // prompt_eval_count counts only what the prompt cache did not hold, as Ollama's does.
    assert.ok(r.context.length >= r.prompt_eval_count + r.eval_count, `${r.context.length}`);
    const next = await ollama.generate({ model: 'thinking', prompt: 'Hi', context: r.context });
    // The next context is the old one, then the new prompt and answer.
    assert.deepEqual(next.context.slice(0, r.context.length), r.context);
    assert.ok(next.context.length > r.context.length + next.eval_count, `${next.context.length}`);
  });

  test('generate streamed', async () => {
    const stream = await ollama.generate({ model: 'thinking', prompt: 'Hi', stream: true });
    let text = '';
    let last;
    for await (const part of stream) {
      text += part.response;
      last = part;
    }
    assert.equal(text, 'Hello!');
    assert.equal(last.done, true);
    assert.ok(Array.isArray(last.context));
  });

  test('format: a JSON schema constrains every answer', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await ollama.generate({
        model: TINY, prompt: 'A person as JSON.', format: schema,
        options: { temperature: 1, seed, num_predict: 300 },
      });
      assert.equal(r.done_reason, 'stop');
      assertPerson(r.response);
    }
    const c = await ollama.chat({
      model: TINY, messages: hi, format: schema, options: { temperature: 1, seed: 7, num_predict: 300 },
    });
    assertPerson(c.message.content);
  });

  test('show', async () => {
    const s = await ollama.show({ model: 'thinking' });
    assert.deepEqual(s.capabilities, ['completion', 'thinking']);  // no FIM tokens
    assert.equal(s.details.format, 'gguf');
    assert.equal(s.details.family, 'llama');
    assert.equal(s.model_info['general.architecture'], 'llama');
    const tiny = await ollama.show({ model: TINY });
    assert.equal(tiny.details.quantization_level, 'Q8_0');
  });

  test('ps, and keep_alive 0 unloads', async () => {
    await ollama.generate({ model: 'thinking', prompt: 'Hi', keep_alive: '1h' });
    let running = (await ollama.ps()).models;
    const entry = running.find((m) => m.name === 'thinking');
    assert.ok(entry, JSON.stringify(running));
    const left = new Date(entry.expires_at).getTime() - Date.now();
    assert.ok(left > 50 * 60 * 1000 && left <= 60 * 60 * 1000, entry.expires_at);
    const r = await ollama.chat({ model: 'thinking', messages: hi, keep_alive: 0 });
    assert.equal(r.message.content, 'Hello!');
    running = (await ollama.ps()).models;
    assert.equal(running.find((m) => m.name === 'thinking'), undefined, JSON.stringify(running));
  });

  test('errors are the client ResponseError', async () => {
    await assert.rejects(ollama.show({ model: 'nope' }), (e) => {
      assert.equal(e.name, 'ResponseError');
      assert.equal(e.status_code, 404);
      assert.equal(e.error, "model 'nope' not found");
      return true;
    });
    await assert.rejects(ollama.generate({ model: TINY, prompt: 'x', images: ['aGk='] }),
      (e) => e.status_code === 400 && /images/.test(e.error));
  });
});
