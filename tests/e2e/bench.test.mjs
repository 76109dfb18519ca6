// End-to-end test of the Benchmarks page: Debian's Chromium driven by playwright-core against
// a real `inferno serve` on fixture models. Runs a small benchmark from the page (live
// progress, results table, charts), downloads its CSV, runs a second one, reopens the first
// from the history and compares the two. Screenshot: docs/screenshots/benchmarks.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { sourceDir, startServer, zooDir } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';


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

async function openBenchmarks(theme = 'light', srv = server) {
  // Settings closed: the page gets the whole width.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1000 },
    colorScheme: theme,
    acceptDownloads: true,
    storageState: { cookies: [], origins: [{ origin: srv.url, localStorage: [{ name: 'inferno.showSettings', value: 'false' }] }] },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Every value the progress bar takes, recorded in the page as React renders them.
  await page.addInitScript(() => {
    window.__progress = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target;
        if (el instanceof Element && el.getAttribute('role') === 'progressbar') {
          window.__progress.push(Number(el.getAttribute('aria-valuenow')));
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'], childList: true });
  });
  await page.goto(srv.url + '/');
  await page.getByRole('tab', { name: 'Benchmarks' }).click();
  await page.getByRole('heading', { name: 'Benchmarks' }).waitFor();
  // The model list (from /v1/models) has arrived.
  await page.locator('.bench-models label', { hasText: 'llama-tiny-Q4_0' }).waitFor();
  return { page, context, errors };
}

async function runBenchmark(page, { models, sizes, reps = '1', gen = '4', after = 0, sizesLabel = 'Prompt sizes (tokens)' }) {
  const boxes = page.locator('.bench-models input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const name = (await page.locator('.bench-models label').nth(i).locator('span').first().textContent()).trim();
    await boxes.nth(i).setChecked(models.includes(name));
  }
  await page.getByLabel(sizesLabel).fill(sizes);
  await page.getByLabel('Repetitions').fill(reps);
  await page.getByLabel('Generated tokens').fill(gen);
  await page.evaluate(() => (window.__progress = []));
  await page.getByRole('button', { name: 'Run benchmark' }).click();
  // Finished, and not the previous run's line still on screen.
  const handle = await page.waitForFunction(
    (prev) => {
      const m = document.querySelector('[data-testid=bench-progress]')?.textContent?.match(/Run #(\d+) finished/);
      return m && Number(m[1]) > prev ? Number(m[1]) : null;
    },
    after,
    { timeout: 120000 },
  );
  return handle.jsonValue();
}

/** Table rows as arrays of cell texts. */
async function tableRows(locator) {
  return locator.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

describe('Benchmarks page', () => {
  test('run a benchmark with live progress, download its CSV, reopen and compare runs', async () => {
    const { page, context, errors } = await openBenchmarks();
    // The model list comes from /v1/models; the corrupt file is not offered.
    const offered = await page.locator('.bench-models label > span:first-of-type').allTextContents();
    assert.deepEqual(offered.sort(), ['llama-tiny-Q4_0', 'llama-tiny-Q8_0']);
    assert.equal(await page.getByLabel('Prompt sizes (tokens)').inputValue(), '50, 100, 200');
    await page.getByLabel('Prompt sizes (tokens)').fill('50, 0');
    await page.getByText('“0” is not a prompt size').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run benchmark' }).isDisabled(), true);

    const first = await runBenchmark(page, { models: ['llama-tiny-Q8_0', 'llama-tiny-Q4_0'], sizes: '8, 16', reps: '2' });
    // Progress moved through intermediate values (the second model starts at 50%) to 100%.
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.some((v) => v > 0 && v < 100), `no intermediate progress in ${progress}`);
    assert.equal(progress.at(-1), 100);
    assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), '100');

    // Results: one row per model and prompt size, with figures, as the server stored them.
    const stored = await (await fetch(`${server.url}/bench/runs/${first}`)).json();
    assert.equal(stored.status, 'done');
    const rows = await tableRows(page.getByTestId('bench-results'));
    assert.equal(rows.length, 4);
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2]]),
      stored.rows.map((r) => [r.model, r.quant, String(r.prompt_tokens)]),
    );
    for (const r of rows) assert.match(r[5], /^[\d,]+\.\d/, `decode t/s cell: ${r}`);
    // The quant column names the file type as the model list does (not the embeddings' type).
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()).data;
    for (const r of rows) assert.equal(r[1], listed.find((m) => m.id === r[0]).quant, `quant of ${r[0]}`);
    for (const id of ['chart-tps', 'chart-latency', 'chart-memory']) {
      await page.getByTestId(id).locator('svg').waitFor();
    }
    assert.equal(await page.getByTestId('chart-tps').locator('rect.bar').count(), 4);
    assert.equal(await page.getByTestId('chart-latency').locator('circle').count(), 4);

    // Download CSV: the header of benchmarks/results.csv and one line per row.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    const header = readFileSync(path.join(sourceDir, 'benchmarks/results.csv'), 'utf8').split('\n')[0];
    assert.equal(csv[0], header);
    assert.equal(csv.length, 5);
    const cols = header.split(',');
    const line = csv[1].split(',');
    assert.equal(line[cols.indexOf('model')], stored.rows[0].model);
    assert.equal(line[cols.indexOf('prompt_tokens')], '8');
    assert.equal(line[cols.indexOf('status')], 'ok');
    assert.equal(Number(line[cols.indexOf('decode_tps')]), stored.rows[0].decode_tps);

    // A second run, then the first reopened from the history and the two compared.
    const second = await runBenchmark(page, { models: ['llama-tiny-Q8_0'], sizes: '8, 16', after: first });
    assert.ok(second > first);
    const history = page.getByTestId('bench-history');
    await history.getByRole('button', { name: new RegExp(`^#${first} `) }).click();
    await page.getByRole('heading', { name: `Run #${first}` }).waitFor();
    await page.getByTestId('bench-results').locator('tbody tr').nth(3).waitFor();
    assert.equal((await tableRows(page.getByTestId('bench-results'))).length, 4);
    await history.getByRole('checkbox', { name: `Select run ${first} to compare` }).check();
    await history.getByRole('checkbox', { name: `Select run ${second} to compare` }).check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await page.getByTestId('bench-compare').locator('tbody tr').first().waitFor();
    const compare = await tableRows(page.getByTestId('bench-compare'));
    // Per model and prompt size five metrics; the Q4_0 rows exist only in run A.
    assert.equal(compare.length, 4 * 5);
    const decode8 = compare.find((r) => r[0] === 'llama-tiny-Q8_0' && r[1] === '8');
    assert.match(decode8[5], /^×\d+\.\d\d$/);
    const q4 = compare.find((r) => r[0] === 'llama-tiny-Q4_0');
    assert.equal(q4[4], '—');
    assert.equal(q4[5], '—');

    await page.getByRole('heading', { name: 'Benchmarks' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'benchmarks.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a run started elsewhere is followed when the page opens, and Cancel stops it', async () => {
    // A long run started by another client, which then hangs up (the run goes on).
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/bench`, {
      method: 'POST',
      body: JSON.stringify({ models: ['llama-tiny-Q8_0'], prompt_sizes: [400, 800], repetitions: 10, gen_tokens: 512 }),
      signal: ctrl.signal,
    });
    assert.equal(res.status, 200);
    const first = new TextDecoder().decode((await res.body.getReader().read()).value);
    const id = JSON.parse(first.match(/^data: (.*)$/m)[1]).run.id;
    ctrl.abort();

    const { page, context, errors } = await openBenchmarks('dark');
    await page.getByTestId('bench-progress').getByText(/llama-tiny-Q8_0/).waitFor();
    // While it runs the page offers Cancel instead of a second run (the server takes one).
    assert.equal(await page.getByRole('button', { name: 'Run benchmark' }).count(), 0);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByTestId('bench-progress').getByText(`Run #${id} cancelled`).waitFor();
    const run = await (await fetch(`${server.url}/bench/runs/${id}`)).json();
    assert.equal(run.status, 'cancelled');
    await page.getByTestId('bench-history').getByText('cancelled').first().waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});

// The image category: the served model paired with the zoo's LLaVA-shaped mmproj (--mmproj)
// is a vision model, which the Images choice offers and measures.
const mmproj = path.join(zooDir, 'zoo/mmproj-llava-tiny.gguf');
describe('Benchmarks page, image category', { skip: !existsSync(mmproj) && 'no zoo (make zoo)' }, () => {
  let vision;
  before(async () => {
    vision = await startServer(['--mmproj', mmproj]);
  });
  after(async () => {
    await vision?.stop();
  });

  test('runs the vision model on two image sizes and shows the image columns', async () => {
    const { page, context, errors } = await openBenchmarks('light', vision);
    await page.getByRole('radio', { name: 'Images' }).check();
    const offered = await page.locator('.bench-models label.check > span:first-of-type').allTextContents();
    assert.deepEqual(offered, ['llama-tiny-Q8_0']);
    assert.equal(await page.getByLabel('Image sizes (px)').inputValue(), '256, 512, 1024');
    const id = await runBenchmark(page, { models: ['llama-tiny-Q8_0'], sizes: '64, 200', sizesLabel: 'Image sizes (px)' });
    const stored = await (await fetch(`${vision.url}/bench/runs/${id}`)).json();
    assert.equal(stored.category, 'image');
    assert.equal(stored.rows.length, 2);
    const table = page.locator('[data-testid=bench-results][data-category=image]');
    const rows = await tableRows(table);
    // Model, quant, image px, image tokens, encoder ms, ... as the server stored them.
    assert.deepEqual(
      rows.map((r) => [r[0], r[2], r[3]]),
      stored.rows.map((r) => [r.model, String(r.image_px), String(r.image_tokens)]),
    );
    for (const r of stored.rows) {
      assert.equal(r.status, 'ok');
      assert.ok(r.image_tokens > 0 && r.prompt_tokens > r.image_tokens, JSON.stringify(r));
      assert.ok(r.encoder_ms > 0);
    }
    await page.getByTestId('chart-latency').locator('svg').waitFor();
    await page.getByTestId('bench-history').getByText(/Images · llama-tiny-Q8_0 · images 64\/200 px/).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
