// Per-message timing figures measured in the browser from the stream's arrival times.

import type { MessageMetrics } from '../api/types';

export interface StreamClock {
  start: number;
  first?: number;
  last?: number;
  tokens: number;
}

/**
 * TTFT is the time from sending to the first token; tokens/s is the decode rate after the
 * first token (the first one carries the prompt's prefill, as in llama.cpp's figures).
 */
export function computeMetrics(c: StreamClock, completionTokens?: number): MessageMetrics {
  const tokens = completionTokens ?? c.tokens;
  const m: MessageMetrics = { tokens };
  if (c.first !== undefined) m.ttft_ms = c.first - c.start;
  if (c.last !== undefined) m.total_ms = c.last - c.start;
  if (c.first !== undefined && c.last !== undefined && tokens > 1 && c.last > c.first) {
    m.tokens_per_second = ((tokens - 1) * 1000) / (c.last - c.first);
  }
  return m;
}

export function formatMetrics(m: MessageMetrics): string {
  const parts = [`${m.tokens} token${m.tokens === 1 ? '' : 's'}`];
  if (m.tokens_per_second !== undefined) parts.push(`${m.tokens_per_second.toFixed(1)} tok/s`);
  if (m.ttft_ms !== undefined) parts.push(`TTFT ${Math.round(m.ttft_ms)} ms`);
  return parts.join(' · ');
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
