// Runs compares: two local models on a debugger connection of its own (connects on the first
// run, with a ticket when there is an API key; sends `compare`; stops both sides; closes the
// connection when the view goes away), or, when a model is remote, through POST /api/compare
// (teacher forcing from the top-k; Stop aborts the request). Either way the server's messages
// fold into one CompareRun.

import { useCallback, useEffect, useRef, useState } from 'react';
import { streamCompare } from '../api/compare';
import { DebuggerClient, type ServerMsg } from '../api/debugger';
import { chatMessages } from '../lib/debugRequest';
import {
  applyCompareMessage,
  applyForcedEvent,
  compareRequest,
  finished,
  newRun,
  type CompareInput,
  type CompareRun,
} from '../lib/compare';

/** The protocol's default limit, until the server's hello says otherwise. */
const DEFAULT_MAX_TOKENS = 4096;
let nextId = 1;

/** What a run takes; `remote` when one model (or both) is served by a remote endpoint. */
type StartInput = Omit<CompareInput, 'id' | 'maxTokens'> & { remote?: 'one' | 'both' };

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

  const aborter = useRef<AbortController | null>(null);

  /** A comparison with a remote model: both read the greedy text of A, over POST /api/compare. */
  const startForced = useCallback(async (id: string, input: StartInput) => {
    const ac = new AbortController();
    aborter.current = ac;
    const base = newRun(id, input.modelA, input.modelB);
    setRun({ ...base, method: 'teacher_forcing', reference: 'a' });
    try {
      await streamCompare(
        '/api/compare',
        {
          a: input.modelA,
          b: input.modelB,
          // Two remote models have no local chat template to render messages: the raw prompt.
          ...(input.remote === 'both'
            ? { prompt: input.prompt }
            : { messages: chatMessages(input.system, input.prompt) }),
          max_tokens: Math.max(1, Math.min(input.settings.max_tokens, 512)),
          top_k: Math.min(input.topK, 20),
          reference: 'a',
        },
        (e) => setRun((r) => (r?.id === id ? applyForcedEvent(r, e) : r)),
        ac.signal,
      );
      // A stream that ended without its summary (stopped, or cut) is over all the same.
      setRun((r) => (r?.id === id && !finished(r) ? { ...r, error: 'Stopped before the comparison ended.' } : r));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setRun((r) => (r?.id === id && !finished(r) ? { ...r, error: message } : r));
    }
  }, []);

  const start = useCallback(
    async (input: StartInput) => {
      const id = `cmp-${nextId++}`;
      stopping.current = null;
      if (input.remote) return startForced(id, input);
      setRun(newRun(id, input.modelA, input.modelB));
      try {
        const c = await connected();
        c.compare(compareRequest({ ...input, id, maxTokens: maxTokens.current }));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        setRun((r) => (r?.id === id ? { ...r, error: `Compare runs on the debugger: ${message}` } : r));
      }
    },
    [connected, startForced],
  );

  /** Stops both sides; the server then sends the summary of what was compared. */
  const stop = useCallback(() => {
    if (run?.method === 'teacher_forcing') return aborter.current?.abort();
    const c = client.current;
    if (!run || !c) return;
    stopping.current = run.id;
    for (const s of run.sides) if (s.session && !s.done) c.stop(s.session);
  }, [run]);

  useEffect(
    () => () => {
      client.current?.close();
      aborter.current?.abort();
    },
    [],
  );

  return { run, running: !!run && !finished(run), start, stop };
}
