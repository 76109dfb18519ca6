// End-to-end tests of the web UI: Debian's Chromium driven by playwright-core against a
// real `inferno serve` on a fixture model. Screenshots of the main views go to
// docs/screenshots/ (referenced from the README).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cliGreedy, cliTokens, sharedDir, startServer } from './server.mjs';
import { keepChatStreams, launchBrowser, shots } from './browser.mjs';


let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

/** A fresh page (own storage) with the theme fixed so screenshots are stable. */
async function openPage(theme = 'light', url = server.url, waitForModels = true) {
  // A fixed seed makes the replies (and so the screenshots) the same on every run.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: theme,
    storageState: {
      cookies: [],
      origins: [{ origin: url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7"}' }] }],
    },
  });
  const page = await context.newPage();
  await keepChatStreams(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + '/');
  if (waitForModels) {
    await page.getByRole('combobox', { name: 'Model' }).locator('option', { hasText: 'llama-tiny-Q8_0' }).waitFor({ state: 'attached' });
  }
  return { page, context, errors };
}

/**
 * The JSON events of the n-th chat stream the page received. The page's own fetch keeps a
 * copy (see openPage): the browser's network log decodes streamed bodies as Latin-1.
 */
async function sseChunks(page, n = -1) {
  const handle = await page.waitForFunction((i) => window.__streams.at(i), n);
  return (await handle.jsonValue())
    .split('\n\n')
    .map((e) => e.replace(/^data: /, '').trim())
    .filter((d) => d && d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

/** Sends a prompt and returns the chat request body and the parsed SSE chunks. */
async function sendAndCollect(page, prompt) {
  const reqPromise = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
  const before = await page.evaluate(() => window.__streams.length);
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(prompt);
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const request = (await reqPromise).postDataJSON();
  await page.waitForFunction((n) => window.__streams.length > n, before);
  const chunks = await sseChunks(page);
  await page.getByTestId('metrics').last().waitFor();
  return { request, chunks };
}

/** What a token chip shows for a logprobs entry (web/src/lib/probability.ts visibleToken). */
function chipText(step) {
  if (step.token.includes('\uFFFD') && step.bytes?.length) {
    return `‹${step.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}›`;
  }
  return step.token.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A value from the server's Prometheus /metrics. */
async function metric(name) {
  const text = await (await fetch(server.url + '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  assert.ok(line, `${name} not in /metrics`);
  return Number(line.split(' ')[1]);
}

function streamedText(chunks) {
  return chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
}

describe('web UI', () => {
  test('send a chat and see the streamed text with its metrics', async () => {
    const { page, context, errors } = await openPage();
    // The model list shows size, quantization and architecture.
    const label = await page.locator('select[aria-label=Model] option', { hasText: 'llama-tiny-Q8_0' }).textContent();
    assert.match(label, /llama · 9\.4M · Q8_0 · 10\.2 MiB/);

    const { request, chunks } = await sendAndCollect(page, 'Tell me a story');
    assert.equal(request.stream, true);
    assert.deepEqual(request.messages, [{ role: 'user', content: 'Tell me a story' }]);
    const deltas = chunks.filter((c) => c.choices?.[0]?.delta?.content);
    assert.ok(deltas.length >= 2, `expected several streamed chunks, got ${deltas.length}`);
    const usage = chunks.find((c) => c.usage).usage;

    // What the page shows is exactly what was streamed, token by token.
    const reply = page.locator('article.assistant').last();
    await reply.getByRole('button', { name: 'Tokens' }).click();
    const chips = reply.locator('.token-strip button.tok');
    assert.equal(await chips.count(), usage.completion_tokens);
    const steps = chunks.flatMap((c) => c.choices?.[0]?.logprobs?.content ?? []);
    assert.deepEqual(await chips.allTextContents(), steps.map(chipText));
    await reply.getByRole('button', { name: 'Text' }).click();
    // The text view renders the same text (as Markdown: compared when it has no markup).
    const text = streamedText(chunks);
    if (!/[*_`#[\]<>\\|~=-]|^\s*\d+\./m.test(text)) {
      const rendered = await reply.locator('.markdown').textContent();
      assert.equal(rendered.replace(/\s+/g, ''), text.replace(/\s+/g, ''));
    }
    // tokens/s is the decode rate the server measured (timings on the finish chunk).
    const timings = chunks.find((c) => c.timings)?.timings;
    assert.ok(timings?.predicted_per_second > 0, 'the finish chunk carries the server timings');
    assert.equal(timings.predicted_n, usage.completion_tokens);
    const metrics = await reply.getByTestId('metrics').textContent();
    const rate = timings.predicted_per_second.toFixed(1).replace('.', '\\.');
    assert.match(metrics, new RegExp(`${usage.completion_tokens} tokens · ${rate} tok/s · TTFT \\d+ ms`));
    await page.screenshot({ path: path.join(shots, 'chat-light.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('settings go into the request; greedy regenerate repeats the reply', async () => {
    const { page, context } = await openPage();
    await page.getByLabel('System prompt').fill('You are terse.');
    await page.locator('#set-temperature').fill('0');
    await page.locator('#set-top_k').fill('5');
    await page.locator('#set-max_tokens').fill('6');
    await page.locator('#set-seed').fill('1234');
    const { request, chunks } = await sendAndCollect(page, 'Hello');
    assert.equal(request.temperature, 0);
    assert.equal(request.top_k, 5);
    assert.equal(request.max_tokens, 6);
    assert.equal(request.seed, 1234);
    assert.deepEqual(request.messages[0], { role: 'system', content: 'You are terse.' });
    assert.equal(chunks.find((c) => c.usage).usage.completion_tokens, 6);
    await page.getByText('max tokens reached').waitFor();
    await page.screenshot({ path: path.join(shots, 'settings.png') });

    // Regenerate at temperature 0 gives the same tokens.
    const first = streamedText(chunks);
    await page.getByRole('button', { name: 'Regenerate' }).click();
    assert.equal(streamedText(await sseChunks(page, 1)), first);
    assert.equal(await page.locator('article.assistant').count(), 1);
    // With a store, regenerate replaced the reply there too, without an error.
    assert.equal(await page.locator('.banner', { hasText: 'History:' }).count(), 0);

    // Settings survive a reload (localStorage).
    await page.reload();
    assert.equal(await page.locator('#set-max_tokens').inputValue(), '6');
    await context.close();
  });

  test('edit and resend replaces the turn; Stop ends a long reply', async () => {
    const { page, context } = await openPage();
    await page.locator('#set-max_tokens').fill('4');
    await sendAndCollect(page, 'First question');
    await page.locator('article.user').hover();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edit message').fill('Second question');
    const reqPromise = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
    await page.getByRole('button', { name: 'Send edited' }).click();
    const edited = (await reqPromise).postDataJSON();
    assert.deepEqual(edited.messages, [{ role: 'user', content: 'Second question' }]);
    await page.getByTestId('metrics').waitFor();
    assert.equal(await page.locator('article.user').count(), 1);
    assert.equal(await page.locator('article.user').textContent(), 'Second questionEdit');

    const generatedBefore = await metric('inferno_generated_tokens_total');
    await page.locator('#set-max_tokens').fill('1900');
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Go on for a long time');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const reply = page.locator('article.assistant').last();
    await reply.locator('.markdown:not(:empty)').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await reply.getByText('stopped').waitFor();
    const tokens = Number((await reply.getByTestId('metrics').textContent()).match(/(\d+) tokens/)[1]);
    assert.ok(tokens > 0 && tokens < 1900, `stopped after ${tokens} tokens`);
    // The server cancelled the generation: nothing is decoding and far fewer than the
    // 1900 asked-for tokens were generated.
    for (let i = 0; i < 50 && (await metric('inferno_active_sequences')) > 0; i++) await sleep(100);
    assert.equal(await metric('inferno_active_sequences'), 0);
    const generated = (await metric('inferno_generated_tokens_total')) - generatedBefore;
    assert.ok(generated < 1900, `the server generated ${generated} tokens after Stop`);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    assert.equal(await page.locator('.banner', { hasText: 'History:' }).count(), 0);
    await context.close();
  });

  test('click a token and see its top-k alternatives as bars', async () => {
    const { page, context } = await openPage();
    await page.locator('#set-max_tokens').fill('12');
    await page.locator('#set-top_logprobs').fill('8');
    const { request, chunks } = await sendAndCollect(page, 'Once upon a time');
    assert.equal(request.logprobs, true);
    assert.equal(request.top_logprobs, 8);
    const steps = chunks.flatMap((c) => c.choices?.[0]?.logprobs?.content ?? []);
    const reply = page.locator('article.assistant').last();
    await reply.getByRole('button', { name: 'Tokens' }).click();
    await reply.locator('.token-strip button.tok').nth(2).click();
    const rows = reply.getByTestId('topk-row');
    assert.equal(await rows.count(), 8);
    // Each bar shows the probability the server sent for that alternative.
    const probs = await reply.locator('.topk-prob').allTextContents();
    const expected = steps[2].top_logprobs.map((t) => Math.exp(t.logprob));
    probs.forEach((text, i) => {
      const shown = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
      assert.ok(Math.abs(shown - expected[i]) <= Math.max(0.006, expected[i] * 0.06), `${text} vs ${expected[i]}`);
    });
    const widths = await reply.locator('.topk-bar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    for (let i = 1; i < widths.length; i++) assert.ok(widths[i] <= widths[i - 1] + 0.5, 'bars sorted by probability');
    assert.equal(await reply.locator('.topk-bars li.chosen').count(), 1);
    await page.screenshot({ path: path.join(shots, 'tokens.png') });
    await context.close();
  });

  test('tokenizer view matches the CLI tokenizer', async () => {
    const { page, context } = await openPage();
    await page.getByRole('tab', { name: 'Tokenizer' }).click();
    const text = 'The quick brown fox, 1234 times!';
    await page.getByLabel('Text to tokenize').fill(text);
    await page.getByRole('button', { name: 'Tokenize' }).click();
    await page.getByTestId('token-count').waitFor();
    const oracle = cliTokens(text);
    assert.equal(await page.getByTestId('token-count').textContent(), `${oracle.length} tokens · ${text.length} characters`);
    const ids = await page.locator('[data-testid=tokenized] sub').allTextContents();
    assert.deepEqual(ids.map(Number), oracle.map((t) => t.id));
    await page.screenshot({ path: path.join(shots, 'tokenizer.png') });
    await context.close();
  });

  test("compare two models on the debugger: greedy tokens, divergence, and the server's KL per step", async () => {
    const { page, context, errors } = await openPage();
    // What the server sends the page on its debugger connection.
    const frames = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => typeof f.payload === 'string' && frames.push(JSON.parse(f.payload))));
    await page.locator('#set-max_tokens').fill('16');
    await page.getByRole('tab', { name: 'Compare' }).click();
    await page.getByLabel('Model A').selectOption('llama-tiny-Q8_0');
    await page.getByLabel('Model B').selectOption('llama-tiny-Q4_0');
    await page.getByLabel('Prompt to compare').fill('Once upon a time');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.getByTestId('compare-mean-kl').waitFor();
    await page.getByRole('button', { name: 'Compare' }).waitFor();
    const a = await page.getByTestId('compare-a').locator('.tok').allTextContents();
    const b = await page.getByTestId('compare-b').locator('.tok').allTextContents();
    const models = path.join(sharedDir, 'fixtures/models');
    const oracleA = cliGreedy(path.join(models, 'llama-tiny-Q8_0.gguf'), 'Once upon a time', 16);
    const oracleB = cliGreedy(path.join(models, 'llama-tiny-Q4_0.gguf'), 'Once upon a time', 16);
    const vis = (t) => t.replace(/ /g, '·').replace(/\n/g, '↵');
    assert.deepEqual(a, oracleA.map(vis));
    assert.deepEqual(b, oracleB.map(vis));
    let div = oracleA.findIndex((t, i) => t !== oracleB[i]);
    const summary = await page.getByTestId('compare-summary').textContent();
    if (div >= 0) {
      assert.match(summary, new RegExp(`part at token ${div}\\.`));
      assert.equal(await page.locator('.tok.diverge').count(), 2);
    } else {
      div = 15;
      assert.match(summary, /Identical for 16 tokens/);
    }
    // The figures shown are the ones the server's `compare` sent, in nats.
    const steps = frames.filter((m) => m.type === 'compare' && m.kind === 'step');
    const end = frames.find((m) => m.type === 'compare' && m.kind === 'summary');
    assert.equal(steps.length, 16);
    assert.equal(end.first_divergence, div < 15 ? div : -1);
    const nats = (v) => (v === 0 ? '0' : v.toPrecision(4));
    assert.equal(await page.getByTestId('compare-mean-kl').textContent(), nats(end.mean_kl_ab));
    assert.equal(await page.getByTestId('compare-top1').textContent(), `${(end.top1_agreement * 100).toFixed(0)}%`);
    assert.match(summary, new RegExp(`Over the 16 steps compared: mean KL\\(A‖B\\) ${nats(end.mean_kl_ab)} nats`));
    const rows = await page.getByTestId('compare-steps').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    assert.deepEqual(
      rows.map((r) => [Number(r[0]), r[3], r[4], r[5]]),
      steps.map((s) => [s.index, nats(s.kl_ab), nats(s.kl_ba), s.top1_agree ? 'same' : 'differs']),
    );
    assert.ok(steps.slice(0, div + 1).every((s) => s.same_prefix && s.kl_ab >= 0));
    // One KL bar per step while the prefixes are the same.
    assert.equal(await page.locator('.compare .step-chart .bar').count(), div + 1);
    // The screenshot shows the results: summary, chart, both outputs and the table of steps.
    await page.getByTestId('compare-summary').evaluate((el) => el.scrollIntoView());
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'compare.png') });
    await page.getByTestId('compare-a').locator('.tok').nth(div).click();
    assert.equal(await page.locator('.compare .topk').count(), 2);
    assert.match(
      await page.getByTestId('compare-step-detail').textContent(),
      new RegExp(`^Step ${div}: KL\\(A‖B\\) ${nats(steps[div].kl_ab)} nats, KL\\(B‖A\\) ${nats(steps[div].kl_ba)} nats`),
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('debugger: token stream, top-k, attention, logit lens and a branch (or a clear note without /ws)', async () => {
    const { page, context } = await openPage();
    await page.locator('#set-temperature').fill('0');
    await page.locator('#set-repeat_penalty').fill('1');
    await page.locator('#set-max_tokens').fill('8');
    await page.getByRole('tab', { name: 'Debugger' }).click();
    const unavailable = page.getByText('The debugger is not available on this server');
    await Promise.race([page.locator('.conn.open').waitFor(), unavailable.waitFor()]);
    if (await unavailable.isVisible()) {
      await page.screenshot({ path: path.join(shots, 'debugger.png') });
      await context.close();
      return;
    }
    await page.getByLabel('Prompt to debug').fill('Once upon a time');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
    const tokens = page.getByTestId('debug-tokens').locator('.tok');
    assert.equal(await tokens.count(), 8);
    // Greedy: the same tokens as the CLI.
    const models = path.join(sharedDir, 'fixtures/models');
    const oracle = cliGreedy(path.join(models, 'llama-tiny-Q8_0.gguf'), 'Once upon a time', 8);
    const texts = await tokens.allTextContents();
    oracle.forEach((t, i) => {
      if (!t.includes('\uFFFD')) assert.equal(texts[i], t.replace(/ /g, '·').replace(/\n/g, '↵'));
    });
    await tokens.nth(1).click();
    const rows = page.getByTestId('debug-topk-row');
    assert.ok((await rows.count()) >= 2);
    assert.equal(await page.locator('.inspector .topk-bars li.chosen').count(), 1);
    assert.ok((await page.getByTestId('heatmap').locator('rect').count()) > 0, 'attention heatmap has cells');
    assert.ok((await page.getByTestId('lens-grid').locator('tbody tr').count()) > 0, 'logit lens has layers');
    // A tall window without the settings panel shows the whole inspector.
    await page.getByRole('button', { name: 'Close settings' }).click();
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.screenshot({ path: path.join(shots, 'debugger.png') });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export session (JSON)' }).click(),
    ]);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.format, 'inferno.debug-session');
    assert.deepEqual(doc.session.tokens.map((t) => t.text), oracle);

    // Branch from the second-best alternative at step 1.
    const alt = page.locator('[data-testid=debug-topk-row]:not(.chosen)').first();
    const altText = await alt.locator('.topk-token').textContent();
    await alt.getByRole('button', { name: /^Branch with/ }).click();
    await page.locator('.branches').getByText('branch at 1').waitFor();
    await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
    const branched = await page.getByTestId('debug-tokens').locator('.tok').allTextContents();
    assert.equal(branched[0], texts[0]);
    assert.equal(branched[1], altText);

    // The server stored both sessions: after a reload the first one opens from "Saved" with
    // the same tokens and its alternatives.
    await page.reload();
    await page.getByRole('tab', { name: 'Debugger' }).click();
    const saved = page.getByRole('list', { name: 'Saved sessions' });
    await saved.waitFor();
    assert.equal(await saved.getByRole('button', { name: /^↳/ }).count(), 1, 'the branch is listed');
    await saved.getByRole('button', { name: /^s[0-9a-f]{8}… .*\(8\)$/ }).first().click();
    const reopened = page.getByTestId('debug-tokens').locator('.tok');
    await reopened.nth(7).waitFor();
    const again = await reopened.allTextContents();
    texts.forEach((t, i) => {
      if (!t.includes('\uFFFD') && !again[i].includes('\uFFFD')) assert.equal(again[i], t);
    });
    await reopened.nth(1).click();
    assert.ok((await page.getByTestId('debug-topk-row').count()) >= 2);
    await context.close();
  });

  test('dark/light toggle changes the colours and persists', async () => {
    const { page, context } = await openPage('light');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const dark = await bg();
    assert.notEqual(dark, light);
    await page.reload();
    assert.equal(await bg(), dark);
    await page.locator('#set-max_tokens').fill('24');
    await sendAndCollect(page, 'Write `code` please');
    await page.screenshot({ path: path.join(shots, 'chat-dark.png') });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    assert.equal(await bg(), light);
    await context.close();
  });

  test('server errors are shown as readable messages', async () => {
    const { page, context } = await openPage();
    // A model that fails to load: flagged in the list, and the request's error shown.
    await page.getByRole('combobox', { name: 'Model' }).selectOption('broken');
    await page.getByRole('alert').filter({ hasText: 'cannot be used' }).waitFor();
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('hi');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const alert = page.locator('article.assistant .error');
    await alert.waitFor();
    assert.match(await alert.textContent(), /^The model failed to load \(HTTP 500\): .*broken\.gguf.*not a GGUF file/);
    await page.screenshot({ path: path.join(shots, 'error.png') });

    // The server unreachable.
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await page.reload();
    const banner = page.locator('.banner.error');
    await banner.waitFor();
    assert.match(await banner.textContent(), /Cannot reach the Inferno server/);
    await context.close();
  });

  test('history: the store when the server has it, a clear note when not', async () => {
    const { page, context } = await openPage();
    const res = await page.request.get(server.url + '/api/conversations');
    if (res.status() === 404) {
      await page.getByText('History is not available').waitFor();
    } else {
      assert.equal(res.status(), 200);
      await page.locator('#set-max_tokens').fill('4');
      await sendAndCollect(page, 'Remember this chat');
      await page.locator('.conv-list').getByText('Remember this chat').waitFor();
      await page.reload();
      await page.locator('.conv-list').getByText('Remember this chat').click();
      await page.locator('article.user', { hasText: 'Remember this chat' }).waitFor();
      await page.locator('article.assistant').waitFor();
      const reply = await page.locator('article.assistant .markdown').textContent();

      // Export as JSON, import it back: a second copy with the same messages.
      const item = page.locator('.conv-list li', { hasText: 'Remember this chat' });
      await item.locator('summary').click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        item.getByRole('button', { name: 'Export JSON' }).click(),
      ]);
      const file = await download.path();
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(doc.format, 'inferno.conversation');
      assert.deepEqual(doc.conversation.messages.map((m) => m.role), ['user', 'assistant']);
      await page.getByLabel('Import a conversation file').setInputFiles(file);
      await page.waitForFunction(
        () => [...document.querySelectorAll('.conv-list li')].filter((li) => li.textContent.includes('Remember this chat')).length === 2,
      );
      await page.locator('article.user', { hasText: 'Remember this chat' }).waitFor();
      assert.equal(await page.locator('article.assistant .markdown').textContent(), reply);
      await page.screenshot({ path: path.join(shots, 'history.png') });
    }
    await context.close();
  });

  test('a server with an API key: the UI asks for it and works once it is set', async () => {
    const locked = await startServer(['--api-key', 'e2e-key']);
    const { page, context } = await openPage('light', locked.url, false);
    try {
      const banner = page.locator('.banner.error');
      await banner.waitFor();
      assert.match(await banner.textContent(), /needs an API key \(enter it under Settings → Server\) \(HTTP 401\)/);
      await page.getByLabel('API key').fill('e2e-key');
      await banner.getByRole('button', { name: 'Retry' }).click();
      await banner.waitFor({ state: 'detached' });
      await page.locator('#set-max_tokens').fill('3');
      const { chunks } = await sendAndCollect(page, 'hi');
      assert.equal(chunks.find((c) => c.usage).usage.completion_tokens, 3);
      // The debugger trades the key for a single-use ticket (browsers cannot send the header
      // on a WebSocket, and a key in the URL would land in logs).
      const upgrades = [];
      page.on('websocket', (ws) => upgrades.push(ws.url()));
      await page.getByRole('tab', { name: 'Debugger' }).click();
      await page.locator('.conn.open').waitFor();
      assert.equal(upgrades.length, 1);
      assert.match(upgrades[0], /\/ws\?ticket=[0-9a-f]{32}$/);
      assert.ok(!upgrades[0].includes('e2e-key'));
      // Compare opens its own debugger connection, with a ticket of its own.
      await page.getByRole('tab', { name: 'Compare' }).click();
      await page.getByRole('button', { name: 'Compare' }).click();
      await page.getByTestId('compare-mean-kl').waitFor();
      assert.equal(upgrades.length, 2);
      assert.match(upgrades[1], /\/ws\?ticket=[0-9a-f]{32}$/);
      assert.notEqual(upgrades[1], upgrades[0]);
      assert.equal(await page.getByTestId('compare-steps').locator('tbody tr').count(), 3);
    } finally {
      await context.close();
      await locked.stop();
    }
  });
});
