import { DebuggerClient, wsUrl, type ServerMsg, type SocketLike } from '../api/debugger';
import type { StoredDebugDoc } from '../api/store';
import { depth, EMPTY, reduce, shortId, storedMessages } from './debugState';

const token = (session: string, index: number, text: string, prob = 0.5): ServerMsg => ({
  type: 'token',
  session,
  index,
  position: 10 + index,
  id: 100 + index,
  text,
  prob,
  entropy: 1,
  top: [{ id: 100 + index, text, prob }],
});

describe('debugger state', () => {
  it('shows a branch whose prompt holds the kept and forced tokens', () => {
    const msgs: ServerMsg[] = [
      { type: 'session', session: 's1', id: 'ui-1' },
      { type: 'prompt', session: 's1', tokens: [{ id: 1, text: '<s>' }] },
      token('s1', 0, 'a'),
      { ...(token('s1', 1, 'b') as object), top: [{ id: 101, text: 'b', prob: 0.6 }, { id: 7, text: 'z', prob: 0.3 }] } as ServerMsg,
      token('s1', 2, 'c'),
      { type: 'session', session: 's2', id: 'ui-2', parent: 's1', branch_step: 1 },
      { type: 'prompt', session: 's2', tokens: [{ id: 1, text: '<s>' }, { id: 100, text: 'a' }, { id: 7, text: 'z' }] },
      token('s2', 0, 'q'),
    ];
    const st = msgs.reduce(reduce, EMPTY);
    const s2 = st.sessions.s2!;
    expect(s2.prompt).toEqual([{ id: 1, text: '<s>' }]);
    expect(s2.tokens.map((t) => [t.index, t.text, t.forced ?? false])).toEqual([
      [0, 'a', false],
      [1, 'z', true],
      [2, 'q', false],
    ]);
    expect(s2.tokens[1]!.prob).toBe(0.3);
  });

  it('keeps the router probe of the prompt and of each token by position', () => {
    const msgs: ServerMsg[] = [
      { type: 'session', session: 's1', id: 'ui-1' },
      { type: 'prompt', session: 's1', tokens: [{ id: 1, text: 'a' }, { id: 2, text: 'b' }] },
      {
        type: 'probe',
        session: 's1',
        kind: 'router_prompt',
        rows: [
          { position: 0, layer: 0, experts: [3, 1], weights: [0.6, 0.4] },
          { position: 1, layer: 0, experts: [2, 3], weights: [0.5, 0.5] },
        ],
      },
      token('s1', 0, 'c'),
      {
        type: 'probe',
        session: 's1',
        kind: 'router',
        position: 2,
        query_position: 1,
        rows: [{ position: 1, layer: 0, experts: [2, 3], weights: [0.5, 0.5] }],
      },
    ];
    const s = msgs.reduce(reduce, EMPTY).sessions.s1!;
    expect(Object.keys(s.router ?? {})).toEqual(['0', '1']);
    expect(s.router![1]).toHaveLength(1);
    expect(s.router![0]![0]!.experts).toEqual([3, 1]);
  });

  it('builds sessions, probes and branches from messages', () => {
    const msgs: ServerMsg[] = [
      { type: 'session', session: 's1', id: 'ui-1', model: 'tiny' },
      { type: 'prompt', session: 's1', tokens: [{ id: 1, text: '<s>' }, { id: 5, text: 'Hi' }] },
      { type: 'probe', session: 's1', kind: 'surprisal', tokens: [{ position: 1, id: 5, text: 'Hi', logprob: -2, surprisal: 2 }] },
      token('s1', 0, 'a'),
      { type: 'probe', session: 's1', kind: 'attention', position: 10, heads: [{ layer: 0, head: 1, weights: [0.5, 0.5] }] },
      token('s1', 1, 'b'),
      token('s1', 2, 'c'),
      { type: 'status', session: 's1', state: 'generating', tokens_per_second: 12.5 },
      { type: 'done', session: 's1', finish_reason: 'length' },
      { type: 'session', session: 's2', id: 'ui-2', parent: 's1', branch_step: 1 },
      token('s2', 1, 'x'),
      { type: 'error', code: 'bad_request', message: 'start: bad' },
      { type: 'error', session: 's2', code: 'generation_failed', message: 'boom' },
    ];
    const st = msgs.reduce(reduce, EMPTY);
    const s1 = st.sessions.s1!;
    expect(s1.prompt.map((t) => t.surprisal)).toEqual([undefined, 2]);
    expect(s1.tokens.map((t) => t.text)).toEqual(['a', 'b', 'c']);
    expect(s1.attention[10]).toEqual([{ layer: 0, head: 1, weights: [0.5, 0.5] }]);
    expect(s1.state).toBe('done');
    expect(s1.tokensPerSecond).toBe(12.5);
    const s2 = st.sessions.s2!;
    // The branch inherits the prompt and the tokens before the branch step.
    expect(s2.prompt).toBe(s1.prompt);
    expect(s2.tokens.map((t) => t.text)).toEqual(['a', 'x']);
    expect(s2.error).toBe('boom (generation_failed)');
    expect(st.errors).toEqual(['start: bad (bad_request)']);
    expect(depth(st, 's2')).toBe(1);
    expect(depth(st, 's1')).toBe(0);
  });
});

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.onclose?.({ code: 1000, reason: 'bye' });
  }
  receive(m: object) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

