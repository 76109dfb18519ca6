// Client of the WebSocket debugger protocol (version 1; the server's docs/protocol.md):
// JSON text frames, each an object with `type`. The UI sends hello, start, stop, branch and
// compare and gets session / prompt / token / probe / status / error / done / compare
// messages back.

import { apiKey } from './auth';
import { call } from './call';
import type { DebuggerSampling } from '../lib/settings';
import type { DraftMark, SpeculationMode } from '../lib/speculation';

export interface TopToken {
  id: number;
  text: string;
  logit?: number | null;
  prob?: number | null;
}

export interface TokenMsg {
  type: 'token';
  session: string;
  index: number;
  position: number;
  id: number;
  text: string;
  logit?: number | null;
  prob: number | null;
  rank?: number;
  entropy?: number | null;
  elapsed_ms?: number;
  top?: TopToken[];
  /** "reasoning" on a token of a thinking model's thought (its tags included); absent otherwise. */
  phase?: 'reasoning';
  /** Reasoning text this token completed (the answer's text is `output`). */
  reasoning?: string;
  /** Set by the UI on a branch's forced token (the server sends it in the prompt). */
  forced?: boolean;
  /** Speculative decoding: what became of the draft at this token; absent where none was. */
  draft?: DraftMark;
  /** With `rejected`: the token the draft proposed (this one is the model's own instead). */
  draft_id?: number;
}

/** An image's tokens in the prompt: positions first..first+tokens-1, a rows×cols grid. */
export interface PromptImage {
  first: number;
  tokens: number;
  rows: number;
  cols: number;
}

export interface AttentionHead {
  layer: number;
  head: number;
  weights: number[];
}

/** One head of the prompt×prompt map: rows[i] holds the i+1 weights of position i over 0..i. */
export interface PromptMapHead {
  layer: number;
  head: number;
  rows?: number[][];
}

export interface LensLayer {
  layer: number;
  entropy?: number | null;
  top: TopToken[];
}

/** The router probe (MoE models): the experts one layer chose for the token at `position`. */
export interface RouterRow {
  position: number;
  layer: number;
  /** Expert ids by rank. */
  experts: number[];
  /** Their weights in the layer's sum (null if not finite). */
  weights: (number | null)[];
}

export interface Timings {
  prompt_tokens?: number;
  generated_tokens?: number;
  ttft_ms?: number;
  decode_tokens_per_second?: number;
  prompt_tokens_per_second?: number;
  /** Speculative decoding, only when a draft proposed anything. */
  drafted_tokens?: number;
  accepted_tokens?: number;
  acceptance_rate?: number;
}

/** One side of a `compare` step: the token it sampled and its most likely one. */
export interface CompareSideStep {
  id: number;
  top1: number;
}

/** The `compare` messages: the pair announced, each step both sides made, the summary. */
export type CompareMsg =
  | { type: 'compare'; kind: 'session'; compare: string; id?: string; a: string; b: string }
  | {
      type: 'compare';
      kind: 'step';
      compare: string;
      index: number;
      a: CompareSideStep;
      b: CompareSideStep;
      /** KL(P_a ‖ P_b) and KL(P_b ‖ P_a) in nats over the full vocabulary (null if not finite). */
      kl_ab: number | null;
      kl_ba: number | null;
      top1_agree: boolean;
      same_prefix: boolean;
    }
  | {
      type: 'compare';
      kind: 'summary';
      compare: string;
      steps: number;
      mean_kl_ab: number | null;
      top1_agreement: number;
      first_divergence: number;
    };

export type ServerMsg =
  | { type: 'hello'; version: number; resume?: string; limits?: { max_tokens?: number; max_top_k?: number } }
  | { type: 'session'; session: string; id?: string; model?: string; parent?: string; branch_step?: number }
  | {
      type: 'prompt';
      session: string;
      tokens: { id: number; text: string }[];
      images?: PromptImage[];
      /** Set by the UI for a stored session: the pictures its start message sent. */
      image_urls?: string[];
    }
  | TokenMsg
  | {
      type: 'probe';
      session: string;
      kind: 'surprisal';
      tokens: { position: number; id: number; text: string; logprob: number | null; surprisal: number | null; rank?: number }[];
    }
  | { type: 'probe'; session: string; kind: 'attention'; position: number; query_position?: number; heads: AttentionHead[] }
  | { type: 'probe'; session: string; kind: 'logit_lens'; position: number; layers: LensLayer[] }
  | { type: 'probe'; session: string; kind: 'attention_prompt'; positions: number; heads: PromptMapHead[]; binary?: boolean }
  | { type: 'probe'; session: string; kind: 'router_prompt'; rows: RouterRow[] }
  | { type: 'probe'; session: string; kind: 'router'; position: number; query_position: number; rows: RouterRow[] }
  | { type: 'status'; session: string; state: string; tokens_per_second?: number; generated?: number }
  | { type: 'error'; session?: string; code: string; message: string; recoverable?: boolean }
  | { type: 'done'; session: string; finish_reason: string; timings?: Timings }
  | CompareMsg
  | { type: 'pong' };

export interface StartParams {
  id: string;
  model?: string;
  prompt?: string;
  messages?: { role: string; content: string }[];
  /** Images (data URLs) before the last user message's text, or the prompt's. */
  images?: string[];
  max_tokens: number;
  /** Speculative decoding of this session; absent = the server's choice. */
  speculation?: SpeculationMode;
  sampling: DebuggerSampling;
  probes: {
    top_k: number;
    /** `prompt: true` adds the prompt×prompt map; `tokens: false` leaves out the per-token weights. */
    attention: boolean | { layers?: number[]; heads?: number[]; prompt?: boolean; tokens?: boolean };
    logit_lens: boolean;
    prompt_surprisal: boolean;
    /** MoE models: the experts each layer routes each token to. */
    router?: boolean;
  };
}

