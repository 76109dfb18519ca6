// Chat state: the messages on screen, sending/streaming/stopping, regenerate and
// edit-and-resend, and keeping the server's store (when it has one) in step.

import { useCallback, useRef, useState } from 'react';
import { streamChat } from '../api/client';
import { ApiError } from '../api/errors';
import * as store from '../api/store';
import type { MessageMetrics, TokenLogprob } from '../api/types';
import { computeMetrics, type StreamClock } from '../lib/metrics';
import { buildChatRequest, type Settings } from '../lib/settings';

export interface UiMessage {
  key: string;
  role: 'user' | 'assistant';
  content: string;
  /** A thinking model's reasoning, shown apart above the answer. */
  reasoning?: string;
  /** While streaming: reasoning tokens so far and when the first came (performance.now()). */
  thinking?: { tokens: number; start: number; end?: number };
  logprobs?: TokenLogprob[];
  metrics?: MessageMetrics;
  model?: string;
  error?: string;
  streaming?: boolean;
  /** The message's id in the server store, once saved. */
  storeId?: string;
}

let nextKey = 1;
export const newKey = () => `m${nextKey++}`;

export interface ChatOptions {
  model: string;
  system: string;
  settings: Settings;
  /** Called when the store changed (new conversation, new messages) so lists refresh. */
  onStored: () => void;
  /** Set false once the store answered 404: nothing more is sent to it. */
  storeEnabled: boolean;
  onStoreMissing: () => void;
  onStoreError: (message: string) => void;
}

