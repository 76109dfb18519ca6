// End-to-end test of the Speech view against a real `inferno serve` with the zoo's
// random-weight Whisper: an uploaded MP3 and WAV and the microphone (Chromium's fake capture playing a
// WAV made from the same clip at test time) are transcribed, the transcript streams in as the
// server's, its tokens are coloured and show their alternatives on click, and "Send to chat"
// sends it to the chat model. Screenshot: docs/screenshots/speech.png. Skipped without the zoo.
// Then the speech model in the box (models/inferno-speech.bin), offered by a server started as
// `make run` starts it (no -m, no speech model in its dir), hears a held-out sentence that
// espeak-ng speaks at test time and the page shows the words said.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sharedDir, sourceDir, startServer, zooDir } from './server.mjs';
import { launchBrowser, shots } from './browser.mjs';

const whisper = path.join(zooDir, 'zoo', 'whisper-rand-tiny.bin');
const speech = path.join(sharedDir, 'fixtures', 'media', 'speech-1.mp3');
const skip = !existsSync(whisper) && 'no zoo (make zoo)';
const boxModel = path.join(sourceDir, 'models', 'inferno-speech.bin');
const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;
const skipBox = skip || (!existsSync(boxModel) && 'no models/inferno-speech.bin') ||
  (!hasEspeak && 'no espeak-ng (scripts/install-deps)');

let server;
let browser;
let tmp;

before(async () => {
  if (skip) return;
  server = await startServer();
  copyFileSync(whisper, path.join(server.dataDir, 'models', 'whisper-tiny.bin'));
  tmp = mkdtempSync(path.join(tmpdir(), 'inferno-speech-'));
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// speech-1.mp3 as a 16-bit mono WAV for the fake microphone, decoded by Chromium's own MP3
// decoder (no converter is installed for the tests).
async function makeWav(plain) {
  const page = await plain.newPage();
  const mp3 = readFileSync(speech).toString('base64');
  const bytes = await page.evaluate(async (b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const audio = await new OfflineAudioContext(1, 1, 48000).decodeAudioData(data.buffer);
    const s = audio.getChannelData(0);
    const v = new DataView(new ArrayBuffer(44 + s.length * 2));
    const ascii = (at, t) => [...t].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
    ascii(0, 'RIFF'); v.setUint32(4, 36 + s.length * 2, true); ascii(8, 'WAVE'); ascii(12, 'fmt ');
    v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, audio.sampleRate, true); v.setUint32(28, audio.sampleRate * 2, true);
    v.setUint16(32, 2, true); v.setUint16(34, 16, true); ascii(36, 'data'); v.setUint32(40, s.length * 2, true);
    s.forEach((x, i) => v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(x * 32767))), true));
    return Array.from(new Uint8Array(v.buffer));
  }, mp3);
  await page.close();
  const file = path.join(tmp, 'speech-1.wav');
  writeFileSync(file, Buffer.from(bytes));
  return file;
}

async function openSpeech(model = 'whisper-tiny', on = server) {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 720 },
    colorScheme: 'light',
    storageState: {
      cookies: [],
      origins: [{ origin: on.url, localStorage: [{ name: 'inferno.showSettings', value: 'false' }] }],
    },
  });
  await context.grantPermissions(['microphone'], { origin: on.url });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(on.url + '/');
  await page.getByRole('tab', { name: 'Speech' }).click();
  const picker = page.getByRole('combobox', { name: 'Speech model' });
  await picker.locator('option', { hasText: model }).waitFor({ state: 'attached' });
  await picker.selectOption(model);
  return { page, context, errors };
}

// What the server answers for the same file, not streamed: the text the page must show.
async function serverText(file) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), path.basename(file));
  form.append('model', 'whisper-tiny');
  const r = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
  assert.equal(r.status, 200);
  return (await r.json()).text;
}

