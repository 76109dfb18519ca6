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

/** Launches Chromium with a fresh temporary profile (removed on close). */
export async function launchBrowser() {
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
    ],
  });
}
