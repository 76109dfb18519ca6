// A plugin that leaves its page once it is fed, for tests/e2e/plugins.test.mjs: a sandboxed
// frame may navigate itself, and the page it goes to must not get the run's events.
parent.postMessage({ inferno: 'plugin', v: 1, type: 'ready', api: 1 }, '*');
window.addEventListener('message', () => {
  location.href = '/health';
});
