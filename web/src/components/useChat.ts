// Chat state: the messages on screen, sending/streaming/stopping, regenerate and
// edit-and-resend, tool rounds (the model's calls shown as cards, run through the server once
// allowed, their results sent back), and keeping the server's store (when it has one) in step.

import { useCallback, useRef, useState } from 'react';
import { streamChat } from '../api/client';
import { ApiError } from '../api/errors';
import * as store from '../api/store';
import type { ToolEntry } from '../api/tools';
import type { MessageMetrics, TokenLogprob } from '../api/types';
import { computeMetrics, type StreamClock } from '../lib/metrics';
import { buildChatRequest, type Settings } from '../lib/settings';
import { alwaysAllowed, MAX_TOOL_ROUNDS, openAiTools, storedCalls, toApiMessages, type UiToolCall } from '../lib/tools';
import { runToolCalls, type Decision } from './toolRounds';
import type { Tools } from './useTools';

export interface UiMessage {
  key: string;
  role: 'user' | 'assistant';
  content: string;
  /** A user's images, as data URLs (sent as image_url parts, kept in the store). */
  images?: string[];
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
  /** The tools this reply called, with what became of each (cards under the text). */
  toolCalls?: UiToolCall[];
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
  /** Tools to offer (Settings → Tools); none without. */
  tools?: Tools;
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

  /** Tool rounds waiting for the user: call id -> the card's answer. */
  const decisionsRef = useRef(new Map<string, (d: Decision) => void>());
  /** Answers given before the round asked (the card shows while the reply is being saved). */
  const earlyRef = useRef(new Map<string, Decision>());

  /** Saves one assistant reply (and its calls) to the store; its store id. */
  const saveAssistant = useCallback(
    async (id: string | null, m: UiMessage) => {
      if (!id || m.error || !(m.content || m.reasoning || m.toolCalls?.length)) return undefined;
      const metrics = m.toolCalls?.length ? { ...m.metrics!, tool_calls: storedCalls(m.toolCalls) } : m.metrics;
      const saved = await storeCall(() =>
        store.addMessage(id, {
          role: 'assistant',
          content: m.content,
          model: m.model,
          metrics: metrics as MessageMetrics,
          reasoning: m.reasoning || undefined,
        }),
      );
      optsRef.current.onStored();
      return saved?.id;
    },
    [storeCall],
  );

  /** Saves each call's result as a tool message, for the history. */
  const saveToolResults = useCallback(
    async (id: string | null, calls: UiToolCall[]) => {
      if (!id) return;
      for (const c of calls) {
        const meta = { tool_call_id: c.id, name: c.name, server: c.server, state: c.state, is_error: !!c.isError };
        await storeCall(() =>
          store.addMessage(id, { role: 'tool', content: c.result ?? '', metrics: meta as unknown as MessageMetrics }),
        );
      }
      optsRef.current.onStored();
    },
    [storeCall],
  );

