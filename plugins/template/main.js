// A starting point for an Inferno Debugger plugin (docs/plugins.md). Copy this folder to
// ~/.local/share/inferno/plugins/<name> (or the --plugins-dir of `inferno serve`), set "name"
// in inferno-plugin.json to the folder's name, keep the "events" you need, and reload the UI.
// The page runs in a sandboxed iframe: no network, no storage, no access to the Inferno UI;
// everything arrives as messages from the Debugger.
const API = 1;
const root = document.getElementById('root');
let run = null; // { session, model, ... } of the run shown in the Debugger
let tokens = [];
let lastHeight = 0;

function send(msg) {
  parent.postMessage({ inferno: 'plugin', v: API, ...msg }, '*');
}

function draw() {
  const pre = document.createElement('pre');
  pre.style.margin = '4px 6px';
  pre.style.whiteSpace = 'pre-wrap';
  pre.textContent = run ? `${run.model} · ${tokens.length} tokens\n${tokens.join('')}` : 'No run yet.';
  root.replaceChildren(pre);
  // Ask for the height the content needs (the Debugger clamps it to 60-800), only when it
  // changes: the Debugger reads at most 20 messages a second from a plugin.
  const h = document.documentElement.scrollHeight;
  if (h !== lastHeight) send({ type: 'resize', height: h });
  lastHeight = h;
}

function onMessage(m) {
  switch (m.type) {
    case 'init': // once, after 'ready': the plugin, the theme and the run shown (or null)
    case 'reset': // another run is shown: forget the last one
      run = m.run;
      tokens = [];
      break;
    case 'event': // one debugger message of a kind the manifest asked for (docs/protocol.md)
      if (m.event.type === 'token') tokens.push(m.event.text);
      break;
  }
  draw();
}

window.addEventListener('message', (ev) => {
  const m = ev.data;
  // Only the Debugger (the parent page) talks to a plugin, in API version 1.
  if (ev.source !== parent || !m || m.inferno !== 'host' || m.v !== API) return;
  onMessage(m);
});
window.addEventListener('error', (e) => send({ type: 'error', message: String(e.message) }));
send({ type: 'ready', api: API });
