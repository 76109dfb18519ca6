// @vitest-environment jsdom
import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, vi } from 'vitest';
import type { ServerMsg } from '../api/debugger';
import { SessionFeed } from '../lib/pluginHost';
import { PluginPanels } from './PluginPanels';

const plugins = [
  { id: 'ranks', source: 'shipped', ok: true, name: 'ranks', title: 'Ranks', version: '1.0.0', description: 'd', entry: 'main.js', events: ['token'], api: 1, height: 150, frame: '/plugins/ranks/frame' },
  { id: 'bad', source: 'user', ok: false, error: "inferno-plugin.json: 'api' is required" },
];

const token = (session: string, index: number): ServerMsg => ({
  type: 'token',
  session,
  index,
  position: 4 + index,
  id: 7,
  text: 'x',
  prob: 0.5,
  rank: 0,
  top: [{ id: 7, text: 'x', prob: 0.5 }],
});

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

/** Posts `data` to the page as if from `source` with `origin`. */
function post(data: unknown, source: MessageEventSource | null, origin = 'null') {
  act(() => {
    window.dispatchEvent(new MessageEvent('message', { data, source, origin }));
  });
}

describe('PluginPanels', () => {
  it('lists plugins, runs an enabled one in a sandboxed frame and feeds it only after a valid ready', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(Response.json({ api: 1, plugins }))));
    const feed = new SessionFeed();
    feed.push(token('s1', 0));
    const { rerender } = render(<PluginPanels feed={feed} run={{ session: 's1', model: 'm' }} />);
    expect(await screen.findByText(/broken: inferno-plugin.json: 'api' is required/)).toBeTruthy();
    const [good, broken] = screen.getAllByRole('checkbox') as [HTMLInputElement, HTMLInputElement];
    expect(broken.disabled).toBe(true);
    fireEvent.click(good);
    expect(JSON.parse(localStorage.getItem('inferno.plugins.enabled')!)).toEqual(['ranks']);

    const frame = screen.getByTitle('Plugin: Ranks') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('allow-scripts');
    expect(frame.getAttribute('src')).toBe('/plugins/ranks/frame');
    const win = frame.contentWindow!;
    const sent = vi.spyOn(win, 'postMessage').mockImplementation(() => {});
    const ready = { inferno: 'plugin', v: 1, type: 'ready', api: 1 };

    // Not from the frame, not from an opaque origin, or not a valid message: ignored.
    post(ready, window);
    post(ready, win, 'http://localhost:8080');
    post({ inferno: 'plugin', v: 1, type: 'start', prompt: 'x' }, win);
    post('hello', win);
    expect(sent).not.toHaveBeenCalled();
    // Counted (from its own frame, but invalid) and shown a moment later.
    expect((await screen.findByTestId('plugin-ignored')).textContent).toMatch(/ignored 2 messages/);

    post(ready, win);
    const types = () => sent.mock.calls.map(([m]) => (m as { type: string }).type);
    expect(types()).toEqual(['init', 'event']);
    post(ready, win); // once only: a second ready would replay the run again
    expect(types()).toEqual(['init', 'event']);
    const calls = sent.mock.calls as [unknown][];
    expect(calls[0]?.[0]).toMatchObject({ inferno: 'host', v: 1, events: ['token'], run: { session: 's1', model: 'm' } });
    const replayed = (calls[1]?.[0] as { event: ServerMsg }).event;
    expect(replayed).toMatchObject({ type: 'token', session: 's1', index: 0 });
    expect('top' in replayed).toBe(false); // 'top_k' was not asked for

    // New messages of the shown run follow; another session's do not; a probe it did not ask for neither.
    act(() => {
      feed.push(token('s1', 1));
      feed.push(token('s2', 0));
      feed.push({ type: 'probe', session: 's1', kind: 'logit_lens', position: 5, layers: [] });
    });
    expect(types()).toEqual(['init', 'event', 'event']);

    // Another run shown: reset, then its messages so far.
    rerender(<PluginPanels feed={feed} run={{ session: 's2', model: 'm' }} />);
    expect(types()).toEqual(['init', 'event', 'event', 'reset', 'event']);

    // Resize requests are clamped.
    post({ inferno: 'plugin', v: 1, type: 'resize', height: 99999 }, win);
    expect(frame.style.height).toBe('800px');
    post({ inferno: 'plugin', v: 1, type: 'error', message: 'boom' }, win);
    expect(screen.getByText(/plugin error: boom/)).toBeTruthy();

    // The frame navigating to another page (its second load) takes it down: no more events.
    fireEvent.load(frame);
    expect(screen.getByTitle('Plugin: Ranks')).toBeTruthy();
    fireEvent.load(frame);
    expect(screen.queryByTitle('Plugin: Ranks')).toBeNull();
    expect(screen.getByText(/stopped: the plugin left its page/)).toBeTruthy();
    const before = sent.mock.calls.length;
    act(() => feed.push(token('s2', 1)));
    expect(sent.mock.calls.length).toBe(before);
  });
});
