// The run being measured or the one opened: progress while it runs, then its rows as a
// table and charts, with the CSV download.

import { benchCsvUrl, downloadBenchCsv, type BenchRow, type BenchRun } from '../api/bench';
import { apiKey } from '../api/auth';
import { formatWhen, progressLabel, type RunState } from '../lib/bench';
import { BenchCharts, BenchTable } from './BenchResults';
import { errorText } from './useBench';

export function BenchProgressBar({ live }: { live: RunState }) {
  const running = live.status === 'running';
  return (
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
  );
}

interface Props {
  rows: BenchRow[];
  /** The stored run shown; null while one runs. */
  current: BenchRun | null;
  liveRunId: number | null;
  onError: (message: string) => void;
}

export function BenchRunPanel({ rows, current, liveRunId, onError }: Props) {
  return (
    <section className="bench-run" aria-label="Results">
      <div className="bench-run-head">
        <h3>{current ? `Run #${current.id}` : `Run #${liveRunId ?? ''} (running)`}</h3>
        {current && (
          <span className="muted small">
            {current.status} · {formatWhen(current.started_at)} · {current.machine.hostname}, {current.machine.isa},{' '}
            {current.category === 'load'
              ? `concurrency ${(current.concurrency ?? []).join(', ')} · ${current.gen_tokens} generated tokens per request`
              : `${current.threads} thread${current.threads === 1 ? '' : 's'} · ${current.gen_tokens} generated tokens × ${current.repetitions} reps`}
            {current.source === 'cli' ? ` · from inferno bench ${current.category === 'load' ? '--url' : '--suite'}` : ''}
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
              void downloadBenchCsv(current.id).catch((err: unknown) => onError(errorText(err)));
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
  );
}