export function useChat(opts: ChatOptions) {
  const [messages, setMessages] = useState<UiMessage[]>([]);
  const [busy, setBusy] = useState(false);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const optsRef = useRef(opts);
  optsRef.current = opts;
  const convRef = useRef<string | null>(null);
  convRef.current = conversationId;

  const storeCall = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    if (!optsRef.current.storeEnabled) return undefined;
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiError && err.missingRoute) optsRef.current.onStoreMissing();
      else optsRef.current.onStoreError(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }, []);

  const update = (key: string, f: (m: UiMessage) => UiMessage) =>
    setMessages((ms) => ms.map((m) => (m.key === key ? f(m) : m)));

  /** Runs one completion over `history` (ending with the user's turn) into a new message. */
  const generate = useCallback(
    async (history: UiMessage[], persisted?: Promise<string | null>) => {
      const o = optsRef.current;
      // The conversation this reply belongs to, even if another one is opened meanwhile.
      const startedIn = convRef.current;
      const key = newKey();
      setMessages([...history, { key, role: 'assistant', content: '', streaming: true, model: o.model }]);
      setBusy(true);
      const ctrl = new AbortController();
      abortRef.current = ctrl;
      const clock: StreamClock = { start: performance.now(), tokens: 0 };
      let content = '';
      let reasoning = '';
      let thinking: UiMessage['thinking'];
      const logprobs: TokenLogprob[] = [];
      let error: string | undefined;
      let end: Awaited<ReturnType<typeof streamChat>> = {};
      try {
        const body = buildChatRequest(
          o.model,
          o.system,
          history.map((m) => ({ role: m.role, content: m.content })),
          o.settings,
        );
        end = await streamChat(body, ctrl.signal, (d) => {
          const now = performance.now();
          if (clock.first === undefined) clock.first = now;
          clock.last = now;
          clock.tokens += Math.max(1, d.logprobs.length + d.reasoningLogprobs.length);
          if (d.reasoning || d.reasoningLogprobs.length) {
            // Without logprobs each reasoning chunk is one token (the server sends one per token).
            const tokens = (thinking?.tokens ?? 0) + Math.max(1, d.reasoningLogprobs.length);
            thinking = { tokens, start: thinking?.start ?? now, end: now };
          }
          reasoning += d.reasoning;
          content += d.text;
          logprobs.push(...d.logprobs);
          update(key, (m) => ({
            ...m,
            content,
            reasoning: reasoning || undefined,
            thinking,
            logprobs: logprobs.length ? [...logprobs] : undefined,
          }));
        });
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(String(err));
        error = e.code === 'aborted' ? undefined : e.message;
        if (e.code === 'aborted') end.finish_reason = 'stopped';
      }
      // Only the current generation owns `busy`: one abandoned by reset() must not clear it.
      const current = abortRef.current === ctrl;
      if (current) abortRef.current = null;
      const metrics = {
        ...computeMetrics(clock, end.usage?.completion_tokens, end.timings),
        finish_reason: end.finish_reason,
      };
      if (end.usage) metrics.prompt_tokens = end.usage.prompt_tokens;
      if (thinking) {
        metrics.reasoning_tokens = thinking.tokens;
        metrics.reasoning_ms = Math.round((thinking.end ?? thinking.start) - thinking.start);
      }
      const model = end.model ?? o.model;
      update(key, (m) => ({
        ...m,
        streaming: false,
        thinking: undefined,
        error,
        metrics: error ? undefined : metrics,
        model,
      }));
      if (current) setBusy(false);
      // The user's turn must be in the store first (and the conversation created).
      const id = persisted ? await persisted : startedIn;
      if (!error && (content || reasoning) && id) {
        const saved = await storeCall(() =>
          store.addMessage(id, { role: 'assistant', content, model, metrics, reasoning: reasoning || undefined }),
        );
        if (saved) update(key, (m) => ({ ...m, storeId: saved.id }));
        optsRef.current.onStored();
      }
    },
    [storeCall],
  );

  /** Saves the user's turn (creating the conversation on the first one); its conversation id. */
  const persistUser = useCallback(
    async (msg: UiMessage): Promise<string | null> => {
      const o = optsRef.current;
      let id = convRef.current;
      if (!id) {
        const conv = await storeCall(() =>
          store.createConversation({
            title: store.titleFrom(msg.content),
            model: o.model || undefined,
            system: o.system,
            settings: { ...o.settings },
          }),
        );
        if (!conv) return null;
        id = conv.id;
        convRef.current = id;
        setConversationId(id);
      }
      const saved = await storeCall(() => store.addMessage(id, { role: 'user', content: msg.content }));
      if (saved) setMessages((ms) => ms.map((m) => (m.key === msg.key ? { ...m, storeId: saved.id } : m)));
      return id;
    },
    [storeCall],
  );

  const send = useCallback(
    (text: string) => {
      if (busy || !text.trim()) return;
      const user: UiMessage = { key: newKey(), role: 'user', content: text };
      const history = [...messages.filter((m) => !m.error), user];
      // Save and generate concurrently: the store must not delay the first token.
      void generate(history, persistUser(user));
    },
    [busy, messages, generate, persistUser],
  );

  /** Drops `from` and everything after it, locally and in the store. */
  const truncate = useCallback(
    async (index: number) => {
      const target = messages[index];
      const id = convRef.current;
      if (target?.storeId && id) await storeCall(() => store.truncateFrom(id, target.storeId!));
      return messages.slice(0, index);
    },
    [messages, storeCall],
  );

  const regenerate = useCallback(async () => {
    if (busy) return;
    let i = messages.length - 1;
    while (i >= 0 && messages[i]!.role !== 'assistant') i--;
    if (i < 0) return;
    const history = await truncate(i);
    void generate(history);
  }, [busy, messages, truncate, generate]);

  const editAndResend = useCallback(
    async (index: number, text: string) => {
      if (busy || !text.trim()) return;
      const history = await truncate(index);
      const user: UiMessage = { key: newKey(), role: 'user', content: text };
      void generate([...history, user], persistUser(user));
    },
    [busy, truncate, generate, persistUser],
  );

  const stop = useCallback(() => abortRef.current?.abort(), []);

  const reset = useCallback((id: string | null, loaded: UiMessage[]) => {
    abortRef.current?.abort();
    abortRef.current = null;
    setBusy(false);
    convRef.current = id;
    setConversationId(id);
    setMessages(loaded);
  }, []);

  return { messages, busy, conversationId, send, stop, regenerate, editAndResend, reset };
}
