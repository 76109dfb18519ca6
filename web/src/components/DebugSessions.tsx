// The debugger's session list: this view's sessions as a tree of branches, and the ones the
// server stored.

import type { StoredDebugSummary } from '../api/store';
import { depth, shortId, type DebugState } from '../lib/debugState';

interface Props {
  state: DebugState;
  current: string | undefined;
  onShow: (id: string) => void;
  saved: StoredDebugSummary[] | null;
  savedError: string;
  onOpenSaved: (id: string) => void;
}

export function DebugSessions({ state, current, onShow, saved, savedError, onOpenSaved }: Props) {
  return (
    <nav className="branches" aria-label="Sessions and branches">
      <h3>Sessions</h3>
      {state.order.length === 0 && <p className="muted small">Run a prompt to start.</p>}
      <ul>
        {state.order.map((id) => {
          const s = state.sessions[id]!;
          return (
            <li key={id} style={{ paddingLeft: depth(state, id) * 14 }}>
              <button
                type="button"
                className={`link${id === current ? ' current' : ''}`}
                aria-current={id === current}
                onClick={() => onShow(id)}
              >
                {s.parent ? `↳ branch at ${s.branchStep}` : s.model || 'default model'} ({s.tokens.length})
              </button>
            </li>
          );
        })}
      </ul>
      <h3>Saved</h3>
      {savedError && <p className="muted small">{savedError}</p>}
      {saved && saved.length === 0 && <p className="muted small">Finished sessions are kept here.</p>}
      {saved && saved.length > 0 && (
        <ul aria-label="Saved sessions">
          {saved.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={`link${s.id === current ? ' current' : ''}`}
                title={`${s.id} · ${new Date(s.updated_at).toLocaleString()}`}
                onClick={() => onOpenSaved(s.id)}
              >
                {s.parent ? `↳ ${shortId(s.id)} from ${shortId(s.parent)}` : `${shortId(s.id)} ${s.model}`} ({s.steps})
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
