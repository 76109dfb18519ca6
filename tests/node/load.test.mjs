// Bounded load test on loopback: 200 chat requests at concurrency 8 against one server,
// a tenth of the clients hanging up mid-stream. Every completed answer must equal the
// greedy reference for its prompt, no request may get a 5xx, the server must keep serving
// and must account every request in /metrics. Prints throughput and latency percentiles
// (reported, never asserted).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

import { startServer } from './server.mjs';

const MODEL = 'llama-tiny-Q8_0';
const TOTAL = Number(process.env.LOAD_REQUESTS ?? 200);
const CONCURRENCY = 8;
const MAX_TOKENS = 16;
const PROMPTS = ['Tell me a story.', 'What is the capital of France?', 'Count to ten.',
                 'Write a haiku about rain.', 'Why is the sky blue?'];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

let server;
let client;
before(async () => {
  server = await startServer(['--parallel', '4']);
  client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0, `server exit: ${server.stderr()}`);
});

test(`${TOTAL} requests at concurrency ${CONCURRENCY}, 10% disconnecting early`, async () => {
  const request = (prompt) => ({
    model: MODEL, messages: [{ role: 'user', content: prompt }], max_tokens: MAX_TOKENS,
    temperature: 0,
  });
  // Reference answers, one request at a time.
  const reference = new Map();
  for (const p of PROMPTS) {
    reference.set(p, (await client.chat.completions.create(request(p))).choices[0].message.content);
  }

  const latencies = [];
  const failures = [];
  let completed = 0;
  let disconnected = 0;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < TOTAL) {
      const i = next++;
      const prompt = PROMPTS[i % PROMPTS.length];
      const t0 = performance.now();
      try {
        if (i % 10 === 3) {
          // Hang up after the first content chunk.
          const controller = new AbortController();
          const stream = await client.chat.completions.create(
            { ...request(prompt), stream: true }, { signal: controller.signal });
          try {
            for await (const chunk of stream) {
              if (chunk.choices[0]?.delta?.content) { controller.abort(); break; }
            }
          } catch (e) {
            if (e.name !== 'APIUserAbortError' && e.name !== 'AbortError') throw e;
          }
          disconnected++;
        } else if (i % 2 === 0) {
          const stream = await client.chat.completions.create({ ...request(prompt), stream: true });
          let text = '';
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          if (text !== reference.get(prompt)) failures.push(`#${i} streamed ${JSON.stringify(text)}`);
          completed++;
          latencies.push(performance.now() - t0);
        } else {
          const r = await client.chat.completions.create(request(prompt));
          if (r.choices[0].message.content !== reference.get(prompt)) {
            failures.push(`#${i} got ${JSON.stringify(r.choices[0].message.content)}`);
          }
          completed++;
          latencies.push(performance.now() - t0);
        }
      } catch (e) {
        failures.push(`#${i} ${e.status ?? ''} ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;

  assert.deepEqual(failures, []);
  assert.equal(completed + disconnected, TOTAL);
  assert.equal(disconnected, TOTAL / 10);

  // Still serving, nothing left running, and no 5xx in the server's own accounting.
  const health = await fetch(`${server.baseURL}/health`);
  assert.equal(health.status, 200);
  // A request is counted when its handler returns, which for a client that hung up can come
  // after the scheduler's last sequence ended: wait for both.
  const servedOf = (m) => [...m.matchAll(/^inferno_requests_total\{route="\/v1\/chat\/completions",status="200"\} (\d+)$/gm)];
  let metrics = '';
  for (let tries = 0; tries < 50; tries++) {
    metrics = await (await fetch(`${server.baseURL}/metrics`)).text();
    const counted = servedOf(metrics);
    if (/^inferno_active_sequences 0$/m.test(metrics) && counted.length === 1 &&
        Number(counted[0][1]) === TOTAL + PROMPTS.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(metrics, /^inferno_active_sequences 0$/m);
  assert.match(metrics, /^inferno_queue_depth 0$/m);
  assert.doesNotMatch(metrics, /status="5\d\d"/);
  const served = servedOf(metrics);
  assert.equal(served.length, 1, metrics);
  assert.equal(Number(served[0][1]), TOTAL + PROMPTS.length);

  latencies.sort((a, b) => a - b);
  console.log(`load: ${TOTAL} requests (${completed} completed, ${disconnected} hung up early) ` +
              `in ${seconds.toFixed(2)} s = ${(TOTAL / seconds).toFixed(1)} req/s; latency ` +
              `p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms`);
});
