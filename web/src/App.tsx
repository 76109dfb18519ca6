import { useCallback, useEffect, useRef, useState } from 'react';
import { listModels } from './api/client';
import { ApiError } from './api/errors';
import * as store from './api/store';
import type { ModelInfo } from './api/types';
import { BenchmarksView } from './components/BenchmarksView';
import { CompareView } from './components/CompareView';
import { DebuggerView } from './components/DebuggerView';
import { Composer } from './components/Composer';
import { HistoryPanel } from './components/HistoryPanel';
import { MessageView } from './components/MessageView';
import { SettingsPanel } from './components/SettingsPanel';
import { TokenizerView } from './components/TokenizerView';
import { newKey, useChat, type UiMessage } from './components/useChat';
import { formatBytes, formatParams } from './lib/metrics';
import { sanitizeSettings, type Settings } from './lib/settings';
import { initialTheme, load, save, type Theme } from './lib/storage';

type View = 'chat' | 'debugger' | 'compare' | 'tokenizer' | 'benchmarks';
const VIEW_NAMES: Record<View, string> = {
  chat: 'Chat',
  debugger: 'Debugger',
  compare: 'Compare',
  tokenizer: 'Tokenizer',
  benchmarks: 'Benchmarks',
};

function modelLabel(m: ModelInfo): string {
  const details = [m.architecture, formatParams(m.parameters), m.quant, formatBytes(m.size_bytes)].filter(Boolean);
  return `${m.id}${details.length ? ' — ' + details.join(' · ') : ''}${m.error ? ' (unusable)' : ''}`;
}

