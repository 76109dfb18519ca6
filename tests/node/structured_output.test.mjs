// Structured output with the official `openai` npm client, unchanged: response_format
// json_schema (strict) and json_object against a random-weight model, which writes gibberish
// unless constrained. Every answer must parse and validate, streamed or not; an unsupported
// schema is the client's BadRequestError naming the keyword.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

import { startServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const messages = [{ role: 'user', content: 'Give me a recipe as JSON.' }];
const schema = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 16 },
    servings: { type: 'integer', minimum: 1, maximum: 12 },
    vegan: { type: 'boolean' },
    steps: { type: 'array', items: { type: 'string', maxLength: 8 }, minItems: 1, maxItems: 3 },
  },
  required: ['title', 'servings', 'vegan', 'steps'],
  additionalProperties: false,
};
const responseFormat = {
  type: 'json_schema', json_schema: { name: 'recipe', strict: true, schema },
};

// The schema, checked by hand.
function assertRecipe(text) {
  const r = JSON.parse(text);
  assert.deepEqual(Object.keys(r), ['title', 'servings', 'vegan', 'steps'], text);
  assert.equal(typeof r.title, 'string');
  assert.ok(Number.isInteger(r.servings) && r.servings >= 1 && r.servings <= 12, text);
  assert.equal(typeof r.vegan, 'boolean');
  assert.ok(Array.isArray(r.steps) && r.steps.length >= 1 && r.steps.length <= 3, text);
  for (const s of r.steps) assert.equal(typeof s, 'string');
}

describe('structured output with the openai client', () => {
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

  test('json_schema: every sampled answer parses and validates', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await client.chat.completions.create({
        model: MODEL, messages, max_tokens: 300, temperature: 1, seed,
        response_format: responseFormat,
      });
      assert.equal(r.choices[0].finish_reason, 'stop');
      assertRecipe(r.choices[0].message.content);
    }
  });

  test('json_schema streamed: the joined deltas validate', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 300, temperature: 1, seed: 9, stream: true,
      response_format: responseFormat,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assertRecipe(text);
  });

  test('json_object: an object', async () => {
    const r = await client.chat.completions.create({
      model: MODEL, messages, max_tokens: 400, temperature: 0.5, seed: 2,
      response_format: { type: 'json_object' },
    });
    const text = r.choices[0].message.content;
    assert.equal(text.trimStart()[0], '{', text);
    if (r.choices[0].finish_reason === 'stop') {
      const v = JSON.parse(text);
      assert.equal(typeof v, 'object');
      assert.ok(v !== null && !Array.isArray(v), text);
    }
  });

  test('an unsupported schema keyword is a BadRequestError naming it', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: MODEL, messages, max_tokens: 8,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'array', uniqueItems: true } },
        },
      }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.equal(err.status, 400);
        assert.match(err.message, /uniqueItems/);
        return true;
      });
  });
});
