// A model's load options (context size, threads) as the server reports them, and checking
// what the Settings panel's inputs hold before it asks the server to reload the model.

export interface LoadOptionValues {
  context_size: number;
  threads: number;
}

export interface Range {
  min: number;
  max: number;
}

/** GET/PUT /api/models/{id}/options (docs/server.md). */
export interface ModelLoadOptions extends LoadOptionValues {
  id: string;
  loaded: boolean;
  defaults: LoadOptionValues;
  limits: { context_size: Range; threads: Range };
  /** PUT only: whether the loaded model was rebuilt with the new options. */
  reloaded?: boolean;
}

/** What the inputs hold: strings, so a half-typed value is not lost. */
export interface LoadOptionsDraft {
  context_size: string;
  threads: string;
}

export type DraftCheck =
  | { ok: true; values: LoadOptionValues }
  | { ok: false; errors: Partial<Record<keyof LoadOptionValues, string>> };

const LABELS: Record<keyof LoadOptionValues, [string, string]> = {
  context_size: ['Context size', 'tokens'],
  threads: ['Threads', 'threads'],
};

export function draftOf(o: LoadOptionValues): LoadOptionsDraft {
  return { context_size: String(o.context_size), threads: String(o.threads) };
}

/** Whole numbers inside the server's ranges; anything else gets a message for its field. */
export function checkDraft(draft: LoadOptionsDraft, limits: ModelLoadOptions['limits']): DraftCheck {
  const errors: Partial<Record<keyof LoadOptionValues, string>> = {};
  const values: LoadOptionValues = { context_size: 0, threads: 0 };
  for (const key of ['context_size', 'threads'] as const) {
    const text = draft[key].trim();
    const { min, max } = limits[key];
    const [label, unit] = LABELS[key];
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
      errors[key] = `${label} must be a whole number from ${min} to ${max} ${unit}`;
    } else {
      values[key] = n;
    }
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}

/** True when the draft asks for something other than what is in effect. */
export function draftChanged(draft: LoadOptionsDraft, current: LoadOptionValues): boolean {
  return draft.context_size.trim() !== String(current.context_size) || draft.threads.trim() !== String(current.threads);
}

/** One line on what a PUT did, for the status under the Apply button. */
export function appliedMessage(o: ModelLoadOptions): string {
  const values = `${o.context_size} tokens of context, ${o.threads} thread${o.threads === 1 ? '' : 's'}`;
  if (o.reloaded) return `Reloaded: ${values}.`;
  if (!o.loaded) return `Saved: ${values} when the model loads.`;
  return `In effect: ${values}.`;
}
