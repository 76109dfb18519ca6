// Token probabilities for display: logprob -> probability, colour scale, visible text.

export function probOf(logprob: number): number {
  if (!Number.isFinite(logprob)) return 0;
  return Math.min(1, Math.max(0, Math.exp(logprob)));
}

/** Surprisal in bits, the scale the colours follow: 0 bits = certain. */
export function surprisalBits(prob: number): number {
  return prob > 0 ? -Math.log2(prob) : Infinity;
}

/**
 * Five buckets from "the model was sure" to "the model was guessing", used as CSS classes
 * so the theme picks the colours (readable in dark and light).
 */
export function probBucket(prob: number): 0 | 1 | 2 | 3 | 4 {
  if (prob >= 0.8) return 0;
  if (prob >= 0.5) return 1;
  if (prob >= 0.2) return 2;
  if (prob >= 0.05) return 3;
  return 4;
}

export function formatProb(prob: number): string {
  if (prob >= 0.995) return '100%';
  if (prob >= 0.1) return `${(prob * 100).toFixed(0)}%`;
  if (prob >= 0.001) return `${(prob * 100).toFixed(1)}%`;
  return prob > 0 ? `${prob.toExponential(1)}` : '0';
}

/**
 * Makes whitespace and control characters visible in a token chip. A token that is part of
 * a multi-byte character has no text of its own (the server sends U+FFFD); with its bytes
 * known it is shown as them, e.g. ‹e2 80›.
 */
export function visibleToken(text: string, bytes?: number[]): string {
  if (text.includes('\uFFFD') && bytes?.length) {
    return `‹${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}›`;
  }
  if (text === '') return '∅';
  return text
    .replace(/ /g, '·')
    .replace(/\n/g, '↵')
    .replace(/\t/g, '⇥')
    .replace(/[\u0000-\u0008\u000b-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
