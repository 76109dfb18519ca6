// End-to-end test of the debugger's prompt×prompt attention map: Debian's Chromium driven by
// playwright-core against a real `inferno serve` on a fixture model. The map's canvas must
// have one row and column per prompt token, and hovering a cell must show the weight that
// `inferno debug --attention-prompt --json` (a different front end over the same engine)
// prints for it. Writes docs/screenshots/prompt-map.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { binary, cliTokens, model, startServer } from './server.mjs';
import { launchBrowser, openDebugger, shots } from './browser.mjs';

const prompt = 'Once upon a time there was a fox';

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

/** The CLI's prompt map (layer 0, head `head`), rows of weights. */
function cliMap(head) {
  const out = execFileSync(
    binary,
    ['debug', '-m', model, '-p', prompt, '-n', '1', '--attention-prompt', '--attention-layers', '0', '--attention-heads', String(head), '--json', '-t', '1'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const probe = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((m) => m.type === 'probe' && m.kind === 'attention_prompt');
  assert.ok(probe, 'inferno debug printed the prompt map');
  return probe.heads[0].rows;
}

test('debugger: the prompt×prompt attention map renders one cell per token pair and shows weights on hover', async () => {
  const { page, context, errors } = await openDebugger(browser, server.url, {
    viewport: { width: 1280, height: 1200 },
    storage: { 'inferno.settings': '{"seed":"7","temperature":0,"max_tokens":3}' },
  });
  await page.getByLabel('Prompt to debug').fill(prompt);
  await page.getByLabel('Chat template').uncheck();
  await page.getByLabel('Prompt map', { exact: true }).check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
  const n = cliTokens(prompt).length;
  await page.getByTestId('debug-tokens').locator('.tok').first().click();

  // The toggle next to the layer/head pickers switches the heatmap to the prompt map.
  const toggle = page.getByRole('checkbox', { name: 'prompt map', exact: true });
  assert.equal(await toggle.isEnabled(), true);
  await toggle.check();
  const canvas = page.getByTestId('prompt-map');
  await canvas.waitFor();
  assert.equal(Number(await canvas.getAttribute('data-n')), n, 'one row and one column per prompt token');
  // Layout (web/src/lib/attentionMap.ts): a 72 px label margin, then n cells of 16 px.
  const cell = Math.max(3, Math.min(16, Math.floor(560 / n)));
  const size = 72 + n * cell;
  const box = await canvas.boundingBox();
  assert.equal(Math.round(box.width), size);
  assert.equal(Math.round(box.height), size);
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  assert.equal(Number(await canvas.evaluate((c) => c.width)), size * dpr);
  // Something was drawn on the lower triangle and nothing above the diagonal.
  const painted = await canvas.evaluate((c, { n, cell }) => {
    const ctx = c.getContext('2d');
    const s = c.width / (72 + n * cell);
    const alpha = (row, col) => ctx.getImageData(Math.floor((72 + col * cell + cell / 2) * s), Math.floor((72 + row * cell + cell / 2) * s), 1, 1).data[3];
    return { diag0: alpha(0, 0), above: alpha(0, n - 1) };
  }, { n, cell });
  assert.ok(painted.diag0 > 200, `row 0 puts all its weight on position 0 (alpha ${painted.diag0})`);
  assert.equal(painted.above, 0, 'nothing above the diagonal');

  // Hover: layer 0 head 0 (the pickers' first choice), the last row's first column.
  const rows = cliMap(0);
  assert.equal(rows.length, n);
  await canvas.hover({ position: { x: 72 + cell / 2, y: 72 + (n - 1) * cell + cell / 2 } });
  const hover = page.getByTestId('prompt-map-hover');
  await hover.filter({ hasText: `(#${n - 1})` }).waitFor();
  const text = await hover.textContent();
  assert.match(text, new RegExp(`\\(#${n - 1}\\) → .*\\(#0\\): ${rows[n - 1][0].toFixed(3)}$`));
  await canvas.hover({ position: { x: 72 + (n - 1) * cell + cell / 2, y: 72 + cell / 2 } });
  await hover.filter({ hasText: 'Hover a cell' }).waitFor();

  // Head 1 is another map.
  await page.getByLabel('Head', { exact: true }).selectOption('1');
  await canvas.hover({ position: { x: 72 + cell / 2, y: 72 + (n - 1) * cell + cell / 2 } });
  await hover.filter({ hasText: `: ${cliMap(1)[n - 1][0].toFixed(3)}` }).waitFor();
  await page.getByLabel('Head', { exact: true }).selectOption('0');
  await canvas.hover({ position: { x: 72 + 2 * cell + cell / 2, y: 72 + (n - 2) * cell + cell / 2 } });
  await page.locator('figure.attention').screenshot({ path: path.join(shots, 'prompt-map.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
