// End-to-end test of a thinking model's reasoning in the UI: Debian's Chromium driven by
// playwright-core against a real `inferno serve` and the scripted thinking model
// (thinking_model.mjs), which answers "Hello!" after thinking "Hmm...". The chat shows the
// thought folded above the answer, it is stored with the conversation, and the debugger marks
// the thought's tokens. The screenshot goes to docs/screenshots/thinking.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';
import { writeThinkingModel } from './thinking_model.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  writeThinkingModel(path.join(server.dataDir, 'models/thinking.gguf'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function openPage() {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 640 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","temperature":0}' }] }],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator('option', { hasText: 'thinking' }).waitFor({ state: 'attached' });
  await model.selectOption('thinking');
  return { page, context, errors };
}

test('chat: the thought is folded above the answer, opens on click and is kept in the history', async () => {
  const { page, context, errors } = await openPage();
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Say hello, but think first');
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const reply = page.locator('article.assistant').last();
  await reply.getByTestId('metrics').waitFor();

  assert.equal((await reply.locator('.markdown').textContent()).trim(), 'Hello!');
  const block = reply.getByTestId('thinking');
  // The answer has begun, so the thought is folded; its summary says how long and how much.
  assert.equal(await block.evaluate((d) => d.open), false);
  assert.match(await block.locator('summary').textContent(), /^Thought for \d+(\.\d)? s · 4 tokens$/);
  await block.locator('summary').click();
  assert.equal(await block.evaluate((d) => d.open), true);
  assert.equal(await block.locator('.thoughts-body').textContent(), 'Hmm...');
  await page.screenshot({ path: path.join(shots, 'thinking.png') });

  // Stored with the conversation: after a reload the history shows it again.
  await page.locator('.conv-list').getByText('Say hello, but think first').waitFor();
  await page.reload();
  await page.locator('.conv-list').getByText('Say hello, but think first').click();
  const stored = page.locator('article.assistant').last();
  await stored.getByTestId('thinking').waitFor();
  assert.equal((await stored.locator('.markdown').textContent()).trim(), 'Hello!');
  assert.match(await stored.getByTestId('thinking').locator('summary').textContent(), /· 4 tokens$/);
  assert.equal(await stored.locator('.thoughts-body').textContent(), 'Hmm...');
  assert.deepEqual(errors, []);
  await context.close();
});

test('debugger: the tokens of the thought are marked as reasoning', async () => {
  const { page, context, errors } = await openPage();
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  await page.getByLabel('Prompt to debug').fill('Hi');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
  const tokens = page.getByTestId('debug-tokens').locator('.tok');
  const marked = await tokens.evaluateAll((els) => els.map((e) => e.classList.contains('reasoning')));
  // <think> Hmm ... </think> are the thought; Hello ! </s> the answer.
  assert.deepEqual(marked, [true, true, true, true, false, false, false]);
  assert.deepEqual(errors, []);
  await context.close();
});
