// End-to-end: a second `inferno serve` as a remote OpenAI-compatible endpoint of the first
// (--remote peer=URL, docs/scale-out.md). Its model shows in the picker as remote; Chat
// with it gives the text the remote itself gives for the same request; the Debugger says
// why it cannot run it; the Benchmarks page sweeps it at two concurrency levels and charts
// the latency percentiles (docs/screenshots/bench-load-sweep.png).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer } from './server.mjs';
import { keepChatStreams, launchBrowser, shots } from './browser.mjs';

let remote;
let server;
let browser;

before(async () => {
  remote = await startServer();
  server = await startServer(['--remote', `peer=${remote.url}`]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await remote?.stop();
});

describe('remote models', () => {
  test('pick a remote model, chat with it, add one in Settings; the Debugger explains it cannot run them', async () => {
    // The endpoint's first check runs in the background at start: ask for one now.
    const check = await (await fetch(`${server.url}/api/remotes/peer/test`, { method: 'POST' })).json();
    assert.equal(check.health.ok, true, JSON.stringify(check));
    assert.ok(check.models.includes('peer/llama-tiny-Q8_0'), JSON.stringify(check));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const page = await context.newPage();
    await keepChatStreams(page);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    const picker = page.getByRole('combobox', { name: 'Model' });
    const option = picker.locator('option', { hasText: 'peer/llama-tiny-Q8_0 — remote' });
    await option.waitFor({ state: 'attached' });
    await picker.selectOption('peer/llama-tiny-Q8_0');

    await page.locator('#set-temperature').fill('0');
    await page.locator('#set-max_tokens').fill('8');
    const reqPromise = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Tell me about the sea.');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const request = (await reqPromise).postDataJSON();
    assert.equal(request.model, 'peer/llama-tiny-Q8_0');
    await page.getByTestId('metrics').last().waitFor();
    const shown = (await page.locator('article.assistant .markdown').last().textContent()).trim();
    // What the page was sent: the deltas of the relayed stream.
    const body = await (await page.waitForFunction(() => window.__streams.at(-1))).jsonValue();
    const events = body
      .split('\n\n')
      .map((e) => e.replace(/^data: /, '').trim())
      .filter((d) => d && d !== '[DONE]')
      .map((d) => JSON.parse(d));
    assert.ok(events.every((e) => e.model === 'peer/llama-tiny-Q8_0'));
    const streamed = events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');

    // The same request straight to the remote, with its own model name, not streamed.
    const direct = await fetch(`${remote.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...request, model: 'llama-tiny-Q8_0', stream: false }),
    });
    assert.equal(direct.status, 200);
    const want = (await direct.json()).choices[0].message.content.trim();
    assert.ok(want.length > 0);
    assert.equal(streamed.trim(), want);
    // Rendered as markdown: compare the text when the reply has no markdown syntax in it.
    if (!/[*_`#[\]<>\\|~=-]|^\s*\d+\./m.test(want)) {
      assert.equal(shown.replace(/\s+/g, ' '), want.replace(/\s+/g, ' '));
    } else {
      assert.ok(shown.length > 0);
    }
    await page.screenshot({ path: path.join(shots, 'remote-chat.png') });

    // Settings → Remote endpoints: add the same server under a second name, see its health
    // and its model in the picker, then remove it.
    if (!(await page.getByRole('region', { name: 'Remote endpoints' }).isVisible())) {
      await page.getByRole('button', { name: 'Settings' }).click();
    }
    const section = page.getByRole('region', { name: 'Remote endpoints' });
    await section.getByLabel('Name').fill('box');
    await section.getByLabel('URL').fill(remote.url);
    await section.getByLabel('Key (optional)').fill('sk-e2e-never-shown');
    await section.getByRole('button', { name: 'Add endpoint' }).click();
    await section.getByTestId('remote-box').getByText(/^ok · 2 models/).waitFor();
    await picker.locator('option', { hasText: 'box/llama-tiny-Q8_0 — remote' }).waitFor({ state: 'attached' });
    const listed = await (await fetch(`${server.url}/api/remotes`)).text();
    assert.ok(listed.includes('"has_key":true') && !listed.includes('sk-e2e-never-shown'));
    await section.getByRole('button', { name: 'Test' }).first().click();
    await section.getByTestId('remote-peer').getByText(/^ok · 2 models/).waitFor();
    await page.screenshot({ path: path.join(shots, 'remote-settings.png') });
    await section.getByRole('button', { name: 'Remove box' }).click();
    await section.getByTestId('remote-box').waitFor({ state: 'detached' });
    await picker.locator('option', { hasText: 'box/' }).waitFor({ state: 'detached' });

    await page.getByRole('tab', { name: 'Debugger' }).click();
    await page.getByText("runs on the remote endpoint 'peer'").waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled(), true);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a load sweep of the remote model from the Benchmarks page, with its chart', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 1100 },
      colorScheme: 'light',
      storageState: {
        cookies: [],
        origins: [{ origin: server.url, localStorage: [{ name: 'inferno.showSettings', value: 'false' }] }],
      },
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/');
    await page.getByRole('tab', { name: 'Benchmarks' }).click();
    await page.getByRole('radio', { name: 'Load sweep (remote)' }).check();
    // Only remote models are offered for a sweep.
    const offered = page.locator('.bench-models label', { hasText: 'peer/llama-tiny-Q8_0' });
    await offered.waitFor();
    assert.equal(await page.locator('.bench-models label', { hasText: /^llama-tiny/ }).count(), 0);
    await offered.locator('input[type=checkbox]').setChecked(true);
    await page.getByLabel('Prompt length (words)').fill('16');
    await page.getByLabel('Concurrency (clients)').fill('1, 4');
    await page.getByLabel('Requests per level').fill('4');
    await page.getByLabel('Generated tokens').fill('6');
    await page.getByRole('button', { name: 'Run benchmark' }).click();
    await page.getByTestId('bench-progress').getByText(/Run #\d+ finished/).waitFor({ timeout: 120000 });

    const table = page.locator('[data-testid=bench-results][data-category=load]');
    const cells = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
    );
    // model, quant, clients, requests, failed, TTFT p50/p95/p99, latency p50/p95/p99, ...
    assert.deepEqual(
      cells.map((c) => [c[0], c[2], c[3], c[4]]),
      [
        ['peer/llama-tiny-Q8_0', '1', '4', '0'],
        ['peer/llama-tiny-Q8_0', '4', '4', '0'],
      ],
    );
    for (const c of cells) {
      const [p50, p95, p99] = c[6].split(' / ').map((v) => Number(v.replace(/,/g, '')));
      assert.ok(p50 > 0 && p50 <= p95 && p95 <= p99, c[6]);
    }
    // The chart: one line per percentile, a point per level.
    const chart = page.getByTestId('chart-load-latency');
    await chart.waitFor();
    assert.equal(await chart.locator('polyline').count(), 3);
    assert.equal(await chart.locator('circle').count(), 6);
    assert.equal(await page.getByTestId('chart-load-throughput').locator('rect.bar').count(), 2);
    await page.getByRole('region', { name: 'Results' }).screenshot({ path: path.join(shots, 'bench-load-sweep.png') });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
