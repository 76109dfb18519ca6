// The Benchmarks page's runs: the server's history, the run shown, and the live state of a
// run being followed (a new one, or one still running when the page opens).

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  cancelBenchRun,
  deleteBenchRun,
  followBenchRun,
  getBenchRun,
  listBenchRuns,
  startBench,
  type BenchRequest,
  type BenchRun,
} from '../api/bench';
import { ApiError } from '../api/errors';
import type { SseEvent } from '../api/sse';
import { IDLE, applyBenchEvent, parseBenchEvent, type RunState } from '../lib/bench';

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function useBenchRuns() {
  const [live, setLive] = useState<RunState>(IDLE);
  const [shown, setShown] = useState<BenchRun | null>(null);
  const [runs, setRuns] = useState<BenchRun[] | null>(null);
  const [error, setError] = useState('');
  const abortRef = useRef<AbortController | null>(null);

  const refresh = useCallback(async () => {
    try {
      setRuns(await listBenchRuns());
    } catch (err) {
      setError(errorText(err));
    }
  }, []);

  const open = useCallback(async (id: number) => {
    try {
      setShown(await getBenchRun(id));
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  }, []);

  // Follows a run's events (a new one, or one still running when the page opens).
  const follow = useCallback(
    async (go: (signal: AbortSignal, onEvent: (e: SseEvent) => void) => Promise<void>) => {
      const ctrl = new AbortController();
      abortRef.current = ctrl;
      let state: RunState = IDLE;
      try {
        await go(ctrl.signal, (raw) => {
          const e = parseBenchEvent(raw);
          if (!e) return;
          state = applyBenchEvent(state, e);
          setLive(state);
          if (e.type === 'start') {
            // The new run replaces what was shown (a refused start leaves it).
            setShown(null);
            void refresh();
          }
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'aborted')) setError(errorText(err));
      }
      if (state.status === 'running') {
        const error = 'Stopped following the run; it goes on on the server (see Past runs).';
        state = { ...state, status: 'failed', error };
      }
      setLive(state);
      if (state.runId !== null) await open(state.runId);
      void refresh();
    },
    [open, refresh],
  );

  useEffect(() => {
    void (async () => {
      try {
        const list = await listBenchRuns();
        setRuns(list);
        // A run the server is measuring (not a CLI run still writing into the same store).
        const active = list.find((r) => r.status === 'running' && r.source === 'server');
        if (active) void follow((signal, onEvent) => followBenchRun(active.id, signal, onEvent));
        else if (list[0]) void open(list[0].id);
      } catch (err) {
        setError(errorText(err));
        setRuns([]);
      }
    })();
    return () => abortRef.current?.abort();
  }, [follow, open]);

  const start = (req: BenchRequest) => void follow((signal, onEvent) => startBench(req, signal, onEvent));

  const cancel = () => {
    if (live.runId !== null) void cancelBenchRun(live.runId).catch((err) => setError(errorText(err)));
  };

  /** Deletes a run; `then` runs before the history is read again. */
  const remove = (id: number, then: () => void) =>
    void deleteBenchRun(id)
      .then(() => {
        if (shown?.id === id) setShown(null);
        then();
        return refresh();
      })
      .catch((err) => setError(errorText(err)));

  return { live, shown, runs, error, setError, open, start, cancel, remove };
}
