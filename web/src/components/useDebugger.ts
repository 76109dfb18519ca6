// The Debugger view's connection and sessions: one DebuggerClient (reconnect on demand),
// the sessions folded from its messages, the session shown and the step selected in it,
// and the sessions the server stored.

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { DebuggerClient, type StartParams, type TokenMsg } from '../api/debugger';
import { getDebugSession, listDebugSessions, type StoredDebugSummary } from '../api/store';
import { EMPTY, isRunning, reduce, storedMessages } from '../lib/debugState';
import { SessionFeed } from '../lib/pluginHost';

export type ConnState = 'connecting' | 'open' | 'resuming' | 'unavailable' | 'closed';

let nextId = 1;
/** A fresh client label for a session this view starts. */
export const newSessionLabel = () => `ui-${nextId++}`;

/** Sessions the server stored (this run or earlier ones); null until loaded or when it keeps none. */
export function useSavedSessions() {
  const [saved, setSaved] = useState<StoredDebugSummary[] | null>(null);
  const [error, setError] = useState('');
  const refresh = useCallback(() => {
    listDebugSessions().then(
      (r) => {
        setSaved(r.sessions);
        setError('');
      },
      (err: Error) => setError(err.message),
    );
  }, []);
  useEffect(refresh, [refresh]);
  return { saved, error, setError, refresh };
}

export function useDebugger(onSessionDone: () => void) {
  const [state, dispatch] = useReducer(reduce, EMPTY);
  const [conn, setConn] = useState<ConnState>('connecting');
  const [connError, setConnError] = useState('');
  const [current, setCurrent] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const client = useRef<DebuggerClient | null>(null);
  const pendingId = useRef<string | null>(null);
  // The same messages as they came, for the plugin frames (components/PluginPanels.tsx).
  const [feed] = useState(() => new SessionFeed());
  const onDone = useRef(onSessionDone);
  onDone.current = onSessionDone;

  /** Shows session `id`, nothing selected in it. */
  const show = useCallback((id: string) => {
    setCurrent(id);
    setSelected(null);
  }, []);

  const connect = useCallback(() => {
    client.current?.close();
    setConn('connecting');
    setConnError('');
    const c = new DebuggerClient(
      (m) => {
        dispatch(m);
        feed.push(m);
        if (m.type === 'done') onDone.current();
        // Follow the session this view just asked for.
        if (m.type === 'session' && m.id && m.id === pendingId.current) show(m.session);
      },
      (unavailable, reason) => {
        setConn(unavailable ? 'unavailable' : 'closed');
        if (!unavailable) setConnError(`The debugger connection closed (${reason}).`);
      },
      undefined,
      (resuming) => setConn(resuming ? 'resuming' : 'open'),
    );
    client.current = c;
    c.connect().then(
      () => setConn('open'),
      (err: Error) => setConnError(err.message),
    );
  }, [show, feed]);

  useEffect(() => {
    connect();
    return () => client.current?.close();
  }, [connect]);

  const session = current ? state.sessions[current] : undefined;
  const running = isRunning(session);

  const start = (p: StartParams) => {
    pendingId.current = p.id;
    client.current?.start(p);
  };

  const stop = () => {
    if (session) client.current?.stop(session.id);
  };

  /** A new session from the current one's step `tok.index`, with token `alt` there. */
  const branch = (tok: TokenMsg, alt: number) => {
    if (!session) return;
    const id = newSessionLabel();
    pendingId.current = id;
    client.current?.branch(session.id, tok.index, alt, id);
  };

  /** Shows a stored session, loading it from the server unless this view has it already. */
  const openStored = async (id: string) => {
    if (!state.sessions[id]) {
      const doc = await getDebugSession(id);
      for (const m of storedMessages(doc)) {
        dispatch(m);
        feed.push(m);
      }
    }
    show(id);
  };

  return {
    state,
    conn,
    connError,
    connect,
    current,
    session,
    running,
    selected,
    setSelected,
    show,
    start,
    stop,
    branch,
    openStored,
    feed,
  };
}
