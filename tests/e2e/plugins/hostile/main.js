// A plugin that misbehaves on purpose, for tests/e2e/plugins.test.mjs: it tries to read the
// UI's storage (where the API key is), to call the API, to reach into the page, to drive the
// host with messages it does not know, floods it, and throws. It writes what each attempt
// gave into #root, where the test reads it; every line must say "blocked".
const results = {};
const show = () => {
  document.getElementById('root').textContent = JSON.stringify(results);
};

function attempt(name, fn) {
  try {
    const got = fn();
    results[name] = `allowed: ${String(got).slice(0, 80)}`;
  } catch (e) {
    results[name] = `blocked: ${e.name}`;
  }
  show();
}

attempt('localStorage', () => window.localStorage.getItem('inferno.apiKey'));
attempt('parentStorage', () => parent.localStorage.getItem('inferno.apiKey'));
attempt('parentDocument', () => parent.document.title);
attempt('cookie', () => {
  if (document.cookie === undefined) throw new Error('no cookie');
  return document.cookie;
});

async function tryFetch(name, url, init) {
  try {
    const r = await fetch(url, init);
    results[name] = `allowed: ${r.status} ${(await r.text()).slice(0, 80)}`;
  } catch (e) {
    results[name] = `blocked: ${e.name}`;
  }
  show();
}

// Bogus messages: unknown types, wrong versions, a forged host envelope, a debugger command.
const bogus = [
  'hello',
  { type: 'ready', api: 1 },
  { inferno: 'plugin', v: 2, type: 'ready', api: 1 },
  { inferno: 'plugin', v: 1, type: 'start', prompt: 'forged run' },
  { inferno: 'host', v: 1, type: 'event', event: { type: 'token' } },
  { inferno: 'plugin', v: 1, type: 'resize', height: 'everything' },
  { inferno: 'plugin', v: 1, type: 'ready', api: 1, key: '?' },
];
for (const m of bogus) parent.postMessage(m, '*');
// 'ready' again and again: only the first is answered (each answer replays the whole run).
for (let i = 0; i < 30; i++) parent.postMessage({ inferno: 'plugin', v: 1, type: 'ready', api: 1 }, '*');
// A flood: far more than the host's rate limit lets through.
for (let i = 0; i < 5000; i++) parent.postMessage({ inferno: 'plugin', v: 1, type: 'resize', height: 100 + (i % 50) }, '*');

Promise.all([
  tryFetch('fetchModels', '/v1/models'),
  tryFetch('fetchAbsolute', new URL('/v1/models', location.href.replace(/^about:.*/, 'http://127.0.0.1/')).href),
]).then(() => {
  results.done = true;
  show();
  // Uncaught, after the results are written: the page around must not care.
  throw new Error('hostile plugin throws');
});
