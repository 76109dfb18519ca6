// @vitest-environment jsdom
import { renderMarkdown } from './markdown';
import { computeMetrics, describeMetrics, formatBytes, formatMetrics } from './metrics';
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
  it('without server timings, estimates the decode rate from arrival times and says so', () => {
    const m = computeMetrics({ start: 1000, first: 1250, last: 2250, tokens: 11 });
    expect(m).toEqual({ tokens: 11, ttft_ms: 250, total_ms: 1250, tokens_per_second: 10, rate_source: 'browser' });
    expect(formatMetrics(m)).toBe('11 tokens · 10.0 tok/s (browser timing) · TTFT 250 ms');
    expect(describeMetrics(m)).toMatch(/reached the browser/);
  });

  it('prefers the server usage count and survives no tokens', () => {
    expect(computeMetrics({ start: 0, first: 10, last: 110, tokens: 3 }, 5).tokens_per_second).toBe(40);
    expect(computeMetrics({ start: 0, tokens: 0 })).toEqual({ tokens: 0 });
    expect(formatBytes(10687616)).toBe('10.2 MiB');
  });

  it("shows the server's decode rate, not a burst's arrival rate", () => {
    // 54 tokens buffered and delivered in one burst: 0.8 ms between first and last chunk.
    const burst = { start: 0, first: 300, last: 300.8, tokens: 54 };
    expect(computeMetrics(burst, 54).tokens_per_second).toBeCloseTo(66250, 6);
    const timings = {
      prompt_n: 12,
      prompt_ms: 40,
      prompt_per_second: 300,
      predicted_n: 54,
      predicted_ms: 2650,
      predicted_per_second: 20,
    };
    const m = computeMetrics(burst, 54, timings);
    expect(m).toEqual({
      tokens: 54,
      ttft_ms: 300,
      total_ms: 300.8,
      tokens_per_second: 20,
      rate_source: 'server',
      prompt_tokens_per_second: 300,
    });
    expect(formatMetrics(m)).toBe('54 tokens · 20.0 tok/s · TTFT 300 ms');
    expect(describeMetrics(m)).toMatch(/the decode rate the server measured/);
  });

  it('shows no rate when the server measured none (a one-token reply)', () => {
    const clock = { start: 0, first: 5, last: 5, tokens: 1 };
    const m = computeMetrics(clock, undefined, { predicted_n: 1, predicted_per_second: 0 });
    expect(m).toEqual({ tokens: 1, ttft_ms: 5, total_ms: 5 });
    expect(formatMetrics(m)).toBe('1 token · TTFT 5 ms');
  });

  it('labels a stored rate without a source as the browser estimate it was', () => {
    expect(formatMetrics({ tokens: 3, tokens_per_second: 12.34 })).toBe('3 tokens · 12.3 tok/s (browser timing)');
    expect(formatMetrics({ tokens: 3, tokens_per_second: 12.34, rate_source: 'server' })).toBe('3 tokens · 12.3 tok/s');
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
