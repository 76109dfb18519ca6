// Pure logic of the Benchmarks page: the run's SSE events into progress state, prompt-size
// input, chart series and the comparison of two runs.

import type { BenchCategory, BenchRow, BenchRun, RunStatus } from '../api/bench';
import type { ModelInfo } from '../api/types';
import type { SseEvent } from '../api/sse';

export interface BenchProgress {
  category: BenchCategory;
  model: string;
  modelIndex: number;
  modelCount: number;
  phase: string;
  promptTokens: number;
  rep: number;
  repetitions: number;
  fraction: number;
  /** load: the level being measured and its requests done so far. */
  concurrency?: number;
  done?: number;
  requests?: number;
}

export type BenchEvent =
  | { type: 'start'; run: BenchRun }
  | { type: 'progress'; runId: number; progress: BenchProgress }
  | { type: 'result'; runId: number; row: BenchRow }
  | { type: 'done'; runId: number; status: RunStatus; rows: number }
  | { type: 'error'; runId: number | null; message: string };

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** One SSE event of POST /bench as a typed event; null for anything else (keep-alives, junk). */
export function parseBenchEvent(e: SseEvent): BenchEvent | null {
  let d: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(e.data);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
    d = v as Record<string, unknown>;
  } catch {
    return null;
  }
  const runId = num(d.run_id, -1);
  switch (e.event) {
    case 'start': {
      const run = d.run as BenchRun | undefined;
      return run && typeof run.id === 'number' ? { type: 'start', run } : null;
    }
    case 'progress':
      return {
        type: 'progress',
        runId,
        progress: {
          category: asCategory(d.category),
          model: String(d.model ?? ''),
          modelIndex: num(d.model_index),
          modelCount: num(d.model_count, 1),
          phase: String(d.phase ?? ''),
          promptTokens: num(d.prompt_tokens),
          rep: num(d.rep),
          repetitions: num(d.repetitions, 1),
          fraction: Math.min(1, Math.max(0, num(d.fraction))),
          ...(d.concurrency !== undefined
            ? { concurrency: num(d.concurrency), done: num(d.done), requests: num(d.requests) }
            : {}),
        },
      };
    case 'result':
      return d.row && typeof d.row === 'object' ? { type: 'result', runId, row: d.row as BenchRow } : null;
    case 'done': {
      const status = d.status === 'cancelled' ? 'cancelled' : 'done';
      return { type: 'done', runId, status, rows: num(d.rows) };
    }
    case 'error':
      return { type: 'error', runId: runId >= 0 ? runId : null, message: String(d.message ?? 'the run failed') };
    default:
      return null;
  }
}

export interface RunState {
  runId: number | null;
  status: 'idle' | RunStatus;
  fraction: number;
  progress: BenchProgress | null;
  rows: BenchRow[];
  error: string;
}

export const IDLE: RunState = { runId: null, status: 'idle', fraction: 0, progress: null, rows: [], error: '' };

/** The next state of the live run after one event. */
export function applyBenchEvent(s: RunState, e: BenchEvent): RunState {
  switch (e.type) {
    case 'start':
      return { ...IDLE, runId: e.run.id, status: 'running' };
    case 'progress':
      // Progress never goes back, even if events were replayed.
      return { ...s, progress: e.progress, fraction: Math.max(s.fraction, e.progress.fraction) };
    case 'result':
      return { ...s, rows: [...s.rows, e.row] };
    case 'done':
      return { ...s, status: e.status, fraction: e.status === 'done' ? 1 : s.fraction, runId: e.runId };
    case 'error':
      return { ...s, status: 'failed', error: e.message };
  }
}

/** The categories of the suite, as the form offers them: what a size is and its bounds (the server's). */
export const CATEGORIES: Record<
  BenchCategory,
  { label: string; size: string; unit: string; defaults: string; max: number; short: string }
> = {
  text: { label: 'Text', size: 'prompt size', unit: 'tokens', defaults: '50, 100, 200', max: 2048, short: 'prompt' },
  image: { label: 'Images', size: 'image size', unit: 'px', defaults: '256, 512, 1024', max: 4096, short: 'image' },
  audio: { label: 'Audio', size: 'clip length', unit: 's', defaults: '5, 10, 30', max: 600, short: 'clip' },
  load: { label: 'Load sweep (remote)', size: 'prompt length', unit: 'words', defaults: '64', max: 8192, short: 'prompt' },
};

