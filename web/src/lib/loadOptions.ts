// A model's load options (context size, threads, KV cache types) as the server reports them,
// and checking what the Settings panel's inputs hold before it asks the server to reload the
// model.

/** The KV cache types (llama.cpp's --cache-type-k/-v names). */
export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;

export interface LoadOptionValues {
  context_size: number;
  threads: number;
  /** Absent from servers without KV cache types. */
  cache_type_k?: string;
  cache_type_v?: string;
}

type CacheTypeKey = 'cache_type_k' | 'cache_type_v';
const CACHE_TYPE_KEYS: CacheTypeKey[] = ['cache_type_k', 'cache_type_v'];

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
  cache_type_k?: string;
  cache_type_v?: string;
}

export type DraftCheck =
  | { ok: true; values: LoadOptionValues }
  | { ok: false; errors: Partial<Record<keyof LoadOptionValues, string>> };

const LABELS: Record<'context_size' | 'threads', [string, string]> = {
  context_size: ['Context size', 'tokens'],
  threads: ['Threads', 'threads'],
};

export function draftOf(o: LoadOptionValues): LoadOptionsDraft {
  const draft: LoadOptionsDraft = { context_size: String(o.context_size), threads: String(o.threads) };
  for (const key of CACHE_TYPE_KEYS) if (o[key] !== undefined) draft[key] = o[key];
  return draft;
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
  // Cache types come from a list of choices: passed on as they are.
  for (const key of CACHE_TYPE_KEYS) if (draft[key] !== undefined) values[key] = draft[key];
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, values };
}

/** True when the draft asks for something other than what is in effect. */
export function draftChanged(draft: LoadOptionsDraft, current: LoadOptionValues): boolean {
  return (
    draft.context_size.trim() !== String(current.context_size) ||
    draft.threads.trim() !== String(current.threads) ||
    CACHE_TYPE_KEYS.some((key) => draft[key] !== undefined && draft[key] !== current[key])
  );
}

/**
 * "KV cache q8_0 / q4_0" (keys / values), or '' for the default F16 cache and for a server
 * without cache types: the status lines only mention a cache that is not the usual one.
 */
export function cacheTypesText(o: LoadOptionValues): string {
  const k = o.cache_type_k ?? 'f16';
  const v = o.cache_type_v ?? 'f16';
  return k === 'f16' && v === 'f16' ? '' : `KV cache ${k} / ${v}`;
}

/** One line on what a PUT did, for the status under the Apply button. */
export function appliedMessage(o: ModelLoadOptions): string {
  const kv = cacheTypesText(o);
  const values = `${o.context_size} tokens of context, ${o.threads} thread${o.threads === 1 ? '' : 's'}${kv ? `, ${kv}` : ''}`;
  if (o.reloaded) return `Reloaded: ${values}.`;
  if (!o.loaded) return `Saved: ${values} when the model loads.`;
  return `In effect: ${values}.`;
}