export function App() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [view, setView] = useState<View>('chat');
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [model, setModel] = useState<string>(() => load('inferno.model', ''));
  const [serverError, setServerError] = useState('');
  const [modelsLoaded, setModelsLoaded] = useState(false);
  const [settings, setSettingsState] = useState<Settings>(() => sanitizeSettings(load('inferno.settings', null)));
  const [system, setSystemState] = useState<string>(() => load('inferno.system', ''));
  // Open beside the chat on wide screens; below 1180px it would cover the chat, so closed.
  const [showSettings, setShowSettings] = useState(() =>
    load('inferno.showSettings', typeof window === 'undefined' || window.innerWidth > 1180),
  );
  const [storeAvailable, setStoreAvailable] = useState(true);
  // Narrow windows hide the history; this shows it over the chat.
  const [historyOpen, setHistoryOpen] = useState(false);
  const [storeError, setStoreError] = useState('');
  const [historyVersion, setHistoryVersion] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    save('inferno.theme', theme);
  }, [theme]);

  const setSettings = (s: Settings) => {
    setSettingsState(s);
    save('inferno.settings', s);
  };
  const setSystem = (s: string) => {
    setSystemState(s);
    save('inferno.system', s);
  };

  const refreshModels = useCallback(async () => {
    try {
      const list = await listModels();
      setModels(list);
      setModelsLoaded(true);
      setServerError('');
      setModel((cur) => {
        if (list.some((m) => m.id === cur)) return cur;
        return (list.find((m) => !m.error) ?? list[0])?.id ?? '';
      });
    } catch (err) {
      setServerError(err instanceof ApiError ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    void refreshModels();
  }, [refreshModels]);
  useEffect(() => save('inferno.model', model), [model]);

  const onStoreMissing = useCallback(() => setStoreAvailable(false), []);
  const chat = useChat({
    model,
    system,
    settings,
    storeEnabled: storeAvailable,
    onStoreMissing,
    onStoreError: setStoreError,
    onStored: () => setHistoryVersion((v) => v + 1),
  });

  // Keep the newest text in view while streaming, unless the reader scrolled up.
  const last = chat.messages[chat.messages.length - 1];
  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 160) el.scrollTop = el.scrollHeight;
  }, [last?.content, chat.messages.length]);

  const openConversation = async (id: string) => {
    try {
      const c = await store.getConversation(id);
      const loaded: UiMessage[] = c.messages
        .filter((m) => m.role !== 'system')
        .map((m) => ({
          key: newKey(),
          role: m.role as 'user' | 'assistant',
          content: m.content,
          storeId: m.id,
          model: m.model,
          metrics: m.metrics ?? undefined,
        }));
      chat.reset(c.id, loaded);
      if (c.system !== undefined) setSystem(c.system);
      if (c.settings) setSettings(sanitizeSettings({ ...settings, ...c.settings }));
      if (c.model && models.some((m) => m.id === c.model)) setModel(c.model);
      setView('chat');
      setStoreError('');
    } catch (err) {
      setStoreError(err instanceof Error ? err.message : String(err));
    }
  };

  const current = models.find((m) => m.id === model);
  let lastAssistant = -1;
  chat.messages.forEach((m, i) => {
    if (m.role === 'assistant') lastAssistant = i;
  });

  return (
    <div className={`app${showSettings ? ' with-settings' : ''}${historyOpen ? ' history-open' : ''}`}>
      <header className="topbar">
        <button
          type="button"
          className="icon only-narrow"
          aria-label="History"
          aria-expanded={historyOpen}
          onClick={() => setHistoryOpen(!historyOpen)}
        >
          ☰
        </button>
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span className="brand-name">Inferno</span>
        </div>
        <div className="tabs" role="tablist" aria-label="Views">
          {(Object.keys(VIEW_NAMES) as View[]).map((v) => (
            <button key={v} role="tab" type="button" aria-selected={view === v} onClick={() => setView(v)}>
              {VIEW_NAMES[v]}
            </button>
          ))}
        </div>
        <span className="spacer" />
        <label className="model-pick">
          <span className="sr-only">Model</span>
          <select
            aria-label="Model"
            value={model}
            onChange={(e) => setModel(e.target.value)}
            disabled={models.length === 0}
          >
            {models.length === 0 && <option value="">No models</option>}
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {modelLabel(m)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="icon"
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          title="Toggle theme"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        <button
          type="button"
          className="icon"
          aria-label="Settings"
          aria-expanded={showSettings}
          title="Settings"
          onClick={() => {
            save('inferno.showSettings', !showSettings);
            setShowSettings(!showSettings);
          }}
        >
          ⚙
        </button>
      </header>

      <HistoryPanel
        activeId={chat.conversationId}
        version={historyVersion}
        available={storeAvailable}
        onMissing={onStoreMissing}
        onOpen={(id) => {
          setHistoryOpen(false);
          void openConversation(id);
        }}
        onNew={() => {
          setHistoryOpen(false);
          chat.reset(null, []);
          setView('chat');
        }}
        onDeleted={(id) => {
          if (id === chat.conversationId) chat.reset(null, []);
        }}
      />

      <main className="main">
        {serverError && (
          <div className="banner error" role="alert">
            <span>{serverError}</span>
            <button type="button" className="ghost" onClick={() => void refreshModels()}>
              Retry
            </button>
          </div>
        )}
        {modelsLoaded && !serverError && models.length === 0 && (
          <div className="banner warn" role="alert">
            The server has no model to use. Start it with <code>inferno serve -m MODEL.gguf</code> or put a .gguf
            file in its models dir.
          </div>
        )}
        {current?.error && (
          <div className="banner warn" role="alert">
            Model “{current.id}” cannot be used: {current.error}
          </div>
        )}
        {storeError && (
          <div className="banner warn" role="status">
            <span>History: {storeError}</span>
            <button type="button" className="ghost" onClick={() => setStoreError('')}>
              Dismiss
            </button>
          </div>
        )}
        {view === 'chat' ? (
          <>
            <div className="messages" ref={listRef} aria-live="polite">
              {chat.messages.length === 0 ? (
                <div className="empty">
                  <h1>What should the model say?</h1>
                  <p className="muted">
                    Replies stream in with their speed and time to first token. Switch a reply to{' '}
                    <strong>Tokens</strong> to see how sure the model was of each token and what else it
                    considered.
                  </p>
                </div>
              ) : (
                chat.messages.map((m, i) => (
                  <MessageView
                    key={m.key}
                    message={m}
                    index={i}
                    busy={chat.busy}
                    isLastAssistant={i === lastAssistant}
                    onRegenerate={() => void chat.regenerate()}
                    onEdit={(idx, text) => void chat.editAndResend(idx, text)}
                  />
                ))
              )}
            </div>
            <Composer model={model} busy={chat.busy} disabled={false} onSend={chat.send} onStop={chat.stop} />
          </>
        ) : view === 'tokenizer' ? (
          <TokenizerView model={model} />
        ) : view === 'debugger' ? (
          <DebuggerView model={model} system={system} settings={settings} />
        ) : view === 'benchmarks' ? (
          <BenchmarksView models={models} defaultModel={model} />
        ) : (
          <CompareView models={models} defaultModel={model} system={system} settings={settings} />
        )}
      </main>

      {showSettings && (
        <SettingsPanel
          settings={settings}
          onChange={setSettings}
          system={system}
          onSystem={setSystem}
          model={current}
          onModel={setModel}
          onOptionsApplied={() => void refreshModels()}
          onClose={() => {
            save('inferno.showSettings', false);
            setShowSettings(false);
          }}
        />
      )}
    </div>
  );
}
