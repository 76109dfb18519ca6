// Shapes of what the Inferno server answers (OpenAI-compatible routes plus Inferno's own).

export interface ModelInfo {
  id: string;
  size_bytes?: number;
  quant?: string;
  architecture?: string;
  context_length?: number;
  parameters?: number;
  loaded?: boolean;
  error?: string;
  /** What the model takes: "vision" when an mmproj goes with it. */
  capabilities?: string[];
  /** Served by a remote OpenAI-compatible endpoint (`NAME/model`), with its last check. */
  remote?: boolean;
  endpoint?: { name: string; url: string; health: { ok: boolean; checked_at: number; error: string | null } };
}

export interface TopLogprob {
  token: string;
  logprob: number;
  /** UTF-8 bytes of the token (a token can be part of a character). */
  bytes?: number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The server's measured speed of one reply: the `timings` object the OpenAI routes send on
 * the last chunk (and the whole answer), as llama.cpp's server does.
 */
export interface ServerTimings {
  prompt_n?: number;
  prompt_ms?: number;
  prompt_per_second?: number;
  predicted_n?: number;
  predicted_ms?: number;
  /** Decode rate: the steps after the first token over the time they took. */
  predicted_per_second?: number;
  /** Speculative decoding (only when a draft proposed anything): tokens drafted, and accepted. */
  draft_n?: number;
  draft_n_accepted?: number;
}

export interface MessageMetrics {
  tokens: number;
  prompt_tokens?: number;
  ttft_ms?: number;
  tokens_per_second?: number;
  /**
   * Where `tokens_per_second` comes from: `server`, the server's measured decode rate;
   * `browser` (or missing, in messages saved before there was a choice), the arrival times
   * of the stream's chunks in the browser, which bursts and buffering distort.
   */
  rate_source?: 'server' | 'browser';
  /** The server's prefill rate, prompt tokens per second. */
  prompt_tokens_per_second?: number;
  total_ms?: number;
  finish_reason?: string;
  /** A thinking model's reasoning: its tokens and how long it took (first to last token). */
  reasoning_tokens?: number;
  reasoning_ms?: number;
  /**
   * Speculative decoding, when a draft proposed anything: tokens drafted and accepted
   * (`tokens_per_second` is then the effective rate, every token over the decode time).
   */
  drafted_tokens?: number;
  accepted_tokens?: number;
}

export interface TokenInfo {
  id: number;
  text: string;
}