export function asCategory(v: unknown): BenchCategory {
  return v === 'image' || v === 'audio' || v === 'load' ? v : 'text';
}

/** The category of a stored row (rows from before the categories are text). */
export const rowCategory = (r: BenchRow): BenchCategory => asCategory(r.input_type);

/** The size a row was measured at: prompt tokens, the picture's long side or the clip's seconds. */
export function rowSize(r: BenchRow): number {
  const c = rowCategory(r);
  if (c === 'image') return r.image_px ?? 0;
  if (c === 'audio') return r.audio_seconds ?? 0;
  if (c === 'load') return r.concurrency ?? 0; // a load row's "size" is its level
  return r.prompt_tokens;
}

/** "512 px", "10 s", "100 tokens". */
export function sizeLabel(category: BenchCategory, size: number): string {
  return `${size} ${CATEGORIES[category].unit}`;
}

/** The models a category can run: vision models for images, speech models for audio, the others for text. */
export function modelsForCategory(models: ModelInfo[], category: BenchCategory): ModelInfo[] {
  const speech = (m: ModelInfo) => m.kind === 'speech';
  if (category === 'image') return models.filter((m) => !speech(m) && (m.capabilities ?? []).includes('vision'));
  if (category === 'audio') return models.filter(speech);
  if (category === 'load') return models.filter((m) => m.remote);
  return models.filter((m) => !speech(m) && !m.remote);
}

/** What the progress bar says, e.g. "llama · prompt 100 · rep 2/3 (model 1/2)". */
export function progressLabel(p: BenchProgress | null): string {
  if (!p) return 'Starting…';
  const model = p.modelCount > 1 ? ` (model ${p.modelIndex + 1}/${p.modelCount})` : '';
  if (p.phase === 'loading') return `${p.model}: loading${model}`;
  if (p.category === 'load' && p.phase === 'measuring') {
    return `${p.model} · ${p.concurrency ?? 0} clients · ${p.done ?? 0}/${p.requests ?? 0} requests${model}`;
  }
  if (p.phase === 'measuring') {
    const size = p.category === 'text' ? `${p.promptTokens}` : sizeLabel(p.category, p.promptTokens);
    return `${p.model} · ${CATEGORIES[p.category].short} ${size} · rep ${p.rep + 1}/${p.repetitions}${model}`;
  }
  return `${p.model}: ${p.phase}${model}`;
}

/** "50, 100, 200" into sizes of the category (prompt tokens by default); an error names what is wrong. */
export function parsePromptSizes(text: string, category: BenchCategory = 'text'): { sizes: number[]; error: string } {
  const c = CATEGORIES[category];
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return { sizes: [], error: `Enter at least one ${c.size}.` };
  const sizes: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > c.max) {
      const a = /^[aeiou]/.test(c.size) ? 'an' : 'a';
      return { sizes: [], error: `“${p}” is not ${a} ${c.size} from 1 to ${c.max} ${c.unit}.` };
    }
    if (!sizes.includes(n)) sizes.push(n);
  }
  if (sizes.length > 8) return { sizes: [], error: `At most 8 ${c.size}s per run.` };
  return { sizes, error: '' };
}

/** "1, 4, 16, 64" into a load sweep's levels (clients at once, as the server bounds them). */
export function parseConcurrency(text: string): { levels: number[]; error: string } {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return { levels: [], error: 'Enter at least one concurrency level.' };
  const levels: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 256) return { levels: [], error: `“${p}” is not a number of clients from 1 to 256.` };
    if (!levels.includes(n)) levels.push(n);
  }
  if (levels.length > 8) return { levels: [], error: 'At most 8 concurrency levels per run.' };
  return { levels, error: '' };
}

export const okRows = (rows: BenchRow[]): BenchRow[] => rows.filter((r) => r.status === 'ok');

