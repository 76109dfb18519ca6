// End-to-end test of the Debugger's visualization plugins (docs/plugins.md): Debian's Chromium
// against a real `inferno serve` (with an API key) whose --plugins-dir holds a hostile plugin,
// one that navigates its frame away and a broken one, beside the shipped examples. The entropy
// and token-rank examples follow a run (their DOM, inside sandboxed frames, shows the run's
// tokens); the hostile plugin cannot read the stored key, call the API, reach the page or
// drive it with bogus or flooding messages; the wandering one is taken down. The screenshot goes to docs/screenshots/plugins.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, openDebugger, shots } from './browser.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const KEY = 'e2e-plugin-key';
let server;
let browser;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inferno-plugins-'));
  for (const name of ['hostile', 'wanderer']) cpSync(path.join(here, 'plugins', name), path.join(dir, name), { recursive: true });
  mkdirSync(path.join(dir, 'broken'));
  writeFileSync(path.join(dir, 'broken/inferno-plugin.json'), '{"name":"broken","version":"1","entry":"../x.js","events":["token"],"api":1}');
  server = await startServer(['--api-key', KEY, '--plugins-dir', dir]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

function open() {
  return openDebugger(browser, server.url, {
    viewport: { width: 1280, height: 1600 },
    storage: {
      'inferno.apiKey': JSON.stringify(KEY),
      'inferno.settings': '{"seed":"7","temperature":0.9,"max_tokens":24}',
    },
  });
}

test('the server lists plugins, a broken one with its error, and serves their files sandboxed', async () => {
  const r = await fetch(server.url + '/api/plugins', { headers: { Authorization: `Bearer ${KEY}` } });
  assert.equal(r.status, 200);
  const { plugins } = await r.json();
  const byId = Object.fromEntries(plugins.map((p) => [p.id, p]));
  assert.equal(byId.entropy.ok, true);
  assert.equal(byId.entropy.source, 'shipped');
  assert.equal(byId['token-ranks'].ok, true);
  assert.equal(byId.hostile.source, 'user');
  assert.equal(byId.broken.ok, false);
  assert.match(byId.broken.error, /'version' must look like 1.2.3/);
  // The listing needs the key; the files do not, and carry the sandboxing headers.
  assert.equal((await fetch(server.url + '/api/plugins')).status, 401);
  const js = await fetch(server.url + '/plugins/entropy/files/main.js', { headers: { Origin: 'null' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
  assert.match(js.headers.get('content-security-policy'), /sandbox allow-scripts/);
  // A sandboxed frame's API calls are refused, even carrying the key.
  for (const headers of [{ Origin: 'null' }, { Origin: 'null', Authorization: `Bearer ${KEY}` }]) {
    assert.equal((await fetch(server.url + '/v1/models', { headers })).status, 403);
  }
});

/** Runs `prompt` as the n-th session of this page and waits until it is done; its token count. */
async function run(page, prompt, nth) {
  await page.getByLabel('Prompt to debug').fill(prompt);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('nav[aria-label="Sessions and branches"] > ul:first-of-type > li').nth(nth - 1).waitFor();
  await page.getByTestId('debug-status').filter({ hasText: /^done/ }).waitFor();
  return Number((await page.getByTestId('debug-status').textContent()).match(/(\d+) tokens/)[1]);
}

test('example plugins follow a run; a hostile plugin gets nowhere and cannot break the page', async () => {
  const { page, errors } = await open();
  await page.getByText(/^Plugins/).click();
  await page.getByTestId('plugin-broken').getByText(/broken: .*'version' must look like/).waitFor();
  assert.equal(await page.getByTestId('plugin-broken').getByRole('checkbox').isDisabled(), true);
  for (const id of ['entropy', 'token-ranks', 'hostile', 'wanderer']) await page.getByTestId(`plugin-${id}`).getByRole('checkbox').check();

  const entropy = page.frameLocator('[data-testid="plugin-panel-entropy"] iframe');
  const ranks = page.frameLocator('[data-testid="plugin-panel-token-ranks"] iframe');
  await entropy.getByText('Waiting for tokens…').waitFor();
  const n = await run(page, 'The capital of France is', 1);
  assert.ok(n > 0);
  // The frames' DOM followed the run: as many tokens as the Debugger shows.
  await entropy.getByTestId('summary').filter({ hasText: new RegExp(`^${n} tokens · last `) }).waitFor();
  await ranks.getByTestId('summary').filter({ hasText: new RegExp(`^${n} tokens · \\d+% were the top choice$`) }).waitFor();

  // The hostile plugin: every attempt blocked.
  const hostile = page.frameLocator('[data-testid="plugin-panel-hostile"] iframe');
  await hostile.locator('#root').filter({ hasText: '"done":true' }).waitFor();
  const results = JSON.parse(await hostile.locator('#root').textContent());
  for (const name of ['localStorage', 'parentStorage', 'parentDocument', 'cookie', 'fetchModels', 'fetchAbsolute']) {
    assert.match(results[name], /^blocked: /, `${name}: ${results[name]}`);
  }
  // Its bogus messages and the flood were counted and ignored; the panel stays in bounds.
  const ignoredText = await page.getByTestId('plugin-panel-hostile').getByTestId('plugin-ignored').textContent();
  assert.ok(Number(ignoredText.match(/\d+/)[0]) >= 7, ignoredText);
  const box = await page.getByTestId('plugin-panel-hostile').locator('iframe').boundingBox();
  assert.ok(box.height <= 800, `height ${box.height}`);

  // The plugin that navigated its frame away was taken down.
  await page.getByTestId('plugin-panel-wanderer').getByText('stopped: the plugin left its page').waitFor();
  assert.equal(await page.getByTestId('plugin-panel-wanderer').locator('iframe').count(), 0);

  // A new run resets the panels and they follow it; the page still works. The only uncaught
  // error (Playwright reports the frames' too) is the one the hostile plugin threw in its frame.
  const n2 = await run(page, 'Once upon a time', 2);
  await entropy.getByTestId('summary').filter({ hasText: new RegExp(`^${n2} tokens · last `) }).waitFor();
  assert.deepEqual(errors, ['hostile plugin throws']);

  // Enabled plugins are remembered; switched off, a panel goes.
  await page.reload();
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.getByTestId('plugin-panel-entropy').waitFor();
  await page.getByText(/^Plugins/).click();
  for (const id of ['hostile', 'wanderer']) {
    await page.getByTestId(`plugin-${id}`).getByRole('checkbox').uncheck();
    await page.getByTestId(`plugin-panel-${id}`).waitFor({ state: 'detached' });
  }
  await page.locator('.conn.open').waitFor();
  const n3 = await run(page, 'The capital of France is', 1);
  await entropy.getByTestId('summary').filter({ hasText: new RegExp(`^${n3} tokens · last `) }).waitFor();
  await ranks.getByTestId('summary').filter({ hasText: new RegExp(`^${n3} tokens`) }).waitFor();
  // The panels side by side, the settings closed.
  await page.getByRole('button', { name: 'Close settings' }).click();
  await page.locator('.debug-main').screenshot({ path: path.join(shots, 'plugins.png') });
});
