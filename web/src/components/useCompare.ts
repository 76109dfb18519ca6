// Runs compares on a debugger connection of its own: connects on the first run (with a
// ticket when there is an API key), sends `compare`, folds the server's messages into the
// run, stops both sides, and closes the connection when the view goes away.

import { useCallback, useEffect, useRef, useState } from 'react';
import { DebuggerClient, type ServerMsg } from '../api/debugger';
import {
  applyCompareMessage,
  compareRequest,
  finished,
  newRun,
  type CompareInput,
  type CompareRun,
} from '../lib/compare';

/** The protocol's default limit, until the server's hello says otherwise. */
const DEFAULT_MAX_TOKENS = 4096;
let nextId = 1;

export function useCompare() {
  const [run, setRun] = useState<CompareRun | null>(null);
  const client = useRef<DebuggerClient | null>(null);
  const maxTokens = useRef(DEFAULT_MAX_TOKENS);
  // The run whose sides are to stop: a side announced after Stop is stopped as it comes.
  const stopping = useRef<string | null>(null);

  const onMessage = useCallback((m: ServerMsg) => {
    if (m.type === 'hello') maxTokens.current = m.limits?.max_tokens ?? DEFAULT_MAX_TOKENS;
    const stop = stopping.current;
    if (m.type === 'session' && stop && (m.id === `${stop}.a` || m.id === `${stop}.b`)) client.current?.stop(m.session);
    setRun((r) => (r ? applyCompareMessage(r, m) : r));
  }, []);

  const connected = useCallback(async (): Promise<DebuggerClient> => {
    if (client.current?.connected) return client.current;
    client.current?.close();
    const c = new DebuggerClient(onMessage, (_unavailable, reason) => {
      if (client.current === c) client.current = null;
      setRun((r) => (r && !finished(r) ? { ...r, error: `The debugger connection closed (${reason}).` } : r));
    });
    client.current = c;
    await c.connect();
    return c;
  }, [onMessage]);

  const start = useCallback(
    async (input: Omit<CompareInput, 'id' | 'maxTokens'>) => {
      const id = `cmp-${nextId++}`;
      stopping.current = null;
      setRun(newRun(id, input.modelA, input.modelB));
      try {
        const c = await connected();
        c.compare(compareRequest({ ...input, id, maxTokens: maxTokens.current }));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        setRun((r) => (r?.id === id ? { ...r, error: `Compare runs on the debugger: ${message}` } : r));
      }
    },
    [connected],
  );

  /** Stops both sides; the server then sends the summary of what was compared. */
  const stop = useCallback(() => {
    const c = client.current;
    if (!run || !c) return;
    stopping.current = run.id;
    for (const s of run.sides) if (s.session && !s.done) c.stop(s.session);
  }, [run]);

  useEffect(() => () => client.current?.close(), []);

  return { run, running: !!run && !finished(run), start, stop };
}
