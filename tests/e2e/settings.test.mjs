// End-to-end test of the per-model load options in the Settings panel: Debian's Chromium
// driven by playwright-core against a real `inferno serve` on a fixture model. A small
// context size makes a long chat fail with a readable error; raising it makes the same chat
// stream. The screenshot goes to docs/screenshots/model-options.png (README).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';

const optionsUrl = '/api/models/llama-tiny-Q8_0/options';

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

/** The server's own view of the options, independent of what the page shows. */
async function serverOptions() {
  const res = await fetch(server.url + optionsUrl);
  assert.equal(res.status, 200);
  return res.json();
}

async function openPage() {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [
        {
          origin: server.url,
          localStorage: [{ name: 'inferno.settings', value: '{"seed":"7","max_tokens":8,"temperature":0}' }],
        },
      ],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/');
  await page
    .getByRole('combobox', { name: 'Model' })
    .locator('option', { hasText: 'llama-tiny-Q8_0' })
    .waitFor({ state: 'attached' });
  return { page, context, errors };
}

/** Types a context size, applies it and waits for the server's answer on the page. */
async function applyContextSize(page, n) {
  const put = page.waitForResponse((r) => r.url().endsWith(optionsUrl) && r.request().method() === 'PUT');
  await page.getByLabel('Context size').fill(String(n));
  await page.getByRole('button', { name: 'Apply' }).click();
  const res = await put;
  assert.equal(res.status(), 200);
  const body = await res.json();
  assert.equal(body.context_size, n);
  assert.equal(body.reloaded, true);
  await page.getByTestId('load-status').filter({ hasText: `Reloaded: ${n} tokens of context, 1 thread.` }).waitFor();
  assert.equal(await page.getByTestId('effective-options').textContent(), `In effect: ${n} tokens · 1 thread`);
  assert.equal((await serverOptions()).context_size, n);
}

const longPrompt = 'Once upon a time there was a little fox who lived in the woods. '.repeat(6);

describe('settings: context size and threads', () => {
  test('a small context refuses a long chat readably; raising it makes the chat stream', async () => {
    const { page, context, errors } = await openPage();
    // What the server started with (-t 1, the model's trained 2048 as the default context).
    const ctx = page.getByLabel('Context size');
    await page.getByTestId('effective-options').filter({ hasText: 'In effect: 2048 tokens · 1 thread' }).waitFor();
    assert.equal(await ctx.inputValue(), '2048');
    assert.equal(await ctx.getAttribute('min'), '16');
    assert.equal(await ctx.getAttribute('max'), '2048');
    assert.equal(await page.getByLabel('Threads').inputValue(), '1');
    await page.getByText('16–2048 tokens · trained on 2048 (default 2048)').waitFor();

    // Out of range: said next to the field, and Apply stays off.
    await ctx.fill('8');
    await page.getByText('Context size must be a whole number from 16 to 2048 tokens').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Apply' }).isDisabled(), true);

    await applyContextSize(page, 32);
    // The model list (/v1/models) reports it too.
    const models = await (await fetch(server.url + '/v1/models')).json();
    assert.equal(models.data.find((m) => m.id === 'llama-tiny-Q8_0').context_size, 32);

    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(longPrompt);
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const alert = page.locator('article.assistant .error');
    await alert.waitFor();
    assert.match(
      await alert.textContent(),
      /^The conversation does not fit in the model's context \(HTTP 400\): the prompt is \d+ tokens but the model's context holds 32 .*Raise Context size under Settings → Model/,
    );
    await page.screenshot({ path: path.join(shots, 'model-options.png') });

    await applyContextSize(page, 1024);
    const streamed = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill(longPrompt);
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const res = await streamed;
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-type'], /text\/event-stream/);
    const reply = page.locator('article.assistant').last();
    await reply.getByTestId('metrics').waitFor();
    const tokens = Number((await reply.getByTestId('metrics').textContent()).match(/(\d+) tokens/)[1]);
    assert.ok(tokens > 0 && tokens <= 8, `${tokens} tokens`);
    assert.ok((await reply.locator('.markdown').textContent()).trim().length > 0);
    assert.equal(await reply.locator('.error').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
