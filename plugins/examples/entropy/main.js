// Entropy by position: the entropy of the full next-token distribution (nats) at each
// generated token, as a line, and the sampled token's surprisal (-ln p) as dots: where the
// dots sit far above the line the sampler took an unlikely token. Drawn on a canvas; no network.
const API = 1;
const root = document.getElementById('root');
const caption = document.createElement('p');
caption.dataset.testid = 'summary';
caption.style.margin = '2px 6px';
const canvas = document.createElement('canvas');
canvas.style.display = 'block';
const legend = document.createElement('p');
legend.style.margin = '0 6px';
legend.innerHTML =
  '<span style="color:#2563eb">━ entropy (nats)</span> &nbsp; <span style="color:#dc2626">● surprisal of the sampled token, −ln p</span>';
root.append(caption, canvas, legend);
let points = []; // { position, entropy, surprisal, text }
let dark = false;

function send(msg) {
  parent.postMessage({ inferno: 'plugin', v: API, ...msg }, '*');
}

function draw() {
  const w = Math.max(root.clientWidth, 240);
  const h = 170;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = w * ratio;
  canvas.height = h * ratio;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  const ink = dark ? '#e5e7eb' : '#111827';
  const left = 34, bottom = 18, top = 8, right = 8;
  const ymax = Math.max(1, ...points.map((p) => Math.max(p.entropy, Number.isFinite(p.surprisal) ? p.surprisal : 0)));
  const x = (i) => left + (points.length < 2 ? 0 : ((w - left - right) * i) / (points.length - 1));
  const y = (v) => h - bottom - ((h - top - bottom) * v) / ymax;
  g.strokeStyle = ink;
  g.fillStyle = ink;
  g.font = '10px system-ui, sans-serif';
  g.beginPath();
  g.moveTo(left, top);
  g.lineTo(left, h - bottom);
  g.lineTo(w - right, h - bottom);
  g.stroke();
  g.fillText(ymax.toFixed(1), 2, top + 8);
  g.fillText('0', 2, h - bottom);
  if (points.length) g.fillText(`pos ${points[0].position}…${points[points.length - 1].position}`, left + 4, h - 4);
  g.strokeStyle = '#2563eb';
  g.lineWidth = 2;
  g.beginPath();
  points.forEach((p, i) => (i ? g.lineTo(x(i), y(p.entropy)) : g.moveTo(x(i), y(p.entropy))));
  g.stroke();
  g.fillStyle = '#dc2626';
  points.forEach((p, i) => {
    if (!Number.isFinite(p.surprisal)) return;
    g.beginPath();
    g.arc(x(i), y(p.surprisal), 2.5, 0, 2 * Math.PI);
    g.fill();
  });
  const last = points[points.length - 1];
  caption.textContent = last
    ? `${points.length} tokens · last ${JSON.stringify(last.text)} at position ${last.position}: entropy ${last.entropy.toFixed(2)} nats`
    : 'Waiting for tokens…';
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
    points = [];
    if (m.type === 'init') {
      dark = m.theme === 'dark';
      document.body.style.color = dark ? '#e5e7eb' : '#111827';
    }
  } else if (m.type === 'event' && m.event.type === 'token' && typeof m.event.entropy === 'number') {
    const e = m.event;
    points.push({ position: e.position, entropy: e.entropy, surprisal: e.prob > 0 ? -Math.log(e.prob) : NaN, text: e.text });
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
