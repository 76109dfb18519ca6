// Named presets of model + system prompt + sampling, kept by the server's store
// (/api/profiles). Without a store the section says so.

import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/errors';
import * as store from '../api/store';
import { sanitizeSettings, type Settings } from '../lib/settings';

interface Props {
  model: string;
  system: string;
  settings: Settings;
  onApply: (p: { model?: string; system: string; settings: Settings }) => void;
}

export function Profiles({ model, system, settings, onApply }: Props) {
  const [profiles, setProfiles] = useState<store.Profile[]>([]);
  const [current, setCurrent] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState('');
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');

  const reload = useCallback(async () => {
    try {
      setProfiles((await store.listProfiles()).profiles);
      setError('');
    } catch (err) {
      if (err instanceof ApiError && err.missingRoute) setMissing(true);
      else setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    await reload();
  };

  if (missing) {
    return <p className="muted small">Profiles are kept by the server's store, which this server does not have.</p>;
  }

  const selected = profiles.find((p) => p.id === current);
  const snapshot = { model: model || undefined, system, settings: { ...settings } };
  return (
    <div className="profiles">
      <div className="field-row">
        <select
          aria-label="Profile"
          value={current}
          onChange={(e) => {
            setCurrent(e.target.value);
            const p = profiles.find((x) => x.id === e.target.value);
            if (p) onApply({ model: p.model, system: p.system ?? '', settings: sanitizeSettings(p.settings) });
          }}
        >
          <option value="">No profile</option>
          {profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        {selected && (
          <>
            <button
              type="button"
              className="link"
              title="Save the current model, system prompt and settings into this profile"
              onClick={() => void act(() => store.updateProfile({ ...selected, ...snapshot }))}
            >
              Update
            </button>
            <button
              type="button"
              className="link"
              onClick={() => {
                if (window.confirm(`Delete profile “${selected.name}”?`)) {
                  setCurrent('');
                  void act(() => store.deleteProfile(selected.id));
                }
              }}
            >
              Delete
            </button>
          </>
        )}
      </div>
      {naming ? (
        <form
          className="field-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return;
            setNaming(false);
            void act(async () => setCurrent((await store.createProfile({ name: name.trim(), ...snapshot })).id));
          }}
        >
          <input aria-label="Profile name" value={name} autoFocus onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="ghost small-btn">
            Save
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="link"
          onClick={() => {
            setName('');
            setNaming(true);
          }}
        >
          Save current as a profile…
        </button>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
