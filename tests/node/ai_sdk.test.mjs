// The Vercel AI SDK, unchanged, against `inferno serve`: `@ai-sdk/openai`'s default path (the
// Responses API: createOpenAI(...)(model)), its `.chat()` path, and `@ai-sdk/openai-compatible`.
// Each: generateText, streamText, a tool loop on the scripted tool model (the tool really
// runs and its result goes back), and generateObject with a zod schema on a random-weight
// model, whose answers validate only because decoding is constrained.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';

import { sharedDir, startScriptedServer } from './server.mjs';

const TINY = 'llama-tiny-Q8_0';
const templates = join(sharedDir, 'fixtures', 'templates');
const roundTrip = JSON.parse(readFileSync(join(templates, 'cases.json'), 'utf8'))
  .cases.find((c) => c.id === 'tool-roundtrip').context;
const weather = roundTrip.tools[0].function;
const question = roundTrip.messages[0].content;
const ARGS = { location: 'Paris', unit: 'celsius' };

const recipe = z.object({
  title: z.string().max(16),
  servings: z.number().int().min(1).max(12),
  tags: z.array(z.enum(['quick', 'vegan', 'cheap'])).min(1).max(3),
});

// get_weather as an AI SDK tool that records its calls.
function weatherTool(calls) {
  return tool({
    description: weather.description,
    inputSchema: jsonSchema(weather.parameters),
    execute: async (input) => {
      calls.push(input);
      return { temperature: 18, sky: 'clear' };
    },
  });
}

async function joined(textStream) {
  let text = '';
  for await (const part of textStream) text += part;
  return text;
}

async function toolLoop(model) {
  const calls = [];
  const r = await generateText({
    model, prompt: question, temperature: 0, tools: { get_weather: weatherTool(calls) },
    stopWhen: stepCountIs(2), include: { requestBody: true },
  });
  assert.equal(r.steps.length, 2);
  assert.deepEqual(calls, [ARGS, ARGS]);  // the scripted model calls on every turn
  assert.equal(r.steps[0].text, 'Let me check.');
  assert.equal(r.steps[0].finishReason, 'tool-calls');
  assert.deepEqual(r.steps[0].toolResults.map((t) => t.output), [{ temperature: 18, sky: 'clear' }]);
  // The second request carried the first call's result.
  assert.ok(r.steps[1].usage.inputTokens > r.steps[0].usage.inputTokens);
  return r;
}

async function objectsValidate(model) {
  for (const seed of [1, 2]) {
    const { object } = await generateObject({
      model, schema: recipe, prompt: 'A recipe.', temperature: 1, seed, maxOutputTokens: 300,
    });
    assert.deepEqual(Object.keys(object), ['title', 'servings', 'tags']);
    assert.ok(Number.isInteger(object.servings));
  }
}

describe('AI SDK against inferno serve', () => {
  let server;
  let openai;
  let compatible;
  before(async () => {
    server = await startScriptedServer();
    openai = createOpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused' });
    compatible = createOpenAICompatible({
      name: 'inferno', baseURL: `${server.baseURL}/v1`, apiKey: 'unused',
      supportsStructuredOutputs: true,
    });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  describe('@ai-sdk/openai default path (Responses)', () => {
    test('generateText: the answer, usage and the response id', async () => {
      const r = await generateText({
        model: openai('thinking'), prompt: 'Hi', include: { responseBody: true },
      });
      assert.equal(r.text, 'Hello!');
      assert.equal(r.finishReason, 'stop');
      assert.ok(r.usage.inputTokens > 0);
      assert.ok(r.usage.outputTokens >= 4);
      assert.match(r.providerMetadata.openai.responseId, /^resp_/);
      assert.equal(r.response.body.output[0].content[0].text, 'Hmm...');
    });

    test('streamText: the text stream', async () => {
      const r = streamText({ model: openai('thinking'), prompt: 'Hi' });
      assert.equal(await joined(r.textStream), 'Hello!');
      assert.equal(await r.finishReason, 'stop');
    });

    test('a tool loop: function_call_output and item references go back', async () => {
      const r = await toolLoop(openai('tools'));
      const input = r.steps[1].request.body.input;
      const output = input.find((i) => i.type === 'function_call_output');
      assert.deepEqual(JSON.parse(output.output), { temperature: 18, sky: 'clear' });
      // With store on (the SDK's default) the assistant's text goes back as a reference to
      // the stored item, which the server resolved.
      assert.ok(input.some((i) => i.type === 'item_reference' && i.id.startsWith('msg_')),
        JSON.stringify(input));
    });

    test('a streamed tool call', async () => {
      const calls = [];
      const r = streamText({
        model: openai('tools'), prompt: question, tools: { get_weather: weatherTool(calls) },
        toolChoice: { type: 'tool', toolName: 'get_weather' },
      });
      const toolCalls = await r.toolCalls;
      assert.equal(toolCalls.length, 1);
      assert.deepEqual(toolCalls[0].input, ARGS);
      assert.deepEqual(calls, [ARGS]);
    });

    test('a required tool call on a random-weight model parses and validates', async () => {
      const calls = [];
      const place = z.object({ location: z.string().max(12), unit: z.enum(['celsius', 'fahrenheit']) });
      const r = await generateText({
        model: openai(TINY), prompt: question, toolChoice: 'required', maxOutputTokens: 200,
        tools: { get_weather: tool({ inputSchema: place, execute: async (i) => calls.push(i) }) },
      });
      assert.equal(r.toolCalls[0].toolName, 'get_weather');
      assert.deepEqual(Object.keys(calls[0]), ['location', 'unit']);
      assert.ok(place.safeParse(calls[0]).success);
    });

    test('generateObject with zod validates whatever the model', async () => {
      await objectsValidate(openai(TINY));
    });
  });

  describe('@ai-sdk/openai .chat() path', () => {
    test('a tool loop', async () => {
      await toolLoop(openai.chat('tools'));
    });
    test('generateObject with zod', async () => {
      await objectsValidate(openai.chat(TINY));
    });
  });

  describe('@ai-sdk/openai-compatible', () => {
    test('streamText', async () => {
      const r = streamText({ model: compatible('thinking'), prompt: 'Hi' });
      assert.equal(await joined(r.textStream), 'Hello!');
      assert.equal(await r.reasoningText, 'Hmm...');
    });
    test('a tool loop', async () => {
      await toolLoop(compatible('tools'));
    });
    test('generateObject with zod', async () => {
      await objectsValidate(compatible(TINY));
    });
  });
});
