// Token rank histogram: for each generated token, the rank the model gave the token that was
// sampled (1 = its most likely choice), counted into bars 1..9 and "10+". A greedy run is one
// bar at 1; sampling with temperature spreads it. Drawn as SVG; no network, no storage.
const API = 1;
const BUCKETS = 10;
const root = document.getElementById('root');
let counts = new Array(BUCKETS).fill(0);
let total = 0;

function send(msg) {
  parent.postMessage({ inferno: 'plugin', v: API, ...msg }, '*');
}

function svg(tag, attrs, text) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function draw() {
  const w = Math.max(root.clientWidth, 240);
  const h = 150;
  const pad = { left: 34, bottom: 20, top: 16 };
  const box = svg('svg', { width: w, height: h, role: 'img', 'aria-label': `Rank histogram of ${total} tokens` });
  const max = Math.max(1, ...counts);
  const bw = (w - pad.left - 8) / BUCKETS;
  counts.forEach((c, i) => {
    const bh = ((h - pad.top - pad.bottom) * c) / max;
    const x = pad.left + i * bw;
    box.append(svg('rect', { x: x + 2, y: h - pad.bottom - bh, width: bw - 4, height: bh, fill: i === 0 ? '#2563eb' : '#f59e0b' }));
    box.append(svg('text', { x: x + bw / 2, y: h - 5, 'text-anchor': 'middle', 'font-size': 11, fill: 'currentColor' }, i === BUCKETS - 1 ? '10+' : String(i + 1)));
    if (c > 0) box.append(svg('text', { x: x + bw / 2, y: h - pad.bottom - bh - 2, 'text-anchor': 'middle', 'font-size': 10, fill: 'currentColor' }, String(c)));
  });
  box.append(svg('text', { x: 2, y: pad.top + 4, 'font-size': 10, fill: 'currentColor' }, 'count'));
  const share = total ? Math.round((100 * counts[0]) / total) : 0;
  const caption = document.createElement('p');
  caption.dataset.testid = 'summary';
  caption.style.margin = '2px 6px';
  caption.textContent = total ? `${total} tokens · ${share}% were the top choice` : 'Waiting for tokens…';
  root.replaceChildren(caption, box);
  fitHeight();
}

// Ask the Debugger for the height the drawing needs, only when it changes.
let lastHeight = 0;
function fitHeight() {
  const h = document.documentElement.scrollHeight;
  if (h !== lastHeight) send({ type: 'resize', height: h });
  lastHeight = h;
}

function onMessage(m) {
  if (m.type === 'init' || m.type === 'reset') {
    counts = new Array(BUCKETS).fill(0);
    total = 0;
    if (m.theme === 'dark') document.body.style.color = '#e5e7eb';
  } else if (m.type === 'event' && m.event.type === 'token' && typeof m.event.rank === 'number') {
    counts[Math.min(m.event.rank, BUCKETS - 1)] += 1;
    total += 1;
  }
  draw();
}

window.addEventListener('message', (ev) => {
  const m = ev.data;
  if (ev.source !== parent || !m || m.inferno !== 'host' || m.v !== API) return;
  onMessage(m);
});
window.addEventListener('resize', draw);
window.addEventListener('error', (e) => send({ type: 'error', message: String(e.message) }));
send({ type: 'ready', api: API });
