// Settings → Remote endpoints: add (name, URL, optional key), test and remove the remote
// OpenAI-compatible servers whose models this server serves as NAME/model, with each one's
// health from its last check.

import { useCallback, useEffect, useState } from 'react';
import { addRemote, listRemotes, removeRemote, testRemote, type RemoteEndpoint } from '../api/remotes';

interface Props {
  /** After an endpoint was added, tested or removed: its models may have changed. */
  onChanged: () => void;
}

function healthText(e: RemoteEndpoint): string {
  if (!e.health.checked_at) return 'not checked yet';
  if (!e.health.ok) return `unreachable: ${e.health.error ?? 'unknown error'}`;
  const n = e.models.length;
  return `ok · ${n} model${n === 1 ? '' : 's'} · ${Math.round(e.health.latency_ms)} ms`;
}

export function RemoteSettings({ onChanged }: Props) {
  const [endpoints, setEndpoints] = useState<RemoteEndpoint[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');

  const reload = useCallback(async () => {
    try {
      setEndpoints(await listRemotes());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await action();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      await reload();
    }
  };

  return (
    <section aria-label="Remote endpoints">
      <h3>Remote endpoints</h3>
      <ul className="remotes">
        {endpoints.map((e) => (
          <li key={e.name} data-testid={`remote-${e.name}`}>
            <strong>{e.name}</strong> <span className="muted">{e.url}</span>
            {e.has_key && <span className="badge">key</span>}
            <div className={e.health.ok ? 'muted small' : 'error small'}>{healthText(e)}</div>
            <button type="button" className="ghost" disabled={busy} onClick={() => void run(() => testRemote(e.name))}>
              Test
            </button>
            {e.source === 'stored' && (
              <button
                type="button"
                className="ghost"
                aria-label={`Remove ${e.name}`}
                disabled={busy}
                onClick={() => void run(() => removeRemote(e.name))}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          void run(async () => {
            await addRemote(name.trim(), url.trim(), key);
            setName('');
            setUrl('');
            setKey('');
          });
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="gpu" required />
        </label>
        <label className="field">
          <span>URL</span>
          <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://10.0.0.5:8000" required />
        </label>
        <label className="field">
          <span>Key (optional)</span>
          <input type="password" value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit" className="primary" disabled={busy || !name.trim() || !url.trim()}>
          Add endpoint
        </button>
      </form>
      {error && (
        <div className="error small" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
