// The live token debugger over the WebSocket protocol: every generated token with its
// probability, entropy over the sequence, the alternatives at a step (and branching from
// one of them), attention and logit-lens probes for the selected position, and the tree of
// branches.

import { useEffect, useReducer, useRef, useState } from 'react';
import { cellAt, fitLabel, mapHeads, mapLayers, mapLayout, mapRows, weightAlpha, type MapLayout } from '../lib/attentionMap';
import { DebuggerClient } from '../api/debugger';
import type { TokenMsg } from '../api/debugger';
import { depth, EMPTY, reduce, storedMessages, type DebugSession } from '../lib/debugState';
import { getDebugSession, listDebugSessions, type StoredDebugSummary } from '../api/store';
import { formatProb, probBucket, visibleToken } from '../lib/probability';
import type { Settings } from '../lib/settings';
import { StepChart } from './StepChart';

interface Props {
  model: string;
  system: string;
  settings: Settings;
}

let nextId = 1;

/** Downloads a session as JSON: prompt, tokens with their alternatives and probes. */
function exportSession(s: DebugSession) {
  const doc = { format: 'inferno.debug-session', version: 1, session: s };
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `inferno-debug-${s.id}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DebuggerView({ model, system, settings }: Props) {
  const [state, dispatch] = useReducer(reduce, EMPTY);
  const [conn, setConn] = useState<'connecting' | 'open' | 'resuming' | 'unavailable' | 'closed'>('connecting');
  const [connError, setConnError] = useState('');
  const [prompt, setPrompt] = useState('Once upon a time');
  const [chat, setChat] = useState(true);
  const [attention, setAttention] = useState(true);
  const [promptMap, setPromptMap] = useState(false);
  const [showMap, setShowMap] = useState(false);
  const [lens, setLens] = useState(true);
  const [current, setCurrent] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [layer, setLayer] = useState(0);
  const [head, setHead] = useState(0);
  const client = useRef<DebuggerClient | null>(null);
  const pendingId = useRef<string | null>(null);
  // Sessions the server stored (this run or earlier ones); null until loaded or when the
  // server keeps none.
  const [saved, setSaved] = useState<StoredDebugSummary[] | null>(null);
  const [savedError, setSavedError] = useState('');
  const refreshSaved = () => {
    listDebugSessions().then(
      (r) => {
        setSaved(r.sessions);
        setSavedError('');
      },
      (err: Error) => setSavedError(err.message),
    );
  };
  useEffect(refreshSaved, []);
  const openSaved = async (id: string) => {
    if (state.sessions[id]) {
      setCurrent(id);
      setSelected(null);
      return;
    }
    try {
      const doc = await getDebugSession(id);
      for (const m of storedMessages(doc)) dispatch(m);
      setCurrent(id);
      setSelected(null);
    } catch (err) {
      setSavedError((err as Error).message);
    }
  };

  const connect = () => {
    client.current?.close();
    setConn('connecting');
    setConnError('');
    const c = new DebuggerClient(
      (m) => {
        dispatch(m);
        if (m.type === 'done') refreshSaved();
        // Follow the session this view just asked for.
        if (m.type === 'session' && m.id && m.id === pendingId.current) {
          setCurrent(m.session);
          setSelected(null);
        }
      },
      (unavailable, reason) => {
        setConn(unavailable ? 'unavailable' : 'closed');
        if (!unavailable) setConnError(`The debugger connection closed (${reason}).`);
      },
      undefined,
      (resuming) => setConn(resuming ? 'resuming' : 'open'),
    );
    client.current = c;
    c.connect().then(
      () => setConn('open'),
      (err: Error) => setConnError(err.message),
    );
  };

  useEffect(() => {
    connect();
    return () => client.current?.close();
  }, []);

  const session: DebugSession | undefined = current ? state.sessions[current] : undefined;
  const running = !!session && !['done', 'failed', 'stopped'].includes(session.state);

  const start = () => {
    const id = `ui-${nextId++}`;
    pendingId.current = id;
    const seed = settings.seed.trim() === '' ? undefined : Number.parseInt(settings.seed, 10);
    client.current?.start({
      id,
      model: model || undefined,
      ...(chat
        ? { messages: [...(system.trim() ? [{ role: 'system', content: system }] : []), { role: 'user', content: prompt }] }
        : { prompt }),
      max_tokens: Math.min(settings.max_tokens, 512),
      sampling: {
        temperature: settings.temperature,
        top_k: settings.top_k,
        top_p: settings.top_p,
        min_p: settings.min_p,
        repeat_penalty: settings.repeat_penalty,
        ...(seed === undefined ? {} : { seed }),
      },
      probes: {
        top_k: Math.max(5, settings.top_logprobs),
        attention: promptMap ? { prompt: true, tokens: attention } : attention,
        logit_lens: lens,
        prompt_surprisal: true,
      },
    });
  };

  const branch = (tok: TokenMsg, alt: number) => {
    if (!session) return;
    const id = `ui-${nextId++}`;
    pendingId.current = id;
    client.current?.branch(session.id, tok.index, alt, id);
  };

  if (conn === 'unavailable') {
    return (
      <section className="debugger" aria-label="Debugger">
        <h2>Debugger</h2>
        <div className="banner warn" role="alert">
          <span>
            The debugger is not available on this server: its WebSocket endpoint <code>/ws</code> refused the
            connection. Chat and token probabilities work without it; Compare runs on it too.
          </span>
          <button type="button" className="ghost" onClick={connect}>
            Retry
          </button>
        </div>
      </section>
    );
  }

  const tok = selected !== null ? session?.tokens[selected] : undefined;
  const heads = tok && session ? session.attention[tok.position] : undefined;
  // The pickers offer what either probe holds: per-token weights and the prompt map.
  const tokenHeads = Object.values(session?.attention ?? {}).flat();
  const layers = [...new Set([...tokenHeads.map((h) => h.layer), ...mapLayers(session?.promptMap)])].sort((a, b) => a - b);
  const headsOfLayer = [
    ...new Set([...tokenHeads.filter((h) => h.layer === layer).map((h) => h.head), ...mapHeads(session?.promptMap, layer)]),
  ].sort((a, b) => a - b);

  return (
    <section className="debugger" aria-label="Debugger">
      <div className="debug-head">
        <h2>Debugger</h2>
        <span className={`conn ${conn}`} role="status">
          {conn === 'open' ? 'connected' : conn}
        </span>
        {session && (
          <span className="muted small" data-testid="debug-status">
            {session.state}
            {session.tokensPerSecond ? ` · ${session.tokensPerSecond.toFixed(1)} tok/s` : ''}
            {` · ${session.tokens.length} tokens`}
            {session.finishReason ? ` · ${session.finishReason}` : ''}
          </span>
        )}
        <span className="spacer" />
        {session && !running && (
          <button type="button" className="link" onClick={() => exportSession(session)}>
            Export session (JSON)
          </button>
        )}
      </div>
      {connError && (
        <div className="banner warn" role="alert">
          <span>{connError}</span>
          <button type="button" className="ghost" onClick={connect}>
            Reconnect
          </button>
        </div>
      )}
      {state.errors.map((e, i) => (
        <div className="error small" role="alert" key={i}>
          {e}
        </div>
      ))}
      <form
        className="debug-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (running && session) client.current?.stop(session.id);
          else start();
        }}
      >
        <label htmlFor="debug-prompt" className="sr-only">
          Prompt to debug
        </label>
        <textarea id="debug-prompt" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <div className="row-actions">
          <label className="check">
            <input type="checkbox" checked={chat} onChange={(e) => setChat(e.target.checked)} /> Chat template
          </label>
          <label className="check">
            <input type="checkbox" checked={attention} onChange={(e) => setAttention(e.target.checked)} /> Attention
          </label>
          <label className="check" title="The attention of every prompt token over the ones before it (all layers and heads)">
            <input type="checkbox" checked={promptMap} onChange={(e) => setPromptMap(e.target.checked)} /> Prompt map
          </label>
          <label className="check">
            <input type="checkbox" checked={lens} onChange={(e) => setLens(e.target.checked)} /> Logit lens
          </label>
          <span className="spacer" />
          <button type="submit" className={running ? 'stop' : 'primary'} disabled={conn !== 'open'}>
            {running ? 'Stop' : 'Run'}
          </button>
        </div>
      </form>

      <div className="debug-body">
        <nav className="branches" aria-label="Sessions and branches">
          <h3>Sessions</h3>
          {state.order.length === 0 && <p className="muted small">Run a prompt to start.</p>}
          <ul>
            {state.order.map((id) => {
              const s = state.sessions[id]!;
              return (
                <li key={id} style={{ paddingLeft: depth(state, id) * 14 }}>
                  <button
                    type="button"
                    className={`link${id === current ? ' current' : ''}`}
                    aria-current={id === current}
                    onClick={() => {
                      setCurrent(id);
                      setSelected(null);
                    }}
                  >
                    {s.parent ? `↳ branch at ${s.branchStep}` : s.model || 'default model'} ({s.tokens.length})
                  </button>
                </li>
              );
            })}
          </ul>
          <h3>Saved</h3>
          {savedError && <p className="muted small">{savedError}</p>}
          {saved && saved.length === 0 && <p className="muted small">Finished sessions are kept here.</p>}
          {saved && saved.length > 0 && (
            <ul aria-label="Saved sessions">
              {saved.map((s) => (
                <li key={s.id}>
                  <button
                    type="button"
                    className={`link${s.id === current ? ' current' : ''}`}
                    title={`${s.id} · ${new Date(s.updated_at).toLocaleString()}`}
                    onClick={() => void openSaved(s.id)}
                  >
                    {s.parent ? `↳ ${s.id} from ${s.parent}` : `${s.id} ${s.model}`} ({s.steps})
                  </button>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <div className="debug-main">
          {session?.error && (
            <div className="error" role="alert">
              {session.error}
            </div>
          )}
          {session && session.prompt.length > 0 && (
            <details className="debug-prompt-tokens">
              <summary>
                Prompt: {session.prompt.length} tokens
                {session.prompt.some((t) => t.surprisal != null) ? ' (coloured by surprisal)' : ''}
              </summary>
              <div className="token-strip">
                {session.prompt.map((t, i) => (
                  <span
                    key={i}
                    className={`tok ${t.surprisal != null ? `p${probBucket(Math.exp(-t.surprisal))}` : `alt${i % 2}`}`}
                    title={`#${i} · id ${t.id}${t.surprisal != null ? ` · ${(t.surprisal / Math.LN2).toFixed(2)} bits` : ''}`}
                  >
                    {visibleToken(t.text)}
                  </span>
                ))}
              </div>
            </details>
          )}
          {session && session.tokens.length > 0 && (
            <>
              <StepChart
                label="Entropy per step"
                unit="nats"
                values={session.tokens.map((t) => t?.entropy ?? undefined)}
                selected={selected}
                onSelect={setSelected}
                mark={session.branchStep}
              />
              <div className="token-strip" role="list" aria-label="Generated tokens" data-testid="debug-tokens">
                {session.tokens.map((t, i) =>
                  t ? (
                    <button
                      type="button"
                      role="listitem"
                      key={i}
                      className={`tok p${probBucket(t.prob ?? 0)}${selected === i ? ' selected' : ''}${session.branchStep === i ? ' diverge' : ''}`}
                      title={
                        t.forced
                          ? `#${i}: chosen for this branch (${t.prob != null ? formatProb(t.prob) : '?'} in the parent)`
                          : `#${i} (position ${t.position}) · ${formatProb(t.prob ?? 0)} · rank ${t.rank ?? '?'}`
                      }
                      onClick={() => setSelected(selected === i ? null : i)}
                    >
                      {visibleToken(t.text)}
                    </button>
                  ) : null,
                )}
              </div>
            </>
          )}
          {tok && (
            <div className="inspector">
              <figure className="topk" aria-label={`Alternatives at step ${tok.index}`}>
                <figcaption>
                  Step {tok.index} (position {tok.position}): chose <code className="tok-inline">{visibleToken(tok.text)}</code>{' '}
                  with {formatProb(tok.prob ?? 0)}
                  {tok.entropy != null ? `, entropy ${tok.entropy.toFixed(2)} nats` : ''}. Branch to try another token here.
                </figcaption>
                <ol className="topk-bars">
                  {(tok.top ?? []).map((t) => (
                    <li key={t.id} className={t.id === tok.id ? 'chosen' : undefined} data-testid="debug-topk-row">
                      <span className="topk-token">{visibleToken(t.text)}</span>
                      <span className="topk-track">
                        <span className="topk-bar" style={{ width: `${Math.max((t.prob ?? 0) * 100, 0.5)}%` }} />
                      </span>
                      <span className="topk-prob">{formatProb(t.prob ?? 0)}</span>
                      <button
                        type="button"
                        className="link"
                        disabled={t.id === tok.id || conn !== 'open' || running}
                        onClick={() => branch(tok, t.id)}
                        aria-label={`Branch with ${JSON.stringify(t.text)}`}
                      >
                        Branch
                      </button>
                    </li>
                  ))}
                </ol>
              </figure>
              {((heads && heads.length > 0) || session?.promptMap) && (
                <AttentionPanel
                  session={session!}
                  layers={layers}
                  heads={headsOfLayer}
                  layer={layer}
                  head={head}
                  onLayer={setLayer}
                  onHead={setHead}
                  showMap={showMap && !!session?.promptMap}
                  onShowMap={setShowMap}
                  selectedPosition={tok.position}
                />
              )}
              {session?.lens[tok.position] && <LensGrid layers={session.lens[tok.position]!} chosen={tok.id} />}
            </div>
          )}
          {session && session.tokens.length > 0 && !tok && (
            <p className="muted small">Click a token (or a bar of the chart) to inspect that step.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function AttentionPanel(props: {
  session: DebugSession;
  layers: number[];
  heads: number[];
  layer: number;
  head: number;
  onLayer: (l: number) => void;
  onHead: (h: number) => void;
  showMap: boolean;
  onShowMap: (on: boolean) => void;
  selectedPosition: number;
}) {
  const { session, layers, heads, layer, head, onLayer, onHead, showMap, onShowMap, selectedPosition } = props;
  // Rows: generated tokens with attention captured; columns: every position they can see.
  const rows = session.tokens.filter((t) => t && session.attention[t.position]);
  const weights = rows.map((t) => session.attention[t.position]!.find((h) => h.layer === layer && h.head === head)?.weights ?? []);
  const cols = Math.max(1, ...weights.map((w) => w.length));
  const labels = [...session.prompt.map((t) => t.text), ...session.tokens.map((t) => t?.text ?? '')];
  const cell = Math.max(4, Math.min(14, Math.floor(640 / cols)));
  return (
    <figure className="attention" aria-label="Attention heatmap">
      <figcaption>
        {showMap
          ? 'Attention over the prompt (rows: prompt tokens, columns: positions they attend to)'
          : 'Attention (rows: generated tokens, columns: positions they attend to)'}
        <label>
          {' '}
          layer{' '}
          <select aria-label="Layer" value={layer} onChange={(e) => onLayer(Number(e.target.value))}>
            {layers.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          {' '}
          head{' '}
          <select aria-label="Head" value={head} onChange={(e) => onHead(Number(e.target.value))}>
            {heads.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
        <label className="check" title={session.promptMap ? undefined : 'Run with "Prompt map" ticked to get it'}>
          {' '}
          <input
            type="checkbox"
            checked={showMap}
            disabled={!session.promptMap}
            onChange={(e) => onShowMap(e.target.checked)}
          />{' '}
          prompt map
        </label>
      </figcaption>
      {showMap ? (
        <PromptMapCanvas
          rows={mapRows(session.promptMap, layer, head)}
          labels={session.prompt.map((t) => visibleToken(t.text))}
          layer={layer}
          head={head}
        />
      ) : (
        <div className="heatmap-scroll">
          <svg width={cols * cell} height={rows.length * cell} role="img" aria-label="Attention weights" data-testid="heatmap">
            {weights.map((w, r) =>
              w.map((v, c) => (
                <rect
                  key={`${r}-${c}`}
                  x={c * cell}
                  y={r * cell}
                  width={cell}
                  height={cell}
                  className={rows[r]!.position === selectedPosition ? 'hm sel' : 'hm'}
                  style={{ fillOpacity: Math.min(1, Math.sqrt(v)) }}
                >
                  <title>
                    {visibleToken(rows[r]!.text)} → {visibleToken(labels[c] ?? '')} (#{c}): {v.toFixed(3)}
                  </title>
                </rect>
              )),
            )}
          </svg>
        </div>
      )}
    </figure>
  );
}

/**
 * The prompt×prompt map of one head on a canvas (a long prompt has n² cells: too many for
 * SVG elements): token labels on both axes, the hovered cell's weight above it (it stays in
 * view while the map scrolls).
 */
function PromptMapCanvas({ rows, labels, layer, head }: { rows: number[][] | undefined; labels: string[]; layer: number; head: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ row: number; col: number } | null>(null);
  const layout: MapLayout = mapLayout(rows?.length ?? labels.length);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !rows) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = layout.size * dpr;
    c.height = layout.size * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, layout.size, layout.size);
    const style = getComputedStyle(c);
    const accent = style.getPropertyValue('--accent').trim() || '#c2410c';
    const { cell, margin } = layout;
    ctx.fillStyle = accent;
    rows.forEach((row, i) =>
      row.forEach((w, j) => {
        ctx.globalAlpha = weightAlpha(w);
        ctx.fillRect(margin + j * cell, margin + i * cell, cell, cell);
      }),
    );
    // The triangle's outline (a staircase along the diagonal cells) shows where the causal
    // mask starts even where weights are ~0.
    ctx.globalAlpha = 0.35;
    ctx.strokeStyle = style.color;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(margin, margin);
    for (let i = 0; i < layout.n; i++) {
      ctx.lineTo(margin + (i + 1) * cell, margin + i * cell);
      ctx.lineTo(margin + (i + 1) * cell, margin + (i + 1) * cell);
    }
    ctx.lineTo(margin, margin + layout.n * cell);
    ctx.closePath();
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.fillStyle = style.color;
    ctx.font = `${Math.min(12, Math.max(8, cell - 2))}px ui-monospace, monospace`;
    for (let i = 0; i < layout.n; i += layout.labelEvery) {
      const text = layout.labelEvery === 1 ? fitLabel(labels[i] ?? '') : String(i);
      const mid = margin + i * cell + cell / 2;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, margin - 4, mid); // rows: the query tokens
      ctx.save();
      ctx.translate(mid, margin - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(text, 0, 0); // columns: the positions attended to
      ctx.restore();
    }
  }, [rows, labels, layout.size, layout.cell, layout.n, layout.labelEvery, layout.margin]);
  if (!rows) return <p className="muted small">The prompt map has no layer {layer} head {head}.</p>;
  const w = hover ? rows[hover.row]?.[hover.col] : undefined;
  return (
    <div className="prompt-map">
      <p className="muted small" data-testid="prompt-map-hover" aria-live="polite">
        {hover && w !== undefined
          ? `${labels[hover.row] ?? ''} (#${hover.row}) → ${labels[hover.col] ?? ''} (#${hover.col}): ${w.toFixed(3)}`
          : 'Hover a cell for its weight.'}
      </p>
      <div className="heatmap-scroll">
        <canvas
          ref={canvas}
          data-testid="prompt-map"
          data-n={layout.n}
          aria-label={`Prompt attention map, layer ${layer} head ${head}, ${layout.n} tokens`}
          role="img"
          style={{ width: layout.size, height: layout.size }}
          onMouseMove={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            setHover(cellAt(layout, e.clientX - r.left, e.clientY - r.top));
          }}
          onMouseLeave={() => setHover(null)}
        />
      </div>
    </div>
  );
}

function LensGrid({ layers, chosen }: { layers: { layer: number; entropy?: number | null; top: { id: number; text: string; prob?: number | null }[] }[]; chosen: number }) {
  return (
    <figure className="lens" aria-label="Logit lens">
      <figcaption>Logit lens: what each layer would predict here (top tokens, chosen one outlined)</figcaption>
      <table data-testid="lens-grid">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Top tokens</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((l) => (
            <tr key={l.layer}>
              <th scope="row">{l.layer}</th>
              <td>
                {l.top.slice(0, 6).map((t) => (
                  <span
                    key={t.id}
                    className={`tok p${probBucket(t.prob ?? 0)}${t.id === chosen ? ' selected' : ''}`}
                    title={formatProb(t.prob ?? 0)}
                  >
                    {visibleToken(t.text)}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
