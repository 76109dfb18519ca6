// Tool calling with the official `openai` npm client, unchanged: the scripted tool model
// (tests/thinking_model.h; Qwen2.5's real template) answers with a call, which the client reads
// from a response and from a stream (its own stream helper accumulates the deltas, so they must
// be OpenAI's shape), and the round trip goes on: the assistant's call and the tool's result
// are accepted and rendered as Hugging Face renders that conversation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

import { writeToolModel } from '../e2e/thinking_model.mjs';
import { sharedDir, startServer } from './server.mjs';

const templates = join(sharedDir, 'fixtures', 'templates');
const roundTrip = JSON.parse(readFileSync(join(templates, 'cases.json'), 'utf8'))
  .cases.find((c) => c.id === 'tool-roundtrip').context;
const tools = roundTrip.tools;
const question = roundTrip.messages[0];
const ARGS = '{"location": "Paris", "unit": "celsius"}';

describe('openai client: tool calls', () => {
  let server;
  let client;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferno-tools-'));
    const qwen = readFileSync(join(templates, 'jinja', 'Qwen-Qwen2.5-7B-Instruct.jinja'), 'utf8');
    writeToolModel(join(dir, 'tools.gguf'), qwen);
    server = await startServer(['--models-dir', dir]);
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a call, then the tool result turn', async () => {
    const r = await client.chat.completions.create({
      model: 'tools', messages: [question], tools, tool_choice: 'auto', temperature: 0,
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, 'Let me check.');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris', unit: 'celsius' });

    // The next turn: the call (content null, as OpenAI's own replies have it when they only
    // call) and its result. Qwen2.5's template writes no ids, so this is the fixture's
    // conversation, whose rendering by Hugging Face is in expected/.
    const next = await client.chat.completions.create({
      model: 'tools',
      messages: [
        question,
        { role: 'assistant', content: null, tool_calls: choice.message.tool_calls },
        { role: 'tool', tool_call_id: call.id, content: roundTrip.messages[2].content },
      ],
      tools,
      max_tokens: 1,
    });
    const want = readFileSync(join(templates, 'expected', 'Qwen-Qwen2.5-7B-Instruct', 'tool-roundtrip.txt'), 'utf8');
    const tok = await fetch(`${server.baseURL}/tokenize`, {
      method: 'POST', body: JSON.stringify({ model: 'tools', content: want }),
    }).then((x) => x.json());
    assert.equal(next.usage.prompt_tokens, tok.tokens.length);
  });

  test('streamed deltas accumulate into the call (the client\'s stream helper)', async () => {
    const stream = client.chat.completions.stream({
      model: 'tools', messages: [question], tools, temperature: 0,
    });
    const names = [];
    stream.on('tool_calls.function.arguments.done', (e) => names.push(e.name));
    const final = await stream.finalChatCompletion();
    const message = final.choices[0].message;
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
    assert.equal(message.content, 'Let me check.');
    assert.equal(message.tool_calls.length, 1);
    assert.equal(message.tool_calls[0].function.name, 'get_weather');
    assert.equal(message.tool_calls[0].function.arguments, ARGS);
    assert.deepEqual(names, ['get_weather']);
  });

  test('a named tool_choice is honoured, content null', async () => {
    const r = await client.chat.completions.create({
      model: 'tools', messages: [question], tools, temperature: 0,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    assert.equal(r.choices[0].message.content, null);
    assert.equal(r.choices[0].message.tool_calls[0].function.arguments, ARGS);
  });

  test('a malformed tool is a BadRequestError naming the field', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'tools', messages: [question], tools: [{ type: 'function' }] }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'tools[0].function',
    );
  });
});
