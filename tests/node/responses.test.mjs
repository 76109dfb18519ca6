// The Responses API (/v1/responses) with the official `openai` npm client, unchanged: plain
// and streamed responses (the client's own stream helper rebuilds the response from the
// events, so they must be OpenAI's), a thinking model's reasoning item, function tools with a
// function_call_output round trip, previous_response_id over the store, retrieve and delete,
// text.format json_schema on a random-weight model (every answer parses and validates), and
// the 400s and 404s in OpenAI's error shape.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';

import { sharedDir, startScriptedServer } from './server.mjs';

const TINY = 'llama-tiny-Q8_0';
const templates = join(sharedDir, 'fixtures', 'templates');
const roundTrip = JSON.parse(readFileSync(join(templates, 'cases.json'), 'utf8'))
  .cases.find((c) => c.id === 'tool-roundtrip').context;
// The fixture's chat tools in the Responses API's flat shape.
const tools = roundTrip.tools.map((t) => ({ type: 'function', ...t.function }));
const question = roundTrip.messages[0].content;
const RESULT = roundTrip.messages[2].content;
const ARGS = { location: 'Paris', unit: 'celsius' };
// get_weather with bounded arguments, so that a random-weight model's forced call ends.
const bounded = [{
  ...tools[0],
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', maxLength: 12 }, unit: { enum: ['celsius', 'fahrenheit'] } },
    required: ['location', 'unit'],
    additionalProperties: false,
  },
}];

const schema = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 16 },
    servings: { type: 'integer', minimum: 1, maximum: 12 },
    tags: { type: 'array', items: { enum: ['quick', 'vegan', 'cheap'] }, minItems: 1, maxItems: 3 },
  },
  required: ['title', 'servings', 'tags'],
  additionalProperties: false,
};

function assertRecipe(text) {
  const r = JSON.parse(text);
  assert.deepEqual(Object.keys(r), ['title', 'servings', 'tags'], text);
  assert.equal(typeof r.title, 'string');
  assert.ok(r.title.length <= 16, text);
  assert.ok(Number.isInteger(r.servings) && r.servings >= 1 && r.servings <= 12, text);
  assert.ok(r.tags.length >= 1 && r.tags.length <= 3, text);
  for (const t of r.tags) assert.ok(['quick', 'vegan', 'cheap'].includes(t), text);
}

