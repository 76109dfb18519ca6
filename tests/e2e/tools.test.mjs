// End-to-end test of tools in the chat: Debian's Chromium against a real `inferno serve`, an MCP
// server written with the official SDK (tests/node/mcp_test_server.mjs) added in Settings →
// Tools as a local command (confirmed in the dialog), and scripted models that call a tool
// (thinking_model.mjs, writeToolRoundModel). A call to an MCP tool waits for "Allow once",
// runs through the server, shows its result in the card, and the model's final answer follows;
// the built-in calculator runs without asking. Screenshots: docs/screenshots/tools-*.png (the
// confirm dialog, a call waiting for approval, the MCP round trip, the calculator's).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sourceDir, startServer } from './server.mjs';
import { launchBrowser, openToolChat, shots } from './browser.mjs';
import { writeToolRoundModel } from './thinking_model.mjs';

const mcpScript = path.join(sourceDir, 'tests/node/mcp_test_server.mjs');

let server;
let browser;

before(async () => {
  server = await startServer();
  writeToolRoundModel(path.join(server.dataDir, 'models/tools-mcp.gguf'), {
    name: 'inferno-tools-mcp',
    intro: 'Let me add them.',
    tool: 'add',
    args: '{"a": 2, "b": 3}',
    answer: 'The tool answered.',
  });
  writeToolRoundModel(path.join(server.dataDir, 'models/tools-calc.gguf'), {
    name: 'inferno-tools-calc',
    intro: 'I will calculate it.',
    tool: 'calculator',
    args: '{"expression": "12 * (3 + 4)"}',
    answer: 'So 12 * (3 + 4) is 84.',
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

function openPage(model) {
  return openToolChat(browser, server.url, model);
}

async function api(method, route, body) {
  const res = await fetch(server.url + route, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

// The answer after one tool round is the second assistant message. Not `.last()`: the first (the
// call) gets its metrics before the answer's article exists, so `.last()` could resolve to it.
function answerAfterTool(page) {
  return page.locator('article.assistant').nth(1);
}

async function send(page, text) {
  const box = page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

test('an MCP server added in Settings: its tool call waits for approval, runs, and the chat goes on', async () => {
  const { page, context, errors } = await openPage('tools-mcp');
  const tools = page.getByRole('region', { name: 'Tools' });
  await tools.scrollIntoViewIfNeeded();
  // Built-in tools are listed and on by default.
  assert.equal(await tools.getByRole('checkbox', { name: 'Built-in tools' }).isChecked(), true);
  await tools.getByText('calculator', { exact: true }).waitFor();

  // Add the SDK's server as a local command: the dialog shows the exact command first.
  const form = tools.getByRole('form', { name: 'Add an MCP server' });
  await form.getByRole('button', { name: 'Command' }).click();
  await form.getByLabel('Name').fill('sdk');
  await form.getByLabel('Command').fill('node');
  await form.getByLabel('Arguments (one per line)').fill(`${mcpScript}\n--stdio`);
  await form.getByRole('button', { name: 'Add server' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run this command?' });
  assert.equal(await dialog.getByTestId('confirm-command').textContent(), `node ${mcpScript} --stdio`);
  await page.screenshot({ path: path.join(shots, 'tools-confirm.png') });
  // Nothing runs before the confirmation.
  assert.deepEqual((await api('GET', '/api/tools/servers')).body.data, []);
  await dialog.getByRole('button', { name: 'Run command' }).click();

  const row = tools.getByRole('listitem', { name: 'MCP server sdk' });
  await row.getByRole('status').filter({ hasText: 'connected · inferno-test-mcp 1.2.3' }).waitFor();
  // The row lists what tools/list gave (all its pages), as the server's route says.
  const listed = (await api('GET', '/api/tools/servers')).body.data[0];
  assert.equal(listed.status, 'connected');
  const names = await row.locator('.tool-toggle code').allTextContents();
  assert.deepEqual(names, listed.tools.map((t) => t.name));
  assert.equal(names.length, 7);

  await send(page, 'What is 2 + 3?');
  const card = page.getByTestId('tool-call').first();
  await card.getByRole('button', { name: 'Allow once' }).waitFor();
  assert.equal(await card.locator('.tool-name').textContent(), 'add');
  assert.equal(await card.locator('.tool-provider').textContent(), 'MCP · sdk');
  assert.equal(await card.getByRole('status').textContent(), 'Waiting for your approval');
  assert.equal(await card.locator('.tool-args').textContent(), JSON.stringify({ a: 2, b: 3 }, null, 2));
  await page.screenshot({ path: path.join(shots, 'tools-approval.png') });

  await card.getByRole('button', { name: 'Allow once' }).click();
  await card.getByRole('status').filter({ hasText: 'Done' }).waitFor();
  // The result is what the MCP server answers for these arguments.
  const direct = await api('POST', '/api/tools/call', { server: 'sdk', tool: 'add', arguments: { a: 2, b: 3 } });
  assert.equal(await card.getByLabel('Result').textContent(), direct.body.text);
  assert.equal(direct.body.text, '5');
  const answer = answerAfterTool(page);
  await answer.getByTestId('metrics').waitFor();
  assert.equal((await answer.locator('.markdown').textContent()).trim(), 'The tool answered.');
  await page.screenshot({ path: path.join(shots, 'tools-mcp.png') });

  // The tool turn is kept with the conversation: user, the call, its result, the answer.
  const conversations = (await api('GET', '/api/conversations')).body.conversations;
  const stored = (await api('GET', `/api/conversations/${conversations[0].id}`)).body.messages;
  assert.deepEqual(
    stored.map((m) => m.role),
    ['user', 'assistant', 'tool', 'assistant'],
  );
  assert.equal(stored[2].content, '5');
  assert.equal(stored[1].metrics.tool_calls[0].name, 'add');
  // ...and shows again after a reload.
  await page.reload();
  await page.locator('.conv-list').getByText('What is 2 + 3?').click();
  const again = page.getByTestId('tool-call').first();
  await again.getByLabel('Result').waitFor();
  assert.equal(await again.getByLabel('Result').textContent(), '5');
  assert.equal(await again.getByRole('button', { name: 'Allow once' }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a denied call tells the model so', async () => {
  const { page, context, errors } = await openPage('tools-mcp');
  // The server stays connected for this session (the previous test started it).
  await page.getByRole('listitem', { name: 'MCP server sdk' }).getByText('connected').first().waitFor();
  await send(page, 'Add 2 and 3 please');
  const card = page.getByTestId('tool-call').first();
  await card.getByRole('button', { name: 'Deny' }).click();
  await card.getByRole('status').filter({ hasText: 'Denied' }).waitFor();
  await answerAfterTool(page).getByTestId('metrics').waitFor();
  const conversations = (await api('GET', '/api/conversations')).body.conversations;
  const stored = (await api('GET', `/api/conversations/${conversations[0].id}`)).body.messages;
  assert.equal(stored[2].role, 'tool');
  assert.equal(stored[2].content, 'The user denied this tool call.');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the built-in calculator runs without asking and the model answers', async () => {
  const { page, context, errors } = await openPage('tools-calc');
  await send(page, 'What is 12 * (3 + 4)?');
  const card = page.getByTestId('tool-call').first();
  await card.getByRole('status').filter({ hasText: 'Done' }).waitFor();
  assert.equal(await card.locator('.tool-provider').textContent(), 'built-in');
  assert.equal(await card.locator('.tool-args').textContent(), JSON.stringify({ expression: '12 * (3 + 4)' }, null, 2));
  const direct = await api('POST', '/api/tools/call', {
    server: 'inferno',
    tool: 'calculator',
    arguments: { expression: '12 * (3 + 4)' },
  });
  assert.equal(direct.body.text, '84');
  assert.equal(await card.getByLabel('Result').textContent(), direct.body.text);
  const answer = answerAfterTool(page);
  await answer.getByTestId('metrics').waitFor();
  assert.equal((await answer.locator('.markdown').textContent()).trim(), 'So 12 * (3 + 4) is 84.');
  await page.screenshot({ path: path.join(shots, 'tools-calculator.png') });

  // Settings → Tools can make it ask first.
  await page.getByRole('button', { name: 'Ask before running calculator' }).click();
  await page.getByRole('button', { name: 'New chat' }).click();
  await send(page, 'And once more?');
  const asking = page.getByTestId('tool-call').first();
  await asking.getByRole('button', { name: 'Allow once' }).click();
  await asking.getByRole('status').filter({ hasText: 'Done' }).waitFor();
  assert.equal(await asking.getByLabel('Result').textContent(), '84');
  assert.deepEqual(errors, []);
  await context.close();
});

/** The SDK's server over streamable HTTP, requiring the header X-Api-Key: `key`. */
async function startHttpMcp(key) {
  const proc = spawn(process.execPath, [mcpScript, '--http', '--key', key], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`the MCP test server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/mcp`, stop: () => proc.kill('SIGKILL') };
}

test('an MCP server added by URL with a key header: connected, the key never shown', async () => {
  const mcp = await startHttpMcp('k-e2e-secret');
  try {
    const { page, context, errors } = await openPage('tools-mcp');
    const tools = page.getByRole('region', { name: 'Tools' });
    const form = tools.getByRole('form', { name: 'Add an MCP server' });
    await form.getByRole('button', { name: 'URL' }).click();
    await form.getByLabel('Name').fill('remote');
    await form.getByLabel('URL').fill(mcp.url);
    await form.getByLabel('Headers (optional, one per line)').fill('X-Api-Key: k-e2e-secret');
    await form.getByRole('button', { name: 'Add server' }).click();
    const row = tools.getByRole('listitem', { name: 'MCP server remote' });
    await row.getByRole('status').filter({ hasText: 'connected · inferno-test-mcp 1.2.3' }).waitFor();
    assert.equal(await row.getByText('Headers: X-Api-Key').count(), 1);
    assert.equal(await page.getByText('k-e2e-secret').count(), 0);
    assert.equal(await row.locator('.tool-toggle code').count(), 7);
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    mcp.stop();
  }
});
