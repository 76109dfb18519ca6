// Tool use in the chat, without rendering: which tools are offered (the user's choices in
// Settings → Tools), which calls run without asking, the OpenAI messages of a conversation
// with tool turns, and how stored tool turns come back. Built-in tools are on and always
// allowed by default; MCP tools are on once their server is connected, and ask each time
// until the user picks "Always allow".

import type { ToolEntry } from '../api/tools';

export const BUILTIN_SERVER = 'inferno';
/** Model → tools → model rounds one message may take before the chat stops asking. */
export const MAX_TOOL_ROUNDS = 8;
export const DENIED_RESULT = 'The user denied this tool call.';

export interface ToolPrefs {
  /** The built-in tools offered at all. */
  builtins: boolean;
  /** Tools switched off (toolKey). */
  disabled: string[];
  /** MCP tools that run without asking (toolKey). */
  always: string[];
  /** Built-in tools that ask first (toolKey); they run without asking otherwise. */
  ask: string[];
}

export const DEFAULT_TOOL_PREFS: ToolPrefs = { builtins: true, disabled: [], always: [], ask: [] };

export function sanitizeToolPrefs(raw: unknown): ToolPrefs {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    builtins: typeof r.builtins === 'boolean' ? r.builtins : true,
    disabled: list(r.disabled),
    always: list(r.always),
    ask: list(r.ask),
  };
}

export const toolKey = (t: { server: string; name: string }) => `${t.server}/${t.name}`;

/** The tools to offer: enabled ones, the first of each name (a model calls tools by name). */
export function offeredTools(catalog: ToolEntry[], prefs: ToolPrefs): ToolEntry[] {
  const seen = new Set<string>();
  return catalog.filter((t) => {
    if (t.server === BUILTIN_SERVER && !prefs.builtins) return false;
    if (prefs.disabled.includes(toolKey(t)) || seen.has(t.name)) return false;
    seen.add(t.name);
    return true;
  });
}

export function alwaysAllowed(t: ToolEntry, prefs: ToolPrefs): boolean {
  const key = toolKey(t);
  return t.server === BUILTIN_SERVER ? !prefs.ask.includes(key) : prefs.always.includes(key);
}

/** Marks a tool as allowed without asking from now on. */
export function allowAlways(t: ToolEntry, prefs: ToolPrefs): ToolPrefs {
  const key = toolKey(t);
  return {
    ...prefs,
    ask: prefs.ask.filter((k) => k !== key),
    always: t.server === BUILTIN_SERVER || prefs.always.includes(key) ? prefs.always : [...prefs.always, key],
  };
}

/** Makes a tool ask before each call again. */
export function askEachTime(t: { server: string; name: string }, prefs: ToolPrefs): ToolPrefs {
  const key = toolKey(t);
  return {
    ...prefs,
    always: prefs.always.filter((k) => k !== key),
    ask: t.server !== BUILTIN_SERVER || prefs.ask.includes(key) ? prefs.ask : [...prefs.ask, key],
  };
}

/** The `tools` of a chat request. */
export function openAiTools(tools: ToolEntry[]) {
  return tools.map((t) => ({
    type: 'function' as const,
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

export type ToolCallState = 'pending' | 'running' | 'done' | 'denied' | 'error';

export interface UiToolCall {
  id: string;
  name: string;
  /** As the model wrote them: a JSON text. */
  arguments: string;
  server?: string;
  state: ToolCallState;
  result?: string;
  isError?: boolean;
}

/** Arguments as indented JSON when they parse, else as written. */
export function prettyArguments(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args || '{}'), null, 2);
  } catch {
    return args;
  }
}

/** OpenAI content parts: a user's images (data URLs) before the text, as the UI sends them. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface ApiMessage {
  role: string;
  content: string | ContentPart[] | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

interface TurnLike {
  role: 'user' | 'assistant';
  content: string;
  /** A user's images, as data URLs. */
  images?: string[];
  toolCalls?: UiToolCall[];
}

/** A user's text with its images as content parts (images first), or the plain text. */
export function userContent(text: string, images?: string[]): string | ContentPart[] {
  if (!images?.length) return text;
  return [
    ...images.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
    { type: 'text' as const, text },
  ];
}

/** The chat's turns as OpenAI messages: an assistant's calls, then one tool message each. */
export function toApiMessages(turns: TurnLike[]): ApiMessage[] {
  const out: ApiMessage[] = [];
  for (const t of turns) {
    if (t.role !== 'assistant' || !t.toolCalls?.length) {
      out.push({ role: t.role, content: t.role === 'user' ? userContent(t.content, t.images) : t.content });
      continue;
    }
    out.push({
      role: 'assistant',
      content: t.content || null,
      tool_calls: t.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    });
    for (const c of t.toolCalls) {
      out.push({ role: 'tool', tool_call_id: c.id, content: c.result ?? DENIED_RESULT });
    }
  }
  return out;
}

/** What an assistant message's metrics keep of its calls in the store. */
export function storedCalls(calls: UiToolCall[]) {
  return calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, server: c.server }));
}

/** What a stored tool message's metrics say about its call. */
export interface StoredToolMeta {
  tool_call_id: string;
  name: string;
  server?: string;
  state: ToolCallState;
  is_error?: boolean;
}

interface StoredLike {
  role: string;
  content: string;
  metrics?: Record<string, unknown> | null;
}

/**
 * Folds stored tool messages into the assistant turn whose calls they answer; returns, per
 * stored message, the calls of an assistant turn (or undefined) and whether the message is a
 * tool result to hide.
 */
export function foldToolMessages(messages: StoredLike[]): { calls?: UiToolCall[]; hidden: boolean }[] {
  const out: { calls?: UiToolCall[]; hidden: boolean }[] = messages.map(() => ({ hidden: false }));
  let open: UiToolCall[] | undefined;
  messages.forEach((m, i) => {
    const raw = m.metrics?.tool_calls;
    if (m.role === 'assistant' && Array.isArray(raw)) {
      open = raw.map((c: Record<string, unknown>) => ({
        id: String(c.id ?? ''),
        name: String(c.name ?? ''),
        arguments: String(c.arguments ?? ''),
        server: typeof c.server === 'string' ? c.server : undefined,
        state: 'denied' as ToolCallState,
      }));
      out[i]!.calls = open;
    } else if (m.role === 'tool') {
      out[i]!.hidden = true;
      const meta = (m.metrics ?? {}) as Partial<StoredToolMeta>;
      const call = open?.find((c) => c.id === meta.tool_call_id);
      if (call) {
        call.state = meta.state ?? 'done';
        call.result = m.content;
        call.isError = !!meta.is_error;
      }
    } else {
      open = undefined;
    }
  });
  return out;
}

/**
 * A command as a shell would show it, exactly as the server writes it (mcp::CommandLine):
 * words of safe characters as they are, others in single quotes. A start is confirmed by
 * sending this text back, so both sides must agree on it.
 */
export function commandLine(command: string, args: string[]): string {
  const quote = (s: string) =>
    s !== '' && /^[A-Za-z0-9\-_./=:@%+,]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
  return [command, ...args].map(quote).join(' ');
}

/** "Name: value" lines as headers; a line without a colon is an error naming it. */
export function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`"${line.trim()}" is not a header: write Name: value`);
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}
