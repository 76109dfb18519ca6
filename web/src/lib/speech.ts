// A transcript's tokens as the token strip shows them: the text tokens of each segment (not
// Whisper's timestamp and control tokens, which whisper.cpp names "[_TT_150]", "[_EOT_]"),
// with their alternatives as log-probabilities.

import type { SpeechSegment } from '../api/client';
import type { TokenLogprob } from '../api/types';

export function isControlToken(text: string): boolean {
  return /^\[_[A-Za-z0-9_]*\]$/.test(text);
}

export function speechTokens(segments: SpeechSegment[]): TokenLogprob[] {
  return segments.flatMap((s) =>
    s.tokens
      .filter((t) => !isControlToken(t.text))
      .map((t) => ({
        token: t.text,
        logprob: t.logprob,
        top_logprobs: t.top.map((a) => ({ token: a.text, logprob: a.p > 0 ? Math.log(a.p) : -Infinity })),
      })),
  );
}
