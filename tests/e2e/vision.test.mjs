// End-to-end test of images in the chat: a real `inferno serve` with a vision pair of the zoo
// (the fixture llama-tiny-F16 with the random-weight LLaVA mmproj of tools/zoo/vision.sh)
// driven by Chromium. An image is attached by the button, by a paste and by a drop; the
// thumbnails show in the composer and the conversation, the request carries it as an
// image_url part, the server answers, and after a reload the conversation from the store
// shows the same picture. Writes docs/screenshots/vision-chat.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir, startServer, zooDir } from './server.mjs';
import { attachByButton, keepChatStreams, launchBrowser, shots } from './browser.mjs';

const lm = path.join(sharedDir, 'fixtures/models/llama-tiny-F16.gguf');
const mmproj = path.join(zooDir, 'zoo/mmproj-llava-tiny.gguf');
const photo = path.join(sharedDir, 'fixtures/media/photo-1.jpeg');
const photoUrl = 'data:image/jpeg;base64,' + readFileSync(photo).toString('base64');
const skip = existsSync(mmproj) ? false : `${mmproj} is missing: make zoo`;

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

/** Puts photo-1.jpeg into a DataTransfer in the page and fires `type` (paste or drop) at `selector`. */
async function transferPhoto(page, type, selector) {
  await page.evaluate(
    async ({ url, type, selector }) => {
      const blob = await (await fetch(url)).blob();
      const data = new DataTransfer();
      data.items.add(new File([blob], type === 'paste' ? '' : 'dropped.jpeg', { type: 'image/jpeg' }));
      const target = document.querySelector(selector);
      const event =
        type === 'paste'
          ? new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
          : new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
      target.dispatchEvent(event);
    },
    { url: photoUrl, type, selector },
  );
}

