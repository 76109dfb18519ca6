// The attention probes of the debugger: the heatmap of the generated tokens over the
// positions they attend to, and the prompt×prompt map of one head on a canvas.

import { useEffect, useRef, useState } from 'react';
import { cellAt, fitLabel, mapLayout, mapRows, weightAlpha, type MapLayout } from '../lib/attentionMap';
import type { DebugSession } from '../lib/debugState';
import { visibleToken } from '../lib/probability';

export function AttentionPanel(props: {
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
