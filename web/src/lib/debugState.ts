// The debugger's sessions, built up from protocol messages by a pure reducer.

import type { AttentionHead, LensLayer, PromptImage, RouterRow, ServerMsg, Timings, TokenMsg } from '../api/debugger';
import { addRouterRows } from './router';
import { mapHeads, mapLayers, type PromptMap } from './attentionMap';
import type { StoredDebugDoc } from '../api/store';

export interface DebugSession {
  id: string;
  clientId?: string;
  model?: string;
  parent?: string;
  branchStep?: number;
  prompt: { id: number; text: string; surprisal?: number | null }[];
  /** The images among the prompt's positions and their grids (a run with images). */
  images?: PromptImage[];
  /** A stored session's pictures (a live one's are the page's: DebuggerView keeps them). */
  imageUrls?: string[];
  tokens: TokenMsg[];
  attention: Record<number, AttentionHead[]>;
  lens: Record<number, LensLayer[]>;
  /** MoE routing by token position: each layer's chosen experts (the router probe). */
  router?: Record<number, RouterRow[]>;
  /** The prompt×prompt attention map, when the session asked for it. */
  promptMap?: PromptMap;
  state: string;
  /** Added to a message's token index: a branch numbers its own tokens from 0. */
  indexOffset: number;
  tokensPerSecond?: number;
  error?: string;
  finishReason?: string;
  timings?: Timings;
}

export interface DebugState {
  sessions: Record<string, DebugSession>;
  order: string[];
  /** Errors not tied to a session (bad request, limits). */
  errors: string[];
}

export const EMPTY: DebugState = { sessions: {}, order: [], errors: [] };

function patch(st: DebugState, id: string, f: (s: DebugSession) => DebugSession): DebugState {
  const s = st.sessions[id];
  if (!s) return st;
  return { ...st, sessions: { ...st.sessions, [id]: f(s) } };
}

export function reduce(st: DebugState, m: ServerMsg): DebugState {
  switch (m.type) {
    case 'session': {
      const s: DebugSession = {
        id: m.session,
        clientId: m.id,
        model: m.model,
        parent: m.parent,
        branchStep: m.branch_step,
        prompt: [],
        tokens: [],
        attention: {},
        lens: {},
        state: 'starting',
        indexOffset: 0,
      };
      // A branch starts with its parent's first `branch_step` tokens already decided.
      const parent = m.parent ? st.sessions[m.parent] : undefined;
      if (parent && m.branch_step !== undefined) {
        s.prompt = parent.prompt;
        s.images = parent.images;
        s.tokens = parent.tokens.slice(0, m.branch_step);
      }
      return { ...st, sessions: { ...st.sessions, [m.session]: s }, order: [...st.order, m.session] };
    }
    case 'prompt':
      return patch(st, m.session, (s) => {
        const parent = s.parent ? st.sessions[s.parent] : undefined;
        const step = s.branchStep;
        // A branch's prompt is its parent's prompt + the kept tokens + the forced one, and
        // its own tokens count from 0 after that: show it as the parent's first `step`
        // tokens, the forced token, then what the branch generates.
        if (parent && step !== undefined && m.tokens.length === parent.prompt.length + step + 1) {
          const last = m.tokens[m.tokens.length - 1]!;
          const at = parent.tokens[step];
          const alt = at?.top?.find((t) => t.id === last.id);
          const forced: TokenMsg = {
            type: 'token',
            session: s.id,
            index: step,
            position: parent.prompt.length + step,
            id: last.id,
            text: last.text,
            prob: alt?.prob ?? null,
            top: at?.top,
            forced: true,
          };
          return {
            ...s,
            prompt: parent.prompt,
            images: parent.images,
            tokens: [...parent.tokens.slice(0, step), forced],
            indexOffset: step + 1,
          };
        }
        return {
          ...s,
          prompt: m.tokens.map((t) => ({ ...t })),
          images: m.images?.length ? m.images : undefined,
          imageUrls: m.image_urls,
        };
      });
    case 'token':
      return patch(st, m.session, (s) => {
        // Tokens are kept by index so a branch's own tokens replace what it inherited.
        const index = m.index + s.indexOffset;
        const tokens = s.tokens.slice(0, index);
        tokens[index] = { ...m, index };
        return { ...s, tokens, state: 'generating' };
      });
    case 'probe':
      if (m.kind === 'surprisal') {
        return patch(st, m.session, (s) => {
          const byPos = new Map(m.tokens.map((t) => [t.position, t.surprisal]));
          return { ...s, prompt: s.prompt.map((t, i) => ({ ...t, surprisal: byPos.get(i) ?? t.surprisal })) };
        });
      }
      if (m.kind === 'attention_prompt') {
        return patch(st, m.session, (s) => ({ ...s, promptMap: { positions: m.positions, heads: m.heads } }));
      }
      if (m.kind === 'router' || m.kind === 'router_prompt') {
        return patch(st, m.session, (s) => ({ ...s, router: addRouterRows(s.router, m.rows) }));
      }
      if (m.kind === 'attention') {
        return patch(st, m.session, (s) => ({ ...s, attention: { ...s.attention, [m.position]: m.heads } }));
      }
      return patch(st, m.session, (s) => ({ ...s, lens: { ...s.lens, [m.position]: m.layers } }));
    case 'status':
      return patch(st, m.session, (s) => ({ ...s, state: m.state, tokensPerSecond: m.tokens_per_second ?? s.tokensPerSecond }));
    case 'error':
      if (m.session && st.sessions[m.session]) {
        return patch(st, m.session, (s) => ({ ...s, error: `${m.message} (${m.code})`, state: 'failed' }));
      }
      return { ...st, errors: [...st.errors, `${m.message} (${m.code})`] };
    case 'done':
      return patch(st, m.session, (s) => ({ ...s, state: 'done', finishReason: m.finish_reason, timings: m.timings }));
    default:
      return st;
  }
}

