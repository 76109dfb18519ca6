// What to measure: the category (text prompts, images for vision models, audio for speech
// models), the models (from the server's list), sizes, repetitions and generated tokens, with
// Run / Cancel.

import { useState } from 'react';
import type { BenchCategory, BenchRequest } from '../api/bench';
import type { ModelInfo } from '../api/types';
import { CATEGORIES, modelsForCategory, parseConcurrency, parsePromptSizes } from '../lib/bench';
import { formatBytes } from '../lib/metrics';

interface Props {
  usable: ModelInfo[];
  defaultModel: string;
  running: boolean;
  onRun: (req: BenchRequest) => void;
  onCancel: () => void;
}

const clamp = (v: string, max: number) => Math.min(max, Math.max(1, Number(v) || 1));

/** Speech model ids typed by hand ("whisper-base, ggml-tiny"): files in the server's models dir. */
const typedIds = (text: string) => [...new Set(text.split(/[\s,]+/).filter(Boolean))];

export function BenchForm({ usable, defaultModel, running, onRun, onCancel }: Props) {
  const [category, setCategory] = useState<BenchCategory>('text');
  const [picked, setPicked] = useState<string[]>(() => (defaultModel ? [defaultModel] : []));
  const [sizesText, setSizesText] = useState(CATEGORIES.text.defaults);
  const [speechText, setSpeechText] = useState('');
  const [repetitions, setRepetitions] = useState(3);
  const [genTokens, setGenTokens] = useState(64);
  const [levelsText, setLevelsText] = useState('1, 4, 16, 64');
  const [requests, setRequests] = useState('');
  const cat = CATEGORIES[category];
  const load = category === 'load';
  const sizes = parsePromptSizes(sizesText, category);
  const levels = parseConcurrency(levelsText);
  const formError = sizes.error || (load ? levels.error : '');
  const offered = modelsForCategory(usable, category);
  const ticked = picked.filter((id) => offered.some((m) => m.id === id));
  const chosen = category === 'audio' ? [...new Set([...ticked, ...typedIds(speechText)])] : ticked;
  const sizeField = load ? 'Prompt length (words)' : `${cat.size[0]?.toUpperCase()}${cat.size.slice(1)}s (${cat.unit})`;

  return (
    <form
      className="bench-form"
      onSubmit={(e) => {
        e.preventDefault();
        const req: BenchRequest = { category, models: chosen, prompt_sizes: sizes.sizes, repetitions, gen_tokens: genTokens };
        if (load) {
          req.repetitions = 1;
          req.concurrency = levels.levels;
          if (requests) req.requests = clamp(requests, 4096);
        }
        onRun(req);
      }}
    >
      <div className="bench-category" role="radiogroup" aria-label="Category">
        {(Object.keys(CATEGORIES) as BenchCategory[]).map((c) => (
          <label key={c} className="check">
            <input
              type="radio"
              name="bench-category"
              value={c}
              checked={category === c}
              disabled={running}
              onChange={() => {
                setCategory(c);
                setSizesText(CATEGORIES[c].defaults);
              }}
            />
            <span>{CATEGORIES[c].label}</span>
          </label>
        ))}
      </div>
      <fieldset className="bench-models">
        <legend>Models</legend>
        {offered.length === 0 && category !== 'audio' && (
          <p className="muted">
            {category === 'image'
              ? 'No vision model: put an mmproj file beside a model in the models dir.'
              : load
                ? 'No remote model: add a remote endpoint in Settings (or serve --remote NAME=URL).'
                : 'The server has no usable model.'}
          </p>
        )}
        {category === 'audio' && (
          <label className="field inline">
            <span>Speech models (whisper.cpp files in the models dir)</span>
            <input
              value={speechText}
              placeholder="ggml-base.en"
              onChange={(e) => setSpeechText(e.target.value)}
              disabled={running}
            />
          </label>
        )}
        {offered.map((m) => (
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
          <span>{sizeField}</span>
          <input
            value={sizesText}
            onChange={(e) => setSizesText(e.target.value)}
            disabled={running}
            aria-invalid={!!sizes.error}
          />
        </label>
        {load && (
          <>
            <label className="field inline">
              <span>Concurrency (clients)</span>
              <input
                value={levelsText}
                onChange={(e) => setLevelsText(e.target.value)}
                disabled={running}
                aria-invalid={!!levels.error}
              />
            </label>
            <label className="field inline">
              <span>Requests per level</span>
              <input
                type="number"
                min={1}
                max={4096}
                placeholder="auto"
                value={requests}
                disabled={running}
                onChange={(e) => setRequests(e.target.value)}
              />
            </label>
          </>
        )}
        <label className="field inline" hidden={load}>
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
        <label className="field inline" hidden={category === 'audio'}>
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
          <button type="submit" className="primary" disabled={chosen.length === 0 || !!formError}>
            Run benchmark
          </button>
        )}
      </div>
      {formError && <p className="field-error">{formError}</p>}
    </form>
  );
}
