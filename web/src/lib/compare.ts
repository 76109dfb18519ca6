// Comparing two generations of the same prompt step by step: where the chosen tokens
// part, and how far apart the two next-token distributions are before that.

import type { TopLogprob, TokenLogprob } from '../api/types';
import { probOf } from './probability';

/** Index of the first step where the chosen tokens differ, or -1 when one is a prefix of the other. */
export function firstDivergence(a: TokenLogprob[], b: TokenLogprob[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i]!.token !== b[i]!.token) return i;
  return -1;
}

/**
 * KL(P‖Q) in bits between two next-token distributions known only by their top-k lists.
 * Tokens are matched by text. A token missing from one list gets that list's leftover
 * mass spread over it, capped by the list's smallest probability (it ranked below all of
 * them); both are then renormalised over the union. It is an estimate: exact when the
 * lists hold nearly all the mass, as they do for confident steps.
 */
export function topKKl(p: TopLogprob[], q: TopLogprob[]): number {
  const union = new Set([...p, ...q].map((t) => t.token));
  const dist = (list: TopLogprob[]) => {
    const m = new Map(list.map((t) => [t.token, probOf(t.logprob)]));
    const probs = [...m.values()];
    const rest = Math.max(0, 1 - probs.reduce((s, x) => s + x, 0));
    const missing = [...union].filter((t) => !m.has(t)).length;
    const floor = Math.max(1e-9, Math.min(probs.length ? Math.min(...probs) : 1, missing ? rest / missing : 0));
    const out = new Map<string, number>();
    let total = 0;
    for (const t of union) {
      const v = m.get(t) ?? floor;
      out.set(t, v);
      total += v;
    }
    for (const [t, v] of out) out.set(t, v / total);
    return out;
  };
  const P = dist(p);
  const Q = dist(q);
  let kl = 0;
  for (const [t, pv] of P) {
    if (pv > 0) kl += pv * Math.log2(pv / Q.get(t)!);
  }
  return Math.max(0, kl);
}

export interface CompareStep {
  position: number;
  a?: TokenLogprob;
  b?: TokenLogprob;
  same: boolean;
  /** Only while both generations share the same prefix (up to and including the divergence). */
  kl?: number;
}

export function compareSteps(a: TokenLogprob[], b: TokenLogprob[]): CompareStep[] {
  const div = firstDivergence(a, b);
  const shared = div < 0 ? Math.min(a.length, b.length) : div + 1;
  const steps: CompareStep[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const sa = a[i];
    const sb = b[i];
    const step: CompareStep = { position: i, a: sa, b: sb, same: !!sa && !!sb && sa.token === sb.token };
    if (i < shared && sa && sb) {
      step.kl = topKKl(
        sa.top_logprobs.length ? sa.top_logprobs : [sa],
        sb.top_logprobs.length ? sb.top_logprobs : [sb],
      );
    }
    steps.push(step);
  }
  return steps;
}
