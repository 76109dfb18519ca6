// One benchmark run's results: the table (mean ± stddev over the repetitions) and the charts.

import type { BenchCategory, BenchRow } from '../api/bench';
import {
  CATEGORIES,
  formatNumber,
  modelsOf,
  okRows,
  rowCategory,
  rowSize,
  seriesByModel,
  type Series,
} from '../lib/bench';
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
  load: {
    head: ['Clients', 'Requests', 'Failed', 'TTFT p50 / p95 / p99 ms', 'Latency p50 / p95 / p99 ms', 'Decode t/s per request', 'Total t/s'],
    cells: (r) => [
      r.concurrency ?? 0,
      r.requests ?? 0,
      r.failed_requests ?? 0,
      triple(r.ttft_p50_ms, r.ttft_p95_ms, r.ttft_p99_ms),
      triple(r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms),
      pm(r.decode_tps, r.decode_tps_sd),
      formatNumber(r.throughput_tps ?? 0, 1),
    ],
  },
};

function triple(a = 0, b = 0, c = 0) {
  return [a, b, c].map((v) => formatNumber(v, 0)).join(' / ');
}

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
  load: {
    bars: 'Total tokens/s per concurrency',
    bar: (r) => r.throughput_tps ?? 0,
    barSd: () => 0,
    line: 'Latency (ms) per concurrency',
    lineOf: (r) => r.latency_p50_ms ?? 0,
  },
};

/** A load sweep: latency and TTFT percentiles over the levels, and the throughput it bought. */
function LoadCharts({ rows }: { rows: BenchRow[] }) {
  const models = modelsOf(rows);
  const percentiles = (pick: (r: BenchRow) => [number, number, number]): Series[] =>
    models.flatMap((m) =>
      (['p50', 'p95', 'p99'] as const).map((name, i) => ({
        name: models.length > 1 ? `${m} ${name}` : name,
        points: rows
          .filter((r) => r.model === m)
          .map((r) => ({ x: r.concurrency ?? 0, y: pick(r)[i] as number }))
          .sort((a, b) => a.x - b.x),
      })),
    );
  const latency = percentiles((r) => [r.latency_p50_ms ?? 0, r.latency_p95_ms ?? 0, r.latency_p99_ms ?? 0]);
  const ttft = percentiles((r) => [r.ttft_p50_ms ?? 0, r.ttft_p95_ms ?? 0, r.ttft_p99_ms ?? 0]);
  const levels = [...new Set(rows.map((r) => r.concurrency ?? 0))].sort((a, b) => a - b);
  const throughput = levels.map((c) => ({
    label: `${c} client${c === 1 ? '' : 's'}`,
    bars: rows.filter((r) => r.concurrency === c).map((r) => ({ name: r.model, value: r.throughput_tps ?? 0 })),
  }));
  return (
    <div className="charts" data-testid="load-charts">
      <LineChart
        title="Latency (ms) per concurrency"
        series={latency}
        xLabel="clients at once"
        xUnit="clients"
        format={(v) => formatNumber(v, 0)}
        testId="chart-load-latency"
      />
      <LineChart
        title="Time to first token (ms) per concurrency"
        series={ttft}
        xLabel="clients at once"
        xUnit="clients"
        format={(v) => formatNumber(v, 0)}
        testId="chart-load-ttft"
      />
      <BarChart
        title="Total tokens/s per concurrency"
        groups={throughput}
        format={(v) => formatNumber(v, 0)}
        testId="chart-load-throughput"
      />
    </div>
  );
}

export function BenchCharts({ rows }: { rows: BenchRow[] }) {
  const ok = okRows(rows);
  if (ok.length === 0) return null;
  // A run is one category; rows of an older run without one are text.
  const category = rowCategory(ok[0] as BenchRow);
  if (category === 'load') return <LoadCharts rows={ok} />;
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
