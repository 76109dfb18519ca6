// End-to-end test of the router probe on a mixture-of-experts model: Debian's Chromium driven
// by playwright-core against a real `inferno serve` with the zoo's qwen3moe model (8 experts,
// 2 per token, llama.cpp-made random weights). The Debugger's "Experts" probe draws, for each
// MoE layer, which experts every prompt and generated token was routed to. The screenshot goes
// to docs/screenshots/router.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, zooDir } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  copyFileSync(path.join(zooDir, 'zoo/qwen3moe-tiny-Q8_0.gguf'), path.join(server.dataDir, 'models/qwen3moe-tiny-Q8_0.gguf'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

test('debugger: the Experts probe maps each token to its 2 of 8 experts, per layer', async () => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 760 },
    colorScheme: 'light',
    // Greedy, and few enough tokens that the map's cells are large.
    storageState: {
      cookies: [],
      origins: [
        { origin: server.url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","temperature":0,"max_tokens":16}' }] },
      ],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator('option', { hasText: 'qwen3moe' }).waitFor({ state: 'attached' });
  await model.selectOption('qwen3moe-tiny-Q8_0');
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  await page.getByLabel('Prompt to debug').fill('The experts of this model');
  await page.getByLabel('Chat template').uncheck();
  await page.getByLabel('Experts').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();

  const map = page.getByTestId('router-map');
  await map.waitFor();
  const label = await map.getAttribute('aria-label');
  const m = label.match(/^Expert routing of layer 0: 8 experts × (\d+) tokens$/);
  assert.ok(m, label);
  const columns = Number(m[1]);
  assert.ok(columns > 16, label); // the prompt's tokens and the 16 generated ones
  // Two experts per token, each a cell whose weight (the routing share) is in (0, 1].
  const cells = map.locator('rect');
  assert.equal(await cells.count(), 2 * columns);
  const titles = await cells.evaluateAll((els) => els.map((e) => e.querySelector('title').textContent));
  for (const t of titles) {
    const w = Number(t.match(/weight ([0-9.]+)$/)[1]);
    assert.ok(w > 0 && w <= 1, t);
  }
  // Layer 1 is another routing of the same tokens.
  await page.getByRole('combobox', { name: 'MoE layer' }).selectOption('1');
  assert.match(await map.getAttribute('aria-label'), /^Expert routing of layer 1: 8 experts × \d+ tokens$/);
  await page.getByRole('combobox', { name: 'MoE layer' }).selectOption('0');
  // The settings panel (open by default on a wide window) is not what this shot is about.
  const close = page.getByRole('button', { name: 'Close settings' });
  if (await close.isVisible()) await close.click();
  await map.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, 'router.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
