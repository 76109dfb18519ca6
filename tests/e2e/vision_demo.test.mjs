// End-to-end test of the vision demo in the box (models/vision, `make vision-demo`,
// models/VISION.md): a real `inferno serve` with the trained pair, driven by Chromium. One of
// the pipeline's sample pictures (models/vision/samples) is attached by the button with
// "Describe this image."; the reply is the one `inferno run --chat` gave for it when the pipeline
// graded it (a correct one when the samples hold one); then the Debugger shows the picture's
// 8x8 patch grid and, for a generated token, its attention over the picture as a heatmap.
// Skipped until a pair has shipped. Writes docs/screenshots/vision-demo-chat.png and
// vision-demo-heatmap.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sourceDir, startServer } from './server.mjs';
import { attachByButton, keepChatStreams, launchBrowser, shots } from './browser.mjs';

const dir = process.env.INFERNO_VISION_DEMO_DIR ?? path.join(sourceDir, 'models/vision');
const lm = path.join(dir, 'inferno-demo-vision-Q8_0.gguf');
const mmproj = path.join(dir, 'mmproj-inferno-demo-vision-F16.gguf');
const samplesFile = path.join(dir, 'samples/samples.jsonl');
const skip = [lm, mmproj, samplesFile].every(existsSync) ? false : `${dir} has no vision demo yet: make vision-demo`;

/** A "Describe this image." sample, one that inferno answered right if there is one. */
function pickSample() {
  const rows = readFileSync(samplesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.question === 'Describe this image.');
  return rows.find((r) => r.inferno === r.answer) ?? rows[0];
}

let server;
let browser;

before(async () => {
  if (skip) return;
  server = await startServer(['--mmproj', mmproj], { serveModel: lm });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

async function openWithDemo(browser) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1100 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","temperature":0,"repeat_penalty":1,"max_tokens":40}' }] }],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  const picker = page.getByRole('combobox', { name: 'Model' });
  const option = picker.locator('option', { hasText: 'inferno-demo-vision' });
  await option.waitFor({ state: 'attached' });
  await picker.selectOption({ label: (await option.textContent()).trim() });
  return { context, page, errors };
}

test('vision demo: a picture attached in the chat gets the answer inferno run gave', { skip }, async () => {
  const sample = pickSample();
  const picture = path.join(dir, 'samples', sample.image);
  const { context, page, errors } = await openWithDemo(browser);
  await keepChatStreams(page);
  // The prompt `inferno run --chat` builds: no tool list in the template.
  const builtin = page.getByRole('region', { name: 'Tools' }).getByRole('checkbox', { name: 'Built-in tools' });
  if (await builtin.isChecked()) await builtin.uncheck();
  await attachByButton(page, picture);
  await page.locator(`.composer .thumb img[alt="${sample.image}"]`).waitFor();
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill(sample.question);
  const reqPromise = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const request = (await reqPromise).postDataJSON();
  assert.equal(request.tools, undefined);
  assert.equal(request.messages.length, 1);
  const reply = page.locator('article.assistant').last();
  await reply.getByTestId('metrics').waitFor();
  assert.equal(await reply.locator('.error').count(), 0);
  assert.equal((await reply.locator('.markdown').textContent()).trim(), sample.inferno);
  await page.screenshot({ path: path.join(shots, 'vision-demo-chat.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('vision demo: the debugger lays a generated token’s attention over the picture', { skip }, async () => {
  const sample = pickSample();
  const { context, page, errors } = await openWithDemo(browser);
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  await page.getByLabel('Prompt to debug').fill(sample.question);
  await page.getByLabel('Attach an image to debug').setInputFiles(path.join(dir, 'samples', sample.image));
  await page.locator('.debug-form .thumb img').waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
  // 64 px in 8 px patches: an 8x8 grid of 64 tokens.
  const figure = page.getByRole('figure', { name: 'Image 1 attention' });
  await figure.getByText(/^Image 1: 8×8 grid, 64 tokens/).waitFor();
  assert.equal(await figure.getByTestId('heatmap-cell').count(), 64);
  await page.getByTestId('debug-tokens').locator('.tok').nth(1).click();
  await figure.getByTestId('image-share').waitFor();
  const alphas = await figure.getByTestId('heatmap-cell').evaluateAll((cells) => cells.map((c) => Number(c.dataset.alpha)));
  assert.equal(Math.max(...alphas), 0.8, 'the strongest cell is fully coloured');
  await figure.screenshot({ path: path.join(shots, 'vision-demo-heatmap.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