test('vision chat: attach by button, paste and drop; the reply; thumbnails back from the store', { skip }, async () => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","temperature":0,"max_tokens":8}' }] }],
    },
  });
  const page = await context.newPage();
  await keepChatStreams(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  const picker = page.getByRole('combobox', { name: 'Model' });
  await picker.locator('option', { hasText: 'llama-tiny-F16' }).waitFor({ state: 'attached' });
  await picker.selectOption({ label: (await picker.locator('option', { hasText: 'llama-tiny-F16' }).textContent()).trim() });

  // A file that is no image is refused with a message naming it.
  await attachByButton(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await page.locator('.attach-error', { hasText: 'notes.txt is not an image Inferno reads' }).waitFor();

  // By the button.
  await attachByButton(page, photo);
  await page.locator('.composer .thumb img[alt="photo-1.jpeg"]').waitFor();
  assert.equal(await page.locator('.attach-error').count(), 0);
  // By a paste into the message box and a drop onto the conversation.
  await transferPhoto(page, 'paste', '#prompt');
  await page.locator('.composer .thumb img[alt="pasted image"]').waitFor();
  await transferPhoto(page, 'drop', '.messages');
  await page.locator('.composer .thumb img[alt="dropped.jpeg"]').waitFor();
  // Removing two leaves one.
  await page.getByRole('button', { name: 'Remove pasted image' }).click();
  await page.getByRole('button', { name: 'Remove dropped.jpeg' }).click();
  assert.equal(await page.locator('.composer .thumb').count(), 1);

  const reqPromise = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Describe this image.');
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  const request = (await reqPromise).postDataJSON();
  const user = request.messages.at(-1);
  assert.equal(user.role, 'user');
  assert.deepEqual(user.content, [
    { type: 'image_url', image_url: { url: photoUrl } },
    { type: 'text', text: 'Describe this image.' },
  ]);
  assert.equal(await page.locator('.composer .thumb').count(), 0);
  await page.locator('article.user .thumb img').waitFor();
  const reply = page.locator('article.assistant').last();
  await reply.getByTestId('metrics').waitFor();
  assert.equal(await reply.locator('.error').count(), 0);
  assert.ok((await reply.locator('.markdown').textContent()).length > 0, 'a reply');
  // The image took the encoder's 64 tokens in the prompt (LLaVA tiny: an 8x8 grid).
  const usage = await page.evaluate(() =>
    window.__streams
      .at(-1)
      .split('\n\n')
      .map((e) => e.replace(/^data: /, '').trim())
      .filter((d) => d && d !== '[DONE]')
      .map((d) => JSON.parse(d))
      .find((c) => c.usage)?.usage,
  );
  assert.ok(usage.prompt_tokens > 64, `prompt tokens ${usage.prompt_tokens}`);
  await page.screenshot({ path: path.join(shots, 'vision-chat.png') });

  // The store kept the image: after a reload the conversation shows it again, byte for byte.
  await page.locator('.conv-list').getByText('Describe this image.').waitFor();
  await page.reload();
  await page.locator('.conv-list').getByText('Describe this image.').click();
  const stored = page.locator('article.user .thumb img');
  await stored.waitFor();
  assert.equal(await stored.getAttribute('src'), photoUrl);

  // A model without vision: attaching says so.
  await page.getByRole('button', { name: 'New chat' }).first().click();
  assert.equal(await page.locator('article.user').count(), 0);
  await picker.selectOption({ label: (await picker.locator('option', { hasText: 'llama-tiny-Q4_0' }).textContent()).trim() });
  await attachByButton(page, photo);
  await page.locator('.attach-error', { hasText: 'reads no images' }).waitFor();
  assert.equal(await page.locator('.composer .thumb').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('debugger: the image as its patch grid, and a generated token’s attention over it as a heatmap', { skip }, async () => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1300 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: server.url, localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","temperature":0,"max_tokens":4}' }] }],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The prompt event as the server sent it: the image's positions and grid.
  const prompts = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"type":"prompt"')) prompts.push(JSON.parse(f.payload));
    }),
  );
  await page.goto(server.url + '/');
  const picker = page.getByRole('combobox', { name: 'Model' });
  await picker.locator('option', { hasText: 'llama-tiny-F16' }).waitFor({ state: 'attached' });
  await picker.selectOption({ label: (await picker.locator('option', { hasText: 'llama-tiny-F16' }).textContent()).trim() });
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  await page.getByLabel('Prompt to debug').fill('Describe this image.');
  await page.getByLabel('Attach an image to debug').setInputFiles(photo);
  await page.locator('.debug-form .thumb img').waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();

  // LLaVA tiny: 64 px in 8 px patches, an 8x8 grid of 64 tokens.
  assert.equal(prompts.length, 1);
  assert.equal(prompts[0].images.length, 1);
  const { first, tokens, rows, cols } = prompts[0].images[0];
  assert.deepEqual([tokens, rows, cols], [64, 8, 8]);
  const figure = page.getByRole('figure', { name: 'Image 1 attention' });
  await figure.getByText(`Image 1: 8×8 grid, 64 tokens at positions ${first}–${first + 63}`).waitFor();
  assert.equal(await figure.getByTestId('heatmap-cell').count(), 64);

  // A generated token: its attention over the 64 image positions, on the picture.
  await page.getByTestId('debug-tokens').locator('.tok').nth(1).click();
  await figure.getByTestId('image-share').waitFor();
  const alphas = await figure.getByTestId('heatmap-cell').evaluateAll((cells) => cells.map((c) => Number(c.dataset.alpha)));
  assert.equal(Math.max(...alphas), 0.8, 'the strongest cell is fully coloured');
  assert.ok(alphas.filter((a) => a > 0).length > 1, 'the weights spread over several patches');
  // One head of one layer is another map.
  await figure.getByLabel('Image layer').selectOption('0');
  await figure.getByLabel('Image head').selectOption('1');
  const one = await figure.getByTestId('heatmap-cell').evaluateAll((cells) => cells.map((c) => Number(c.dataset.alpha)));
  assert.notDeepEqual(one, alphas);
  await figure.getByLabel('Image head').selectOption('mean');
  await figure.getByLabel('Image layer').selectOption('mean');
  await figure.screenshot({ path: path.join(shots, 'vision-heatmap.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
