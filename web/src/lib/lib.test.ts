// @vitest-environment jsdom
import { renderMarkdown } from './markdown';
import { computeMetrics, formatBytes, formatMetrics } from './metrics';
import { formatProb, probBucket, probOf, surprisalBits, visibleToken } from './probability';
import { buildChatRequest, DEFAULT_SETTINGS, sanitizeSettings } from './settings';

describe('settings', () => {
  it('puts every sampling setting into the request', () => {
    const s = { ...DEFAULT_SETTINGS, temperature: 0.3, top_k: 7, seed: '42', top_logprobs: 5 };
    const body = buildChatRequest('tiny', 'Be brief.', [{ role: 'user', content: 'hi' }], s);
    expect(body).toEqual({
      model: 'tiny',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_k: 7,
      top_p: 0.95,
      min_p: 0.05,
      repeat_penalty: 1.1,
      max_tokens: 256,
      seed: 42,
      logprobs: true,
      top_logprobs: 5,
    });
  });

  it('leaves out an empty seed, system prompt and model; no logprobs at 0', () => {
    const body = buildChatRequest('', '  ', [], { ...DEFAULT_SETTINGS, top_logprobs: 0 });
    expect(body.seed).toBeUndefined();
    expect(body.model).toBeUndefined();
    expect(body.logprobs).toBeUndefined();
    expect(body.messages).toEqual([]);
  });

  it('sanitizes stored settings', () => {
    expect(sanitizeSettings({ temperature: 9, top_k: 'x', seed: 12, bogus: 1 })).toEqual({
      ...DEFAULT_SETTINGS,
      temperature: 2,
      seed: '12',
    });
    expect(sanitizeSettings(null)).toEqual(DEFAULT_SETTINGS);
  });
});

describe('probabilities', () => {
  it('converts and buckets', () => {
    expect(probOf(0)).toBe(1);
    expect(probOf(Math.log(0.25))).toBeCloseTo(0.25);
    expect(probOf(-Infinity)).toBe(0);
    expect(surprisalBits(0.25)).toBeCloseTo(2);
    expect([0.9, 0.6, 0.3, 0.1, 0.01].map(probBucket)).toEqual([0, 1, 2, 3, 4]);
    expect(formatProb(0.4567)).toBe('46%');
    expect(formatProb(0.0123)).toBe('1.2%');
    expect(formatProb(0.00001)).toBe('1.0e-5');
  });

  it('shows whitespace in tokens', () => {
    expect(visibleToken(' a\n\tb')).toBe('·a↵⇥b');
    expect(visibleToken('\u0001')).toBe('\\x01');
    expect(visibleToken('')).toBe('∅');
    expect(visibleToken('\uFFFD', [0xe2, 0x80])).toBe('‹e2 80›');
    expect(visibleToken('\uFFFD')).toBe('\uFFFD');
  });
});

describe('metrics', () => {
  it('measures TTFT and decode rate after the first token', () => {
    const m = computeMetrics({ start: 1000, first: 1250, last: 2250, tokens: 11 });
    expect(m).toEqual({ tokens: 11, ttft_ms: 250, total_ms: 1250, tokens_per_second: 10 });
    expect(formatMetrics(m)).toBe('11 tokens · 10.0 tok/s · TTFT 250 ms');
  });

  it('prefers the server usage count and survives no tokens', () => {
    expect(computeMetrics({ start: 0, first: 10, last: 110, tokens: 3 }, 5).tokens_per_second).toBe(40);
    expect(computeMetrics({ start: 0, tokens: 0 })).toEqual({ tokens: 0 });
    expect(formatBytes(10687616)).toBe('10.2 MiB');
  });
});

describe('markdown', () => {
  it('renders and highlights code', () => {
    const html = renderMarkdown('**bold**\n\n```python\ndef f(): return 1\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain('class="code-lang">python<');
  });

  it('removes scripts and event handlers from model output', () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"><script>alert(2)</script>[a](javascript:alert(3))');
    expect(html).not.toMatch(/onerror|<script|javascript:/);
  });

  it('escapes code in unknown languages', () => {
    const html = renderMarkdown('```zzz\n<b>\n```');
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
  });
});
