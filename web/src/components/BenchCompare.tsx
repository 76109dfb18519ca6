// Two stored runs side by side: per model and prompt size, each metric in A and B and B/A.

import type { BenchRun } from '../api/bench';
import { COMPARE_METRICS, compareRuns, formatNumber, formatRatio } from '../lib/bench';
import { formatBytes } from '../lib/metrics';

export function BenchCompare({ a, b }: { a: BenchRun; b: BenchRun }) {
  const rows = compareRuns(a, b);
  const fmt = (metric: string, v: number | null) =>
    v === null ? '—' : metric === 'peak_rss_bytes' ? formatBytes(v) : formatNumber(v, 1);
  const label = (m: string) => COMPARE_METRICS.find((x) => x.key === m)?.label ?? m;
  return (
    <section className="bench-compare" aria-label="Comparison">
      <h3>
        Run #{a.id} (A) vs run #{b.id} (B)
      </h3>
      <p className="muted small">
        Ratios are B ÷ A; green where B is better (faster, or less memory). Rows are matched on model and prompt size;
        runs are only comparable on the same machine and threads (A: {a.machine.hostname}, {a.threads} thread{a.threads === 1 ? '' : 's'}; B:{' '}
        {b.machine.hostname}, {b.threads} thread{b.threads === 1 ? '' : 's'}).
      </p>
      <div className="table-wrap">
        <table className="bench-table" data-testid="bench-compare">
          <thead>
            <tr>
              <th>Model</th>
              <th className="num">Size</th>
              <th>Metric</th>
              <th className="num">A</th>
              <th className="num">B</th>
              <th className="num">B ÷ A</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              // The first metric of each (model, size) starts a group; the others leave those cells blank.
              const prev = rows[i - 1];
              const first = !prev || prev.model !== r.model || prev.promptTokens !== r.promptTokens;
              return (
              <tr key={i} className={first ? 'group-start' : undefined}>
                <td>{first ? r.model : ''}</td>
                <td className="num">{first ? r.promptTokens : ''}</td>
                <td>{label(r.metric)}</td>
                <td className="num">{fmt(r.metric, r.a)}</td>
                <td className="num">{fmt(r.metric, r.b)}</td>
                <td className={`num ratio${r.better === true ? ' better' : r.better === false ? ' worse' : ''}`}>
                  {formatRatio(r.ratio)}
                </td>
              </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
