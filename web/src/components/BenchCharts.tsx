// The Benchmarks page's charts, drawn as plain SVG (no chart library): grouped bars (tokens/s
// per model, memory per model) and lines (latency per prompt size, one line per model).
// Colours come from the theme's --series-N variables, so both themes stay readable.

import { niceMax, type Series } from '../lib/bench';

const W = 400;
const H = 210;
const PAD = { left: 56, right: 8, top: 10, bottom: 36 };

function YAxis({ max, format }: { max: number; format: (v: number) => string }) {
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  return (
    <g className="axis">
      {ticks.map((t) => (
        <g key={t}>
          <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
            {format(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

function Legend({ names }: { names: string[] }) {
  return (
    <div className="chart-legend">
      {names.map((n, i) => (
        <span key={n}>
          <i className={`swatch s${i % 6}`} /> {n}
        </span>
      ))}
    </div>
  );
}

export interface BarGroup {
  label: string;
  bars: { name: string; value: number; sd?: number }[];
}

export function BarChart({
  title,
  groups,
  format,
  testId,
}: {
  title: string;
  groups: BarGroup[];
  format: (v: number) => string;
  testId?: string;
}) {
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const max = niceMax(Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value + (b.sd ?? 0)))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(36, (groupW * 0.8) / Math.max(1, names.length));
  const y = (v: number) => PAD.top + (1 - v / max) * plotH;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <YAxis max={max} format={format} />
        {groups.map((g, gi) => {
          const x0 = PAD.left + gi * groupW + (groupW - barW * names.length) / 2;
          return (
            <g key={g.label}>
              {g.bars.map((b) => {
                const i = names.indexOf(b.name);
                const x = x0 + i * barW;
                return (
                  <g key={b.name}>
                    <rect className={`bar s${i % 6}`} x={x + 1} y={y(b.value)} width={barW - 2} height={y(0) - y(b.value)}>
                      <title>
                        {g.label} · {b.name}: {format(b.value)}
                        {b.sd ? ` ± ${format(b.sd)}` : ''}
                      </title>
                    </rect>
                    {b.sd ? (
                      <line className="whisker" x1={x + barW / 2} x2={x + barW / 2} y1={y(b.value + b.sd)} y2={y(Math.max(0, b.value - b.sd))} />
                    ) : null}
                  </g>
                );
              })}
              <text className="xlabel" x={PAD.left + gi * groupW + groupW / 2} y={H - PAD.bottom + 16} textAnchor="middle">
                {g.label.length > 22 ? g.label.slice(0, 21) + '…' : g.label}
              </text>
            </g>
          );
        })}
      </svg>
      {names.length > 1 && <Legend names={names} />}
    </figure>
  );
}

export function LineChart({
  title,
  series,
  xLabel,
  xUnit = 'tokens',
  format,
  testId,
}: {
  title: string;
  series: Series[];
  xLabel: string;
  /** What an x value counts, in the points' tooltips. */
  xUnit?: string;
  format: (v: number) => string;
  testId?: string;
}) {
  // Prompt sizes and concurrency levels are few and uneven (50, 100, 200; 1, 4, 16, 64):
  // evenly spaced categories read best.
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const plotW = W - PAD.left - PAD.right;
  const x = (v: number) => PAD.left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(v) / (xs.length - 1)) * plotW * 0.9 + plotW * 0.05);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <YAxis max={max} format={format} />
        {xs.map((v) => (
          <text key={v} className="xlabel" x={x(v)} y={H - PAD.bottom + 16} textAnchor="middle">
            {v}
          </text>
        ))}
        <text className="xlabel" x={PAD.left + plotW / 2} y={H - 6} textAnchor="middle">
          {xLabel}
        </text>
        {series.map((s, i) => (
          <g key={s.name} className={`line s${i % 6}`}>
            <polyline points={s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')} />
            {s.points.map((p) => (
              <circle key={p.x} cx={x(p.x)} cy={y(p.y)} r={4}>
                <title>
                  {s.name} · {p.x} {xUnit}: {format(p.y)}
                </title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <Legend names={series.map((s) => s.name)} />
    </figure>
  );
}