/** Models in first-seen order. */
export function modelsOf(rows: BenchRow[]): string[] {
  return [...new Set(rows.map((r) => r.model))];
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

/** Per model, one point per size (rowSize) of `metric` (for the latency chart). */
export function seriesByModel(rows: BenchRow[], metric: (r: BenchRow) => number): Series[] {
  const ok = okRows(rows);
  return modelsOf(ok).map((name) => ({
    name,
    points: ok
      .filter((r) => r.model === name)
      .map((r) => ({ x: rowSize(r), y: metric(r) }))
      .sort((a, b) => a.x - b.x),
  }));
}

export interface CompareRow {
  model: string;
  promptTokens: number;
  metric: CompareMetric;
  a: number | null;
  b: number | null;
  /** b / a, null when either side is missing or a is 0. */
  ratio: number | null;
  /** Whether B is better than A on this metric (null when there is no ratio or they tie). */
  better: boolean | null;
}

export type CompareMetric =
  | 'decode_tps'
  | 'prefill_tps'
  | 'ttft_ms'
  | 'total_ms'
  | 'peak_rss_bytes'
  | 'encoder_ms'
  | 'rtf'
  | 'latency_p95_ms'
  | 'throughput_tps';
export const COMPARE_METRICS: { key: CompareMetric; label: string; higherIsBetter: boolean }[] = [
  { key: 'decode_tps', label: 'Decode t/s', higherIsBetter: true },
  { key: 'prefill_tps', label: 'Prefill t/s', higherIsBetter: true },
  { key: 'ttft_ms', label: 'TTFT ms', higherIsBetter: false },
  { key: 'total_ms', label: 'Latency ms', higherIsBetter: false },
  { key: 'peak_rss_bytes', label: 'Peak RSS', higherIsBetter: false },
  { key: 'encoder_ms', label: 'Encoder ms', higherIsBetter: false },
  { key: 'rtf', label: 'RTF', higherIsBetter: false },
  { key: 'latency_p95_ms', label: 'Latency p95 ms', higherIsBetter: false },
  { key: 'throughput_tps', label: 'Total t/s', higherIsBetter: true },
];

/** The metrics that mean something for a category (the comparison shows only these). */
export function metricsFor(category: BenchCategory): typeof COMPARE_METRICS {
  const keep: Record<BenchCategory, CompareMetric[]> = {
    text: ['decode_tps', 'prefill_tps', 'ttft_ms', 'total_ms', 'peak_rss_bytes'],
    image: ['encoder_ms', 'prefill_tps', 'decode_tps', 'ttft_ms', 'total_ms', 'peak_rss_bytes'],
    audio: ['rtf', 'total_ms', 'peak_rss_bytes'],
    load: ['throughput_tps', 'latency_p95_ms', 'ttft_ms', 'decode_tps'],
  };
  return COMPARE_METRICS.filter((m) => keep[category].includes(m.key));
}

/**
 * Two runs side by side: one line per (model, prompt size, metric) present in either run,
 * matched on model and prompt size; failed rows count as missing.
 */
export function compareRuns(a: BenchRun, b: BenchRun): CompareRow[] {
  const key = (r: BenchRow) => `${r.model}\u0000${r.input_type}\u0000${rowSize(r)}`;
  const left = new Map(okRows(a.rows ?? []).map((r) => [key(r), r]));
  const right = new Map(okRows(b.rows ?? []).map((r) => [key(r), r]));
  const keys: string[] = [];
  for (const k of [...left.keys(), ...right.keys()]) if (!keys.includes(k)) keys.push(k);
  const out: CompareRow[] = [];
  for (const k of keys) {
    const ra = left.get(k);
    const rb = right.get(k);
    const ref = (ra ?? rb) as BenchRow;
    for (const m of metricsFor(rowCategory(ref))) {
      const va = ra ? (ra[m.key] ?? 0) : null;
      const vb = rb ? (rb[m.key] ?? 0) : null;
      const ratio = va !== null && vb !== null && va !== 0 ? vb / va : null;
      out.push({
        model: ref.model,
        promptTokens: rowSize(ref),
        metric: m.key,
        a: va,
        b: vb,
        ratio,
        better: ratio === null || ratio === 1 ? null : m.higherIsBetter ? ratio > 1 : ratio < 1,
      });
    }
  }
  return out;
}

/** A round axis maximum at or above `v` (1, 2, 2.5, 5 × 10^k), for five even ticks. */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

export function formatNumber(v: number, digits = 1): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(r: number | null): string {
  return r === null ? '—' : `×${r.toFixed(2)}`;
}

/** A stored timestamp in the reader's locale; as sent when it is not a date. */
export function formatWhen(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
