// Starts a real `inferno serve` on a free port for the e2e suite and stops it, always.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
export const sourceDir = path.resolve(here, '../..');
export const binary = process.env.INFERNO_BINARY ?? path.join(sourceDir, 'build/release/inferno');
export const sharedDir = process.env.INFERNO_SHARED_DIR ?? path.resolve(sourceDir, '../shared');
// The UI built into the binary, unless INFERNO_WEB_ROOT names a directory to serve instead.
const webRootArgs = process.env.INFERNO_WEB_ROOT ? ['--web-root', process.env.INFERNO_WEB_ROOT] : [];
export const model = path.join(sharedDir, 'fixtures/models/llama-tiny-Q8_0.gguf');
// The generated models of the newer families (`make zoo`, tools/zoo).
export const zooDir = process.env.INFERNO_ZOO_DIR ?? path.join(sourceDir, 'build/zoo');

const live = new Set();
// A crashed or interrupted test run must not leave a server behind.
for (const sig of ['exit', 'SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const p of live) p.kill('SIGKILL');
    if (sig !== 'exit') process.exit(1);
  });
}

/** `serveModel`: the model given with -m (the tiny fixture unless a suite needs another; null:
 * no -m, as `make run` starts it). */
export async function startServer(extraArgs = [], { serveModel = model } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'inferno-e2e-'));
  mkdirSync(path.join(dataDir, 'models'));
  // A corrupt model in the models dir: the UI must show that it failed to load.
  writeFileSync(path.join(dataDir, 'models/broken.gguf'), Buffer.from('this is not a GGUF file'));
  // A second model for compare mode: the same weights quantized to 4 bits (copied: the
  // registry serves no symlink leading out of the models dir).
  copyFileSync(path.join(sharedDir, 'fixtures/models/llama-tiny-Q4_0.gguf'), path.join(dataDir, 'models/llama-tiny-Q4_0.gguf'));
  const modelArgs = serveModel === null ? [] : ['-m', serveModel];
  const args = ['serve', '--port', '0', ...modelArgs, '--data-dir', dataDir, ...webRootArgs, '-t', '1', '-q', ...extraArgs];
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`inferno serve printed no port in 30 s: ${out}${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on http:\/\/[^:]+:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => reject(new Error(`inferno serve exited (${code}): ${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            proc.kill('SIGKILL');
            r();
          }, 5000);
          proc.on('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
      live.delete(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The CLI's tokenization of `text`: an oracle independent of the HTTP route. */
export function cliTokens(text) {
  const out = execFileSync(binary, ['tokenize', '-m', model, '-p', text, '--json'], { encoding: 'utf8' });
  return JSON.parse(out).tokens;
}

/** Greedy tokens of `inferno run --chat --temp 0`: what a chat request at temperature 0 must give. */
export function cliGreedy(modelPath, prompt, n) {
  const out = execFileSync(binary, ['run', '-m', modelPath, '-p', prompt, '--chat', '--temp', '0', '-n', String(n), '--json', '-t', '1'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'token')
    .map((e) => e.text);
}
