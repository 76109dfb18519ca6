import type { ServerMsg, TokenMsg } from '../api/debugger';
import type { CompareEvent } from '../api/compare';
import {
  applyCompareMessage,
  applyForcedEvent,
  asTokenLogprob,
  compareRequest,
  finished,
  firstDivergence,
  formatNats,
  newRun,
  sharedKl,
  type CompareRun,
} from './compare';
import { DEFAULT_SETTINGS } from './settings';

const token = (session: string, index: number, id: number, text: string, prob = 0.5): TokenMsg => ({
  type: 'token',
  session,
  index,
  position: 5 + index,
  id,
  text,
  prob,
  top: [
    { id, text, prob },
    { id: id + 1, text: `${text}!`, prob: 0.25 },
  ],
});

const step = (index: number, a: number, b: number, kl_ab: number | null, same_prefix: boolean): ServerMsg => ({
  type: 'compare',
  kind: 'step',
  compare: 'c1',
  index,
  a: { id: a, top1: a },
  b: { id: b, top1: a },
  kl_ab,
  kl_ba: kl_ab === null ? null : kl_ab * 2,
  top1_agree: a === b,
  same_prefix,
});

/** What the server sends for a compare of `cmp-1` whose sides part at step 1. */
const messages: ServerMsg[] = [
  { type: 'session', session: 's8', id: 'cmp-1.a', model: 'A' },
  { type: 'session', session: 's9', id: 'cmp-1.b', model: 'B' },
  { type: 'compare', kind: 'session', compare: 'c1', id: 'cmp-1', a: 's8', b: 's9' },
  token('s8', 0, 10, ' Once'),
  token('s9', 0, 10, ' Once'),
  step(0, 10, 10, 0.0125, true),
  token('s8', 1, 11, ' upon'),
  token('s9', 1, 12, ' there'),
  step(1, 11, 12, 0.5, true),
  token('s8', 2, 13, ' a'),
  token('s9', 2, 14, ' was'),
  step(2, 13, 14, null, false),
  { type: 'done', session: 's8', finish_reason: 'length' },
  { type: 'done', session: 's9', finish_reason: 'length' },
  {
    type: 'compare',
    kind: 'summary',
    compare: 'c1',
    steps: 3,
    mean_kl_ab: 0.25625,
    top1_agreement: 2 / 3,
    first_divergence: 1,
  },
];

const play = (msgs: ServerMsg[], run: CompareRun = newRun('cmp-1', 'A', 'B')) => msgs.reduce(applyCompareMessage, run);

describe('compare run from the debugger messages', () => {
  it("keeps the server's figures per step and its summary", () => {
    const run = play(messages);
    expect(run.sides.map((s) => s.session)).toEqual(['s8', 's9']);
    expect(run.compare).toBe('c1');
    expect(run.sides.map((s) => s.tokens.map((t) => t.text))).toEqual([
      [' Once', ' upon', ' a'],
      [' Once', ' there', ' was'],
    ]);
    expect(run.sides.map((s) => [s.done, s.finishReason])).toEqual([
      [true, 'length'],
      [true, 'length'],
    ]);
    expect(run.steps).toEqual([
      { index: 0, idA: 10, idB: 10, klAB: 0.0125, klBA: 0.025, top1Agree: true, samePrefix: true },
      { index: 1, idA: 11, idB: 12, klAB: 0.5, klBA: 1, top1Agree: false, samePrefix: true },
      { index: 2, idA: 13, idB: 14, klAB: null, klBA: null, top1Agree: false, samePrefix: false },
    ]);
    expect(run.summary).toEqual({ steps: 3, meanKlAB: 0.25625, top1Agreement: 2 / 3, firstDivergence: 1 });
    expect(finished(run)).toBe(true);
  });

  it('finds the divergence before the summary and charts KL only over the shared prefix', () => {
    const partial = play(messages.slice(0, 9));
    expect(finished(partial)).toBe(false);
    expect(firstDivergence(partial)).toBe(1);
    expect(firstDivergence(play(messages.slice(0, 6)))).toBe(-1);
    expect(sharedKl(play(messages))).toEqual([0.0125, 0.5, undefined]);
  });

  it('ignores the messages of another run and anything after the end', () => {
    const other = play(messages, newRun('cmp-2', 'A', 'B'));
    expect(other.sides.map((s) => s.tokens.length)).toEqual([0, 0]);
    expect(other.steps).toEqual([]);
    expect(other.summary).toBeUndefined();
    const done = play(messages);
    expect(play([token('s8', 3, 1, 'x')], done)).toBe(done);
  });

  it('marks a failed side, and a refused compare as a whole', () => {
    const failed = play([
      ...messages.slice(0, 3),
      { type: 'error', session: 's9', code: 'model_not_found', message: 'no model B' },
    ]);
    expect(failed.sides[1]).toMatchObject({ done: true, error: 'no model B (model_not_found)' });
    expect(finished(failed)).toBe(false);
    const late = { type: 'error', session: 's8', code: 'unknown_session', message: 'no running session' } as const;
    const stoppedLate = play([...messages.slice(0, 13), late]);
    expect(stoppedLate.sides[0]).toMatchObject({ done: true, finishReason: 'length' });
    expect(stoppedLate.sides[0].error).toBeUndefined();
    const refused = play([{ type: 'error', code: 'too_many_sessions', message: 'no room' }]);
    expect(refused.error).toBe('no room (too_many_sessions)');
    expect(finished(refused)).toBe(true);
  });
});

