// End-to-end test of speculative decoding in the web UI: Debian's Chromium driven by
// playwright-core against a real `inferno serve --spec lookup --parallel 2` with the fixture
// model (random weights: on a repetitive prompt it falls into a loop, which prompt lookup
// drafts; the demo model ends its stories before a draft pays). The chat reply shows the
// drafted and accepted counts the server reported; the Debugger marks each token by what
// became of its draft, with the run's acceptance rate. The Debugger's screenshot goes to
// docs/screenshots/speculation.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';

const MODEL = 'llama-tiny-Q8_0';
const PROMPT = 'one two three four one two three four one two three four';

let server;
let browser;

before(async () => {
  server = await startServer(['--spec', 'lookup', '--parallel', '2']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function openPage(settings) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'inferno.settings', value: JSON.stringify(settings) }] }],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator('option', { hasText: MODEL }).waitFor({ state: 'attached' });
  await model.selectOption(MODEL);
  return { page, context, errors };
}

/** The greedy completion of `prompt` straight from the server, with or without speculation. */
async function complete(prompt, speculation, maxTokens) {
  const res = await fetch(server.url + '/v1/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL, prompt, max_tokens: maxTokens, temperature: 0, speculation }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

test('the server says what speculation it does; the settings offer no draft model it lacks', async () => {
  const health = await (await fetch(server.url + '/health')).json();
  assert.deepEqual(health.speculation, { mode: 'lookup', draft_model: false, draft_max: 12 });
  const { page, context, errors } = await openPage({ seed: '7' });
  const select = page.getByLabel('Speculative decoding');
  await select.locator('option', { hasText: 'Server default (lookup)' }).waitFor({ state: 'attached' });
  assert.deepEqual(await select.locator('option').evaluateAll((os) => os.map((o) => o.value)), ['auto', 'off', 'lookup']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('speculation keeps greedy output exact, also with two requests decoding together', async () => {
  const n = 48;
  const [plain, a, b] = await Promise.all([complete(PROMPT, 'off', n), complete(PROMPT, 'lookup', n), complete(PROMPT, 'auto', n)]);
  const text = plain.choices[0].text;
  assert.equal(a.choices[0].text, text);
  assert.equal(b.choices[0].text, text);
  assert.equal(plain.timings.draft_n, undefined);
  assert.ok(a.timings.draft_n > 0, JSON.stringify(a.timings));
  assert.ok(a.timings.draft_n_accepted <= a.timings.draft_n);
});

test('chat: a speculated reply shows its drafted and accepted counts and the effective rate', async () => {
  const { page, context, errors } = await openPage({ seed: '7', temperature: 0, max_tokens: 64, speculation: 'lookup' });
  const responsePromise = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(`Go on: ${PROMPT}`);
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const response = await responsePromise;
  assert.equal(response.request().postDataJSON().speculation, 'lookup');
  // The stream's last timings, as the server sent them.
  const body = await response.text();
  const timings = body
    .split('\n\n')
    .map((e) => e.replace(/^data: /, '').trim())
    .filter((d) => d && d !== '[DONE]')
    .map((d) => JSON.parse(d))
    .find((c) => c.timings)?.timings;
  assert.ok(timings?.draft_n > 0, JSON.stringify(timings));
  const stats = page.getByTestId('spec-stats');
  await stats.waitFor();
  const rate = Math.round((100 * timings.draft_n_accepted) / timings.draft_n);
  assert.equal(
    await stats.textContent(),
    `speculative: ${timings.draft_n} drafted · ${timings.draft_n_accepted} accepted · acceptance rate ${rate}% · ` +
      `${timings.predicted_per_second.toFixed(1)} tok/s effective`,
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('debugger: tokens marked accepted, rejected or bonus, with a legend and the acceptance rate', async () => {
  const { page, context, errors } = await openPage({ seed: '7', temperature: 0, max_tokens: 48, speculation: 'lookup' });
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  await page.getByLabel('Prompt to debug').fill(PROMPT);
  await page.getByLabel('Chat template').uncheck();
  // Per-token probes run one pass per token: the page says so while they are on.
  await page.getByTestId('spec-probes-note').waitFor();
  await page.getByLabel('Attention').uncheck();
  await page.getByLabel('Logit lens').uncheck();
  assert.equal(await page.getByTestId('spec-probes-note').count(), 0);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();

  const tokens = page.getByTestId('debug-tokens').getByRole('listitem');
  const marks = await tokens.evaluateAll((els) => els.map((e) => e.getAttribute('data-draft')));
  const count = (m) => marks.filter((x) => x === m).length;
  assert.equal(marks.length, 48);
  assert.ok(count('accepted') > 0, marks.join(','));
  // The run's counts from the server: every accepted mark is an accepted draft token.
  const stats = await page.getByTestId('draft-legend').getByTestId('spec-stats').textContent();
  const m = stats.match(/^speculative: (\d+) drafted · (\d+) accepted · acceptance rate (\d+)% · [\d.]+ tok\/s effective$/);
  assert.ok(m, stats);
  const [drafted, accepted] = [Number(m[1]), Number(m[2])];
  assert.ok(count('accepted') <= accepted && accepted <= drafted, `${count('accepted')} ${accepted} ${drafted}`);
  assert.equal(Number(m[3]), Math.round((100 * accepted) / drafted));
  const legend = await page.getByTestId('draft-legend').textContent();
  for (const mark of ['accepted', 'rejected', 'bonus']) assert.ok(legend.includes(`${mark} ${count(mark)}`), legend);

  // A rejected step names the token the draft proposed; else an accepted one says it was kept.
  const rejected = marks.indexOf('rejected');
  await tokens.nth(rejected >= 0 ? rejected : marks.indexOf('accepted')).click();
  const note = await page.getByTestId('draft-note').textContent();
  assert.match(note, rejected >= 0 ? /The draft proposed .+; the model rejected it/ : /the model accepted it/);

  const close = page.getByRole('button', { name: 'Close settings' });
  if (await close.isVisible()) await close.click();
  await page.screenshot({ path: path.join(shots, 'speculation.png') });

  // The stored session keeps the marks, so a saved run shows them again.
  const { sessions } = await (await fetch(server.url + '/api/sessions?limit=1')).json();
  const doc = await (await fetch(server.url + `/api/sessions/${sessions[0].id}`)).json();
  assert.deepEqual(
    doc.session.steps.map((s) => s.draft ?? null),
    marks,
  );
  assert.ok(doc.session.steps.filter((s) => s.draft === 'rejected').every((s) => Number.isInteger(s.draft_id)));
  assert.deepEqual(errors, []);
  await context.close();
});