describe('openai client: the Responses API', () => {
  let server;
  let client;
  before(async () => {
    server = await startScriptedServer();
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('a plain response: message item, usage, stored and retrievable', async () => {
    const r = await client.responses.create({
      model: 'thinking', input: 'Hi', instructions: 'Be kind.', reasoning: { effort: 'low' },
    });
    assert.match(r.id, /^resp_[0-9a-f]{32}$/);
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, 'thinking');
    assert.equal(r.instructions, 'Be kind.');
    assert.equal(r.output_text, 'Hello!');
    assert.deepEqual(r.output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal(r.output[0].content[0].type, 'reasoning_text');
    assert.equal(r.output[0].content[0].text, 'Hmm...');
    assert.deepEqual(r.output[1].content, [
      { type: 'output_text', text: 'Hello!', annotations: [], logprobs: [] }]);
    assert.equal(r.output[1].role, 'assistant');
    assert.ok(r.usage.input_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    assert.ok(r.usage.output_tokens_details.reasoning_tokens >= 2);
    assert.ok(r.usage.output_tokens > r.usage.output_tokens_details.reasoning_tokens);

    const again = await client.responses.retrieve(r.id);
    assert.deepEqual(again, r);
    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
  });

  test('streamed: the client\'s helper rebuilds the same response from the events', async () => {
    const stream = client.responses.stream({ model: 'thinking', input: 'Hi' });
    const types = [];
    let text = '';
    stream.on('event', (e) => types.push(e.type));
    stream.on('response.output_text.delta', (e) => { text += e.delta; });
    const final = await stream.finalResponse();
    assert.equal(text, 'Hello!');
    assert.equal(final.output_text, 'Hello!');
    assert.equal(final.status, 'completed');
    assert.equal(types[0], 'response.created');
    assert.equal(types[1], 'response.in_progress');
    assert.equal(types.at(-1), 'response.completed');
    assert.ok(types.includes('response.reasoning_text.delta'));
    assert.equal(types.filter((t) => t === 'response.output_item.added').length, 2);
    assert.equal(types.filter((t) => t === 'response.output_item.done').length, 2);
    const stored = await client.responses.retrieve(final.id);
    assert.equal(stored.output[1].content[0].text, 'Hello!');
  });

  test('tools: a function_call item, then the output round trip', async () => {
    const r = await client.responses.create({ model: 'tools', input: question, tools, temperature: 0 });
    assert.deepEqual(r.output.map((o) => o.type), ['message', 'function_call']);
    assert.equal(r.output_text, 'Let me check.');
    const call = r.output[1];
    assert.match(call.call_id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.name, 'get_weather');
    assert.equal(call.status, 'completed');
    assert.deepEqual(JSON.parse(call.arguments), ARGS);

    // The next turn given whole, and the same turn by previous_response_id: one prompt, the
    // same tokens as the chat completion of that conversation.
    const output = { type: 'function_call_output', call_id: call.call_id, output: RESULT };
    const whole = await client.responses.create({
      model: 'tools', input: [{ role: 'user', content: question }, ...r.output, output],
      tools, max_output_tokens: 1, store: false,
    });
    const chained = await client.responses.create({
      model: 'tools', previous_response_id: r.id, input: [output], tools, max_output_tokens: 1,
    });
    const chat = await client.chat.completions.create({
      model: 'tools', tools: roundTrip.tools, max_tokens: 1,
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: 'Let me check.', tool_calls: [
          { id: call.call_id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
        { role: 'tool', tool_call_id: call.call_id, content: RESULT },
      ],
    });
    assert.equal(whole.usage.input_tokens, chat.usage.prompt_tokens);
    assert.equal(chained.usage.input_tokens, chat.usage.prompt_tokens);
    assert.equal(chained.previous_response_id, r.id);
    // Each stored response lists the items its request added, with ids.
    const listed = async (id, query) => {
      const items = [];
      for await (const item of client.responses.inputItems.list(id, query)) items.push(item);
      return items;
    };
    const [first] = await listed(r.id);
    assert.match(first.id, /^msg_[0-9a-f]{32}$/);
    assert.deepEqual(first.content, [{ type: 'input_text', text: question }]);
    const added = await listed(chained.id, { order: 'asc' });
    assert.deepEqual(added.map((i) => [i.type, i.call_id]), [['function_call_output', call.call_id]]);
    assert.equal(whole.status, 'incomplete');
    assert.equal(whole.incomplete_details.reason, 'max_output_tokens');
    await assert.rejects(client.responses.retrieve(whole.id), (e) => e instanceof OpenAI.NotFoundError);
  });

  test('tools streamed: function_call_arguments events add up to the call', async () => {
    const stream = client.responses.stream({
      model: 'tools', input: question, tools, tool_choice: { type: 'function', name: 'get_weather' },
    });
    let args = '';
    stream.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
    const done = [];
    stream.on('response.function_call_arguments.done', (e) => done.push(e.arguments));
    const final = await stream.finalResponse();
    const calls = final.output.filter((o) => o.type === 'function_call');
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(args), ARGS);
    assert.deepEqual(done, [calls[0].arguments]);
    assert.equal(final.output_text, '');  // a forced call has no text before it
  });

  test('a forced call on a random-weight model: the arguments parse and validate', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.responses.create({
        model: TINY, input: question, tools: bounded, temperature: 1, seed, max_output_tokens: 200,
        tool_choice: seed === 3 ? 'required' : { type: 'function', name: 'get_weather' },
      });
      const calls = r.output.filter((o) => o.type === 'function_call');
      assert.ok(calls.length >= 1, JSON.stringify(r.output));
      assert.equal(calls[0].name, 'get_weather');
      const args = JSON.parse(calls[0].arguments);
      assert.deepEqual(Object.keys(args), ['location', 'unit'], calls[0].arguments);
      assert.ok(args.location.length <= 12, calls[0].arguments);
      assert.ok(['celsius', 'fahrenheit'].includes(args.unit), calls[0].arguments);
    }
  });

  test('text.format json_schema: every sampled answer parses and validates', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await client.responses.create({
        model: TINY, input: 'A recipe as JSON.', temperature: 1, seed, max_output_tokens: 300,
        text: { format: { type: 'json_schema', name: 'recipe', strict: true, schema } },
      });
      assert.equal(r.status, 'completed');
      assertRecipe(r.output_text);
    }
    const stream = client.responses.stream({
      model: TINY, input: 'A recipe as JSON.', temperature: 1, seed: 7, max_output_tokens: 300,
      text: { format: { type: 'json_schema', name: 'recipe', strict: true, schema } },
    });
    assertRecipe((await stream.finalResponse()).output_text);
  });

  test('errors: unsupported features are 400s naming them, unknown ids 404s', async () => {
    const bad = async (body, param) => assert.rejects(
      client.responses.create({ model: TINY, input: 'x', ...body }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === param, JSON.stringify(body));
    await bad({ tools: [{ type: 'web_search' }] }, 'tools[0].type');
    await bad({ background: true }, 'background');
    await bad({ include: ['message.output_text.logprobs'] }, 'include');
    await assert.rejects(
      client.responses.create({ model: TINY, input: 'x', previous_response_id: 'resp_nope' }),
      (e) => e instanceof OpenAI.NotFoundError && e.param === 'previous_response_id');
    await assert.rejects(client.responses.delete('resp_nope'), (e) => e instanceof OpenAI.NotFoundError);
  });
});
