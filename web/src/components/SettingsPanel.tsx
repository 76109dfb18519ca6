import { useState } from 'react';
import { apiKey, setApiKey } from '../api/auth';
import type { ModelInfo } from '../api/types';
import type { ModelLoadOptions } from '../lib/loadOptions';
import { DEFAULT_SETTINGS, LIMITS, type Settings } from '../lib/settings';
import { LoadOptionsForm } from './LoadOptionsForm';
import { Profiles } from './Profiles';
import { SpeculationField } from './SpeculationField';
import { RemoteSettings } from './RemoteSettings';
import { ToolsSettings } from './ToolsSettings';
import type { Tools } from './useTools';

interface Props {
  settings: Settings;
  onChange: (s: Settings) => void;
  system: string;
  onSystem: (s: string) => void;
  model?: ModelInfo;
  onModel: (id: string) => void;
  onClose: () => void;
  /** After the selected model was given a new context size or thread count. */
  onOptionsApplied?: (o: ModelLoadOptions) => void;
  /** Settings → Tools; absent hides the section. */
  tools?: Tools;
  /** Settings → Remote endpoints changed them (the model list may have too); absent hides it. */
  onRemotesChanged?: () => void;
}

const FIELDS: { key: keyof typeof LIMITS; label: string; help: string }[] = [
  { key: 'temperature', label: 'Temperature', help: '0 = always the most likely token' },
  { key: 'top_k', label: 'Top-k', help: 'Keep the k most likely tokens (0 = all)' },
  { key: 'top_p', label: 'Top-p', help: 'Keep the smallest set with this much probability' },
  { key: 'min_p', label: 'Min-p', help: 'Drop tokens below this fraction of the best one' },
  { key: 'repeat_penalty', label: 'Repeat penalty', help: '1 = off; higher avoids repeats' },
  { key: 'max_tokens', label: 'Max tokens', help: 'Longest reply' },
  { key: 'top_logprobs', label: 'Alternatives per token', help: 'Shown in the token view (0–20)' },
];

export function SettingsPanel({
  settings,
  onChange,
  system,
  onSystem,
  model,
  onModel,
  onClose,
  onOptionsApplied,
  tools,
  onRemotesChanged,
}: Props) {
  const set = (key: keyof Settings, value: number | string) => onChange({ ...settings, [key]: value });
  const [key, setKey] = useState(apiKey);
  return (
    <aside className="settings" aria-label="Settings">
      <div className="panel-head">
        <h2>Settings</h2>
        <button type="button" className="icon" aria-label="Close settings" onClick={onClose}>
          ×
        </button>
      </div>
      <h3>Profile</h3>
      <Profiles
        model={model?.id ?? ''}
        system={system}
        settings={settings}
        onApply={(p) => {
          if (p.model) onModel(p.model);
          onSystem(p.system);
          onChange(p.settings);
        }}
      />
      <label className="field">
        <span>System prompt</span>
        <textarea
          value={system}
          rows={4}
          placeholder="You are a helpful assistant."
          onChange={(e) => onSystem(e.target.value)}
        />
      </label>
      <h3>Sampling</h3>
      {FIELDS.map(({ key, label, help }) => {
        const [min, max, step] = LIMITS[key];
        const value = settings[key];
        return (
          <div className="field" key={key}>
            <label htmlFor={`set-${key}`}>{label}</label>
            <div className="field-row">
              {max <= 20 && (
                <input
                  type="range"
                  aria-label={`${label} slider`}
                  min={min}
                  max={key === 'repeat_penalty' ? 2 : max}
                  step={step}
                  value={value}
                  onChange={(e) => set(key, Number(e.target.value))}
                />
              )}
              <input
                id={`set-${key}`}
                type="number"
                min={min}
                max={max}
                step={step}
                value={value}
                onChange={(e) => {
                  const v = Number(e.target.value);
                  if (e.target.value !== '' && Number.isFinite(v)) set(key, Math.min(max, Math.max(min, v)));
                }}
              />
            </div>
            <small>{help}</small>
          </div>
        );
      })}
      <div className="field">
        <label htmlFor="set-seed">Seed</label>
        <input
          id="set-seed"
          type="text"
          inputMode="numeric"
          placeholder="random"
          value={settings.seed}
          onChange={(e) => {
            if (/^-?\d*$/.test(e.target.value)) set('seed', e.target.value);
          }}
        />
        <small>Same seed + same settings = same reply</small>
      </div>
      <SpeculationField value={settings.speculation} onChange={(m) => set('speculation', m)} />
      <button type="button" className="ghost" onClick={() => onChange({ ...DEFAULT_SETTINGS })}>
        Reset to defaults
      </button>
      {tools && <ToolsSettings tools={tools} />}
      {onRemotesChanged && <RemoteSettings onChanged={onRemotesChanged} />}
      <h3>Model</h3>
      <p className="muted load-model">{model ? model.id : 'No model selected'}</p>
      {model?.remote ? (
        <p className="muted small">
          Served by the remote endpoint &apos;{model.endpoint?.name}&apos;: its context size and threads are set there.
        </p>
      ) : (
        <LoadOptionsForm model={model?.id ?? ''} onApplied={onOptionsApplied} />
      )}
      <h3>Server</h3>
      <dl className="info">
        <dt>
          <label htmlFor="api-key">API key</label>
        </dt>
        <dd>
          <input
            id="api-key"
            type="password"
            autoComplete="off"
            placeholder="only for servers started with --api-key"
            value={key}
            onChange={(e) => {
              setKey(e.target.value);
              setApiKey(e.target.value);
            }}
          />
        </dd>
      </dl>
    </aside>
  );
}
