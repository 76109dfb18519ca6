// Speculative decoding in the debugger: the legend of the token marks with the run's
// acceptance rate, and what the draft proposed at the selected step.

import type { TokenMsg } from '../api/debugger';
import { isRunning, type DebugSession } from '../lib/debugState';
import { formatProb, visibleToken } from '../lib/probability';
import { countMarks, DRAFT_MARK_LABEL, DRAFT_MARKS, specCounts, type SpecCounts } from '../lib/speculation';
import { SpecStats } from './SpecStats';

/**
 * The run's counts, which the server sends at the end. The marks cannot stand in while it
 * runs: a draft's tokens after its first rejected one leave no mark, yet were drafted.
 */
export function sessionSpecCounts(s: DebugSession): SpecCounts | undefined {
  return specCounts(s.timings?.drafted_tokens, s.timings?.accepted_tokens);
}

/** Shown above the tokens when a draft proposed any of them. */
export function DraftLegend({ session }: { session: DebugSession }) {
  const counts = sessionSpecCounts(session);
  const n = countMarks(session.tokens);
  if (!counts && n.accepted + n.rejected + n.bonus === 0) return null;
  return (
    <div className="legend draft-legend" data-testid="draft-legend" aria-label="Speculative decoding marks">
      {DRAFT_MARKS.map((m) => (
        <span key={m} className={`tok draft-${m}`} title={DRAFT_MARK_LABEL[m]}>
          {m} {n[m]}
        </span>
      ))}
      {counts ? (
        <SpecStats counts={counts} tokensPerSecond={session.timings?.decode_tokens_per_second} />
      ) : (
        // A stored session keeps the marks but not the run's counts.
        isRunning(session) && <span className="legend-hint">the acceptance rate comes at the end of the run</span>
      )}
    </div>
  );
}

/** The step's draft: kept, replaced (with the token the draft proposed), or a bonus token. */
export function DraftNote({ tok }: { tok: TokenMsg }) {
  if (!tok.draft) return null;
  let text: string;
  if (tok.draft === 'accepted') {
    text = 'The draft proposed this token and the model accepted it.';
  } else if (tok.draft === 'bonus') {
    text = 'Bonus token: the model’s own, from the same pass that accepted the whole draft before it.';
  } else {
    const proposed = tok.top?.find((t) => t.id === tok.draft_id);
    const what = proposed
      ? `“${visibleToken(proposed.text)}” (id ${tok.draft_id}, ${formatProb(proposed.prob ?? 0)})`
      : `id ${tok.draft_id}`;
    text = `The draft proposed ${what}; the model rejected it and chose this token instead.`;
  }
  return (
    <p className={`draft-note draft-${tok.draft}`} data-testid="draft-note">
      Speculative decoding: {text}
    </p>
  );
}

/** A token's tooltip addition for its mark. */
export function draftTitle(tok: TokenMsg): string {
  if (!tok.draft) return '';
  if (tok.draft !== 'rejected') return ` · ${DRAFT_MARK_LABEL[tok.draft]}`;
  const proposed = tok.top?.find((t) => t.id === tok.draft_id);
  return ` · draft proposed ${proposed ? JSON.stringify(proposed.text) : `id ${tok.draft_id}`}, rejected`;
}
