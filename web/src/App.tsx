import { useCallback, useState } from 'react';
import { askForModelFile, inAppWindow } from './api/appWindow';
import * as store from './api/store';
import { Banners } from './components/Banners';
import { BenchmarksView } from './components/BenchmarksView';
import { ChatView } from './components/ChatView';
import { CompareView } from './components/CompareView';
import { DebuggerView } from './components/DebuggerView';
import { HistoryPanel } from './components/HistoryPanel';
import { SettingsPanel } from './components/SettingsPanel';
import { SpeechView } from './components/SpeechView';
import { TokenizerView } from './components/TokenizerView';
import { TopBar, type View } from './components/TopBar';
import { newKey, useChat, type UiMessage } from './components/useChat';
import { useModels } from './components/useModels';
import { usePreferences } from './components/usePreferences';
import { useTools } from './components/useTools';
import { sanitizeSettings } from './lib/settings';
import { foldToolMessages } from './lib/tools';

/**
 * A stored conversation's turns as the chat shows them (the system prompt is set apart; tool
 * results go back into the cards of the calls they answer).
 */
function uiMessages(c: store.Conversation): UiMessage[] {
  type Stored = { role: string; content: string; metrics?: Record<string, unknown> | null };
  const folded = foldToolMessages(c.messages as Stored[]);
  return c.messages.flatMap((m, i) =>
    m.role === 'system' || folded[i]!.hidden
      ? []
      : [
          {
            key: newKey(),
            role: m.role as 'user' | 'assistant',
            content: m.content,
            images: m.images?.length ? m.images : undefined,
            storeId: m.id,
            model: m.model,
            metrics: m.metrics ?? undefined,
            reasoning: m.reasoning || undefined,
            toolCalls: folded[i]!.calls,
          },
        ],
  );
}

export function App() {
  const prefs = usePreferences();
  const { models, speechModels, model, setModel, current, serverError, loaded, refresh } = useModels();
  const [view, setView] = useState<View>('chat');
  const [storeAvailable, setStoreAvailable] = useState(true);
  // Narrow windows hide the history; this shows it over the chat.
  const [historyOpen, setHistoryOpen] = useState(false);
  const [storeError, setStoreError] = useState('');
  const [historyVersion, setHistoryVersion] = useState(0);
  const { settings, system } = prefs;
  const tools = useTools(model);

  const onStoreMissing = useCallback(() => setStoreAvailable(false), []);
  const chat = useChat({
    model,
    system,
    settings,
    storeEnabled: storeAvailable,
    onStoreMissing,
    onStoreError: setStoreError,
    onStored: () => setHistoryVersion((v) => v + 1),
    tools,
  });

  const openConversation = async (id: string) => {
    try {
      const c = await store.getConversation(id);
      chat.reset(c.id, uiMessages(c));
      if (c.system !== undefined) prefs.setSystem(c.system);
      if (c.settings) prefs.setSettings(sanitizeSettings({ ...settings, ...c.settings }));
      if (c.model && models.some((m) => m.id === c.model)) setModel(c.model);
      setView('chat');
      setStoreError('');
    } catch (err) {
      setStoreError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className={`app${prefs.showSettings ? ' with-settings' : ''}${historyOpen ? ' history-open' : ''}`}>
      <TopBar
        view={view}
        onView={setView}
        models={models}
        model={model}
        onModel={setModel}
        theme={prefs.theme}
        onTheme={prefs.setTheme}
        showSettings={prefs.showSettings}
        onShowSettings={prefs.setShowSettings}
        historyOpen={historyOpen}
        onHistoryOpen={setHistoryOpen}
        onOpenModelFile={inAppWindow() ? askForModelFile : undefined}
      />

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
        <Banners
          serverError={serverError}
          onRetry={() => void refresh()}
          noModels={loaded && !serverError && models.length === 0}
          current={current}
          storeError={storeError}
          onDismissStore={() => setStoreError('')}
        />
        {view === 'chat' ? (
          <ChatView chat={chat} model={model} capabilities={current?.capabilities} />
        ) : view === 'tokenizer' ? (
          <TokenizerView model={model} />
        ) : view === 'debugger' ? (
          <DebuggerView
            capabilities={current?.capabilities}
            model={model}
            remoteEndpoint={current?.remote ? (current.endpoint?.name ?? model.split('/')[0]) : undefined}
            system={system}
            settings={settings}
          />
        ) : view === 'speech' ? (
          <SpeechView
            models={speechModels}
            chatModel={model}
            onVoiceChat={(text) => {
              setView('chat');
              chat.send(text);
            }}
          />
        ) : view === 'benchmarks' ? (
          <BenchmarksView models={models} defaultModel={model} />
        ) : (
          <CompareView models={models} defaultModel={model} system={system} settings={settings} />
        )}
      </main>

      {prefs.showSettings && (
        <SettingsPanel
          settings={settings}
          onChange={prefs.setSettings}
          system={system}
          onSystem={prefs.setSystem}
          model={current}
          onModel={setModel}
          onOptionsApplied={() => void refresh()}
          tools={tools}
          onRemotesChanged={() => void refresh()}
          onClose={() => prefs.setShowSettings(false)}
        />
      )}
    </div>
  );
}
