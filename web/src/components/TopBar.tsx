// The bar across the top: history toggle (narrow windows), the views, the model picker,
// theme and Settings.

import type { ModelInfo } from '../api/types';
import { formatBytes, formatParams } from '../lib/metrics';
import type { Theme } from '../lib/storage';

export type View = 'chat' | 'debugger' | 'compare' | 'tokenizer' | 'benchmarks' | 'speech';
const VIEW_NAMES: Record<View, string> = {
  chat: 'Chat',
  debugger: 'Debugger',
  compare: 'Compare',
  tokenizer: 'Tokenizer',
  benchmarks: 'Benchmarks',
  speech: 'Speech',
};

/** A model's line in the picker; remote models say so, and when their endpoint is down. */
export function modelLabel(m: ModelInfo): string {
  const details = (
    m.remote
      ? ['remote', m.endpoint && !m.endpoint.health.ok ? 'unreachable' : '']
      : [m.architecture, formatParams(m.parameters), m.quant, formatBytes(m.size_bytes)]
  ).filter(Boolean);
  return `${m.id}${details.length ? ' — ' + details.join(' · ') : ''}${m.error ? ' (unusable)' : ''}`;
}

interface Props {
  view: View;
  onView: (v: View) => void;
  models: ModelInfo[];
  model: string;
  onModel: (id: string) => void;
  theme: Theme;
  onTheme: (t: Theme) => void;
  showSettings: boolean;
  onShowSettings: (show: boolean) => void;
  historyOpen: boolean;
  onHistoryOpen: (open: boolean) => void;
  /** In `inferno app`'s window: opens its file dialog for a model file. */
  onOpenModelFile?: () => void;
}

export function TopBar(p: Props) {
  return (
    <header className="topbar">
      <button
        type="button"
        className="icon only-narrow"
        aria-label="History"
        aria-expanded={p.historyOpen}
        onClick={() => p.onHistoryOpen(!p.historyOpen)}
      >
        ☰
      </button>
      <div className="brand">
        <span className="logo" aria-hidden="true" />
        <span className="brand-name">Inferno</span>
      </div>
      <div className="tabs" role="tablist" aria-label="Views">
        {(Object.keys(VIEW_NAMES) as View[]).map((v) => (
          <button key={v} role="tab" type="button" aria-selected={p.view === v} onClick={() => p.onView(v)}>
            {VIEW_NAMES[v]}
          </button>
        ))}
      </div>
      <span className="spacer" />
      <label className="model-pick">
        <span className="sr-only">Model</span>
        <select
          aria-label="Model"
          value={p.model}
          onChange={(e) => p.onModel(e.target.value)}
          disabled={p.models.length === 0}
        >
          {p.models.length === 0 && <option value="">No models</option>}
          {p.models.map((m) => (
            <option key={m.id} value={m.id}>
              {modelLabel(m)}
            </option>
          ))}
        </select>
      </label>
      {p.onOpenModelFile && (
        <button type="button" className="open-model" title="Open a model file (.gguf)" onClick={p.onOpenModelFile}>
          Open…
        </button>
      )}
      <button
        type="button"
        className="icon"
        aria-label={p.theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        title="Toggle theme"
        onClick={() => p.onTheme(p.theme === 'dark' ? 'light' : 'dark')}
      >
        {p.theme === 'dark' ? '☀' : '☾'}
      </button>
      <button
        type="button"
        className="icon"
        aria-label="Settings"
        aria-expanded={p.showSettings}
        title="Settings"
        onClick={() => p.onShowSettings(!p.showSettings)}
      >
        ⚙
      </button>
    </header>
  );
}
