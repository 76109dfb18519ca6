// Speculative decoding as the UI shows it (the server's docs/speculative.md): the per-request
// choice, the counts a reply or a debugger run reports, and what a token's draft mark means.

/** A request's `"speculation"`: auto follows the server's `--spec`. */
export type SpeculationMode = 'auto' | 'off' | 'lookup' | 'draft';

export const SPECULATION_MODES: readonly SpeculationMode[] = ['auto', 'off', 'lookup', 'draft'];

/** What `GET /health` says of the server's speculation. */
export interface ServerSpeculation {
  /** `--spec`: what `auto` means ("off", "lookup" or "draft"). */
  mode: string;
  /** Whether the server has a `--draft` model: without one, "draft" runs plain. */
  draft_model: boolean;
  draft_max?: number;
}

/** The choices worth offering: "draft" only when the server has a draft model. */
export function speculationChoices(server?: ServerSpeculation | null): SpeculationMode[] {
  return SPECULATION_MODES.filter((m) => m !== 'draft' || !!server?.draft_model);
}

export function isSpeculationMode(v: unknown): v is SpeculationMode {
  return typeof v === 'string' && (SPECULATION_MODES as readonly string[]).includes(v);
}

/** Drafted and accepted tokens of one generation; only when a draft proposed anything. */
export interface SpecCounts {
  drafted: number;
  accepted: number;
}

/** The counts from fields that may be missing (a reply that was not speculated has none). */
export function specCounts(drafted?: number, accepted?: number): SpecCounts | undefined {
  if (!drafted || drafted <= 0) return undefined;
  return { drafted, accepted: accepted ?? 0 };
}

export const acceptanceRate = (c: SpecCounts) => c.accepted / c.drafted;

export function formatRate(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** "24/30 drafted accepted (80%)" */
export function formatSpecCounts(c: SpecCounts): string {
  return `${c.accepted}/${c.drafted} drafted accepted (${formatRate(acceptanceRate(c))})`;
}

/** A token's `draft` field (docs/protocol.md): what became of the draft at its position. */
export type DraftMark = 'accepted' | 'rejected' | 'bonus';

export const DRAFT_MARKS: readonly DraftMark[] = ['accepted', 'rejected', 'bonus'];

export const DRAFT_MARK_LABEL: Record<DraftMark, string> = {
  accepted: 'drafted, accepted',
  rejected: 'draft rejected: the model’s own token',
  bonus: 'bonus: the model’s own after a wholly accepted draft',
};

/** How many tokens carry each mark. */
export function countMarks(tokens: readonly ({ draft?: DraftMark } | undefined)[]): Record<DraftMark, number> {
  const n: Record<DraftMark, number> = { accepted: 0, rejected: 0, bonus: 0 };
  for (const t of tokens) if (t?.draft) n[t.draft]++;
  return n;
}
