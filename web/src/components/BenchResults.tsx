// One benchmark run's results: the table (mean ± stddev over the repetitions) and the charts.

import type { BenchRow } from '../api/bench';
import { formatNumber, modelsOf, okRows, seriesByModel } from '../lib/bench';
import { formatBytes } from '../lib/metrics';
import { BarChart, LineChart } from './BenchCharts';

function pm(v: number, sd: number, digits = 1) {
  return (
    <>
      {formatNumber(v, digits)}
      {sd > 0 && <span className="sd"> ± {formatNumber(sd, digits)}</span>}
    </>
  );
}

export function BenchTable({ rows }: { rows: BenchRow[] }) {
  return (
    <div className="table-wrap">
      <table className="bench-table" data-testid="bench-results">
        <thead>
          <tr>
            <th>Model</th>
            <th>Quant</th>
            <th className="num">Prompt tokens</th>
            <th className="num">TTFT ms</th>
            <th className="num">Prefill t/s</th>
            <th className="num">Decode t/s</th>
            <th className="num">Latency ms</th>
            <th className="num">Peak RSS</th>
            <th className="num">Load ms</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) =>
            r.status !== 'ok' ? (
              <tr key={i} className="failed">
                <td>{r.model}</td>
                <td>{r.quant}</td>
                <td colSpan={7} className="error-cell">
                  failed: {r.error || 'unknown error'}
                </td>
              </tr>
            ) : (
              <tr key={i}>
                <td>{r.model}</td>
                <td>{r.quant}</td>
                <td className="num">{r.prompt_tokens}</td>
                <td className="num">{pm(r.ttft_ms, r.ttft_ms_sd)}</td>
                <td className="num">{pm(r.prefill_tps, r.prefill_tps_sd)}</td>
                <td className="num">{pm(r.decode_tps, r.decode_tps_sd)}</td>
                <td className="num">{pm(r.total_ms, r.total_ms_sd)}</td>
                <td className="num">{formatBytes(r.peak_rss_bytes)}</td>
                <td className="num">{formatNumber(r.load_ms, 0)}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function BenchCharts({ rows }: { rows: BenchRow[] }) {
  const ok = okRows(rows);
  if (ok.length === 0) return null;
  const models = modelsOf(ok);
  const sizes = [...new Set(ok.map((r) => r.prompt_tokens))].sort((a, b) => a - b);
  const tps = models.map((m) => ({
    label: m,
    bars: sizes.flatMap((p) => {
      const r = ok.find((x) => x.model === m && x.prompt_tokens === p);
      return r ? [{ name: `decode, prompt ${p}`, value: r.decode_tps, sd: r.decode_tps_sd }] : [];
    }),
  }));
  const memory = models.map((m) => {
    const rs = ok.filter((x) => x.model === m);
    // In MiB, so the axis gets round MiB ticks.
    return { label: m, bars: [{ name: 'peak RSS', value: Math.max(...rs.map((x) => x.peak_rss_bytes)) / 2 ** 20 }] };
  });
  return (
    <div className="charts">
      <BarChart title="Decode tokens/s per model" groups={tps} format={(v) => formatNumber(v, 0)} testId="chart-tps" />
      <LineChart
        title="Latency (ms) per prompt size"
        series={seriesByModel(ok, (r) => r.total_ms)}
        xLabel="prompt tokens"
        format={(v) => formatNumber(v, 0)}
        testId="chart-latency"
      />
      <BarChart
        title="Peak memory (MiB) per model"
        groups={memory}
        format={(v) => formatNumber(v, v > 0 && v < 10 ? 1 : 0)}
        testId="chart-memory"
      />
    </div>
  );
}
