// LangChain's ChatOpenAI (@langchain/openai), unchanged, against a real `inferno serve`:
// bindTools on the scripted tool model (tests/thinking_model.h; Qwen2.5's real template) and a
// tool round trip; withStructuredOutput in its three methods on a random-weight model, which
// writes gibberish unless constrained, so a schema that validates means the server enforced it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';

import { writeToolModel } from '../e2e/thinking_model.mjs';
import { sharedDir, startServer } from './server.mjs';

const templates = join(sharedDir, 'fixtures', 'templates');

const getWeather = tool(async ({ location }) => `22 degrees in ${location}`, {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  schema: z.object({
    location: z.string().describe('The city name'),
    unit: z.enum(['celsius', 'fahrenheit']).optional(),
  }),
});

const recipe = z.object({
  title: z.string().max(16),
  servings: z.number().int().min(1).max(12),
  vegan: z.boolean(),
  steps: z.array(z.string().max(8)).min(1).max(3),
});

describe('LangChain ChatOpenAI', () => {
  let server;
  let dir;
  const chat = (model, extra = {}) => new ChatOpenAI({
    model, apiKey: 'unused', configuration: { baseURL: `${server.baseURL}/v1` }, maxRetries: 0,
    ...extra,
  });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferno-langchain-'));
    const qwen = readFileSync(join(templates, 'jinja', 'Qwen-Qwen2.5-7B-Instruct.jinja'), 'utf8');
    writeToolModel(join(dir, 'tools.gguf'), qwen);
    server = await startServer(['--models-dir', dir]);
  });
  after(async () => {
    const { code } = await server.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('bindTools: the reply carries the parsed call', async () => {
    const model = chat('tools', { temperature: 0 }).bindTools([getWeather]);
    const reply = await model.invoke([new HumanMessage('What is the weather in Paris?')]);
    assert.equal(reply.content, 'Let me check.');
    assert.equal(reply.tool_calls.length, 1);
    const call = reply.tool_calls[0];
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(call.args, { location: 'Paris', unit: 'celsius' });
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(reply.response_metadata.finish_reason, 'tool_calls');
  });

  test('a tool round trip: the call runs and its result goes back', async () => {
    const model = chat('tools', { temperature: 0 }).bindTools([getWeather]);
    const question = new HumanMessage('What is the weather in Paris?');
    const first = await model.invoke([question]);
    const result = await getWeather.invoke(first.tool_calls[0]);
    assert.ok(result instanceof ToolMessage);
    assert.equal(result.content, '22 degrees in Paris');
    const second = await model.invoke([question, first, result]);
    assert.ok(second instanceof AIMessage);
    // The result turn was rendered into the prompt: it is longer than the first one by at least
    // the tool's words.
    const firstIn = first.usage_metadata.input_tokens;
    assert.ok(second.usage_metadata.input_tokens > firstIn + 5,
      `${second.usage_metadata.input_tokens} vs ${firstIn}`);
  });

  test('streamed: the chunks concatenate into the same call', async () => {
    const model = chat('tools', { temperature: 0 }).bindTools([getWeather]);
    let full;
    for await (const chunk of await model.stream('What is the weather in Paris?')) {
      full = full === undefined ? chunk : full.concat(chunk);
    }
    assert.equal(full.tool_calls.length, 1);
    assert.equal(full.tool_calls[0].name, 'get_weather');
    assert.deepEqual(full.tool_calls[0].args, { location: 'Paris', unit: 'celsius' });
  });

  for (const method of ['functionCalling', 'jsonSchema']) {
    test(`withStructuredOutput(${method}): every sampled answer validates`, async () => {
      for (const seed of [1, 2, 3]) {
        const options = { temperature: 1, maxTokens: 300, modelKwargs: { seed } };
        const model = chat('llama-tiny-Q8_0', options)
          .withStructuredOutput(recipe, { method, name: 'recipe' });
        const out = await model.invoke('Give me a recipe.');
        assert.deepEqual(recipe.parse(out), out);
      }
    });
  }

  // JSON mode constrains the form, not the length: a random model can stay inside a string
  // until max_tokens (finish_reason "length", as with OpenAI). Every answer that stopped must
  // parse to an object, and most do stop.
  test('withStructuredOutput(jsonMode): answers that stop are JSON objects', async () => {
    const anyObject = z.record(z.string(), z.unknown());
    let stopped = 0;
    for (const seed of [1, 2, 3, 4]) {
      const options = { temperature: 1, maxTokens: 200, modelKwargs: { seed } };
      const model = chat('llama-tiny-Q8_0', options)
        .withStructuredOutput(anyObject, { method: 'jsonMode', includeRaw: true });
      const { raw, parsed, parsingError } = await model.invoke('Answer in JSON.');
      if (raw.response_metadata.finish_reason !== 'stop') continue;
      stopped += 1;
      assert.equal(parsingError, undefined, `${raw.content}: ${parsingError}`);
      assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed),
        raw.content);
      assert.deepEqual(JSON.parse(raw.content), parsed);
    }
    assert.ok(stopped >= 2, `only ${stopped} of 4 answers stopped`);
  });
});
