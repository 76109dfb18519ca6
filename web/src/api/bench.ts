// The server's benchmark routes (docs/server.md, "Benchmarks"): start a run and follow its
// SSE progress, list and open stored runs, cancel, delete, download a run's CSV.

import { withAuth } from './auth';
import { call } from './call';
import { ApiError, networkError, responseError } from './errors';
import { readSseEvents, type SseEvent } from './sse';

/** One result row: every column of benchmarks/results.csv. */
export interface BenchRow {
  timestamp: string;
  run_id: string;
  hostname: string;
  cpu_model: string;
  cpu_flags: string;
  isa: string;
  cores: number;
  threads: number;
  model: string;
  model_path: string;
  architecture: string;
  quant: string;
  size_bytes: number;
  params: number;
  input_type: string;
  prompt_tokens: number;
  generated_tokens: number;
  repetitions: number;
  load_ms: number;
  ttft_ms: number;
  ttft_ms_sd: number;
  prefill_tps: number;
  prefill_tps_sd: number;
  decode_tps: number;
  decode_tps_sd: number;
  total_ms: number;
  total_ms_sd: number;
  peak_rss_bytes: number;
  cpu_seconds: number;
  status: string;
  error: string;
  // The image and audio categories (0 / '' in text rows); rows stored before them may lack these.
  mmproj_path?: string;
  image_px?: number;
  image_tokens?: number;
  encoder_ms?: number;
  encoder_ms_sd?: number;
  audio_seconds?: number;
  rtf?: number;
  rtf_sd?: number;
  // The load category: one row per concurrency level (0 / absent in the other categories).
  concurrency?: number;
  requests?: number;
  failed_requests?: number;
  ttft_p50_ms?: number;
  ttft_p95_ms?: number;
  ttft_p99_ms?: number;
  latency_p50_ms?: number;
  latency_p95_ms?: number;
  latency_p99_ms?: number;
  throughput_tps?: number;
}

/**
 * What a run measures: text prompts, an image with a question (vision models), audio to transcribe,
 * or load: a concurrency sweep of streamed requests against a remote model's server.
 */
export type BenchCategory = 'text' | 'image' | 'audio' | 'load';

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface BenchRun {
  id: number;
  run_key: string;
  source: 'server' | 'cli';
  status: RunStatus;
  error: string;
  started_at: string;
  finished_at: string | null;
  machine: { hostname: string; cpu_model: string; cpu_flags: string; isa: string; cores: number };
  threads: number;
  category?: BenchCategory;
  models: string[];
  /** Prompt tokens, the picture's long side (px) or the clip's seconds, per category. */
  prompt_sizes: number[];
  repetitions: number;
  gen_tokens: number;
  /** load: the concurrency levels swept. */
  concurrency?: number[];
  row_count: number;
  rows?: BenchRow[];
}

export interface BenchRequest {
  category?: BenchCategory;
  models: string[];
  prompt_sizes: number[];
  repetitions: number;
  gen_tokens?: number;
  threads?: number;
  /** load: clients at once, one level each, and requests per level (absent: the server's default). */
  concurrency?: number[];
  requests?: number;
}

export async function listBenchRuns(limit = 50): Promise<BenchRun[]> {
  const body = await call<{ data?: BenchRun[] }>('GET', `/bench/runs?limit=${limit}`, 'Loading benchmark runs');
  return body.data ?? [];
}

export function getBenchRun(id: number): Promise<BenchRun> {
  return call('GET', `/bench/runs/${id}`, 'Loading the benchmark run');
}

export function cancelBenchRun(id: number): Promise<void> {
  return call('POST', `/bench/runs/${id}/cancel`, 'Cancelling the run');
}

export function deleteBenchRun(id: number): Promise<void> {
  return call('DELETE', `/bench/runs/${id}`, 'Deleting the run');
}

export function benchCsvUrl(id: number): string {
  return `/bench/runs/${id}.csv`;
}

/**
 * Saves a run's CSV when the server needs an API key (a plain link cannot send it): the file
 * is fetched with the key and handed to the browser as a download.
 */
export async function downloadBenchCsv(id: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(benchCsvUrl(id), withAuth());
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await responseError(res, 'Downloading the CSV');
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `inferno-bench-${id}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Starts a run and hands every SSE event to `onEvent` until the stream ends. Aborting
 * `signal` only stops listening: the run goes on on the server (cancel it explicitly).
 */
export async function startBench(
  req: BenchRequest,
  signal: AbortSignal,
  onEvent: (e: SseEvent) => void,
): Promise<void> {
  await follow('/bench', { method: 'POST', body: JSON.stringify(req) }, signal, onEvent, 'Starting the benchmark');
}

/** Follows a running run's events again (from its first event). */
export async function followBenchRun(id: number, signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
  await follow(`/bench/runs/${id}/events`, { method: 'GET' }, signal, onEvent, 'Following the run');
}

async function follow(
  path: string,
  init: RequestInit,
  signal: AbortSignal,
  onEvent: (e: SseEvent) => void,
  what: string,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(
      path,
      withAuth({
        ...init,
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        signal,
      }),
    );
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await responseError(res, what);
  if (!res.body) throw new ApiError('The server sent an empty response');
  try {
    for await (const e of readSseEvents(res.body)) onEvent(e);
  } catch (err) {
    throw networkError(err);
  }
}
