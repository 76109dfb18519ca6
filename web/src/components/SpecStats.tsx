// Speculative decoding's figures of one generation (a chat reply, a debugger run): tokens the
// draft proposed, how many the model kept, and the effective decode rate.

import { acceptanceRate, formatRate, type SpecCounts } from '../lib/speculation';

interface Props {
  counts: SpecCounts;
  /** The decode rate the server measured: with speculation, every token over the decode time. */
  tokensPerSecond?: number;
}

export function SpecStats({ counts, tokensPerSecond }: Props) {
  return (
    <span
      className="spec-stats"
      data-testid="spec-stats"
      title="Speculative decoding: a draft proposed tokens and the model checked them in one pass; the rate counts every token over the decode time"
    >
      speculative: {counts.drafted} drafted · {counts.accepted} accepted · acceptance rate{' '}
      {formatRate(acceptanceRate(counts))}
      {tokensPerSecond !== undefined && Number.isFinite(tokensPerSecond) ? ` · ${tokensPerSecond.toFixed(1)} tok/s effective` : ''}
    </span>
  );
}