test('speech: an upload and the microphone are transcribed; the transcript goes to the chat', { skip }, async () => {
  const plain = await launchBrowser();
  const wav = await makeWav(plain);
  await plain.close();
  browser = await launchBrowser([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
  ]);
  const { page, context, errors } = await openSpeech();

  // Upload: the streamed transcript is the server's transcript of the file.
  const want = await serverText(speech);
  await page.getByLabel('Audio file').setInputFiles(speech);
  await page.getByRole('status').filter({ hasText: 'Done' }).waitFor({ timeout: 120000 });
  assert.equal(await page.getByTestId('speech-text').textContent(), want);
  const chips = page.getByRole('list', { name: 'Generated tokens coloured by probability' }).getByRole('listitem');
  assert.ok((await chips.count()) > 0);
  assert.match(await chips.first().getAttribute('class'), /\btok p[0-4]\b/);
  await chips.first().click();
  const rows = page.getByTestId('topk-row');
  assert.equal(await rows.count(), 5);

  // A WAV upload: the page shows the server's transcript of that file.
  const wantWav = await serverText(wav);
  await page.getByLabel('Audio file').setInputFiles(wav);
  await page.waitForFunction(
    (w) => document.querySelector('[data-testid="speech-text"]')?.textContent === w,
    wantWav, { timeout: 120000 });
  await page.getByRole('status').filter({ hasText: 'Done' }).waitFor({ timeout: 120000 });

  // Microphone: raw samples sent as a WAV, transcribed by the server.
  const upload = page.waitForRequest((r) => r.url().endsWith('/v1/audio/transcriptions'));
  await page.getByRole('button', { name: '● Record' }).click();
  await page.getByRole('status').filter({ hasText: 'Recording' }).waitFor();
  await page.waitForTimeout(2500); // a few seconds of the fake microphone's clip
  await page.getByRole('button', { name: '■ Stop' }).click();
  assert.match((await upload).headers()['content-type'], /^multipart\/form-data; boundary=/);
  // The server decoded what was recorded (WebM/Opus from MediaRecorder it could not): its
  // duration is the seconds the microphone ran.
  const done = page.getByRole('status').filter({ hasText: 'Done' });
  await done.waitFor({ timeout: 120000 });
  const seconds = Number((await done.textContent()).match(/Done: ([\d.]+) s of audio/)[1]);
  assert.ok(seconds > 1 && seconds < 30, `recorded ${seconds} s`);
  const heard = await page.getByTestId('speech-text').textContent();
  assert.ok(heard.length > 0);
  await chips.nth(2).click();
  assert.equal(await rows.count(), 5);
  await page.screenshot({ path: path.join(shots, 'speech.png') });

  // Voice chat: the transcript becomes the user's message to the chat model, which answers.
  await page.getByRole('button', { name: /^Send to chat/ }).click();
  const user = page.locator('article.user').last();
  await user.waitFor();
  assert.equal((await user.textContent()).includes(heard.trim().slice(0, 20)), true);
  await page.locator('article.assistant').last().waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

// A sentence of the speech model's held-out set (tools/speech-model: never trained on), in a
// voice it was trained on; the model's word error rate is ~6%, and on this clip it is exact.
test('speech: the model in the box writes what espeak-ng says', { skip: skipBox }, async () => {
  const said = 'Lily ran to a blue pond as fast as possible.';
  const wav = path.join(tmp, 'said.wav');
  const r = spawnSync('espeak-ng', ['-v', 'en-gb+david', '-w', wav, said]);
  assert.equal(r.status, 0, String(r.stderr));
  const fresh = await startServer([], { serveModel: null });
  try {
    browser ??= await launchBrowser();
    const { page, context, errors } = await openSpeech('inferno-speech', fresh);
    await page.getByLabel('Audio file').setInputFiles(wav);
    await page.getByRole('status').filter({ hasText: 'Done' }).waitFor({ timeout: 120000 });
    assert.equal((await page.getByTestId('speech-text').textContent()).trim(), said);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await fresh.stop();
  }
});
