// A debugger session's tokens: the prompt coloured by surprisal, the entropy per step and
// the generated tokens coloured by probability (a click selects the step), marked by what
// speculative decoding made of them.

import type { DebugSession } from '../lib/debugState';
import { formatProb, probBucket, visibleToken } from '../lib/probability';
import { DraftLegend, draftTitle } from './DebugDraft';
import { StepChart } from './StepChart';

export function PromptTokens({ session }: { session: DebugSession }) {
  return (
    <details className="debug-prompt-tokens">
      <summary>
        Prompt: {session.prompt.length} tokens
        {session.prompt.some((t) => t.surprisal != null) ? ' (coloured by surprisal)' : ''}
      </summary>
      <div className="token-strip">
        {session.prompt.map((t, i) => (
          <span
            key={i}
            className={`tok ${t.surprisal != null ? `p${probBucket(Math.exp(-t.surprisal))}` : `alt${i % 2}`}`}
            title={`#${i} · id ${t.id}${t.surprisal != null ? ` · ${(t.surprisal / Math.LN2).toFixed(2)} bits` : ''}`}
          >
            {visibleToken(t.text)}
          </span>
        ))}
      </div>
    </details>
  );
}

interface Props {
  session: DebugSession;
  selected: number | null;
  onSelect: (i: number | null) => void;
}

export function GeneratedTokens({ session, selected, onSelect }: Props) {
  return (
    <>
      <StepChart
        label="Entropy per step"
        unit="nats"
        values={session.tokens.map((t) => t?.entropy ?? undefined)}
        selected={selected}
        onSelect={onSelect}
        mark={session.branchStep}
      />
      <DraftLegend session={session} />
      <div className="token-strip" role="list" aria-label="Generated tokens" data-testid="debug-tokens">
        {session.tokens.map((t, i) =>
          t ? (
            <button
              type="button"
              role="listitem"
              key={i}
              className={`tok p${probBucket(t.prob ?? 0)}${t.phase === 'reasoning' ? ' reasoning' : ''}${t.draft ? ` draft-${t.draft}` : ''}${selected === i ? ' selected' : ''}${session.branchStep === i ? ' diverge' : ''}`}
              data-draft={t.draft}
              title={
                (t.forced
                  ? `#${i}: chosen for this branch (${t.prob != null ? formatProb(t.prob) : '?'} in the parent)`
                  : `#${i} (position ${t.position}) · ${formatProb(t.prob ?? 0)} · rank ${t.rank ?? '?'}`) +
                (t.phase === 'reasoning' ? ' · reasoning' : '') +
                draftTitle(t)
              }
              onClick={() => onSelect(selected === i ? null : i)}
            >
              {visibleToken(t.text)}
            </button>
          ) : null,
        )}
      </div>
    </>
  );
}
