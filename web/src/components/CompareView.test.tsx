// @vitest-environment jsdom
// The Compare view against a fake debugger socket: what it sends, and that the figures on
// screen are the ones the server's `compare` messages carry.
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../lib/settings';
import { CompareView } from './CompareView';

class FakeWebSocket {
  static last: FakeWebSocket | null = null;
  readyState = 1;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
    setTimeout(() => this.onopen?.({}), 0);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {}
  receive(...msgs: object[]) {
    act(() => {
      for (const m of msgs) this.onmessage?.({ data: JSON.stringify(m) });
    });
  }
}

beforeEach(() => {
  window.localStorage.clear();
  vi.stubGlobal('WebSocket', FakeWebSocket);
});
afterEach(() => vi.unstubAllGlobals());

const models = [{ id: 'q8' }, { id: 'q4' }];
const tok = (session: string, index: number, text: string, prob: number) => ({
  type: 'token',
  session,
  index,
  position: 9 + index,
  id: index,
  text,
  prob,
  top: [{ id: index, text, prob }],
});

/** A `compare` step where side A sampled `a` and B sampled `b` (each its most likely token). */
const step = (index: number, a: number, b: number, kl_ab: number, kl_ba: number) => ({
  type: 'compare',
  kind: 'step',
  compare: 'c1',
  index,
  a: { id: a, top1: a },
  b: { id: b, top1: b },
  kl_ab,
  kl_ba,
  top1_agree: a === b,
  same_prefix: true,
});

describe('CompareView', () => {
  it("sends one compare and shows the server's KL figures in nats", async () => {
    const settings = { ...DEFAULT_SETTINGS, max_tokens: 2 };
    render(<CompareView models={models} defaultModel="q8" system="" settings={settings} />);
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }));
    await vi.waitFor(() => expect(FakeWebSocket.last?.sent).toHaveLength(1));
    const ws = FakeWebSocket.last!;
    expect(ws.url).toMatch(/^ws:\/\/[^/]+\/ws$/);
    ws.receive({ type: 'hello', seq: 1, version: 1, resume: 'r', limits: { max_tokens: 4096 } });
    await vi.waitFor(() => expect(ws.sent).toHaveLength(2));
    expect(ws.sent[1]).toEqual({
      type: 'compare',
      id: 'cmp-1',
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_tokens: 2,
      sampling: { temperature: 0, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1 },
      probes: { top_k: 20 },
      a: { model: 'q8' },
      b: { model: 'q4' },
    });
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();

    ws.receive(
      { type: 'session', seq: 2, session: 's1', id: 'cmp-1.a', model: 'q8' },
      { type: 'session', seq: 3, session: 's2', id: 'cmp-1.b', model: 'q4' },
      { type: 'compare', seq: 4, kind: 'session', compare: 'c1', id: 'cmp-1', a: 's1', b: 's2' },
      { ...tok('s1', 0, ' Once', 0.9), seq: 5 },
      { ...tok('s2', 0, ' Once', 0.8), seq: 6 },
      { ...step(0, 0, 0, 0.0123456, 0.02), seq: 7 },
      { ...tok('s1', 1, ' upon', 0.9), seq: 8 },
      { ...tok('s2', 1, ' there', 0.4), seq: 9 },
      { ...step(1, 1, 7, 0.5, 0.75), seq: 10 },
    );
    expect(screen.getByTestId('compare-summary').textContent).toBe('The outputs part at token 1.');
    ws.receive(
      { type: 'done', seq: 11, session: 's1', finish_reason: 'length' },
      { type: 'done', seq: 12, session: 's2', finish_reason: 'length' },
      {
        type: 'compare',
        seq: 13,
        kind: 'summary',
        compare: 'c1',
        steps: 2,
        mean_kl_ab: 0.2561728,
        top1_agreement: 0.5,
        first_divergence: 1,
      },
    );
    expect(screen.getByTestId('compare-summary').textContent).toBe(
      'The outputs part at token 1. Over the 2 steps compared: mean KL(A‖B) 0.2562 nats, top-1 agreement 50%.',
    );
    const rows = within(screen.getByTestId('compare-steps'))
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['0', '·Once', '·Once', '0.01235', '0.02000', 'same'],
      ['1', '·upon', '·there', '0.5000', '0.7500', 'differs'],
    ]);
    expect(screen.getByTestId('compare-a').textContent).toContain('·upon');
    expect(screen.getByRole('button', { name: 'Compare' })).toBeTruthy();

    fireEvent.click(within(screen.getByTestId('compare-b')).getByText('·there'));
    expect(screen.getByTestId('compare-step-detail').textContent).toMatch(
      /^Step 1: KL\(A‖B\) 0\.5000 nats, KL\(B‖A\) 0\.7500 nats; the most likely tokens differ\./,
    );
    expect(screen.getAllByRole('figure', { name: /Top alternatives at position 1/ })).toHaveLength(2);
  });

  it('stops both sides, also one announced after Stop', async () => {
    render(<CompareView models={models} defaultModel="q8" system="" settings={DEFAULT_SETTINGS} />);
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }));
    await vi.waitFor(() => expect(FakeWebSocket.last?.sent).toHaveLength(1));
    const ws = FakeWebSocket.last!;
    ws.receive({ type: 'hello', seq: 1, version: 1, resume: 'r' });
    await vi.waitFor(() => expect(ws.sent).toHaveLength(2));
    const id = ws.sent[1]!.id as string;
    ws.receive({ type: 'session', seq: 2, session: 's7', id: `${id}.a` });
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    // B was not announced yet when Stop was pressed: it is stopped when it is.
    ws.receive({ type: 'session', seq: 3, session: 's8', id: `${id}.b` });
    expect(ws.sent.slice(2)).toEqual([
      { type: 'stop', session: 's7' },
      { type: 'stop', session: 's8' },
    ]);
  });
});
