// Starts a real `inferno serve --port 0` on a fixture model for node tests and stops it.
// The binary and fixtures come from the environment ctest sets (INFERNO_BINARY,
// INFERNO_SHARED_DIR); the port is read from the server's first line of output.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeThinkingModel, writeToolModel } from '../e2e/thinking_model.mjs';

export const binary = process.env.INFERNO_BINARY ?? '../../build/release/inferno';
export const sharedDir = process.env.INFERNO_SHARED_DIR ?? '../../../shared';
export const fixtureModel = (name) => join(sharedDir, 'fixtures', 'models', name);

export async function startServer(extraArgs = [], { model = 'llama-tiny-Q8_0.gguf' } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'inferno-node-'));
  const args = ['serve', '--port', '0', '-q', '--data-dir', dataDir, '-m', fixtureModel(model),
                ...extraArgs];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on http:\/\/[^:]+:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    port,
    baseURL: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const result = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return result;
    },
  };
}

// startServer() with a models dir that writeModels(dir) fills; stop() also removes the dir.
async function startWithModelsDir(writeModels, extraArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'inferno-models-'));
  writeModels(dir);
  const server = await startServer(['--models-dir', dir, ...extraArgs]);
  const stop = server.stop;
  server.stop = async () => {
    const result = await stop();
    rmSync(dir, { recursive: true, force: true });
    return result;
  };
  return server;
}

// startServer() on a models dir holding only the scripted thinking model
// (tests/thinking_model.h: it thinks "Hmm...", answers "Hello!" and stops), as model 'thinking'.
export async function startThinkingServer(extraArgs = []) {
  return startWithModelsDir((dir) => writeThinkingModel(join(dir, 'thinking.gguf')), extraArgs);
}

// startServer() with a models dir holding the scripted tool model (Qwen2.5's real template;
// it answers "Let me check." and a get_weather call, as model 'tools') and the thinking model
// (as model 'thinking'), beside the preloaded fixture.
export async function startScriptedServer(extraArgs = []) {
  const qwen = readFileSync(
    join(sharedDir, 'fixtures', 'templates', 'jinja', 'Qwen-Qwen2.5-7B-Instruct.jinja'), 'utf8');
  return startWithModelsDir((dir) => {
    writeToolModel(join(dir, 'tools.gguf'), qwen);
    writeThinkingModel(join(dir, 'thinking.gguf'));
  }, extraArgs);
}

// startServer() with a models dir holding a copy of the whisper.cpp model at `whisperPath` as
// speech model 'whisper-tiny', beside the preloaded fixture.
export async function startSpeechServer(whisperPath, extraArgs = []) {
  return startWithModelsDir((dir) => copyFileSync(whisperPath, join(dir, 'whisper-tiny.bin')),
                            extraArgs);
}
