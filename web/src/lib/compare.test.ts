import { compareSteps, firstDivergence, topKKl } from './compare';

const step = (token: string, top: [string, number][]) => ({
  token,
  logprob: Math.log(top.find(([t]) => t === token)?.[1] ?? 0.01),
  top_logprobs: top.map(([t, p]) => ({ token: t, logprob: Math.log(p) })),
});

describe('compare', () => {
  it('finds the first differing token', () => {
    const a = [step('a', [['a', 1]]), step('b', [['b', 1]])];
    const b = [step('a', [['a', 1]]), step('c', [['c', 1]])];
    expect(firstDivergence(a, b)).toBe(1);
    expect(firstDivergence(a, a)).toBe(-1);
    expect(firstDivergence(a, a.slice(0, 1))).toBe(-1);
  });

  it('computes KL exactly when the lists cover the same tokens', () => {
    const p = [
      { token: 'x', logprob: Math.log(0.5) },
      { token: 'y', logprob: Math.log(0.5) },
    ];
    const q = [
      { token: 'x', logprob: Math.log(0.25) },
      { token: 'y', logprob: Math.log(0.75) },
    ];
    // 0.5 log2(0.5/0.25) + 0.5 log2(0.5/0.75)
    expect(topKKl(p, q)).toBeCloseTo(0.5 * 1 + 0.5 * Math.log2(2 / 3), 10);
    expect(topKKl(p, p)).toBe(0);
  });

  it('gives a missing token at most the smallest listed probability', () => {
    const p = [
      { token: 'x', logprob: Math.log(0.9) },
      { token: 'z', logprob: Math.log(0.1) },
    ];
    const q = [{ token: 'x', logprob: Math.log(0.9) }];
    // q's leftover 0.1 goes to z, so the two are the same distribution.
    expect(topKKl(p, q)).toBeCloseTo(0, 10);
    const q2 = [
      { token: 'x', logprob: Math.log(0.98) },
      { token: 'w', logprob: Math.log(0.01) },
    ];
    expect(topKKl(p, q2)).toBeGreaterThan(0.1);
  });

  it('measures KL only while the prefixes are shared', () => {
    const a = [step('a', [['a', 0.6], ['b', 0.4]]), step('c', [['c', 1]]), step('d', [['d', 1]])];
    const b = [step('b', [['a', 0.4], ['b', 0.6]]), step('c', [['c', 1]])];
    const steps = compareSteps(a, b);
    expect(steps.map((s) => s.same)).toEqual([false, true, false]);
    expect(steps[0]!.kl).toBeGreaterThan(0);
    expect(steps[1]!.kl).toBeUndefined();
    expect(steps[2]!.b).toBeUndefined();
  });
});
