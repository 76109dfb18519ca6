// One prompt through two models (or one model twice) side by side: two local models run by the
// debugger's `compare` (the server's exact KL over the full vocabulary at every step), a remote
// model by teacher forcing through POST /api/compare (both read A's greedy text; KL over the
// top-k both give plus the tail). Tokens aligned by step, the first difference marked; below,
// the quantization report over a prompt set.

import { useState } from 'react';
import type { ModelInfo } from '../api/types';
import { firstDivergence, formatNats, sharedKl, type CompareRun } from '../lib/compare';
import type { Settings } from '../lib/settings';
import { CompareColumn, CompareStepDetail, CompareStepTable } from './CompareParts';
import { CompareReport } from './CompareReport';
import { StepChart } from './StepChart';
import { useCompare } from './useCompare';

/** Alternatives asked per token (shown for the selected step). */
const TOP_K = 20;

interface Props {
  models: ModelInfo[];
  defaultModel: string;
  system: string;
  settings: Settings;
}

export function CompareView({ models, defaultModel, system, settings }: Props) {
  const usable = models.filter((m) => !m.error);
  const [pickA, setModelA] = useState(defaultModel);
  const [pickB, setModelB] = useState(() => usable.find((m) => m.id !== defaultModel)?.id ?? defaultModel);
  // A choice that is no longer served falls back to the default model.
  const modelA = usable.some((m) => m.id === pickA) ? pickA : defaultModel;
  const modelB = usable.some((m) => m.id === pickB) ? pickB : defaultModel;
  const [prompt, setPrompt] = useState('Once upon a time');
  const [greedy, setGreedy] = useState(true);
  const [selected, setSelected] = useState<number | null>(null);
  const { run, running, start, stop } = useCompare();
  const isRemote = (id: string) => !!usable.find((m) => m.id === id)?.remote;
  const remotes = Number(isRemote(modelA)) + Number(isRemote(modelB));

  const pick = (label: string, value: string, set: (v: string) => void) => (
    <label className="field inline">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(e.target.value)} aria-label={label}>
        {usable.map((m) => (
          <option key={m.id} value={m.id}>
            {m.id}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section className="compare" aria-label="Compare">
      <h2>Compare</h2>
      <p className="muted">
        One prompt through two models in lockstep on the debugger. With greedy decoding the first token where they part
        is where their top choices differ; at every step the server measures how far apart the two next-token
        distributions are (KL divergence over the whole vocabulary, in nats). Both models must share a vocabulary.
      </p>
      {remotes > 0 && (
        <p className="banner" role="note" data-testid="compare-forced-note">
          A remote model gives only its top {TOP_K} tokens per step (top_logprobs), so this comparison runs by teacher
          forcing: A writes its greedy continuation, and both models are read on that same text step by step. KL is
          measured over the tokens either side lists plus one cell for the rest of each distribution (an estimate, close
          when that tail is small).
        </p>
      )}
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (running) {
            stop();
          } else {
            setSelected(null);
            void start({
              modelA,
              modelB,
              prompt,
              system,
              settings,
              greedy,
              topK: TOP_K,
              remote: remotes === 2 ? 'both' : remotes === 1 ? 'one' : undefined,
            });
          }
        }}
      >
        <div className="compare-picks">
          {pick('Model A', modelA, setModelA)}
          {pick('Model B', modelB, setModelB)}
          <label className="check">
            <input type="checkbox" checked={greedy} onChange={(e) => setGreedy(e.target.checked)} /> Greedy
            (temperature 0, no repeat penalty)
          </label>
        </div>
        <label htmlFor="compare-prompt" className="sr-only">
          Prompt to compare
        </label>
        <textarea id="compare-prompt" rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <div className="row-actions">
          <span className="muted small">
            Max tokens {settings.max_tokens}
            {greedy ? '' : ', sampling as in the Settings panel'}; {TOP_K} alternatives per token.
          </span>
          <span className="spacer" />
          <button type="submit" className={running ? 'stop' : 'primary'} disabled={!running && !prompt.trim()}>
            {running ? 'Stop' : 'Compare'}
          </button>
        </div>
      </form>
      {run && <CompareResult run={run} running={running} selected={selected} onSelect={setSelected} />}
      <CompareReport models={usable} defaultModel={defaultModel} />
    </section>
  );
}

function CompareResult(props: {
  run: CompareRun;
  running: boolean;
  selected: number | null;
  onSelect: (i: number | null) => void;
}) {
  const { run, running, selected, onSelect } = props;
  const divergence = firstDivergence(run);
  const toggle = (i: number) => onSelect(selected === i ? null : i);
  return (
    <>
      {run.error && (
        <div className="banner warn" role="alert">
          {run.error}
        </div>
      )}
      <CompareSummaryLine run={run} running={running} divergence={divergence} />
      <StepChart
        label={
          run.method === 'teacher_forcing'
            ? "KL(A‖B) per step, both reading A's text (top-k and tail)"
            : 'KL(A‖B) per step, while the prefixes are the same'
        }
        unit="nats"
        values={sharedKl(run)}
        selected={selected}
        onSelect={toggle}
        mark={divergence}
      />
      <div className="compare-cols">
        {run.sides.map((side, i) => (
          <CompareColumn
            key={i}
            side={side}
            which={i === 0 ? 'a' : 'b'}
            divergence={divergence}
            selected={selected}
            onSelect={toggle}
          />
        ))}
      </div>
      {selected !== null && <CompareStepDetail run={run} index={selected} />}
      {run.steps.length > 0 && <CompareStepTable run={run} selected={selected} onSelect={toggle} />}
    </>
  );
}

function CompareSummaryLine({ run, running, divergence }: { run: CompareRun; running: boolean; divergence: number }) {
  const shortest = Math.min(run.sides[0].tokens.length, run.sides[1].tokens.length);
  const s = run.summary;
  const forced = run.method === 'teacher_forcing';
  return (
    <p className="count" data-testid="compare-summary">
      {divergence >= 0
        ? forced
          ? `The most likely tokens first differ at step ${divergence}.`
          : `The outputs part at token ${divergence}.`
        : running
          ? 'Identical so far.'
          : forced
            ? `The same most likely token at all ${shortest} steps.`
            : `Identical for ${shortest} tokens.`}
      {s && s.steps > 0 && (
        <>
          {' '}
          Over the {s.steps} steps compared: mean KL(A‖B){' '}
          <span data-testid="compare-mean-kl">{formatNats(s.meanKlAB)}</span> nats, top-1 agreement{' '}
          <span data-testid="compare-top1">{(s.top1Agreement * 100).toFixed(0)}%</span>.
        </>
      )}
    </p>
  );
}
