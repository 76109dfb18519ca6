import { describe, expect, it } from 'vitest';
import type { ServerMsg } from '../api/debugger';
import { clampHeight, eventKind, forPlugin, hostMessage, MAX_HEIGHT, MIN_HEIGHT, parsePluginMessage, RateLimiter, SessionFeed } from './pluginHost';

const token: ServerMsg = {
  type: 'token',
  session: 's1',
  index: 0,
  position: 5,
  id: 42,
  text: ' Paris',
  prob: 0.5,
  rank: 0,
  top: [{ id: 42, text: ' Paris', prob: 0.5 }],
};

describe('parsePluginMessage', () => {
  it('accepts exactly the messages of version 1', () => {
    expect(parsePluginMessage({ inferno: 'plugin', v: 1, type: 'ready', api: 1 })).toEqual({ type: 'ready', api: 1 });
    expect(parsePluginMessage({ inferno: 'plugin', v: 1, type: 'resize', height: 333.4 })).toEqual({ type: 'resize', height: 333 });
    expect(parsePluginMessage({ inferno: 'plugin', v: 1, type: 'error', message: 'boom' })).toEqual({ type: 'error', message: 'boom' });
  });

  it('clamps heights and cuts long error messages', () => {
    expect(parsePluginMessage({ inferno: 'plugin', v: 1, type: 'resize', height: 1e9 })).toEqual({ type: 'resize', height: MAX_HEIGHT });
    expect(parsePluginMessage({ inferno: 'plugin', v: 1, type: 'resize', height: 0 })).toEqual({ type: 'resize', height: MIN_HEIGHT });
    const long = parsePluginMessage({ inferno: 'plugin', v: 1, type: 'error', message: 'x'.repeat(5000) });
    expect(long && long.type === 'error' && long.message.length).toBe(500);
  });

  it('ignores everything else', () => {
    const bogus: unknown[] = [
      null,
      undefined,
      'ready',
      42,
      [],
      { type: 'ready', api: 1 }, // no envelope
      { inferno: 'host', v: 1, type: 'ready', api: 1 }, // the host's own envelope
      { inferno: 'plugin', v: 2, type: 'ready', api: 1 }, // another version
      { inferno: 'plugin', v: '1', type: 'ready', api: 1 },
      { inferno: 'plugin', v: 1, type: 'ready', api: 2 },
      { inferno: 'plugin', v: 1, type: 'ready', api: 1, extra: true }, // unknown field
      { inferno: 'plugin', v: 1, type: 'resize', height: 'tall' },
      { inferno: 'plugin', v: 1, type: 'resize', height: NaN },
      { inferno: 'plugin', v: 1, type: 'resize', height: Infinity },
      { inferno: 'plugin', v: 1, type: 'resize', height: -5 },
      { inferno: 'plugin', v: 1, type: 'resize' },
      { inferno: 'plugin', v: 1, type: 'error', message: { toString: () => 'x' } },
      { inferno: 'plugin', v: 1, type: 'navigate', url: '/' },
      { inferno: 'plugin', v: 1, type: 'start', prompt: 'hi' }, // plugins cannot drive the debugger
      { inferno: 'plugin', v: 1, type: 'apiKey' },
      Object.assign(Object.create({ polluted: true }), { inferno: 'plugin', v: 1, type: 'ready', api: 1 }),
    ];
    for (const b of bogus) expect(parsePluginMessage(b), JSON.stringify(b)).toBeNull();
  });
});

describe('forPlugin', () => {
  it('sends only the kinds the manifest asked for', () => {
    const lens: ServerMsg = { type: 'probe', session: 's1', kind: 'logit_lens', position: 5, layers: [] };
    const attn: ServerMsg = { type: 'probe', session: 's1', kind: 'attention_prompt', positions: 3, heads: [] };
    expect(forPlugin(lens, ['token'])).toBeNull();
    expect(forPlugin(lens, ['logit_lens'])).toBe(lens);
    expect(forPlugin(attn, ['attention'])).toBe(attn);
    expect(forPlugin({ type: 'status', session: 's1', state: 'running' }, ['token'])).toBeNull();
    expect(forPlugin({ type: 'pong' }, ['token', 'status'])).toBeNull();
  });

  it('strips a token’s alternatives unless top_k is asked for', () => {
    const plain = forPlugin(token, ['token']);
    expect(plain).not.toBeNull();
    expect(plain && 'top' in plain).toBe(false);
    expect(plain && plain.type === 'token' && plain.text).toBe(' Paris');
    expect(forPlugin(token, ['top_k'])).toBe(token);
    expect(forPlugin(token, ['attention'])).toBeNull();
  });

  it('always sends the lifecycle messages', () => {
    const done: ServerMsg = { type: 'done', session: 's1', finish_reason: 'length' };
    expect(forPlugin(done, ['router'])).toBe(done);
    expect(eventKind({ type: 'error', code: 'x', message: 'y' })).toBe('lifecycle');
  });
});

describe('RateLimiter', () => {
  it('lets a burst through, then the average rate, and counts the rest', () => {
    let t = 0;
    const r = new RateLimiter(10, 5, () => t);
    const first = Array.from({ length: 8 }, () => r.take());
    expect(first.filter(Boolean).length).toBe(5);
    expect(r.dropped).toBe(3);
    t += 300; // 3 more after 0.3 s at 10/s
    expect(Array.from({ length: 5 }, () => r.take()).filter(Boolean).length).toBe(3);
  });
});

describe('SessionFeed', () => {
  it('keeps each session’s messages and tells subscribers', () => {
    const feed = new SessionFeed(2, 3);
    const seen: string[] = [];
    const off = feed.subscribe((m, s) => seen.push(`${s}:${m.type}`));
    feed.push(token);
    feed.push({ type: 'pong' }); // no session: not a plugin's business
    feed.push({ type: 'done', session: 's2', finish_reason: 'stop' });
    off();
    feed.push({ type: 'done', session: 's1', finish_reason: 'stop' });
    expect(seen).toEqual(['s1:token', 's2:done']);
    expect(feed.messages('s1').map((m) => m.type)).toEqual(['token', 'done']);
    feed.push({ type: 'done', session: 's3', finish_reason: 'stop' }); // s1 is the oldest: dropped
    expect(feed.messages('s1')).toEqual([]);
    expect(feed.messages('s3').length).toBe(1);
  });
});

describe('hostMessage', () => {
  it('wraps in the host envelope', () => {
    expect(hostMessage({ type: 'reset', run: null })).toEqual({ inferno: 'host', v: 1, type: 'reset', run: null });
    expect(clampHeight(100.6)).toBe(101);
  });
});
