// Anthropic's Messages API with the official `@anthropic-ai/sdk` client, unchanged, against a
// real `inferno serve`: messages.create and messages.stream (its event helpers and
// finalMessage) give the same greedy text as /v1/chat/completions; closing a stream cancels
// its generation; stop sequences; count_tokens counts what create bills; a full tool_use ->
// tool_result round trip on the scripted tool model (tests/thinking_model.h, Qwen2.5's real
// template), rendered as Hugging Face renders it; tool_choice any / tool forcing a valid call;
// thinking blocks on the scripted thinking model; a prefilled reply; errors as the client's
// error classes; the key in x-api-key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';

import { writeToolModel } from '../e2e/thinking_model.mjs';
import { sharedDir, startServer, startThinkingServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const system = 'You are terse.';
const messages = [{ role: 'user', content: 'Tell me about the sea.' }];

const clientFor = (server, apiKey = 'unused') =>
  new Anthropic({ baseURL: server.baseURL, apiKey, maxRetries: 0 });

// The prompt as Anthropic counts it: the input and what the prompt cache held.
const promptOf = (usage) => usage.input_tokens + usage.cache_read_input_tokens;
const textOf = (message) =>
  message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

describe('anthropic client: messages', () => {
  let server;
  let client;
  before(async () => {
    server = await startServer();
    client = clientFor(server);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  // The same greedy continuation as the OpenAI route's, for the same conversation.
  const openaiReply = async () => {
    const r = await fetch(`${server.baseURL}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL, messages: [{ role: 'system', content: system }, ...messages],
        max_tokens: 8, temperature: 0,
      }),
    });
    return r.json();
  };

  test('messages.create: a Message with the greedy text and its usage', async () => {
    const m = await client.messages.create({
      model: MODEL, system, messages, max_tokens: 8, temperature: 0,
    });
    const want = await openaiReply();
    assert.match(m.id, /^msg_[A-Za-z0-9]{24}$/);
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.model, MODEL);
    assert.equal(m.content.length, 1);
    assert.equal(m.content[0].type, 'text');
    assert.equal(m.content[0].text, want.choices[0].message.content);
    assert.equal(m.stop_reason, want.choices[0].finish_reason === 'length' ? 'max_tokens' : 'end_turn');
    assert.equal(m.stop_sequence, null);
    // Anthropic counts the prompt as input_tokens + cache_read_input_tokens (what the prompt
    // cache held: the same conversation was just answered through /v1/chat/completions).
    assert.equal(promptOf(m.usage), want.usage.prompt_tokens);
    assert.equal(m.usage.cache_creation_input_tokens, 0);
    assert.equal(m.usage.output_tokens, want.usage.completion_tokens);
  });

  test('messages.stream: text events, the raw event order and finalMessage', async () => {
    const whole = await client.messages.create({
      model: MODEL, system, messages, max_tokens: 8, temperature: 0,
    });
    const stream = client.messages.stream({
      model: MODEL, system, messages, max_tokens: 8, temperature: 0,
    });
    const texts = [];
    const kinds = [];
    stream.on('text', (delta) => texts.push(delta));
    stream.on('streamEvent', (e) => kinds.push(e.type));
    const final = await stream.finalMessage();
    assert.equal(texts.join(''), whole.content[0].text);
    assert.deepEqual(final.content, whole.content);
    assert.equal(final.stop_reason, whole.stop_reason);
    assert.deepEqual(final.usage.output_tokens, whole.usage.output_tokens);
    assert.equal(promptOf(final.usage), promptOf(whole.usage));
    assert.ok(final.usage.cache_read_input_tokens > 0, 'the same prompt again: a cache hit');
    // ping is not a stream event for the client; the rest come in Anthropic's order.
    assert.equal(kinds[0], 'message_start');
    assert.equal(kinds[1], 'content_block_start');
    assert.deepEqual(kinds.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    assert.ok(kinds.slice(2, -3).every((k) => k === 'content_block_delta'), kinds.join());
  });

  // A client that goes away mid-stream cancels its generation: with no limit but the context
  // (2048 tokens), what was generated when the sequence ended is a few tokens.
  test('closing the stream cancels the generation', async () => {
    const generated = async () => {
      const metrics = await (await fetch(`${server.baseURL}/metrics`)).text();
      return {
        tokens: Number(metrics.match(/^inferno_generated_tokens_total (\d+)$/m)[1]),
        active: Number(metrics.match(/^inferno_active_sequences (\d+)$/m)[1]),
      };
    };
    const before = await generated();
    const stream = client.messages.stream({ model: MODEL, messages, max_tokens: 100000, temperature: 1 });
    stream.on('text', () => stream.abort());
    await assert.rejects(stream.finalMessage(), (e) => e instanceof Anthropic.APIUserAbortError);
    let after = await generated();
    while (after.active > 0) {
      await new Promise((r) => setTimeout(r, 20));
      after = await generated();
    }
    assert.ok(after.tokens - before.tokens < 1000, `${after.tokens - before.tokens} tokens`);
  });

  test('stop_sequences: stop_reason stop_sequence and the sequence', async () => {
    const free = await client.messages.create({ model: MODEL, messages, max_tokens: 12, temperature: 0 });
    const text = free.content[0].text;
    assert.ok(text.length > 4, text);
    const stop = text.slice(2, 4);
    const m = await client.messages.create({
      model: MODEL, messages, max_tokens: 12, temperature: 0, stop_sequences: [stop],
    });
    assert.equal(m.stop_reason, 'stop_sequence');
    assert.equal(m.stop_sequence, stop);
    assert.equal(m.content[0].text, text.slice(0, text.indexOf(stop)));
  });

  test('count_tokens counts what create bills', async () => {
    const counted = await client.messages.countTokens({ model: MODEL, system, messages });
    const m = await client.messages.create({ model: MODEL, system, messages, max_tokens: 1 });
    assert.equal(counted.input_tokens, promptOf(m.usage));
    assert.ok(counted.input_tokens > 5);
  });

  test('errors come as the client\'s classes, in Anthropic\'s shape', async () => {
    await assert.rejects(
      client.messages.create({ model: 'no-such-model', messages, max_tokens: 4 }),
      (e) => e instanceof Anthropic.NotFoundError && e.status === 404 &&
        e.error.type === 'error' && e.error.error.type === 'not_found_error' &&
        e.error.error.message.includes('no-such-model'),
    );
    await assert.rejects(
      client.messages.create({ model: MODEL, messages, max_tokens: 4, temperature: 7 }),
      (e) => e instanceof Anthropic.BadRequestError && e.error.error.type === 'invalid_request_error' &&
        e.error.error.message.includes('temperature'),
    );
    await assert.rejects(
      client.messages.create({
        model: MODEL, messages, max_tokens: 4,
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      }),
      (e) => e instanceof Anthropic.BadRequestError && e.error.error.message.includes('web_search_20250305'),
    );
    await assert.rejects(
      client.messages.create({
        model: MODEL, max_tokens: 4,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }] }],
      }),
      (e) => e instanceof Anthropic.BadRequestError && e.error.error.message.includes('image'),
    );
    // The raw body, as every Anthropic client reads it.
    const r = await fetch(`${server.baseURL}/v1/messages`, {
      method: 'POST', body: JSON.stringify({ model: MODEL, messages }),
    });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), {
      type: 'error', error: { type: 'invalid_request_error', message: "'max_tokens' is required" },
    });
  });
});

describe('anthropic client: the API key', () => {
  let server;
  before(async () => { server = await startServer(['--api-key', 'k3y']); });
  after(async () => { await server.stop(); });

  test('x-api-key: a wrong key is an AuthenticationError, the right one works', async () => {
    await assert.rejects(
      clientFor(server, 'wrong').messages.create({ model: MODEL, messages, max_tokens: 2 }),
      (e) => e instanceof Anthropic.AuthenticationError && e.status === 401 &&
        e.error.error.type === 'authentication_error',
    );
    const m = await clientFor(server, 'k3y').messages.create({ model: MODEL, messages, max_tokens: 2 });
    assert.equal(m.usage.output_tokens, 2);
  });
});

const templates = join(sharedDir, 'fixtures', 'templates');
const roundTrip = JSON.parse(readFileSync(join(templates, 'cases.json'), 'utf8'))
  .cases.find((c) => c.id === 'tool-roundtrip').context;
// The fixture's tools in Anthropic's shape.
const tools = roundTrip.tools.map(({ function: f }) => ({
  name: f.name, description: f.description, input_schema: f.parameters,
}));
const question = roundTrip.messages[0];

describe('anthropic client: tools', () => {
  let server;
  let client;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferno-anthropic-tools-'));
    const qwen = readFileSync(join(templates, 'jinja', 'Qwen-Qwen2.5-7B-Instruct.jinja'), 'utf8');
    writeToolModel(join(dir, 'tools.gguf'), qwen);
    server = await startServer(['--models-dir', dir]);
    client = clientFor(server);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tool_use, then the tool_result turn rendered as Hugging Face renders it', async () => {
    const m = await client.messages.create({
      model: 'tools', messages: [question], tools, max_tokens: 64, temperature: 0,
    });
    assert.equal(m.stop_reason, 'tool_use');
    assert.equal(m.content.length, 2);
    assert.deepEqual(m.content[0], { type: 'text', text: 'Let me check.' });
    const use = m.content[1];
    assert.equal(use.type, 'tool_use');
    assert.match(use.id, /^toolu_[A-Za-z0-9]{24}$/);
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { location: 'Paris', unit: 'celsius' });

    // The fixture's conversation: the call alone, then its result.
    const next = await client.messages.create({
      model: 'tools', tools, max_tokens: 1,
      messages: [
        question,
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: roundTrip.messages[2].content }] },
      ],
    });
    const want = readFileSync(join(templates, 'expected', 'Qwen-Qwen2.5-7B-Instruct', 'tool-roundtrip.txt'), 'utf8');
    const tok = await fetch(`${server.baseURL}/tokenize`, {
      method: 'POST', body: JSON.stringify({ model: 'tools', content: want }),
    }).then((x) => x.json());
    assert.equal(promptOf(next.usage), tok.tokens.length);
  });

  test('streamed: input_json_delta pieces build the same input', async () => {
    const stream = client.messages.stream({ model: 'tools', messages: [question], tools, max_tokens: 64 });
    const pieces = [];
    stream.on('inputJson', (partial) => pieces.push(partial));
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.ok(pieces.length >= 2, pieces.join('|'));
    assert.deepEqual(JSON.parse(pieces.join('')), { location: 'Paris', unit: 'celsius' });
    assert.deepEqual(final.content[1].input, { location: 'Paris', unit: 'celsius' });
  });

  // The location is bounded (maxLength): this scripted model, unlike a trained one, would
  // otherwise go on writing inside the string until max_tokens. Sampled, the call may take
  // some tens of tokens (the grammar lets whitespace in): max_tokens leaves it room.
  const bounded = [{
    name: 'get_weather', description: 'Weather for a city.',
    input_schema: { type: 'object', properties: { location: { type: 'string', maxLength: 12 } }, required: ['location'] },
  }];
  for (const toolChoice of [{ type: 'any' }, { type: 'tool', name: 'get_weather' }]) {
    test(`tool_choice ${toolChoice.type} forces a valid call`, async () => {
      const m = await client.messages.create({
        model: 'tools', messages: [question], tools: bounded, tool_choice: toolChoice, max_tokens: 2048,
      });
      assert.equal(m.stop_reason, 'tool_use');
      const uses = m.content.filter((b) => b.type === 'tool_use');
      assert.equal(uses.length, 1);
      assert.equal(uses[0].name, 'get_weather');
      assert.deepEqual(Object.keys(uses[0].input), ['location']);
      assert.equal(typeof uses[0].input.location, 'string');
      assert.ok(uses[0].input.location.length <= 12);
    });
  }

  test('tool_choice none: no call, the text', async () => {
    const m = await client.messages.create({
      model: 'tools', messages: [question], tools, tool_choice: { type: 'none' }, max_tokens: 64, temperature: 0,
    });
    assert.ok(m.content.every((b) => b.type === 'text'));
    assert.notEqual(m.stop_reason, 'tool_use');
  });
});

describe('anthropic client: thinking', () => {
  let server;
  let client;
  before(async () => {
    server = await startThinkingServer();
    client = clientFor(server);
  });
  after(async () => { await server.stop(); });

  test('the reasoning is a thinking block before the text', async () => {
    const m = await client.messages.create({
      model: 'thinking', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    assert.deepEqual(m.content, [
      { type: 'thinking', thinking: 'Hmm...', signature: '' },
      { type: 'text', text: 'Hello!' },
    ]);
    assert.equal(m.stop_reason, 'end_turn');
  });

  test('streamed: thinking events, then text', async () => {
    const stream = client.messages.stream({
      model: 'thinking', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    const thinking = [];
    const text = [];
    stream.on('thinking', (d) => thinking.push(d));
    stream.on('text', (d) => text.push(d));
    const final = await stream.finalMessage();
    assert.equal(thinking.join(''), 'Hmm...');
    assert.equal(text.join(''), 'Hello!');
    assert.equal(final.content[0].type, 'thinking');
    assert.equal(final.content[1].text, 'Hello!');
  });

  // The scripted model goes "Hello" -> "!" -> end: a reply prefilled with "Hello" is "!".
  test('a final assistant message is a prefill, continued', async () => {
    const m = await client.messages.create({
      model: 'thinking', max_tokens: 16, thinking: { type: 'disabled' },
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }],
    });
    assert.deepEqual(m.content, [{ type: 'text', text: '!' }]);
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(m.usage.output_tokens, 2);  // "!" and the end of turn
  });

  test('thinking given back in the next turn is accepted; disabled leaves it in the text', async () => {
    const m = await client.messages.create({
      model: 'thinking', max_tokens: 64, thinking: { type: 'disabled' },
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm...', signature: '' }, { type: 'text', text: 'Hello!' }] },
        { role: 'user', content: 'Again' },
      ],
    });
    assert.deepEqual(m.content, [{ type: 'text', text: '<think>Hmm...</think>Hello!' }]);
  });
});
