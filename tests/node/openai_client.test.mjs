// The official `openai` npm client, unchanged, drives `inferno serve`: models, chat and text
// completions (streaming and not), logprobs with top_logprobs, usage, and error mapping.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

import { writeThinkingModel } from '../e2e/thinking_model.mjs';
import { startServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const messages = [{ role: 'user', content: 'Tell me about the sea.' }];

describe('openai client against inferno serve', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer();
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('models.list shows the preloaded fixture', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, [MODEL]);
    const m = await client.models.retrieve(MODEL);
    assert.equal(m.id, MODEL);
    assert.equal(m.object, 'model');
  });

  test('chat completion, not streamed, with logprobs and usage', async () => {
    const r = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 8, temperature: 0, logprobs: true, top_logprobs: 5,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices.length, 1);
    const choice = r.choices[0];
    assert.equal(choice.message.role, 'assistant');
    assert.ok(choice.message.content.length > 0);
    assert.equal(choice.finish_reason, 'length');
    const content = choice.logprobs.content;
    assert.equal(content.length, 8);
    assert.equal(content.map((t) => t.token).join(''), choice.message.content);
    for (const t of content) {
      assert.equal(t.top_logprobs.length, 5);
      assert.ok(t.logprob <= 0);
      // Greedy: the chosen token is the most likely one, and alternatives come sorted.
      assert.equal(t.top_logprobs[0].token, t.token);
      assert.ok(Math.abs(t.top_logprobs[0].logprob - t.logprob) < 1e-9);
      for (let i = 1; i < 5; i++) {
        assert.ok(t.top_logprobs[i].logprob <= t.top_logprobs[i - 1].logprob);
      }
      assert.deepEqual(Buffer.from(t.bytes).toString('utf8'), t.token);
    }
    assert.equal(r.usage.completion_tokens, 8);
    assert.ok(r.usage.prompt_tokens > 5);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 8);
  });

  test('streamed chat gives the same tokens and logprobs as the non-streamed one', async () => {
    const request = { model: MODEL, messages, max_tokens: 8, temperature: 0, logprobs: true,
                      top_logprobs: 3 };
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({
      ...request, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    const tokens = [];
    let finish = null;
    let usage = null;
    let role = null;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta.role) role = c.delta.role;
        text += c.delta.content ?? '';
        for (const t of c.logprobs?.content ?? []) tokens.push(t);
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    assert.equal(role, 'assistant');
    assert.equal(text, whole.choices[0].message.content);
    assert.equal(finish, 'length');
    assert.deepEqual(tokens.map((t) => t.token), whole.choices[0].logprobs.content.map((t) => t.token));
    assert.deepEqual(tokens.map((t) => t.top_logprobs.length), Array(8).fill(3));
    assert.deepEqual(usage, whole.usage);
  });

  test('timings as llama.cpp sends them: on the non-streamed answer and the finish chunk', async () => {
    const request = { model: MODEL, messages, max_tokens: 6, temperature: 0 };
    const check = (t) => {
      assert.deepEqual(Object.keys(t).sort(), ['cache_n', 'predicted_ms', 'predicted_n',
        'predicted_per_second', 'prompt_ms', 'prompt_n', 'prompt_per_second']);
      assert.equal(t.predicted_n, 6);
      // prompt_n counts the evaluated tokens, cache_n those the prompt cache held (this prompt
      // was sent before, so all but its last token may be cached).
      assert.ok(t.prompt_n >= 1 && t.cache_n >= 0 && t.prompt_ms > 0 && t.predicted_ms > 0);
      // The decode rate counts the steps after the first token (that one comes from the prompt).
      assert.ok(Math.abs(t.predicted_per_second - (5 * 1000) / t.predicted_ms) < 1e-6);
      assert.ok(Math.abs(t.prompt_per_second - (t.prompt_n * 1000) / t.prompt_ms) < 1e-6);
    };
    const whole = await client.chat.completions.create(request);
    check(whole.timings);
    assert.equal(whole.timings.prompt_n + whole.timings.cache_n, whole.usage.prompt_tokens);
    assert.equal(whole.timings.cache_n, whole.usage.prompt_tokens_details.cached_tokens);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const withTimings = [];
    for await (const chunk of stream) {
      if (chunk.timings) withTimings.push(chunk);
    }
    assert.equal(withTimings.length, 1);
    assert.equal(withTimings[0].choices[0].finish_reason, 'length');
    check(withTimings[0].timings);
  });

  test('text completion with stop and seed', async () => {
    const a = await client.completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0.9, seed: 42,
    });
    const b = await client.completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0.9, seed: 42,
    });
    assert.equal(a.object, 'text_completion');
    assert.equal(a.choices[0].text, b.choices[0].text);
    assert.equal(a.usage.completion_tokens, 12);
    // A stop string taken from the middle of the text ends the output right before it.
    const full = (await client.completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0,
    })).choices[0].text;
    // The first stop string that occurs first at its own position past the start.
    let cut = -1;
    for (let i = 1; i + 2 <= full.length && cut < 0; i++) {
      if (full.indexOf(full.slice(i, i + 2)) === i) cut = i;
    }
    assert.ok(cut > 0, `no usable stop string in ${JSON.stringify(full)}`);
    const stopped = await client.completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 12, temperature: 0,
      stop: [full.slice(cut, cut + 2)],
    });
    assert.equal(stopped.choices[0].text, full.slice(0, cut));
    assert.equal(stopped.choices[0].finish_reason, 'stop');
  });

  test('errors map to the client error classes', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages }),
      (e) => e instanceof OpenAI.NotFoundError && /no-such-model/.test(e.message));
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages, temperature: 'hot' }),
      (e) => e instanceof OpenAI.BadRequestError);
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages, top_logprobs: 50, logprobs: true }),
      (e) => e instanceof OpenAI.BadRequestError);
  });
});

describe('openai client with an API key', () => {
  let server;
  before(async () => { server = await startServer(['--api-key', 'sesame']); });
  after(async () => { await server.stop(); });

  test('the right key works and a wrong one is an AuthenticationError', async () => {
    const good = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'sesame', maxRetries: 0 });
    const r = await good.chat.completions.create({ model: MODEL, messages, max_tokens: 2 });
    assert.equal(r.usage.completion_tokens, 2);
    const bad = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
  });
});

// The scripted thinking model (tests/thinking_model.h) thinks "Hmm..." and answers "Hello!".
describe('openai client and a thinking model', () => {
  let server;
  let client;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferno-thinking-'));
    writeThinkingModel(join(dir, 'thinking.gguf'));
    server = await startServer(['--models-dir', dir]);
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reasoning_content beside the content, streamed and not', async () => {
    const params = { model: 'thinking', messages: [{ role: 'user', content: 'Hi' }], temperature: 0 };
    const r = await client.chat.completions.create(params);
    assert.equal(r.choices[0].message.content, 'Hello!');
    assert.equal(r.choices[0].message.reasoning_content, 'Hmm...');
    assert.equal(r.usage.completion_tokens, 7);

    let content = '';
    let reasoning = '';
    for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) {
      const delta = chunk.choices[0]?.delta ?? {};
      content += delta.content ?? '';
      reasoning += delta.reasoning_content ?? '';
    }
    assert.equal(content, 'Hello!');
    assert.equal(reasoning, 'Hmm...');

    const raw = await client.chat.completions.create({ ...params, reasoning_format: 'none' });
    assert.equal(raw.choices[0].message.content, '<think>Hmm...</think>Hello!');
    assert.equal(raw.choices[0].message.reasoning_content, undefined);
  });
});
