// One prompt through two models: with the debugger's `compare` (docs/protocol.md) for two local
// models, or with POST /api/compare (teacher forcing from the top-k, docs/scale-out.md) when one
// is remote. The state of a run built from the server's messages, and the request that starts
// it. The figures are the server's, in nats: over the full vocabulary from the raw logits
// (debugger), or over the top-k both sides give plus the tail (teacher forcing).

import type { CompareEvent, ForcedAlt, ForcedSide } from '../api/compare';
import type { CompareParams, ServerMsg, TokenMsg } from '../api/debugger';
import type { TokenLogprob } from '../api/types';
import { chatMessages } from './debugRequest';
import { debuggerSampling, type Settings } from './settings';

export interface CompareSide {
  model: string;
  /** The side's session id, once the server announced it. */
  session?: string;
  /** Generated tokens by step. */
  tokens: TokenMsg[];
  done: boolean;
  finishReason?: string;
  error?: string;
}

/** One step both sides made, as the server compared it. */
export interface CompareStep {
  index: number;
  idA: number;
  idB: number;
  /** KL(A‖B) and KL(B‖A) in nats; null when not finite. */
  klAB: number | null;
  klBA: number | null;
  top1Agree: boolean;
  /** Every token before this step was the same on both sides (so both saw the same text). */
  samePrefix: boolean;
}

export interface CompareSummary {
  steps: number;
  meanKlAB: number | null;
  top1Agreement: number;
  firstDivergence: number;
}

export interface CompareRun {
  /** The client label sent with `compare`; the sides' sessions are labelled `id.a`, `id.b`. */
  id: string;
  /** The server's id of the compare (its `compare` messages carry it). */
  compare?: string;
  sides: [CompareSide, CompareSide];
  steps: CompareStep[];
  summary?: CompareSummary;
  /** The compare failed as a whole (refused, or the connection went away). */
  error?: string;
  /** How it was run: both sides generating in lockstep (debugger), or both read on the
   * reference side's greedy text (a remote model is involved). */
  method?: 'lockstep' | 'teacher_forcing';
  reference?: 'a' | 'b';
}

export function newRun(id: string, modelA: string, modelB: string): CompareRun {
  const side = (model: string): CompareSide => ({ model, tokens: [], done: false });
  return { id, sides: [side(modelA), side(modelB)], steps: [] };
}

/** Done when the server sent the summary or the compare failed as a whole. */
export function finished(run: CompareRun): boolean {
  return !!run.summary || !!run.error;
}

function sideOf(run: CompareRun, session: string | undefined): 0 | 1 | -1 {
  if (session === undefined) return -1;
  if (run.sides[0].session === session) return 0;
  if (run.sides[1].session === session) return 1;
  return -1;
}

function patchSide(run: CompareRun, i: 0 | 1, f: (s: CompareSide) => CompareSide): CompareRun {
  const sides: [CompareSide, CompareSide] = [run.sides[0], run.sides[1]];
  sides[i] = f(sides[i]);
  return { ...run, sides };
}

/** The run after one server message; messages of other runs leave it as it is. */
export function applyCompareMessage(run: CompareRun, m: ServerMsg): CompareRun {
  if (finished(run)) return run;
  switch (m.type) {
    case 'session': {
      const i = m.id === `${run.id}.a` ? 0 : m.id === `${run.id}.b` ? 1 : -1;
      return i === -1 ? run : patchSide(run, i, (s) => ({ ...s, session: m.session }));
    }
    case 'token': {
      const i = sideOf(run, m.session);
      if (i === -1) return run;
      return patchSide(run, i, (s) => {
        const tokens = [...s.tokens];
        tokens[m.index] = m;
        return { ...s, tokens };
      });
    }
    case 'done': {
      const i = sideOf(run, m.session);
      return i === -1 ? run : patchSide(run, i, (s) => ({ ...s, done: true, finishReason: m.finish_reason }));
    }
    case 'error': {
      const i = sideOf(run, m.session);
      // A side that ended already (a `stop` that crossed its `done`) stays as it ended.
      if (i !== -1 && run.sides[i].done) return run;
      if (i !== -1) return patchSide(run, i, (s) => ({ ...s, done: true, error: `${m.message} (${m.code})` }));
      // Not about a side: the compare itself was refused (this connection runs nothing else).
      return m.session === undefined ? { ...run, error: `${m.message} (${m.code})` } : run;
    }
    case 'compare': {
      if (m.kind === 'session') return m.id === run.id ? { ...run, compare: m.compare } : run;
      if (m.compare !== run.compare) return run;
      if (m.kind === 'step') {
        const step: CompareStep = {
          index: m.index,
          idA: m.a.id,
          idB: m.b.id,
          klAB: m.kl_ab,
          klBA: m.kl_ba,
          top1Agree: m.top1_agree,
          samePrefix: m.same_prefix,
        };
        return { ...run, steps: [...run.steps, step] };
      }
      if (m.kind === 'summary') {
        const summary: CompareSummary = {
          steps: m.steps,
          meanKlAB: m.mean_kl_ab,
          top1Agreement: m.top1_agreement,
          firstDivergence: m.first_divergence,
        };
        return { ...run, summary };
      }
      return run;
    }
    default:
      return run;
  }
}