/** Depth of a session in the branch tree (0 for a root), for indenting the list. */
/**
 * A session id as a list shows it: ids are a letter and 32 random hex digits, too long to
 * read; the first 8 digits tell a user's sessions apart (the full id goes in a tooltip).
 * Older ids ("s12") are short already.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 9)}…` : id;
}

export function depth(st: DebugState, id: string): number {
  let d = 0;
  for (let s = st.sessions[id]; s?.parent && d < 64; s = st.sessions[s.parent]) d++;
  return d;
}

/**
 * A stored session (the server's export document) as the protocol messages that would
 * have built it, so that opening a saved session goes through the same reducer as a live
 * one. Probes that are not stored (attention, logit lens) are simply absent.
 */
export function storedMessages(doc: StoredDebugDoc): ServerMsg[] {
  const s = doc.session;
  const prompt = s.prompt && s.prompt.length === s.prompt_tokens.length
    ? s.prompt
    : s.prompt_tokens.map((id) => ({ id, text: `#${id}` }));
  const msgs: ServerMsg[] = [
    { type: 'session', session: s.id, model: s.model, ...(s.parent ? { parent: s.parent, branch_step: s.branch_step } : {}) },
    {
      type: 'prompt',
      session: s.id,
      tokens: prompt,
      ...(s.images?.length ? { images: s.images, image_urls: s.request?.images ?? [] } : {}),
    },
  ];
  s.steps.forEach((t, index) => {
    msgs.push({
      type: 'token',
      session: s.id,
      index,
      position: prompt.length + index,
      id: t.id,
      text: t.text,
      logit: t.logit,
      prob: t.prob,
      rank: t.rank,
      entropy: t.entropy,
      top: t.top,
      ...(t.phase ? { phase: t.phase } : {}),
      ...(t.draft ? { draft: t.draft, draft_id: t.draft_id } : {}),
    });
  });
  if (s.finish_reason) msgs.push({ type: 'done', session: s.id, finish_reason: s.finish_reason });
  return msgs;
}

/**
 * The layers, and the heads of `layer`, the attention pickers offer: what either probe holds
 * (per-token weights and the prompt map).
 */
export function attentionChoices(s: DebugSession | undefined, layer: number): { layers: number[]; heads: number[] } {
  const tokenHeads = Object.values(s?.attention ?? {}).flat();
  const layers = [...new Set([...tokenHeads.map((h) => h.layer), ...mapLayers(s?.promptMap)])].sort((a, b) => a - b);
  const heads = [
    ...new Set([...tokenHeads.filter((h) => h.layer === layer).map((h) => h.head), ...mapHeads(s?.promptMap, layer)]),
  ].sort((a, b) => a - b);
  return { layers, heads };
}

/** A session still generating (not done, failed or stopped). */
export function isRunning(s: DebugSession | undefined): boolean {
  return !!s && !['done', 'failed', 'stopped'].includes(s.state);
}
