// The router probe of MoE models: for one layer, which experts each token was sent to
// (rows: experts, columns: prompt and generated tokens; the darker, the larger its weight).

import type { DebugSession } from '../lib/debugState';
import { visibleToken } from '../lib/probability';
import { routerGrid, routerLayers } from '../lib/router';

interface Props {
  session: DebugSession;
  layer: number;
  onLayer: (l: number) => void;
  /** Position of the token selected in the debugger, outlined in the map. */
  selectedPosition?: number;
}

export function RouterPanel({ session, layer, onLayer, selectedPosition }: Props) {
  const layers = routerLayers(session.router);
  if (layers.length === 0) {
    return <p className="muted small">No expert routing: the model has no mixture-of-experts layers.</p>;
  }
  const shown = layers.includes(layer) ? layer : layers[0]!;
  const g = routerGrid(session.router, shown);
  const labels = [...session.prompt.map((t) => t.text), ...session.tokens.map((t) => t?.text ?? '')];
  const cell = Math.max(5, Math.min(14, Math.floor(720 / Math.max(1, g.positions.length))));
  const gutter = 28; // expert ids on the left
  return (
    <figure className="router" aria-label="Expert routing">
      <figcaption>
        Experts (rows) each token (columns) was routed to
        <label>
          {' '}
          layer{' '}
          <select aria-label="MoE layer" value={shown} onChange={(e) => onLayer(Number(e.target.value))}>
            {layers.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </figcaption>
      <div className="heatmap-scroll">
        <svg
          width={gutter + g.positions.length * cell}
          height={g.experts * cell}
          role="img"
          aria-label={`Expert routing of layer ${shown}: ${g.experts} experts × ${g.positions.length} tokens`}
          data-testid="router-map"
        >
          {g.load.map((n, e) => (
            <text key={`e${e}`} x={gutter - 4} y={e * cell + cell - 2} className="router-expert" textAnchor="end">
              <title>
                expert {e}: chosen for {n} of {g.positions.length} tokens
              </title>
              {cell >= 9 || e % 4 === 0 ? e : ''}
            </text>
          ))}
          {g.cells.map((c) => {
            const pos = g.positions[c.col]!;
            return (
              <rect
                key={`${c.col}-${c.expert}`}
                x={gutter + c.col * cell}
                y={c.expert * cell}
                width={cell}
                height={cell}
                className={pos === selectedPosition ? 'hm sel' : 'hm'}
                style={{ fillOpacity: Math.max(0.08, Math.min(1, c.weight)) }}
              >
                <title>
                  {visibleToken(labels[pos] ?? '')} (#{pos}) → expert {c.expert}, choice {c.rank + 1}, weight{' '}
                  {c.weight.toFixed(3)}
                </title>
              </rect>
            );
          })}
        </svg>
      </div>
    </figure>
  );
}
