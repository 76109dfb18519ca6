// The headless browser every e2e suite drives: Debian's Chromium through playwright-core
// (CHROMIUM overrides the path), and the folder the suites write their screenshots to.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { sourceDir } from './server.mjs';

const require = createRequire(path.join(sourceDir, 'web/package.json'));
const { chromium } = require('playwright-core');

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const shots = path.join(sourceDir, 'docs/screenshots');

/** Launches Chromium with a fresh temporary profile (removed on close); `extraArgs` are more flags. */
export async function launchBrowser(extraArgs = []) {
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: run scripts/install-deps`);
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/**
 * A chat page at `url` with `model` selected (settings shown, seed 7, temperature 0), once the
 * model's tool catalog has come: its template renders tools, so the built-ins are offered.
 * Uncaught page errors collect in `errors`.
 */
export async function openToolChat(browser, url, model) {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [
        {
          origin: url,
          localStorage: [
            { name: 'inferno.settings', value: '{"seed":"7","temperature":0,"top_logprobs":0}' },
            { name: 'inferno.showSettings', value: 'true' },
          ],
        },
      ],
    },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + '/');
  const select = page.getByRole('combobox', { name: 'Model' });
  await select.locator('option', { hasText: model }).waitFor({ state: 'attached' });
  await select.selectOption(model);
  await page.getByRole('region', { name: 'Tools' }).getByRole('checkbox', { name: 'Built-in tools' }).waitFor();
  await page.getByRole('note').filter({ hasText: 'does not render tools' }).waitFor({ state: 'detached' });
  return { page, context, errors };
}

/**
 * The Debugger tab of the UI at `url`, connected, in a fresh light-mode context of `viewport`
 * whose localStorage holds `storage` (name -> value as stored). Uncaught page errors (the
 * frames' included) collect in `errors`.
 */
export async function openDebugger(browser, url, { viewport, storage }) {
  const localStorage = Object.entries(storage).map(([name, value]) => ({ name, value }));
  const context = await browser.newContext({
    viewport,
    colorScheme: 'light',
    storageState: { cookies: [], origins: [{ origin: url, localStorage }] },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + '/');
  await page.getByRole('tab', { name: 'Debugger' }).click();
  await page.locator('.conn.open').waitFor();
  return { page, context, errors };
}

/**
 * Keeps a copy of every /v1/chat/completions body the page's own fetch receives, in order, in
 * window.__streams (undefined until complete): the browser's network log decodes streamed
 * bodies as Latin-1.
 */
export async function keepChatStreams(page) {
  await page.addInitScript(() => {
    window.__streams = [];
    const realFetch = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (String(input).endsWith('/v1/chat/completions') && res.ok) {
        const i = window.__streams.length;
        window.__streams.push(undefined);
        res.clone().text().then((t) => (window.__streams[i] = t), () => {});
      }
      return res;
    };
  });
}

/**
 * Attaches files to the chat's message through its "Attach image" button and the file chooser
 * it opens, as a user does (files: a path, or Playwright's { name, mimeType, buffer }).
 */
export async function attachByButton(page, files) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Attach image' }).click(),
  ]);
  await chooser.setFiles(files);
}
