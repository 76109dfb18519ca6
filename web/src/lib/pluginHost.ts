// The Debugger's side of the plugin postMessage API, version 1 (docs/plugins.md): which
// debugger messages a plugin gets (the kinds its manifest asked for, in the protocol's own
// encoding), the messages the host sends, and the strict check of every message a plugin
// frame posts: anything that is not exactly a known message of this version is ignored, and a
// frame that floods is throttled. No React here, so that all of it is unit-tested.

import type { ServerMsg } from '../api/debugger';

export const PLUGIN_API = 1;

export type EventKind = 'prompt' | 'token' | 'top_k' | 'attention' | 'logit_lens' | 'router' | 'surprisal' | 'status';

/** A plugin as GET /api/plugins lists it. */
export interface PluginInfo {
  id: string;
  source: 'user' | 'shipped';
  ok: boolean;
  error?: string;
  name?: string;
  title?: string;
  version?: string;
  description?: string;
  entry?: string;
  events?: EventKind[];
  api?: number;
  height?: number;
  frame?: string;
}

/** The run a plugin is shown: the session's id and what the server said of it. */
export interface RunInfo {
  session: string;
  model?: string;
  parent?: string;
  branch_step?: number;
}

export type HostMessage =
  | { inferno: 'host'; v: 1; type: 'init'; plugin: { id: string; version: string; title: string }; events: EventKind[]; theme: 'light' | 'dark'; run: RunInfo | null }
  | { inferno: 'host'; v: 1; type: 'reset'; run: RunInfo | null }
  | { inferno: 'host'; v: 1; type: 'event'; event: ServerMsg };

export type PluginMessage =
  | { type: 'ready'; api: number }
  | { type: 'resize'; height: number }
  | { type: 'error'; message: string };

export const MIN_HEIGHT = 60;
export const MAX_HEIGHT = 800;
const MAX_ERROR_CHARS = 500;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Exactly these keys, no others. */
function hasKeys(o: Record<string, unknown>, keys: string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

/**
 * A message a plugin frame posted, checked strictly: the envelope {inferno: 'plugin', v: 1,
 * type}, a known type and exactly its fields with their types. Null for anything else.
 */
export function parsePluginMessage(data: unknown): PluginMessage | null {
  if (!isPlainObject(data) || data.inferno !== 'plugin' || data.v !== PLUGIN_API) return null;
  switch (data.type) {
    case 'ready':
      return hasKeys(data, ['inferno', 'v', 'type', 'api']) && data.api === PLUGIN_API ? { type: 'ready', api: PLUGIN_API } : null;
    case 'resize': {
      const h = data.height;
      const ok = hasKeys(data, ['inferno', 'v', 'type', 'height']) && typeof h === 'number' && Number.isFinite(h) && h >= 0;
      return ok ? { type: 'resize', height: clampHeight(h as number) } : null;
    }
    case 'error': {
      const m = data.message;
      const ok = hasKeys(data, ['inferno', 'v', 'type', 'message']) && typeof m === 'string';
      return ok ? { type: 'error', message: (m as string).slice(0, MAX_ERROR_CHARS) } : null;
    }
    default:
      return null;
  }
}

export function clampHeight(h: number): number {
  return Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, h)));
}

/** The kind a debugger message belongs to; null for lifecycle messages every plugin gets. */
export function eventKind(m: ServerMsg): EventKind | 'lifecycle' | null {
  switch (m.type) {
    case 'prompt':
    case 'token':
    case 'status':
      return m.type;
    case 'done':
    case 'error':
    case 'session':
      return 'lifecycle';
    case 'probe':
      if (m.kind === 'attention' || m.kind === 'attention_prompt') return 'attention';
      if (m.kind === 'logit_lens') return 'logit_lens';
      if (m.kind === 'router' || m.kind === 'router_prompt') return 'router';
      if (m.kind === 'surprisal') return 'surprisal';
      return null;
    default:
      return null;
  }
}

/**
 * The message as plugin with `kinds` gets it, or null when it asked for none of its kind. A
 * token's alternatives (`top`) come only with 'top_k'; asking for 'top_k' alone still brings
 * the token messages that carry them.
 */
export function forPlugin(m: ServerMsg, kinds: readonly EventKind[]): ServerMsg | null {
  const kind = eventKind(m);
  if (kind === null) return null;
  if (kind === 'lifecycle') return m;
  if (kind === 'token') {
    const top = kinds.includes('top_k');
    if (!top && !kinds.includes('token')) return null;
    if (top || m.type !== 'token' || m.top === undefined) return m;
    const { top: _dropped, ...rest } = m;
    return rest as ServerMsg;
  }
  return kinds.includes(kind) ? m : null;
}

/** Envelope of a host message. */
export function hostMessage<T extends { type: string }>(body: T): T & { inferno: 'host'; v: 1 } {
  return { inferno: 'host', v: PLUGIN_API, ...body };
}

/**
 * At most `burst` messages at once and `perSecond` on average from one frame; the rest are
 * dropped (counted), so that a plugin posting in a loop costs the page next to nothing.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  dropped = 0;

  constructor(
    private readonly perSecond = 20,
    private readonly burst = 40,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped += 1;
    return false;
  }
}

/**
 * The debugger's messages as they came, per session, for plugin frames: a frame that starts
 * (or a session shown anew) is sent its session's messages so far, then each new one. Bounded
 * to the latest sessions; the Debugger's own state (lib/debugState.ts) folds the same stream.
 */
export class SessionFeed {
  private readonly log = new Map<string, ServerMsg[]>();
  private readonly listeners = new Set<(m: ServerMsg, session: string) => void>();

  constructor(
    private readonly maxSessions = 16,
    private readonly maxMessages = 20000,
  ) {}

  push(m: ServerMsg): void {
    const session = 'session' in m && typeof m.session === 'string' ? m.session : null;
    if (session === null) return;
    let list = this.log.get(session);
    if (!list) {
      list = [];
      this.log.set(session, list);
      if (this.log.size > this.maxSessions) this.log.delete(this.log.keys().next().value as string);
    }
    if (list.length < this.maxMessages) list.push(m);
    for (const fn of this.listeners) fn(m, session);
  }

  messages(session: string): readonly ServerMsg[] {
    return this.log.get(session) ?? [];
  }

  subscribe(fn: (m: ServerMsg, session: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
