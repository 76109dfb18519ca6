import { useEffect, useRef, useState } from 'react';
import { getModelOptions, putModelOptions } from '../api/client';
import { ApiError } from '../api/errors';
import {
  appliedMessage,
  cacheTypesText,
  checkDraft,
  draftChanged,
  draftOf,
  KV_CACHE_TYPES,
  type LoadOptionsDraft,
  type ModelLoadOptions,
} from '../lib/loadOptions';

interface Props {
  /** The selected model ('' when there is none). */
  model: string;
  /** Called after the server took new options (the model list shows them too). */
  onApplied?: (o: ModelLoadOptions) => void;
}

type Phase = 'loading' | 'ready' | 'reloading' | 'unavailable';

/**
 * Context size and threads of the selected model: the server loads each model with its own,
 * and Apply reloads it (replies already streaming finish on the old one).
 */
export function LoadOptionsForm({ model, onApplied }: Props) {
  const [options, setOptions] = useState<ModelLoadOptions | null>(null);
  const [draft, setDraft] = useState<LoadOptionsDraft>({ context_size: '', threads: '' });
  const [phase, setPhase] = useState<Phase>('loading');
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  // The model an answer is for: a reply that comes back after another model was picked is
  // not shown as this one's.
  const current = useRef(model);
  current.current = model;

  useEffect(() => {
    if (!model) {
      setOptions(null);
      setPhase('unavailable');
      return;
    }
    let live = true;
    setPhase('loading');
    setError('');
    setNote('');
    getModelOptions(model).then(
      (o) => {
        if (!live) return;
        setOptions(o);
        setDraft(draftOf(o));
        setPhase('ready');
      },
      (err: unknown) => {
        if (!live) return;
        setOptions(null);
        setPhase('unavailable');
        // An older server without the route keeps its start-up settings: say how to set them.
        setError(err instanceof ApiError && err.missingRoute ? '' : err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      live = false;
    };
  }, [model]);

  if (!options) {
    return (
      <div className="load-options">
        {phase === 'loading' && <p className="muted">Reading the model's options…</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {phase === 'unavailable' && !error && (
          <p className="muted">
            {model ? (
              <>
                This server sets them when it starts: <code>inferno serve -c N -t N</code>
              </>
            ) : (
              'Pick a model to set its context size and threads.'
            )}
          </p>
        )}
      </div>
    );
  }

  const check = checkDraft(draft, options.limits);
  const changed = draftChanged(draft, options);
  const busy = phase === 'reloading';

  const apply = async () => {
    if (!check.ok || busy) return;
    setPhase('reloading');
    setError('');
    setNote('');
    const target = model;
    try {
      const o = await putModelOptions(target, check.values);
      if (current.current !== target) return;
      setOptions(o);
      setDraft(draftOf(o));
      setNote(appliedMessage(o));
      onApplied?.(o);
    } catch (err) {
      if (current.current === target) setError(err instanceof Error ? err.message : String(err));
    } finally {
      setPhase('ready');
    }
  };

  const field = (key: 'context_size' | 'threads', label: string, unit: string, help: string) => {
    const { min, max } = options.limits[key];
    const problem = check.ok ? undefined : check.errors[key];
    return (
      <div className="field">
        <label htmlFor={`load-${key}`}>{label}</label>
        <input
          id={`load-${key}`}
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          step={1}
          value={draft[key]}
          disabled={busy}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`load-${key}-help`}
          onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void apply();
          }}
        />
        <small id={`load-${key}-help`} className={problem ? 'field-error' : undefined}>
          {problem ?? `${min}–${max} ${unit}${help ? ` · ${help}` : ''} (default ${options.defaults[key]})`}
        </small>
      </div>
    );
  };

  // Offered only by servers that report cache types.
  const cacheField = (key: 'cache_type_k' | 'cache_type_v', label: string) =>
    options[key] === undefined ? null : (
      <div className="field">
        <label htmlFor={`load-${key}`}>{label}</label>
        <select
          id={`load-${key}`}
          value={draft[key] ?? options[key]}
          disabled={busy}
          aria-describedby={`load-${key}-help`}
          onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        >
          {KV_CACHE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <small id={`load-${key}-help`}>
          q8_0 halves the cache, q4_0 quarters it, at some accuracy (default {options.defaults[key] ?? 'f16'})
        </small>
      </div>
    );

  return (
    <div className="load-options">
      {field('context_size', 'Context size', 'tokens', `trained on ${options.limits.context_size.max}`)}
      {field('threads', 'Threads', 'threads', '')}
      {cacheField('cache_type_k', 'KV cache type of keys')}
      {cacheField('cache_type_v', 'KV cache type of values')}
      <div className="load-actions">
        <button type="button" className="primary" onClick={() => void apply()} disabled={!check.ok || !changed || busy}>
          Apply
        </button>
        <span className="muted" role="status" data-testid="load-status">
          {busy ? 'reloading…' : note}
        </span>
      </div>
      <p className="muted" data-testid="effective-options">
        In effect: {options.context_size} tokens · {options.threads} thread{options.threads === 1 ? '' : 's'}
        {cacheTypesText(options) ? ` · ${cacheTypesText(options)}` : ''}
        {options.loaded ? '' : ' (when it loads)'}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
