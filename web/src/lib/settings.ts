// Sampling settings: defaults, validation and how they go into a chat request.

import { isSpeculationMode, type SpeculationMode } from './speculation';

export interface Settings {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repeat_penalty: number;
  max_tokens: number;
  /** Empty string = a random seed each request. */
  seed: string;
  /** Alternatives asked per token (0 turns token probabilities off). */
  top_logprobs: number;
  /** Speculative decoding of each request; auto leaves it to the server (`--spec`). */
  speculation: SpeculationMode;
}

export const DEFAULT_SETTINGS: Settings = {
  temperature: 0.8,
  top_k: 40,
  top_p: 0.95,
  min_p: 0.05,
  repeat_penalty: 1.1,
  max_tokens: 256,
  seed: '',
  top_logprobs: 10,
  speculation: 'auto',
};

/** The server's accepted ranges (server/openai.cc); the panel clamps to the same. */
export const LIMITS: Record<Exclude<keyof Settings, 'seed' | 'speculation'>, [number, number, number]> = {
  temperature: [0, 2, 0.05],
  top_k: [0, 1000, 1],
  top_p: [0, 1, 0.01],
  min_p: [0, 1, 0.01],
  repeat_penalty: [0.01, 10, 0.01],
  max_tokens: [1, 32768, 1],
  top_logprobs: [0, 20, 1],
};

/** Merges a stored object over the defaults, dropping unknown keys and bad values. */
export function sanitizeSettings(raw: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const v = r[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      const [lo, hi] = LIMITS[key];
      out[key] = Math.min(hi, Math.max(lo, v));
    }
  }
  if (typeof r.seed === 'string' && /^-?\d*$/.test(r.seed.trim())) out.seed = r.seed.trim();
  if (typeof r.seed === 'number' && Number.isInteger(r.seed)) out.seed = String(r.seed);
  if (isSpeculationMode(r.speculation)) out.speculation = r.speculation;
  return out;
}

/** A chat message as the request carries it (tool turns have calls or a call id). */
export interface RequestMessage {
  role: string;
  /** Text, or OpenAI content parts (a user's images and text). */
  content: string | unknown[] | null;
  tool_calls?: unknown[];
  tool_call_id?: string;
}

export interface ChatRequestBody {
  model?: string;
  messages: RequestMessage[];
  stream: true;
  stream_options: { include_usage: true };
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repeat_penalty: number;
  max_tokens: number;
  seed?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  /** OpenAI function tools (Settings → Tools). */
  tools?: unknown[];
  /** Speculative decoding of this request; absent = the server's choice. */
  speculation?: SpeculationMode;
}

export function buildChatRequest(
  model: string,
  system: string,
  messages: RequestMessage[],
  s: Settings,
): ChatRequestBody {
  const all = system.trim() ? [{ role: 'system', content: system }, ...messages] : messages;
  const body: ChatRequestBody = {
    messages: all,
    stream: true,
    stream_options: { include_usage: true },
    temperature: s.temperature,
    top_k: s.top_k,
    top_p: s.top_p,
    min_p: s.min_p,
    repeat_penalty: s.repeat_penalty,
    max_tokens: s.max_tokens,
  };
  if (model) body.model = model;
  if (s.seed.trim() !== '') body.seed = Number.parseInt(s.seed, 10);
  if (s.top_logprobs > 0) {
    body.logprobs = true;
    body.top_logprobs = s.top_logprobs;
  }
  if (s.speculation !== 'auto') body.speculation = s.speculation;
  return body;
}

/** The `sampling` object of a debugger `start` or `compare` (docs/protocol.md). */
export interface DebuggerSampling {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  repeat_penalty: number;
  seed?: number;
}

export function debuggerSampling(s: Settings): DebuggerSampling {
  const out: DebuggerSampling = {
    temperature: s.temperature,
    top_k: s.top_k,
    top_p: s.top_p,
    min_p: s.min_p,
    repeat_penalty: s.repeat_penalty,
  };
  if (s.seed.trim() !== '') out.seed = Number.parseInt(s.seed, 10);
  return out;
}
