// One prompt through two models (or one model twice) side by side: tokens aligned by
// position, the first difference marked, and the KL divergence of the two next-token
// distributions per step while they share a prefix.

import { useMemo, useRef, useState } from 'react';
import { streamChat } from '../api/client';
import { ApiError } from '../api/errors';
import type { ModelInfo, TokenLogprob } from '../api/types';
import { compareSteps, firstDivergence } from '../lib/compare';
import { formatProb, probBucket, probOf, visibleToken } from '../lib/probability';
import { buildChatRequest, type Settings } from '../lib/settings';
import { StepChart } from './StepChart';
import { TopKChart } from './TokenView';

interface Side {
  tokens: TokenLogprob[];
  error?: string;
  done: boolean;
}

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
  const [sides, setSides] = useState<[Side, Side] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const running = !!sides && !(sides[0].done && sides[1].done);

  const run = async () => {
    const ctrl = new AbortController();
    abortRef.current = ctrl;
    setSelected(null);
    const state: [Side, Side] = [
      { tokens: [], done: false },
      { tokens: [], done: false },
    ];
    setSides([{ ...state[0] }, { ...state[1] }]);
    const s: Settings = { ...settings, top_logprobs: 20, ...(greedy ? { temperature: 0, repeat_penalty: 1 } : {}) };
    const one = async (i: 0 | 1, model: string) => {
      const body = buildChatRequest(model, system, [{ role: 'user', content: prompt }], s);
      try {
        await streamChat(body, ctrl.signal, (d) => {
          state[i].tokens = [...state[i].tokens, ...d.logprobs];
          setSides([{ ...state[0] }, { ...state[1] }]);
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 'aborted')) {
          state[i].error = err instanceof Error ? err.message : String(err);
        }
      }
      state[i].done = true;
      setSides([{ ...state[0] }, { ...state[1] }]);
    };
    await Promise.all([one(0, modelA), one(1, modelB)]);
  };

  const steps = useMemo(() => (sides ? compareSteps(sides[0].tokens, sides[1].tokens) : []), [sides]);
  const divergence = sides ? firstDivergence(sides[0].tokens, sides[1].tokens) : -1;
  const kls = steps.map((s) => s.kl).filter((v): v is number => v !== undefined);
  const meanKl = kls.length ? kls.reduce((a, b) => a + b, 0) / kls.length : undefined;
  const sel = selected === null ? undefined : steps[selected];

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

  const column = (side: Side | undefined, name: string, which: 'a' | 'b') => (
    <div className="compare-col" data-testid={`compare-${which}`}>
      <h3>{name}</h3>
      {side?.error && (
        <div className="error" role="alert">
          {side.error}
        </div>
      )}
      <div className="token-strip" role="list" aria-label={`Tokens from ${name}`}>
        {side?.tokens.map((t, i) => {
          const diverged = divergence >= 0 && i >= divergence;
          return (
            <button
              type="button"
              role="listitem"
              key={i}
              className={`tok p${probBucket(probOf(t.logprob))}${i === divergence ? ' diverge' : ''}${diverged && i !== divergence ? ' after' : ''}${selected === i ? ' selected' : ''}`}
              title={`#${i} · ${formatProb(probOf(t.logprob))}`}
              onClick={() => setSelected(selected === i ? null : i)}
            >
              {visibleToken(t.token, t.bytes ?? undefined)}
            </button>
          );
        })}
      </div>
    </div>
  );

  return (
    <section className="compare" aria-label="Compare">
      <h2>Compare</h2>
      <p className="muted">
        One prompt through two models, step by step. With greedy decoding the first token where they part is where
        their top choices differ.
      </p>
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (running) abortRef.current?.abort();
          else void run();
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
            {greedy ? '' : ', sampling as in the Settings panel'}; 20 alternatives per token.
          </span>
          <span className="spacer" />
          <button type="submit" className={running ? 'stop' : 'primary'} disabled={!running && !prompt.trim()}>
            {running ? 'Stop' : 'Compare'}
          </button>
        </div>
      </form>
      {sides && (
        <>
          <p className="count" data-testid="compare-summary">
            {divergence >= 0
              ? `The outputs part at token ${divergence}.`
              : running
                ? 'Identical so far.'
                : `Identical for ${Math.min(sides[0].tokens.length, sides[1].tokens.length)} tokens.`}
            {meanKl !== undefined && ` Mean KL over the shared steps: ${meanKl.toFixed(3)} bits.`}
          </p>
          <StepChart
            label="KL(A‖B) per step, while the prefixes are the same"
            unit="bits"
            values={steps.map((s) => s.kl)}
            selected={selected}
            onSelect={setSelected}
            mark={divergence}
          />
          <div className="compare-cols">
            {column(sides[0], modelA, 'a')}
            {column(sides[1], modelB, 'b')}
          </div>
          {sel && selected !== null && (
            <div className="compare-cols">
              <div className="compare-col">{sel.a && <TopKChart step={sel.a} position={selected} />}</div>
              <div className="compare-col">{sel.b && <TopKChart step={sel.b} position={selected} />}</div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
