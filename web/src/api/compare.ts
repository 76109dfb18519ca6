// Compare between any two models, local or remote, and the quantization report
// (docs/server.md, "Compare"): POST /api/compare and /api/compare/report stream their events as
// SSE; an error before the first event is an ordinary HTTP error, after it an `error` event.

import { withAuth } from './auth';
import { call } from './call';
import { ApiError, networkError, responseError } from './errors';
import { readSse } from './sse';

export interface ForcedAlt {
  id: number | null;
  text: string;
  logprob: number;
}

export interface ForcedSide {
  /** Log-probability this side gives the reference token (null: not in its top-k). */
  logprob: number | null;
  top1: ForcedAlt | null;
  top: ForcedAlt[];
}

export interface CompareTotalsMsg {
  steps: number;
  mean_kl_ab: number;
  mean_kl_ba: number;
  top1_agreement: number;
  first_divergence: number;
}

export type CompareEvent =
  | {
      kind: 'start';
      compare: string;
      prompt: number;
      method: 'teacher_forcing';
      reference: 'a' | 'b';
      top_k: number;
      reference_tokens: number;
      prompt_tokens: number | null;
      a: { model: string; remote: boolean };
      b: { model: string; remote: boolean };
    }
  | {
      kind: 'step';
      compare: string;
      prompt: number;
      index: number;
      token: { id: number | null; text: string };
      a: ForcedSide;
      b: ForcedSide;
      kl_ab: number;
      kl_ba: number;
      tail_a: number;
      tail_b: number;
      top1_agree: boolean;
      matched_by: 'id' | 'text';
    }
  | ({ kind: 'summary'; compare: string; prompt: number } & CompareTotalsMsg)
  | {
      kind: 'report';
      compare: string;
      a: string;
      b: string;
      reference: 'a' | 'b';
      max_tokens: number;
      top_k: number;
      prompts: (CompareTotalsMsg & { prompt: number; text: string })[];
      overall: Omit<CompareTotalsMsg, 'first_divergence'> & { prompts: number };
    }
  | { kind: 'error'; compare: string; status: number; code: string; message: string };

export interface CompareBody {
  a: string;
  b: string;
  prompt?: string;
  messages?: { role: string; content: string }[];
  max_tokens: number;
  top_k: number;
  reference: 'a' | 'b';
}

export interface ReportBody {
  a: string;
  b: string;
  prompts: string[];
  builtin: boolean;
  chat?: boolean;
  max_tokens: number;
  top_k: number;
  reference: 'a' | 'b';
}

/** Posts to a compare route and hands each event to onEvent until the stream ends. */
export async function streamCompare(
  path: '/api/compare' | '/api/compare/report',
  body: CompareBody | ReportBody,
  onEvent: (e: CompareEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(
      path,
      withAuth({
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal,
      }),
    );
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await responseError(res, 'Compare');
  if (!res.body) throw new ApiError('The server sent an empty response');
  try {
    for await (const data of readSse(res.body)) onEvent(JSON.parse(data) as CompareEvent);
  } catch (err) {
    throw networkError(err);
  }
}

/** The report's built-in prompts. */
export async function builtinPrompts(): Promise<string[]> {
  return (await call<{ prompts: string[] }>('GET', '/api/compare/prompts', 'Loading the built-in prompts')).prompts;
}
