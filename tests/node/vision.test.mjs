// The official `openai` client, unchanged, sends an image_url data URL (the shape its types
// give) to `inferno serve -m llama-tiny-F16 --mmproj <zoo's mmproj-llava-tiny>`; the answer is
// llama.cpp's llama-server's to the same request (tools/zoo/vision_server.sh). Skipped without
// the zoo (make zoo).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

import { startServer } from './server.mjs';

const zoo = process.env.INFERNO_ZOO_DIR ?? '../../build/zoo';
const mmproj = join(zoo, 'zoo', 'mmproj-llava-tiny.gguf');
const oracles = join(zoo, 'zoo-oracle', 'vision');
const haveZoo = existsSync(mmproj) && existsSync(join(oracles, 'llava-tiny.server.odd-333x77.json'));

describe('openai client sends an image', { skip: !haveZoo && 'no zoo (make zoo)' }, () => {
  let server;
  let client;
  before(async () => {
    server = await startServer(['--mmproj', mmproj], { model: 'llama-tiny-F16.gguf' });
    client = new OpenAI({ baseURL: `${server.baseURL}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit: ${server.stderr()}`);
  });

  test('image_url data URL gives llama-server\'s answer', async () => {
    const want = JSON.parse(readFileSync(join(oracles, 'llava-tiny.server.odd-333x77.json')));
    const png = readFileSync(join(oracles, 'images', 'odd-333x77.png')).toString('base64');
    const r = await client.chat.completions.create({
      model: 'llama-tiny-F16',
      max_tokens: 16,
      temperature: 0,
      messages: [{
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'text', text: 'Describe this image.' },
        ],
      }],
    });
    assert.equal(r.choices[0].message.content, want.choices[0].message.content);
    assert.equal(r.usage.prompt_tokens, want.usage.prompt_tokens);
  });

  test('a remote URL is refused with a 400 the client raises', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'llama-tiny-F16',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
      }),
      (err) => err.status === 400 && /--allow-remote-images/.test(err.message),
    );
  });
});
