// What to measure: the models (from the server's list), prompt sizes, repetitions and
// generated tokens, with Run / Cancel.

import { useState } from 'react';
import type { BenchRequest } from '../api/bench';
import type { ModelInfo } from '../api/types';
import { parsePromptSizes } from '../lib/bench';
import { formatBytes } from '../lib/metrics';

interface Props {
  usable: ModelInfo[];
  defaultModel: string;
  running: boolean;
  onRun: (req: BenchRequest) => void;
  onCancel: () => void;
}

const clamp = (v: string, max: number) => Math.min(max, Math.max(1, Number(v) || 1));

export function BenchForm({ usable, defaultModel, running, onRun, onCancel }: Props) {
  const [picked, setPicked] = useState<string[]>(() => (defaultModel ? [defaultModel] : []));
  const [sizesText, setSizesText] = useState('50, 100, 200');
  const [repetitions, setRepetitions] = useState(3);
  const [genTokens, setGenTokens] = useState(64);
  const sizes = parsePromptSizes(sizesText);
  const chosen = picked.filter((id) => usable.some((m) => m.id === id));

  return (
    <form
      className="bench-form"
      onSubmit={(e) => {
        e.preventDefault();
        onRun({ models: chosen, prompt_sizes: sizes.sizes, repetitions, gen_tokens: genTokens });
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
              onChange={(e) => setPicked((cur) => (e.target.checked ? [...cur, m.id] : cur.filter((x) => x !== m.id)))}
            />
            <span>{m.id}</span>
            <span className="muted small">{[m.quant, formatBytes(m.size_bytes)].filter(Boolean).join(' · ')}</span>
          </label>
        ))}
      </fieldset>
      <div className="bench-params">
        <label className="field inline">
          <span>Prompt sizes (tokens)</span>
          <input
            value={sizesText}
            onChange={(e) => setSizesText(e.target.value)}
            disabled={running}
            aria-invalid={!!sizes.error}
          />
        </label>
        <label className="field inline">
          <span>Repetitions</span>
          <input
            type="number"
            min={1}
            max={10}
            value={repetitions}
            disabled={running}
            onChange={(e) => setRepetitions(clamp(e.target.value, 10))}
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
            onChange={(e) => setGenTokens(clamp(e.target.value, 512))}
          />
        </label>
        <span className="spacer" />
        {running ? (
          <button type="button" className="stop" onClick={onCancel}>
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
  );
}
