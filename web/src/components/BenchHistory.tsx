// Past benchmark runs from the server's history: open one, delete one, or select two and
// compare them.

import type { BenchRun } from '../api/bench';
import { CATEGORIES, formatWhen } from '../lib/bench';
import { BenchCompare } from './BenchCompare';

/** "prompts 50/100/200", "images 256/512 px", "clips 5/10 s", "1/4/16/64 clients". */
function runSizes(r: BenchRun): string {
  const c = r.category ?? 'text';
  const sizes = r.prompt_sizes.join('/');
  if (c === 'image') return `images ${sizes} px`;
  if (c === 'audio') return `clips ${sizes} s`;
  if (c === 'load') return `${(r.concurrency ?? []).join('/')} clients`;
  return `prompts ${sizes}`;
}

interface Props {
  runs: BenchRun[] | null;
  shownId: number | undefined;
  selected: number[];
  onToggle: (id: number) => void;
  onOpen: (id: number) => void;
  onDelete: (id: number) => void;
  onCompare: () => void;
  compare: [BenchRun, BenchRun] | null;
}

export function BenchHistory({ runs, shownId, selected, onToggle, onOpen, onDelete, onCompare, compare }: Props) {
  return (
    <section className="bench-history" aria-label="Past runs">
      <div className="bench-run-head">
        <h3>Past runs</h3>
        <span className="spacer" />
        <button type="button" className="ghost" disabled={selected.length !== 2} onClick={onCompare}>
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
            <li key={r.id} className={shownId === r.id ? 'active' : undefined}>
              <input
                type="checkbox"
                aria-label={`Select run ${r.id} to compare`}
                checked={selected.includes(r.id)}
                onChange={() => onToggle(r.id)}
              />
              <button type="button" className="link run-open" onClick={() => onOpen(r.id)} disabled={r.status === 'running'}>
                #{r.id} · {formatWhen(r.started_at)}
              </button>
              <span className="muted small">
                {r.category && r.category !== 'text' ? `${CATEGORIES[r.category].label} · ` : ''}
                {r.models.join(', ')} · {runSizes(r)} · {r.row_count} rows
              </span>
              <span className={`status ${r.status}`}>{r.status}</span>
              {r.status !== 'running' && (
                <button type="button" className="link" aria-label={`Delete run ${r.id}`} onClick={() => onDelete(r.id)}>
                  delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {compare && <BenchCompare a={compare[0]} b={compare[1]} />}
    </section>
  );
}
