// The Benchmarks page: pick models and prompt sizes, run the suite on the server with live
// progress, see the results as a table and charts, download the CSV, and browse, open and
// compare past runs (the server's history, which also holds `inferno bench --suite` runs).

import { useCallback, useEffect, useRef, useState } from 'react';
import {
  benchCsvUrl,
  cancelBenchRun,
  deleteBenchRun,
  downloadBenchCsv,
  followBenchRun,
  getBenchRun,
  listBenchRuns,
  startBench,
  type BenchRun,
} from '../api/bench';
import { apiKey } from '../api/auth';
import { ApiError } from '../api/errors';
import type { SseEvent } from '../api/sse';
import type { ModelInfo } from '../api/types';
import { IDLE, applyBenchEvent, parseBenchEvent, parsePromptSizes, progressLabel, type RunState } from '../lib/bench';
import { formatBytes } from '../lib/metrics';
import { BenchCompare } from './BenchCompare';
import { BenchCharts, BenchTable } from './BenchResults';

interface Props {
  models: ModelInfo[];
  defaultModel: string;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function when(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function BenchmarksView({ models, defaultModel }: Props) {
  const usable = models.filter((m) => !m.error);
  const [picked, setPicked] = useState<string[]>(() => (defaultModel ? [defaultModel] : []));
  const [sizesText, setSizesText] = useState('50, 100, 200');
  const [repetitions, setRepetitions] = useState(3);
  const [genTokens, setGenTokens] = useState(64);
  const [live, setLive] = useState<RunState>(IDLE);
  const [shown, setShown] = useState<BenchRun | null>(null);
  const [runs, setRuns] = useState<BenchRun[] | null>(null);
  const [selected, setSelected] = useState<number[]>([]);
  const [compare, setCompare] = useState<[BenchRun, BenchRun] | null>(null);
  const [error, setError] = useState('');
  const abortRef = useRef<AbortController | null>(null);
  const running = live.status === 'running';
  const sizes = parsePromptSizes(sizesText);
  const chosen = picked.filter((id) => usable.some((m) => m.id === id));

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
        state = { ...state, status: 'failed', error: 'Stopped following the run; it goes on on the server (see Past runs).' };
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

  const run = () => {
    setError('');
    setCompare(null);
    void follow((signal, onEvent) =>
      startBench({ models: chosen, prompt_sizes: sizes.sizes, repetitions, gen_tokens: genTokens }, signal, onEvent),
    );
  };

  const toggleSelected = (id: number) =>
    setSelected((cur) => (cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(-2)));

  const doCompare = async () => {
    try {
      if (selected.length !== 2) return;
      const [a, b] = await Promise.all([getBenchRun(selected[0] as number), getBenchRun(selected[1] as number)]);
      // A is the older run, so ratios read as "what changed since".
      setCompare(a.id < b.id ? [a, b] : [b, a]);
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  };

  const rows = running || !shown ? live.rows : (shown.rows ?? []);
  const current = running ? null : shown;

  return (
    <section className="benchmarks" aria-label="Benchmarks">
      <h2>Benchmarks</h2>
      <p className="muted">
        Which model runs best on this machine: each model is loaded in its own worker process and measured on prompts of
        the chosen sizes (time to first token, prefill and decode speed, latency, peak memory), repeated for mean and
        spread. Runs are kept on the server.
      </p>

      <form
        className="bench-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <fieldset className="bench-models">
          <legend>Models</legend>
          {usable.length === 0 && <p className="muted">The server has no usable model.</p>}
          {usable.map((m) => (
            <label key={m.id} className="check">
              <input
                type="checkbox"
                checked={picked.includes(m.id)}
                disabled={running}
                onChange={(e) =>
                  setPicked((cur) => (e.target.checked ? [...cur, m.id] : cur.filter((x) => x !== m.id)))
                }
              />
              <span>{m.id}</span>
              <span className="muted small">
                {[m.quant, formatBytes(m.size_bytes)].filter(Boolean).join(' · ')}
              </span>
            </label>
          ))}
        </fieldset>
        <div className="bench-params">
          <label className="field inline">
            <span>Prompt sizes (tokens)</span>
            <input value={sizesText} onChange={(e) => setSizesText(e.target.value)} disabled={running} aria-invalid={!!sizes.error} />
          </label>
          <label className="field inline">
            <span>Repetitions</span>
            <input
              type="number"
              min={1}
              max={10}
              value={repetitions}
              disabled={running}
              onChange={(e) => setRepetitions(Math.min(10, Math.max(1, Number(e.target.value) || 1)))}
            />
          </label>
          <label className="field inline">
            <span>Generated tokens</span>
            <input
              type="number"
              min={1}
              max={512}
              value={genTokens}
              disabled={running}
              onChange={(e) => setGenTokens(Math.min(512, Math.max(1, Number(e.target.value) || 1)))}
            />
          </label>
          <span className="spacer" />
          {running ? (
            <button
              type="button"
              className="stop"
              onClick={() => live.runId !== null && void cancelBenchRun(live.runId).catch((err) => setError(errorText(err)))}
            >
              Cancel run
            </button>
          ) : (
            <button type="submit" className="primary" disabled={chosen.length === 0 || !!sizes.error}>
              Run benchmark
            </button>
          )}
        </div>
        {sizes.error && <p className="field-error">{sizes.error}</p>}
      </form>

      {(running || live.status !== 'idle') && (
        <div className="bench-progress" data-testid="bench-progress">
          <div
            className="progress"
            role="progressbar"
            aria-label="Benchmark progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(live.fraction * 100)}
          >
            <div className="progress-fill" style={{ width: `${live.fraction * 100}%` }} />
          </div>
          <span className="small">
            {running
              ? `${Math.round(live.fraction * 100)}% · ${progressLabel(live.progress)}`
              : live.status === 'done'
                ? `Run #${live.runId} finished`
                : live.status === 'cancelled'
                  ? `Run #${live.runId} cancelled`
                  : live.error || 'The run failed'}
          </span>
        </div>
      )}
      {error && (
        <div className="banner warn" role="alert">
          <span>{error}</span>
          <button type="button" className="ghost" onClick={() => setError('')}>
            Dismiss
          </button>
        </div>
      )}

      {rows.length > 0 && (
        <section className="bench-run" aria-label="Results">
          <div className="bench-run-head">
            <h3>{current ? `Run #${current.id}` : `Run #${live.runId ?? ''} (running)`}</h3>
            {current && (
              <span className="muted small">
                {current.status} · {when(current.started_at)} · {current.machine.hostname}, {current.machine.isa},{' '}
                {current.threads} thread{current.threads === 1 ? '' : 's'} · {current.gen_tokens} generated tokens × {current.repetitions} reps
                {current.source === 'cli' ? ' · from inferno bench --suite' : ''}
              </span>
            )}
            <span className="spacer" />
            {current && (
              <a
                className="ghost button-link"
                href={benchCsvUrl(current.id)}
                download={`inferno-bench-${current.id}.csv`}
                onClick={(e) => {
                  if (!apiKey()) return; // the plain link downloads it
                  e.preventDefault();
                  void downloadBenchCsv(current.id).catch((err) => setError(errorText(err)));
                }}
              >
                Download CSV
              </a>
            )}
          </div>
          {current?.error && <p className="field-error">{current.error}</p>}
          <BenchTable rows={rows} />
          <BenchCharts rows={rows} />
        </section>
      )}

      <section className="bench-history" aria-label="Past runs">
        <div className="bench-run-head">
          <h3>Past runs</h3>
          <span className="spacer" />
          <button type="button" className="ghost" disabled={selected.length !== 2} onClick={() => void doCompare()}>
            Compare selected
          </button>
        </div>
        {runs === null ? (
          <p className="muted">Loading…</p>
        ) : runs.length === 0 ? (
          <p className="muted">No runs yet.</p>
        ) : (
          <ul className="bench-runs" data-testid="bench-history">
            {runs.map((r) => (
              <li key={r.id} className={shown?.id === r.id ? 'active' : undefined}>
                <input
                  type="checkbox"
                  aria-label={`Select run ${r.id} to compare`}
                  checked={selected.includes(r.id)}
                  onChange={() => toggleSelected(r.id)}
                />
                <button type="button" className="link run-open" onClick={() => void open(r.id)} disabled={r.status === 'running'}>
                  #{r.id} · {when(r.started_at)}
                </button>
                <span className="muted small">
                  {r.models.join(', ')} · prompts {r.prompt_sizes.join('/')} · {r.row_count} rows
                </span>
                <span className={`status ${r.status}`}>{r.status}</span>
                {r.status !== 'running' && (
                  <button
                    type="button"
                    className="link"
                    aria-label={`Delete run ${r.id}`}
                    onClick={() =>
                      void deleteBenchRun(r.id)
                        .then(() => {
                          if (shown?.id === r.id) setShown(null);
                          setSelected((cur) => cur.filter((x) => x !== r.id));
                          return refresh();
                        })
                        .catch((err) => setError(errorText(err)))
                    }
                  >
                    delete
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {compare && <BenchCompare a={compare[0]} b={compare[1]} />}
      </section>
    </section>
  );
}