describe('DebuggerClient', () => {
  it('says hello, then sends start, stop, branch and compare', async () => {
    const sock = new FakeSocket();
    const got: ServerMsg[] = [];
    const c = new DebuggerClient((m) => got.push(m), () => {}, () => sock);
    const connected = c.connect('ws://x/ws');
    sock.onopen?.({});
    expect(sock.sent).toEqual([{ type: 'hello', version: 1 }]);
    sock.receive({ type: 'hello', version: 1, seq: 1 });
    await connected;
    expect(c.connected).toBe(true);
    c.start({
      id: 'ui-1',
      prompt: 'Hi',
      max_tokens: 4,
      sampling: { temperature: 0, top_k: 40, top_p: 1, min_p: 0, repeat_penalty: 1 },
      probes: { top_k: 5, attention: true, logit_lens: false, prompt_surprisal: true },
    });
    c.stop('s1');
    c.branch('s1', 2, 77, 'ui-2');
    c.compare({
      id: 'cmp-1',
      prompt: 'Hi',
      max_tokens: 4,
      sampling: { temperature: 0, top_k: 40, top_p: 1, min_p: 0, repeat_penalty: 1 },
      probes: { top_k: 20 },
      a: { model: 'A' },
      b: { model: 'B' },
    });
    expect(sock.sent.slice(1)).toEqual([
      {
        type: 'start',
        format: 'json',
        id: 'ui-1',
        prompt: 'Hi',
        max_tokens: 4,
        sampling: { temperature: 0, top_k: 40, top_p: 1, min_p: 0, repeat_penalty: 1 },
        probes: { top_k: 5, attention: true, logit_lens: false, prompt_surprisal: true },
      },
      { type: 'stop', session: 's1' },
      { type: 'branch', session: 's1', step: 2, token: 77, id: 'ui-2' },
      {
        type: 'compare',
        id: 'cmp-1',
        prompt: 'Hi',
        max_tokens: 4,
        sampling: { temperature: 0, top_k: 40, top_p: 1, min_p: 0, repeat_penalty: 1 },
        probes: { top_k: 20 },
        a: { model: 'A' },
        b: { model: 'B' },
      },
    ]);
    expect(got.map((m) => m.type)).toEqual(['hello']);
  });

  it('resumes a dropped connection and skips replayed messages', async () => {
    const sockets: FakeSocket[] = [];
    const got: number[] = [];
    const states: boolean[] = [];
    const closed = vi.fn();
    const c = new DebuggerClient(
      (m) => got.push((m as { seq?: number }).seq ?? -1),
      closed,
      () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      (r) => states.push(r),
      0,
    );
    const connected = c.connect('ws://x/ws?ticket=k');
    sockets[0]!.onopen?.({});
    sockets[0]!.receive({ type: 'hello', seq: 1, version: 1, resume: 'tok' });
    await connected;
    sockets[0]!.receive({ type: 'status', seq: 2, session: 's1', state: 'prefill' });
    sockets[0]!.receive({ type: 'token', seq: 3, session: 's1', index: 0 });
    sockets[0]!.onclose?.({ code: 1006, reason: '' });
    await new Promise((r) => setTimeout(r, 5));
    expect(sockets).toHaveLength(2);
    sockets[1]!.onopen?.({});
    expect(sockets[1]!.sent).toEqual([{ type: 'hello', version: 1, resume: 'tok', last_seq: 3 }]);
    sockets[1]!.receive({ type: 'hello', seq: 4, version: 1, resume: 'tok', resumed: true });
    sockets[1]!.receive({ type: 'token', seq: 3, session: 's1', index: 0 });
    sockets[1]!.receive({ type: 'token', seq: 5, session: 's1', index: 1 });
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(states).toEqual([true, false]);
    expect(closed).not.toHaveBeenCalled();
    c.close();
    expect(closed).not.toHaveBeenCalled();
  });

  it('puts a fresh single-use ticket in the URL, never the API key', async () => {
    const ticket = vi.fn(async () => 't/1');
    expect(await wsUrl({ protocol: 'http:', host: 'h:1' }, '', ticket)).toBe('ws://h:1/ws');
    expect(ticket).not.toHaveBeenCalled();
    const url = await wsUrl({ protocol: 'https:', host: 'h' }, 'sec ret', ticket);
    expect(url).toBe('wss://h/ws?ticket=t%2F1');
    expect(url).not.toContain('sec');
    expect(ticket).toHaveBeenCalledTimes(1);
  });

  it('reports a server without the debugger', async () => {
    const sock = new FakeSocket();
    const closed = vi.fn();
    const c = new DebuggerClient(() => {}, closed, () => sock);
    const connected = c.connect('ws://x/ws');
    sock.onclose?.({ code: 1006, reason: '' });
    await expect(connected).rejects.toThrow(/not available on this server/);
    expect(closed).toHaveBeenCalledWith(true, 'code 1006');
  });
});

