// An assistant message as its tokens, coloured by probability; a click on a token shows
// the alternatives the model weighed at that step as a bar chart.

import { useRef, useState, type KeyboardEvent } from 'react';
import type { TokenLogprob } from '../api/types';
import { formatProb, probBucket, probOf, surprisalBits, visibleToken } from '../lib/probability';
import { StepChart } from './StepChart';

export function TopKChart({ step, position }: { step: TokenLogprob; position: number }) {
  const chosen = step.token;
  const rows = step.top_logprobs.length
    ? step.top_logprobs
    : [{ token: step.token, logprob: step.logprob }];
  const p = probOf(step.logprob);
  return (
    <figure className="topk" aria-label={`Top alternatives at position ${position}`}>
      <figcaption>
        Position {position}: chose <code className="tok-inline">{visibleToken(chosen, step.bytes ?? undefined)}</code> with{' '}
        {formatProb(p)} ({surprisalBits(p).toFixed(2)} bits)
      </figcaption>
      <ol className="topk-bars">
        {rows.map((t, i) => {
          const tp = probOf(t.logprob);
          const isChosen = t.token === chosen;
          return (
            <li key={i} className={isChosen ? 'chosen' : undefined} data-testid="topk-row">
              <span className="topk-token" title={JSON.stringify(t.token)}>
                {visibleToken(t.token, t.bytes ?? undefined)}
              </span>
              <span className="topk-track">
                <span className="topk-bar" style={{ width: `${Math.max(tp * 100, 0.5)}%` }} />
              </span>
              <span className="topk-prob">{formatProb(tp)}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}

export function TokenStrip({ tokens }: { tokens: TokenLogprob[] }) {
  const [selected, setSelected] = useState<number | null>(null);
  const chips = useRef<(HTMLButtonElement | null)[]>([]);
  const step = selected === null ? undefined : tokens[selected];
  // Arrow keys walk the tokens (the chart follows), Escape closes it.
  const onKeyDown = (e: KeyboardEvent) => {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (e.key === 'Escape') setSelected(null);
    if (!delta) return;
    e.preventDefault();
    const next = Math.min(tokens.length - 1, Math.max(0, (selected ?? -delta) + delta));
    setSelected(next);
    chips.current[next]?.focus();
  };
  return (
    <div className="token-view">
      <StepChart
        label="Surprisal per token"
        unit="bits"
        values={tokens.map((t) => surprisalBits(probOf(t.logprob)))}
        selected={selected}
        onSelect={(i) => setSelected(i)}
      />
      <div
        className="token-strip"
        role="list"
        aria-label="Generated tokens coloured by probability"
        onKeyDown={onKeyDown}
      >
        {tokens.map((t, i) => {
          const p = probOf(t.logprob);
          return (
            <button
              type="button"
              role="listitem"
              key={i}
              ref={(el) => {
                chips.current[i] = el;
              }}
              className={`tok p${probBucket(p)}${selected === i ? ' selected' : ''}`}
              title={`#${i} · ${formatProb(p)}`}
              aria-pressed={selected === i}
              aria-label={`Token ${i}: ${JSON.stringify(t.token)}, probability ${formatProb(p)}`}
              onClick={() => setSelected(selected === i ? null : i)}
            >
              {visibleToken(t.token, t.bytes ?? undefined)}
            </button>
          );
        })}
      </div>
      <div className="legend" aria-hidden="true">
        <span className="tok p0">≥80%</span>
        <span className="tok p1">≥50%</span>
        <span className="tok p2">≥20%</span>
        <span className="tok p3">≥5%</span>
        <span className="tok p4">&lt;5%</span>
        <span className="legend-hint">Click a token (or use ← →) to see the alternatives.</span>
      </div>
      {step && selected !== null && <TopKChart step={step} position={selected} />}
    </div>
  );
}
