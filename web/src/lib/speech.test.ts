import { describe, expect, it } from 'vitest';
import { isControlToken, speechTokens } from './speech';

describe('speechTokens', () => {
  it('keeps text tokens with their alternatives as logprobs', () => {
    const tokens = speechTokens([
      {
        id: 0,
        start: 0,
        end: 1,
        text: ' Hi',
        avg_logprob: -0.1,
        no_speech_prob: 0,
        tokens: [
          { id: 50364, text: '[_TT_0]', p: 0.9, logprob: -0.1, top: [] },
          { id: 17155, text: ' Hi', p: 0.5, logprob: Math.log(0.5), top: [{ id: 17155, text: ' Hi', p: 0.5 }, { id: 1, text: ' Ho', p: 0 }] },
          { id: 50414, text: '[_TT_50]', p: 0.9, logprob: -0.1, top: [] },
        ],
      },
    ]);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.token).toBe(' Hi');
    expect(tokens[0]!.top_logprobs[0]!.logprob).toBeCloseTo(Math.log(0.5));
    expect(tokens[0]!.top_logprobs[1]!.logprob).toBe(-Infinity);
  });
  it('tells control tokens from text', () => {
    expect(isControlToken('[_EOT_]')).toBe(true);
    expect(isControlToken('[_TT_1500]')).toBe(true);
    expect(isControlToken('[x]')).toBe(false);
  });
});
