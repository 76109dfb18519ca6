// The official `openai` client, unchanged, transcribes speech-1.mp3 through
// /v1/audio/transcriptions and /translations with the zoo's random-weight Whisper: a file
// stream upload, each response_format, the stream of transcript events, and errors mapped to
// its error classes. Skipped without the zoo (make zoo). The requests ask temperature 1, so
// each window is decoded once (sampled, best of 5, reproducibly): at the default 0 the random
// weights fail every check and all six fallback temperatures run, ~80 s a request on CI.
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

import { sharedDir, startSpeechServer } from './server.mjs';

const zoo = process.env.INFERNO_ZOO_DIR ?? '../../build/zoo';
const whisper = join(zoo, 'zoo', 'whisper-rand-tiny.bin');
const speech = join(sharedDir, 'fixtures', 'media', 'speech-1.mp3');

describe('openai client transcribes', { skip: !existsSync(whisper) && 'no zoo (make zoo)' }, () => {
  let server;
  let client;
  before(async () => {
    server = await startSpeechServer(whisper, ['--threads', '2']);
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('models.list shows the speech model with its kind', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    const w = models.find((m) => m.id === 'whisper-tiny');
    assert.equal(w.kind, 'speech');
    assert.ok(w.capabilities.includes('transcription'));
  });

  test('json, text and verbose_json agree', async () => {
    const json = await client.audio.transcriptions.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1, response_format: 'json',
    });
    assert.ok(json.text.length > 0);
    assert.deepEqual(json.usage, { type: 'duration', seconds: 18 });
    const text = await client.audio.transcriptions.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1, response_format: 'text',
    });
    assert.equal(text, `${json.text}\n`);
    const verbose = await client.audio.transcriptions.create({
      file: createReadStream(speech),
      model: 'whisper-tiny', temperature: 1,
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    assert.equal(verbose.text, json.text);
    assert.ok(Math.abs(verbose.duration - 17.44) < 0.01);
    assert.ok(verbose.segments.length > 0);
    const words = verbose.words.map((w) => w.word).join('');
    assert.equal(words, verbose.segments.map((s) => s.text).join('').replaceAll(' ', ''));
  });

  test('the stream\'s deltas join to its done text', async () => {
    const plain = await client.audio.transcriptions.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1,
    });
    const stream = await client.audio.transcriptions.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1, stream: true,
    });
    let joined = '';
    let done = null;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') joined += event.delta;
      if (event.type === 'transcript.text.done') done = event;
    }
    assert.equal(done.text, plain.text);
    assert.equal(joined, done.text);
  });

  test('srt subtitles and a translation', async () => {
    const srt = await client.audio.transcriptions.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1, response_format: 'srt',
    });
    assert.match(srt, /^1\n00:00:\d\d,\d{3} --> /);
    const translated = await client.audio.translations.create({
      file: createReadStream(speech), model: 'whisper-tiny', temperature: 1,
    });
    assert.ok(translated.text.length > 0);
  });

  test('errors arrive as the client\'s error classes', async () => {
    await assert.rejects(
      client.audio.transcriptions.create({
        file: createReadStream(speech), model: 'llama-tiny-Q8_0',
      }),
      (e) => e instanceof OpenAI.BadRequestError && e.code === 'model_not_supported',
    );
    await assert.rejects(
      client.audio.transcriptions.create({ file: createReadStream(speech), model: 'nope' }),
      (e) => e instanceof OpenAI.NotFoundError,
    );
    await assert.rejects(
      client.audio.transcriptions.create({
        file: createReadStream(speech), model: 'whisper-tiny', temperature: 1.5,
      }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'temperature',
    );
  });
});
