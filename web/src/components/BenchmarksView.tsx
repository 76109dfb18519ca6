// The Benchmarks page: pick models and prompt sizes, run the suite on the server with live
// progress, see the results as a table and charts, download the CSV, and browse, open and
// compare past runs (the server's history, which also holds `inferno bench --suite` runs).

import { useState } from 'react';
import { getBenchRun, type BenchRun } from '../api/bench';
import type { ModelInfo } from '../api/types';
import { BenchForm } from './BenchForm';
import { BenchHistory } from './BenchHistory';
import { BenchProgressBar, BenchRunPanel } from './BenchRunPanel';
import { errorText, useBenchRuns } from './useBench';

interface Props {
  models: ModelInfo[];
  defaultModel: string;
}

export function BenchmarksView({ models, defaultModel }: Props) {
  const usable = models.filter((m) => !m.error);
  const bench = useBenchRuns();
  const pair = useRunPair(bench.setError);
  const { live, shown } = bench;
  const running = live.status === 'running';
  const rows = running || !shown ? live.rows : (shown.rows ?? []);

  return (
    <section className="benchmarks" aria-label="Benchmarks">
      <h2>Benchmarks</h2>
      <p className="muted">
        Which model runs best on this machine: each model is loaded in its own worker process and measured on prompts of
        the chosen sizes (time to first token, prefill and decode speed, latency, peak memory), repeated for mean and
        spread. Runs are kept on the server.
      </p>
      <BenchForm
        usable={usable}
        defaultModel={defaultModel}
        running={running}
        onRun={(req) => {
          bench.setError('');
          pair.clear();
          bench.start(req);
        }}
        onCancel={bench.cancel}
      />
      {(running || live.status !== 'idle') && <BenchProgressBar live={live} />}
      {bench.error && (
        <div className="banner warn" role="alert">
          <span>{bench.error}</span>
          <button type="button" className="ghost" onClick={() => bench.setError('')}>
            Dismiss
          </button>
        </div>
      )}
      {rows.length > 0 && (
        <BenchRunPanel rows={rows} current={running ? null : shown} liveRunId={live.runId} onError={bench.setError} />
      )}
      <BenchHistory
        runs={bench.runs}
        shownId={shown?.id}
        selected={pair.selected}
        onToggle={pair.toggle}
        onOpen={(id) => void bench.open(id)}
        onDelete={(id) => bench.remove(id, () => pair.drop(id))}
        onCompare={() => void pair.compareSelected()}
        compare={pair.compare}
      />
    </section>
  );
}

/** Two past runs picked to compare (the last two ticked), and the pair once loaded. */
function useRunPair(onError: (message: string) => void) {
  const [selected, setSelected] = useState<number[]>([]);
  const [compare, setCompare] = useState<[BenchRun, BenchRun] | null>(null);
  const toggle = (id: number) =>
    setSelected((cur) => (cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(-2)));
  const drop = (id: number) => setSelected((cur) => cur.filter((x) => x !== id));
  const compareSelected = async () => {
    try {
      if (selected.length !== 2) return;
      const [a, b] = await Promise.all([getBenchRun(selected[0] as number), getBenchRun(selected[1] as number)]);
      // A is the older run, so ratios read as "what changed since".
      setCompare(a.id < b.id ? [a, b] : [b, a]);
      onError('');
    } catch (err) {
      onError(errorText(err));
    }
  };
  return { selected, toggle, drop, compare, compareSelected, clear: () => setCompare(null) };
}