describe('storedMessages', () => {
  const doc: StoredDebugDoc = {
    format: 'inferno.debug_session',
    version: 1,
    session: {
      id: 's4',
      model: 'tiny',
      parent: '',
      branch_step: -1,
      prompt_tokens: [1, 9038],
      prompt: [{ id: 1, text: '<s>' }, { id: 9038, text: ' Once' }],
      tokens: [2501, 263],
      finish_reason: 'length',
      steps: [
        { id: 2501, text: ' upon', logit: 9, prob: 0.8, rank: 0, entropy: 0.7, top: [{ id: 2501, text: ' upon', logit: 9, prob: 0.8 }] },
        { id: 263, text: ' a', logit: 7, prob: 0.4, rank: 1, entropy: 1.5, top: [] },
      ],
    },
  };

  it('rebuilds a stored session through the reducer', () => {
    const st = storedMessages(doc).reduce(reduce, EMPTY);
    const s = st.sessions['s4']!;
    expect(st.order).toEqual(['s4']);
    expect(s.model).toBe('tiny');
    expect(s.prompt.map((t) => t.text)).toEqual(['<s>', ' Once']);
    expect(s.tokens.map((t) => [t.index, t.position, t.text, t.prob, t.rank])).toEqual([
      [0, 2, ' upon', 0.8, 0],
      [1, 3, ' a', 0.4, 1],
    ]);
    expect(s.tokens[0]!.top).toHaveLength(1);
    expect(s.state).toBe('done');
    expect(s.finishReason).toBe('length');
  });

  it("keeps a stored run's images: their grids and the pictures sent", () => {
    const withImage: StoredDebugDoc = {
      ...doc,
      session: {
        ...doc.session,
        request: { images: ['data:image/png;base64,AA=='] },
        images: [{ first: 1, tokens: 1, rows: 1, cols: 1 }],
      },
    };
    const s = storedMessages(withImage).reduce(reduce, EMPTY).sessions['s4']!;
    expect(s.images).toEqual([{ first: 1, tokens: 1, rows: 1, cols: 1 }]);
    expect(s.imageUrls).toEqual(['data:image/png;base64,AA==']);
    expect(storedMessages(doc).reduce(reduce, EMPTY).sessions['s4']!.images).toBeUndefined();
  });

  it('keeps the speculative decoding marks of the steps', () => {
    const steps = doc.session.steps;
    const marked: StoredDebugDoc = {
      ...doc,
      session: { ...doc.session, steps: [{ ...steps[0]!, draft: 'accepted' }, { ...steps[1]!, draft: 'rejected', draft_id: 2501 }] },
    };
    const s = storedMessages(marked).reduce(reduce, EMPTY).sessions['s4']!;
    expect(s.tokens.map((t) => [t.draft, t.draft_id])).toEqual([
      ['accepted', undefined],
      ['rejected', 2501],
    ]);
    expect(storedMessages(doc).reduce(reduce, EMPTY).sessions['s4']!.tokens[0]).not.toHaveProperty('draft');
  });

  it('shows ids when the prompt texts were not stored, and a running session stays open', () => {
    const bare: StoredDebugDoc = { ...doc, session: { ...doc.session, prompt: undefined, finish_reason: '' } };
    const s = storedMessages(bare).reduce(reduce, EMPTY).sessions['s4']!;
    expect(s.prompt.map((t) => t.text)).toEqual(['#1', '#9038']);
    expect(s.state).not.toBe('done');
  });
});

describe('shortId', () => {
  it('shortens random ids and keeps old short ones', () => {
    expect(shortId('s0123456789abcdef0123456789abcdef')).toBe('s01234567…');
    expect(shortId('s12')).toBe('s12');
    expect(shortId('i41')).toBe('i41');
  });
});
