// The quantization report: one prompt set (the server's built-in prompts and the user's own)
// through a local quant (A) and its reference (B, typically the full-precision model behind a
// remote endpoint), read by teacher forcing on the reference's greedy text (POST
// /api/compare/report). Per prompt and overall: top-1 agreement and mean KL, in a table.

import { useEffect, useRef, useState } from 'react';
import { builtinPrompts, streamCompare, type CompareEvent } from '../api/compare';
import type { ModelInfo } from '../api/types';
import { formatNats } from '../lib/compare';

interface Row {
  prompt: number;
  text: string;
  steps: number;
  meanKl: number;
  agreement: number;
  firstDivergence: number;
}

interface ReportState {
  rows: Row[];
  overall?: { steps: number; meanKl: number; agreement: number };
  total: number;
  error?: string;
  running: boolean;
}

/** The report's state after one event. */
export function applyReportEvent(s: ReportState, e: CompareEvent, prompts: string[]): ReportState {
  if (e.kind === 'summary') {
    const row: Row = {
      prompt: e.prompt,
      text: prompts[e.prompt] ?? '',
      steps: e.steps,
      meanKl: e.mean_kl_ab,
      agreement: e.top1_agreement,
      firstDivergence: e.first_divergence,
    };
    return { ...s, rows: [...s.rows, row] };
  }
  if (e.kind === 'report') {
    const o = e.overall;
    return { ...s, overall: { steps: o.steps, meanKl: o.mean_kl_ab, agreement: o.top1_agreement } };
  }
  if (e.kind === 'error') return { ...s, error: `${e.message} (${e.code})` };
  return s;
}

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

export function CompareReport({ models, defaultModel }: { models: ModelInfo[]; defaultModel: string }) {
  const local = models.filter((m) => !m.remote);
  const [quant, setQuant] = useState(defaultModel);
  const [reference, setReference] = useState(() => models.find((m) => m.remote)?.id ?? defaultModel);
  const [builtin, setBuiltin] = useState(true);
  const [own, setOwn] = useState('');
  const [maxTokens, setMaxTokens] = useState(16);
  const [readOn, setReadOn] = useState<'a' | 'b'>('b');
  const [builtins, setBuiltins] = useState<string[]>([]);
  const [state, setState] = useState<ReportState | null>(null);
  const aborter = useRef<AbortController | null>(null);

  useEffect(() => {
    // Without them the checkbox still works: the server knows its own set.
    builtinPrompts().then(setBuiltins, () => undefined);
    return () => aborter.current?.abort();
  }, []);

  const run = async () => {
    const user = own
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const prompts = [...(builtin ? builtins : []), ...user];
    const ac = new AbortController();
    aborter.current = ac;
    setState({ rows: [], total: prompts.length, running: true });
    try {
      await streamCompare(
        '/api/compare/report',
        { a: quant, b: reference, prompts: user, builtin, max_tokens: maxTokens, top_k: 20, reference: readOn },
        (e) => setState((s) => (s ? applyReportEvent(s, e, prompts) : s)),
        ac.signal,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setState((s) => (s ? { ...s, error: message } : s));
    }
    setState((s) => (s ? { ...s, running: false } : s));
  };

  const pick = (label: string, value: string, set: (v: string) => void, list: ModelInfo[]) => (
    <label className="field inline">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(e.target.value)} aria-label={label}>
        {list.map((m) => (
          <option key={m.id} value={m.id}>
            {m.id}
            {m.remote ? ' (remote)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
  const running = !!state?.running;

  return (
    <section className="compare-report" aria-label="Quantization report">
      <h3>Quantization report</h3>
      <p className="muted small">
        A prompt set through a local quant and its reference (for example the full-precision model on a remote server).
        Both are read on one model's greedy continuation of each prompt; per step, the top-1 agreement and the KL
        divergence of the quant from the reference (over the top 20 tokens either lists plus the tail).
      </p>
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (running) aborter.current?.abort();
          else void run();
        }}
      >
        <div className="compare-picks">
          {pick('Quant (A)', quant, setQuant, local.length ? local : models)}
          {pick('Reference (B)', reference, setReference, models)}
          <label className="field inline">
            <span>Text from</span>
            <select value={readOn} onChange={(e) => setReadOn(e.target.value as 'a' | 'b')} aria-label="Text from">
              <option value="b">the reference (B)</option>
              <option value="a">the quant (A)</option>
            </select>
          </label>
          <label className="field inline">
            <span>Tokens per prompt</span>
            <input
              type="number"
              min={1}
              max={512}
              value={maxTokens}
              onChange={(e) => setMaxTokens(Math.max(1, Math.min(512, Number(e.target.value) || 1)))}
              aria-label="Tokens per prompt"
            />
          </label>
          <label className="check">
            <input type="checkbox" checked={builtin} onChange={(e) => setBuiltin(e.target.checked)} /> The{' '}
            {builtins.length || ''} built-in prompts
          </label>
        </div>
        <label htmlFor="report-prompts" className="sr-only">
          Your prompts, one per line
        </label>
        <textarea
          id="report-prompts"
          rows={2}
          placeholder="Your prompts, one per line"
          value={own}
          onChange={(e) => setOwn(e.target.value)}
        />
        <div className="row-actions">
          <span className="spacer" />
          <button type="submit" className={running ? 'stop' : 'primary'} disabled={!running && !builtin && !own.trim()}>
            {running ? 'Stop' : 'Run report'}
          </button>
        </div>
      </form>
      {state && <ReportTable state={state} />}
    </section>
  );
}

function ReportTable({ state }: { state: ReportState }) {
  return (
    <>
      {state.error && (
        <div className="banner warn" role="alert">
          {state.error}
        </div>
      )}
      {state.running && (
        <p className="muted small" data-testid="report-progress">
          {state.rows.length} of {state.total} prompts…
        </p>
      )}
      <div className="table-wrap">
        <table className="bench-table" data-testid="report-table">
          <caption className="muted small">KL in nats; first diff. is the first step whose most likely tokens differ.</caption>
          <thead>
            <tr>
              <th>Prompt</th>
              <th className="num">Steps</th>
              <th className="num" title="Steps whose most likely tokens agree">Agreement</th>
              <th className="num" title="Mean KL(A‖B) per step, in nats">Mean KL</th>
              <th className="num" title="The first step whose most likely tokens differ">First diff.</th>
            </tr>
          </thead>
          <tbody>
            {state.rows.map((r) => (
              <tr key={r.prompt}>
                <td>
                  <code className="tok-inline">{r.text.length > 24 ? `${r.text.slice(0, 24)}…` : r.text}</code>
                </td>
                <td className="num">{r.steps}</td>
                <td className="num">{pct(r.agreement)}</td>
                <td className="num">{formatNats(r.meanKl)}</td>
                <td className="num">{r.firstDivergence < 0 ? 'none' : r.firstDivergence}</td>
              </tr>
            ))}
          </tbody>
          {state.overall && (
            <tfoot>
              <tr data-testid="report-overall">
                <th>Overall ({state.rows.length})</th>
                <td className="num">{state.overall.steps}</td>
                <td className="num" data-testid="report-agreement">
                  {pct(state.overall.agreement)}
                </td>
                <td className="num" data-testid="report-kl">
                  {formatNats(state.overall.meanKl)}
                </td>
                <td />
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </>
  );
}
