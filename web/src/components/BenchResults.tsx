// One benchmark run's results: the table (mean ± stddev over the repetitions) and the charts.

import type { BenchCategory, BenchRow } from '../api/bench';
import { CATEGORIES, formatNumber, modelsOf, okRows, rowCategory, rowSize, seriesByModel } from '../lib/bench';
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

/** The columns of one category's table: header, then the cells of an ok row. */
const COLUMNS: Record<BenchCategory, { head: string[]; cells: (r: BenchRow) => React.ReactNode[] }> = {
  text: {
    head: ['Prompt tokens', 'TTFT ms', 'Prefill t/s', 'Decode t/s', 'Latency ms', 'Peak RSS', 'Load ms'],
    cells: (r) => [
      r.prompt_tokens,
      pm(r.ttft_ms, r.ttft_ms_sd),
      pm(r.prefill_tps, r.prefill_tps_sd),
      pm(r.decode_tps, r.decode_tps_sd),
      pm(r.total_ms, r.total_ms_sd),
      formatBytes(r.peak_rss_bytes),
      formatNumber(r.load_ms, 0),
    ],
  },
  image: {
    head: ['Image px', 'Image tokens', 'Encoder ms', 'TTFT ms', 'Prefill t/s', 'Decode t/s', 'Peak RSS'],
    cells: (r) => [
      r.image_px ?? 0,
      r.image_tokens ?? 0,
      pm(r.encoder_ms ?? 0, r.encoder_ms_sd ?? 0),
      pm(r.ttft_ms, r.ttft_ms_sd),
      pm(r.prefill_tps, r.prefill_tps_sd),
      pm(r.decode_tps, r.decode_tps_sd),
      formatBytes(r.peak_rss_bytes),
    ],
  },
  audio: {
    head: ['Clip s', 'Latency ms', 'RTF', 'Tokens', 'CPU s', 'Peak RSS', 'Load ms'],
    cells: (r) => [
      r.audio_seconds ?? 0,
      pm(r.total_ms, r.total_ms_sd),
      pm(r.rtf ?? 0, r.rtf_sd ?? 0, 3),
      r.generated_tokens,
      formatNumber(r.cpu_seconds, 1),
      formatBytes(r.peak_rss_bytes),
      formatNumber(r.load_ms, 0),
    ],
  },
};

/** One table per category present (a run has one; an old run's rows are text). */
export function BenchTable({ rows }: { rows: BenchRow[] }) {
  const categories = [...new Set(rows.map(rowCategory))];
  return (
    <>
      {categories.map((c) => (
        <CategoryTable key={c} category={c} rows={rows.filter((r) => rowCategory(r) === c)} />
      ))}
    </>
  );
}

function CategoryTable({ category, rows }: { category: BenchCategory; rows: BenchRow[] }) {
  const cols = COLUMNS[category];
  return (
    <div className="table-wrap">
      <table className="bench-table" data-testid="bench-results" data-category={category}>
        <thead>
          <tr>
            <th>Model</th>
            <th>Quant</th>
            {cols.head.map((h) => (
              <th key={h} className="num">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) =>
            r.status !== 'ok' ? (
              <tr key={i} className="failed">
                <td>{r.model}</td>
                <td>{r.quant}</td>
                <td colSpan={cols.head.length} className="error-cell">
                  failed: {r.error || 'unknown error'}
                </td>
              </tr>
            ) : (
              <tr key={i}>
                <td>{r.model}</td>
                <td>{r.quant}</td>
                {cols.cells(r).map((c, j) => (
                  <td key={j} className="num">
                    {c}
                  </td>
                ))}
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

/** What the charts plot per category: the bar metric per size and the line metric over the sizes. */
const CHARTS: Record<
  BenchCategory,
  { bars: string; bar: (r: BenchRow) => number; barSd: (r: BenchRow) => number; line: string; lineOf: (r: BenchRow) => number }
> = {
  text: {
    bars: 'Decode tokens/s per model',
    bar: (r) => r.decode_tps,
    barSd: (r) => r.decode_tps_sd,
    line: 'Latency (ms) per prompt size',
    lineOf: (r) => r.total_ms,
  },
  image: {
    bars: 'Decode tokens/s per model',
    bar: (r) => r.decode_tps,
    barSd: (r) => r.decode_tps_sd,
    line: 'Vision encoder (ms) per image size',
    lineOf: (r) => r.encoder_ms ?? 0,
  },
  audio: {
    bars: 'Real-time factor per model (lower is faster)',
    bar: (r) => r.rtf ?? 0,
    barSd: (r) => r.rtf_sd ?? 0,
    line: 'Latency (ms) per clip length',
    lineOf: (r) => r.total_ms,
  },
};

export function BenchCharts({ rows }: { rows: BenchRow[] }) {
  const ok = okRows(rows);
  if (ok.length === 0) return null;
  // A run is one category; rows of an older run without one are text.
  const category = rowCategory(ok[0] as BenchRow);
  const chart = CHARTS[category];
  const cat = CATEGORIES[category];
  const models = modelsOf(ok);
  const sizes = [...new Set(ok.map(rowSize))].sort((a, b) => a - b);
  const tps = models.map((m) => ({
    label: m,
    bars: sizes.flatMap((p) => {
      const r = ok.find((x) => x.model === m && rowSize(x) === p);
      const what = category === 'audio' ? 'RTF' : 'decode';
      return r ? [{ name: `${what}, ${cat.short} ${p}${category === 'text' ? '' : ` ${cat.unit}`}`, value: chart.bar(r), sd: chart.barSd(r) }] : [];
    }),
  }));
  const memory = models.map((m) => {
    const rs = ok.filter((x) => x.model === m);
    // In MiB, so the axis gets round MiB ticks.
    return { label: m, bars: [{ name: 'peak RSS', value: Math.max(...rs.map((x) => x.peak_rss_bytes)) / 2 ** 20 }] };
  });
  return (
    <div className="charts">
      <BarChart
        title={chart.bars}
        groups={tps}
        format={(v) => formatNumber(v, category === 'audio' ? 2 : 0)}
        testId="chart-tps"
      />
      <LineChart
        title={chart.line}
        series={seriesByModel(ok, chart.lineOf)}
        xLabel={`${cat.size} (${cat.unit})`}
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