/** The first step whose sampled tokens differ, -1 if none so far (the summary's once it came). */
export function firstDivergence(run: CompareRun): number {
  if (run.method === 'teacher_forcing') return forcedDivergence(run);
  if (run.summary) return run.summary.firstDivergence;
  return run.steps.find((s) => s.idA !== s.idB)?.index ?? -1;
}

/** KL(A‖B) per step while both sides saw the same text; later steps compare different contexts. */
export function sharedKl(run: CompareRun): (number | undefined)[] {
  const out: (number | undefined)[] = run.steps.map(() => undefined);
  for (const s of run.steps) if (s.samePrefix) out[s.index] = s.klAB ?? Infinity;
  return out;
}

/** A KL figure as shown: 4 significant digits, in nats. */
export function formatNats(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return v === 0 ? '0' : v.toPrecision(4);
}

/** A debugger token as the top-k chart takes it (log-probabilities of the raw softmax). */
export function asTokenLogprob(t: TokenMsg): TokenLogprob {
  const lp = (p: number | null | undefined) => (p ? Math.log(p) : -Infinity);
  return {
    token: t.text,
    logprob: lp(t.prob),
    top_logprobs: (t.top ?? []).map((a) => ({ token: a.text, logprob: lp(a.prob) })),
  };
}

export interface CompareInput {
  id: string;
  modelA: string;
  modelB: string;
  prompt: string;
  system: string;
  settings: Settings;
  /** Temperature 0 and no repeat penalty on both sides. */
  greedy: boolean;
  /** The server's `limits.max_tokens` (hello). */
  maxTokens: number;
  /** Alternatives per token. */
  topK: number;
}

/** The `compare` message: the prompt through each model's chat template, sampling shared. */
export function compareRequest(c: CompareInput): CompareParams {
  const sampling = debuggerSampling(c.settings);
  return {
    id: c.id,
    messages: chatMessages(c.system, c.prompt),
    max_tokens: Math.max(1, Math.min(c.settings.max_tokens, c.maxTokens)),
    sampling: c.greedy ? { ...sampling, temperature: 0, repeat_penalty: 1 } : sampling,
    probes: { top_k: c.topK },
    a: c.modelA ? { model: c.modelA } : {},
    b: c.modelB ? { model: c.modelB } : {},
  };
}

// --- Teacher forcing (POST /api/compare) ---------------------------------------------------

/** A side's step as the token strip and the top-k chart take it: its most likely token there. */
function forcedToken(side: ForcedSide, index: number): TokenMsg {
  const prob = (a: ForcedAlt) => Math.exp(a.logprob);
  const top1 = side.top1 ?? { id: -1, text: '', logprob: -Infinity };
  return {
    type: 'token',
    session: '',
    index,
    position: index,
    id: top1.id ?? -1,
    text: top1.text,
    prob: prob(top1),
    top: side.top.map((a) => ({ id: a.id ?? -1, text: a.text, prob: prob(a) })),
  };
}

/** The run after one event of POST /api/compare: each side's column shows what it would
 * choose at each step of the shared text, so the first difference marks where they part. */
export function applyForcedEvent(run: CompareRun, e: CompareEvent): CompareRun {
  if (finished(run)) return run;
  switch (e.kind) {
    case 'start':
      return { ...run, compare: e.compare, method: 'teacher_forcing', reference: e.reference };
    case 'step': {
      const put = (s: CompareSide, side: ForcedSide): CompareSide => {
        const tokens = [...s.tokens];
        tokens[e.index] = forcedToken(side, e.index);
        return { ...s, tokens };
      };
      const sides: [CompareSide, CompareSide] = [put(run.sides[0], e.a), put(run.sides[1], e.b)];
      const step: CompareStep = {
        index: e.index,
        idA: e.a.top1?.id ?? -1,
        idB: e.b.top1?.id ?? -1,
        klAB: e.kl_ab,
        klBA: e.kl_ba,
        top1Agree: e.top1_agree,
        samePrefix: true,
      };
      return { ...run, sides, steps: [...run.steps, step] };
    }
    case 'summary': {
      const sides: [CompareSide, CompareSide] = [
        { ...run.sides[0], done: true },
        { ...run.sides[1], done: true },
      ];
      const summary: CompareSummary = {
        steps: e.steps,
        meanKlAB: e.mean_kl_ab,
        top1Agreement: e.top1_agreement,
        firstDivergence: e.first_divergence,
      };
      return { ...run, sides, summary };
    }
    case 'error':
      return { ...run, error: `${e.message} (${e.code})` };
    default:
      return run;
  }
}

/** firstDivergence for a teacher-forced run: the first step whose top-1 differ. */
export function forcedDivergence(run: CompareRun): number {
  if (run.summary) return run.summary.firstDivergence;
  return run.steps.find((s) => !s.top1Agree)?.index ?? -1;
}