describe('compare request and display', () => {
  it('sends the prompt through the chat template with shared sampling, greedy on request', () => {
    const settings = { ...DEFAULT_SETTINGS, max_tokens: 9000, seed: '7' };
    const input = {
      id: 'cmp-3',
      modelA: 'A',
      modelB: '',
      prompt: 'Hi',
      system: 'Be brief',
      settings,
      greedy: true,
      maxTokens: 4096,
      topK: 20,
    };
    expect(compareRequest(input)).toEqual({
      id: 'cmp-3',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 4096,
      sampling: { temperature: 0, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1, seed: 7 },
      probes: { top_k: 20 },
      a: { model: 'A' },
      b: {},
    });
    const sampled = compareRequest({ ...input, system: ' ', greedy: false, settings: { ...settings, max_tokens: 16 } });
    expect(sampled.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(sampled.max_tokens).toBe(16);
    expect(sampled.sampling).toMatchObject({ temperature: 0.8, repeat_penalty: 1.1 });
  });

  it('formats KL in nats with four significant digits', () => {
    expect(formatNats(0.012345678)).toBe('0.01235');
    expect(formatNats(2)).toBe('2.000');
    expect(formatNats(0)).toBe('0');
    expect(formatNats(1.5e-9)).toBe('1.500e-9');
    expect(formatNats(null)).toBe('—');
  });

  it('turns a debugger token into the top-k chart input', () => {
    const t = asTokenLogprob(token('s8', 0, 10, ' Once', 0.5));
    expect(t.token).toBe(' Once');
    expect(t.logprob).toBeCloseTo(Math.log(0.5), 12);
    expect(t.top_logprobs.map((x) => x.token)).toEqual([' Once', ' Once!']);
    expect(t.top_logprobs[1]!.logprob).toBeCloseTo(Math.log(0.25), 12);
    const unknown = asTokenLogprob({ ...token('s8', 0, 1, 'x'), prob: 0, top: undefined });
    expect(unknown).toMatchObject({ logprob: -Infinity, top_logprobs: [] });
  });
});

describe('compare run by teacher forcing (POST /api/compare)', () => {
  const alt = (id: number, text: string, p: number) => ({ id, text, logprob: Math.log(p) });
  const step = (index: number, a: number, b: number, kl: number): CompareEvent => ({
    kind: 'step',
    compare: 'c1',
    prompt: 0,
    index,
    token: { id: a, text: `t${a}` },
    a: { logprob: Math.log(0.6), top1: alt(a, `t${a}`, 0.6), top: [alt(a, `t${a}`, 0.6), alt(9, 'x', 0.1)] },
    b: { logprob: null, top1: alt(b, `t${b}`, 0.5), top: [alt(b, `t${b}`, 0.5)] },
    kl_ab: kl,
    kl_ba: kl / 2,
    tail_a: 0.3,
    tail_b: 0.5,
    top1_agree: a === b,
    matched_by: 'id',
  });

  it('shows what each side would choose on the shared text, and where that first differs', () => {
    let run = newRun('cmp-1', 'local-q4', 'peer/big');
    run = applyForcedEvent(run, {
      kind: 'start',
      compare: 'c1',
      prompt: 0,
      method: 'teacher_forcing',
      reference: 'a',
      top_k: 20,
      reference_tokens: 3,
      prompt_tokens: 5,
      a: { model: 'local-q4', remote: false },
      b: { model: 'peer/big', remote: true },
    });
    expect(run.method).toBe('teacher_forcing');
    run = applyForcedEvent(run, step(0, 4, 4, 0.001));
    run = applyForcedEvent(run, step(1, 5, 7, 0.2));
    expect(firstDivergence(run)).toBe(1);
    expect(run.sides[0].tokens.map((t) => t.text)).toEqual(['t4', 't5']);
    expect(run.sides[1].tokens.map((t) => t.text)).toEqual(['t4', 't7']);
    expect(run.sides[0].tokens[0]!.prob).toBeCloseTo(0.6, 12);
    expect(run.sides[0].tokens[0]!.top!.map((t) => t.id)).toEqual([4, 9]);
    expect(sharedKl(run)).toEqual([0.001, 0.2]);
    run = applyForcedEvent(run, {
      kind: 'summary',
      compare: 'c1',
      prompt: 0,
      steps: 2,
      mean_kl_ab: 0.1005,
      mean_kl_ba: 0.05,
      top1_agreement: 0.5,
      first_divergence: 1,
    });
    expect(finished(run)).toBe(true);
    expect(run.summary).toEqual({ steps: 2, meanKlAB: 0.1005, top1Agreement: 0.5, firstDivergence: 1 });
    expect(run.sides.every((s) => s.done)).toBe(true);
  });

  it('keeps a remote failure as the run\'s error', () => {
    let run = applyForcedEvent(newRun('cmp-2', 'a', 'peer/b'), step(0, 1, 1, 0));
    run = applyForcedEvent(run, {
      kind: 'error',
      compare: 'c1',
      status: 502,
      code: 'remote_unreachable',
      message: "remote endpoint 'peer' (http://x): could not connect",
    });
    expect(finished(run)).toBe(true);
    expect(run.error).toBe("remote endpoint 'peer' (http://x): could not connect (remote_unreachable)");
    expect(applyForcedEvent(run, step(1, 1, 1, 0))).toBe(run);
  });
});