  /** Runs one completion over `history` (ending with the user's turn) into a new message. */
  const generate = useCallback(
    async (history: UiMessage[], persisted?: Promise<string | null>, round = 0): Promise<void> => {
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
      // The tools as offered to this request: its calls are run against the same list.
      const offered: ToolEntry[] = o.tools?.offered() ?? [];
      try {
        const body = buildChatRequest(o.model, o.system, toApiMessages(history), o.settings);
        if (offered.length) body.tools = openAiTools(offered);
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
      const calls: UiToolCall[] =
        error || ctrl.signal.aborted
          ? []
          : (end.tool_calls ?? []).map((c) => ({
              ...c,
              server: offered.find((t) => t.name === c.name)?.server,
              state: 'pending' as const,
            }));
      const reply: UiMessage = {
        key,
        role: 'assistant',
        content,
        reasoning: reasoning || undefined,
        logprobs: logprobs.length ? logprobs : undefined,
        error,
        metrics: error ? undefined : metrics,
        model: end.model ?? o.model,
        toolCalls: calls.length ? calls : undefined,
      };
      update(key, (m) => ({ ...m, ...reply, streaming: false, thinking: undefined }));
      if (current && !calls.length) setBusy(false);
      // From here the tool round owns stop() and reset(), saving included.
      const roundCtrl = new AbortController();
      if (current && calls.length) abortRef.current = roundCtrl;
      // The user's turn must be in the store first (and the conversation created).
      const id = persisted ? await persisted : startedIn;
      reply.storeId = await saveAssistant(id, reply);
      if (reply.storeId) update(key, (m) => ({ ...m, storeId: reply.storeId }));
      if (!calls.length || !current) return;
      const { done, stopped } = await runRound(key, calls, offered, roundCtrl);
      reply.toolCalls = done;
      await saveToolResults(id, done);
      if (stopped) return;
      if (round + 1 >= MAX_TOOL_ROUNDS) {
        setBusy(false);
        return;
      }
      await generate([...history, reply], Promise.resolve(id), round + 1);
    },
    [storeCall, saveAssistant, saveToolResults],
  );

  /** Waits for the user's decisions on `calls` and runs the allowed ones. */
  const runRound = async (key: string, calls: UiToolCall[], offered: ToolEntry[], ctrl: AbortController) => {
    const tools = optsRef.current.tools;
    const done = await runToolCalls(calls, offered, {
      signal: ctrl.signal,
      allowed: (t) => (tools ? alwaysAllowed(t, tools.prefsRef.current) : false),
      ask: (callId) => {
        const early = earlyRef.current.get(callId);
        earlyRef.current.delete(callId);
        return early ? Promise.resolve(early) : new Promise<Decision>((r) => decisionsRef.current.set(callId, r));
      },
      onAlways: (t) => tools?.always(t),
      onUpdate: (cs) => update(key, (m) => ({ ...m, toolCalls: cs })),
    });
    // stop() and reset() abort the round (and clear abortRef themselves).
    if (abortRef.current === ctrl) abortRef.current = null;
    return { done, stopped: ctrl.signal.aborted };
  };

  /** The answer of a tool call's card. */
  const decide = useCallback((callId: string, decision: Decision) => {
    const resolve = decisionsRef.current.get(callId);
    decisionsRef.current.delete(callId);
    if (resolve) resolve(decision);
    else earlyRef.current.set(callId, decision);
  }, []);

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
      const saved = await storeCall(() =>
        store.addMessage(id, { role: 'user', content: msg.content, images: msg.images?.length ? msg.images : undefined }),
      );
      if (saved) setMessages((ms) => ms.map((m) => (m.key === msg.key ? { ...m, storeId: saved.id } : m)));
      return id;
    },
    [storeCall],
  );

  const send = useCallback(
    (text: string, images: string[] = []) => {
      if (busy || !text.trim()) return;
      const user: UiMessage = { key: newKey(), role: 'user', content: text, images: images.length ? images : undefined };
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
      const images = messages[index]?.images;
      const history = await truncate(index);
      const user: UiMessage = { key: newKey(), role: 'user', content: text, images };
      void generate([...history, user], persistUser(user));
    },
    [busy, messages, truncate, generate, persistUser],
  );

  const denyPending = () => {
    for (const resolve of decisionsRef.current.values()) resolve('deny');
    decisionsRef.current.clear();
    earlyRef.current.clear();
  };

  const stop = useCallback(() => {
    abortRef.current?.abort();
    abortRef.current = null;
    denyPending();
    setBusy(false);
  }, []);

  const reset = useCallback((id: string | null, loaded: UiMessage[]) => {
    abortRef.current?.abort();
    abortRef.current = null;
    denyPending();
    setBusy(false);
    convRef.current = id;
    setConversationId(id);
    setMessages(loaded);
  }, []);

  return { messages, busy, conversationId, send, stop, regenerate, editAndResend, reset, decide };
}
