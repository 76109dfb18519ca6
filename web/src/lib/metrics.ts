// Per-message figures: the decode rate the server measured (its `timings`), and what only
// the browser sees (time to first token, total time) from the stream's arrival times.

import type { MessageMetrics, ServerTimings } from '../api/types';
import { specCounts } from './speculation';

export interface StreamClock {
  start: number;
  first?: number;
  last?: number;
  tokens: number;
}

/**
 * TTFT is the time from sending to the first token, as the browser saw it. Tokens/s is the
 * decode rate after the first token (which carries the prompt's prefill, as in llama.cpp's
 * figures): the server's own measurement when it sent `timings`; only without them is it
 * estimated from arrival times, and marked so (a burst of buffered chunks would read as
 * thousands of tokens per second).
 */
export function computeMetrics(c: StreamClock, completionTokens?: number, timings?: ServerTimings): MessageMetrics {
  const tokens = completionTokens ?? timings?.predicted_n ?? c.tokens;
  const m: MessageMetrics = { tokens };
  if (c.first !== undefined) m.ttft_ms = c.first - c.start;
  if (c.last !== undefined) m.total_ms = c.last - c.start;
  if (timings) {
    if (positive(timings.predicted_per_second)) {
      m.tokens_per_second = timings.predicted_per_second;
      m.rate_source = 'server';
    }
    if (positive(timings.prompt_per_second)) m.prompt_tokens_per_second = timings.prompt_per_second;
    const spec = specCounts(timings.draft_n, timings.draft_n_accepted);
    if (spec) {
      m.drafted_tokens = spec.drafted;
      m.accepted_tokens = spec.accepted;
    }
  } else if (c.first !== undefined && c.last !== undefined && tokens > 1 && c.last > c.first) {
    m.tokens_per_second = ((tokens - 1) * 1000) / (c.last - c.first);
    m.rate_source = 'browser';
  }
  return m;
}

const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

export function formatMetrics(m: MessageMetrics): string {
  const parts = [`${m.tokens} token${m.tokens === 1 ? '' : 's'}`];
  if (m.tokens_per_second !== undefined) {
    const rate = `${m.tokens_per_second.toFixed(1)} tok/s`;
    parts.push(m.rate_source === 'server' ? rate : `${rate} (browser timing)`);
  }
  if (m.ttft_ms !== undefined) parts.push(`TTFT ${Math.round(m.ttft_ms)} ms`);
  return parts.join(' · ');
}

/** What the figures are, for a tooltip. */
export function describeMetrics(m: MessageMetrics): string {
  const rate =
    m.tokens_per_second === undefined
      ? ''
      : m.rate_source === 'server'
        ? 'tok/s: the decode rate the server measured'
        : 'tok/s: estimated from when the chunks reached the browser (the server sent no timings)';
  const prefill =
    m.prompt_tokens_per_second === undefined ? '' : `prompt: ${m.prompt_tokens_per_second.toFixed(1)} tok/s (server)`;
  const spec = specCounts(m.drafted_tokens, m.accepted_tokens)
    ? 'speculative decoding: tokens a draft proposed, how many the model kept, and the effective rate (every token over the decode time)'
    : '';
  return [rate, prefill, m.ttft_ms === undefined ? '' : 'TTFT: from sending to the first token, in the browser', spec]
    .filter(Boolean)
    .join('; ');
}

export function formatBytes(n?: number): string {
  if (n === undefined) return '';
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

export function formatParams(n?: number): string {
  if (!n) return '';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)}M`;
  return `${(n / 1e3).toFixed(0)}K`;
}