/**
 * One prompt through two models in lockstep: the shared `start` fields, and per side what
 * differs (here the model). Probes are only the alternatives per token.
 */
export interface CompareParams {
  id: string;
  prompt?: string;
  messages?: { role: string; content: string }[];
  max_tokens: number;
  sampling: StartParams['sampling'];
  probes: { top_k: number };
  a: { model?: string };
  b: { model?: string };
}

/** What WebSocket offers that the client uses (a fake in unit tests). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A single-use ticket for one WebSocket upgrade, traded for the API key (POST /api/ws-ticket). */
export async function requestWsTicket(): Promise<string> {
  const r = await call<{ ticket: string }>('POST', '/api/ws-ticket', 'open the debugger');
  return r.ticket;
}

/**
 * The debugger's URL. Browsers cannot set headers on a WebSocket upgrade, and a key in the URL
 * would end up in logs and history: with a key, the URL carries a short-lived single-use ticket
 * instead, fetched anew for every connection (a resume included).
 */
export async function wsUrl(
  loc: { protocol: string; host: string } = window.location,
  key = apiKey(),
  ticket: () => Promise<string> = requestWsTicket,
): Promise<string> {
  const base = `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
  if (!key) return base;
  return `${base}?ticket=${encodeURIComponent(await ticket())}`;
}

type Seq = { seq?: number };

/**
 * One debugger connection. When a connection that said hello drops, it reconnects once and
 * resumes (hello with the resume token and the last seq seen): the server replays what was
 * missed, so running sessions go on; messages seen already are skipped by seq.
 */
export class DebuggerClient {
  private socket: SocketLike | null = null;
  private greeted = false;
  private closing = false;
  private resumeToken = '';
  private lastSeq = 0;
  private url: () => string | Promise<string> = () => wsUrl();

  constructor(
    private readonly onMessage: (m: ServerMsg) => void,
    /** Called once when the connection ends; `unavailable` when it never got a hello. */
    private readonly onClosed: (unavailable: boolean, reason: string) => void,
    private readonly makeSocket: (url: string) => SocketLike = (url) => new WebSocket(url) as unknown as SocketLike,
    /** Called with true while a dropped connection is being resumed, false once it is. */
    private readonly onResuming: (resuming: boolean) => void = () => {},
    private readonly resumeDelayMs = 500,
  ) {}

  /** Connects to `url`, or by default to this server's debugger (with a fresh ticket each time). */
  connect(url?: string): Promise<void> {
    this.url = url !== undefined ? () => url : () => wsUrl();
    return new Promise((resolve, reject) => {
      this.open(false, resolve, reject);
    });
  }

  private open(resuming: boolean, resolve: () => void, reject: (e: Error) => void) {
    const url = this.url();
    if (typeof url === 'string') {
      this.openSocket(url, resuming, resolve, reject);
      return;
    }
    url.then(
      (u) => this.openSocket(u, resuming, resolve, reject),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        reject(e);
        if (resuming) this.onClosed(false, e.message);
      },
    );
  }

  private openSocket(url: string, resuming: boolean, resolve: () => void, reject: (e: Error) => void) {
    let settled = false;
    const s = this.makeSocket(url);
    this.socket = s;
    s.onopen = () =>
      s.send(
        JSON.stringify(
          resuming ? { type: 'hello', version: 1, resume: this.resumeToken, last_seq: this.lastSeq } : { type: 'hello', version: 1 },
        ),
      );
    s.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return; // binary frames are not asked for
      let m: ServerMsg & Seq;
      try {
        m = JSON.parse(ev.data) as ServerMsg & Seq;
      } catch {
        return;
      }
      if (m.type === 'hello') {
        if (m.resume) this.resumeToken = m.resume;
        if (!settled) {
          settled = true;
          this.greeted = true;
          if (resuming) this.onResuming(false);
          resolve();
        }
      } else if (m.seq !== undefined) {
        if (m.seq <= this.lastSeq) return; // replayed after a resume, already seen
        this.lastSeq = m.seq;
      }
      this.onMessage(m);
    };
    s.onerror = () => {};
    s.onclose = (ev) => {
      if (this.socket === s) this.socket = null;
      const reason = ev.reason || `code ${ev.code}`;
      if (!settled) {
        settled = true;
        reject(new Error('The debugger is not available on this server (its /ws endpoint refused the connection).'));
      }
      if (this.closing) return;
      if (this.greeted && !resuming && this.resumeToken) {
        // Dropped after a hello: try once to resume where it left off.
        this.greeted = false;
        this.onResuming(true);
        setTimeout(() => {
          if (this.closing) return;
          this.open(
            true,
            () => {},
            () => this.onClosed(false, reason),
          );
        }, this.resumeDelayMs);
        return;
      }
      this.onClosed(!this.greeted && !resuming, reason);
    };
  }

  get connected(): boolean {
    return this.socket !== null && this.greeted;
  }

  private send(m: object) {
    if (!this.socket) throw new Error('Not connected to the debugger');
    this.socket.send(JSON.stringify(m));
  }

  start(p: StartParams) {
    this.send({ type: 'start', format: 'json', ...p });
  }

  stop(session: string) {
    this.send({ type: 'stop', session });
  }

  /** A new session that keeps `step` generated tokens of `session` and then takes `token`. */
  branch(session: string, step: number, token: number, id: string) {
    this.send({ type: 'branch', session, step, token, id });
  }

  /** Runs `compare`: two sessions (labelled `id.a`, `id.b`) and the comparison of each step. */
  compare(p: CompareParams) {
    this.send({ type: 'compare', ...p });
  }

  close() {
    this.closing = true;
    this.socket?.close();
    this.socket = null;
  }
}
