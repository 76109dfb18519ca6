import type { BenchRow, BenchRun } from '../api/bench';
import { SseParser } from '../api/sse';
import {
  IDLE,
  applyBenchEvent,
  niceMax,
  compareRuns,
  modelsForCategory,
  parseBenchEvent,
  parsePromptSizes,
  progressLabel,
  rowSize,
  seriesByModel,
  type BenchEvent,
  type RunState,
} from './bench';

function row(model: string, prompt: number, over: Partial<BenchRow> = {}): BenchRow {
  return {
    timestamp: '2026-11-25T10:00:00Z',
    run_id: 'k',
    hostname: 'vm',
    cpu_model: 'cpu',
    cpu_flags: 'avx2',
    isa: 'avx2',
    cores: 2,
    threads: 2,
    model,
    model_path: `/m/${model}.gguf`,
    architecture: 'llama',
    quant: 'Q8_0',
    size_bytes: 1000,
    params: 100,
    input_type: 'text',
    prompt_tokens: prompt,
    generated_tokens: 4,
    repetitions: 1,
    load_ms: 10,
    ttft_ms: 5,
    ttft_ms_sd: 0,
    prefill_tps: 1000,
    prefill_tps_sd: 0,
    decode_tps: 100,
    decode_tps_sd: 0,
    total_ms: 50,
    total_ms_sd: 0,
    peak_rss_bytes: 2000,
    cpu_seconds: 1,
    status: 'ok',
    error: '',
    ...over,
  };
}

function run(id: number, rows: BenchRow[]): BenchRun {
  return {
    id,
    run_key: `k${id}`,
    source: 'server',
    status: 'done',
    error: '',
    started_at: '2026-11-25T10:00:00.000Z',
    finished_at: '2026-11-25T10:01:00.000Z',
    machine: { hostname: 'vm', cpu_model: 'cpu', cpu_flags: '', isa: 'avx2', cores: 2 },
    threads: 2,
    models: [...new Set(rows.map((r) => r.model))],
    prompt_sizes: [...new Set(rows.map((r) => r.prompt_tokens))],
    repetitions: 1,
    gen_tokens: 4,
    row_count: rows.length,
    rows,
  };
}

// The stream exactly as the server writes it (server/bench_json.cc), split mid-event.
const STREAM =
  'event: start\ndata: {"run":{"id":7,"status":"running","models":["m"]}}\n\n' +
  'event: progress\ndata: {"run_id":7,"model":"m","model_index":0,"model_count":2,"phase":"loading",' +
  '"prompt_tokens":0,"rep":0,"repetitions":2,"step":0,"steps":4,"fraction":0}\n\n' +
  'event: progress\ndata: {"run_id":7,"model":"m","model_index":0,"model_count":2,"phase":"measuring",' +
  '"prompt_tokens":16,"rep":1,"repetitions":2,"step":2,"steps":4,"fraction":0.25}\n\n' +
  ': keep-alive\n\n' +
  'event: result\ndata: {"run_id":7,"row":{"model":"m","prompt_tokens":16,"status":"ok","decode_tps":812.5}}\n\n' +
  'event: result\ndata: {"run_id":7,"row":{"model":"broken","prompt_tokens":0,"status":"failed","error":"bad magic"}}\n\n' +
  'event: done\ndata: {"run_id":7,"status":"done","rows":2}\n\n';

function feed(text: string, cut: number): BenchEvent[] {
  const p = new SseParser();
  const raw = [...p.pushEvents(text.slice(0, cut)), ...p.pushEvents(text.slice(cut)), ...p.flushEvents()];
  return raw.map(parseBenchEvent).filter((e): e is BenchEvent => e !== null);
}

describe('bench SSE progress', () => {
  it('parses the stream into typed events whatever the read boundaries', () => {
    for (const cut of [0, 17, 150, STREAM.length - 5]) {
      const events = feed(STREAM, cut);
      expect(events.map((e) => e.type)).toEqual(['start', 'progress', 'progress', 'result', 'result', 'done']);
    }
    const events = feed(STREAM, 40);
    const p = events[2];
    expect(p?.type === 'progress' ? p.progress : null).toEqual({
      category: 'text', // the stream has none: a server from before the categories
      model: 'm',
      modelIndex: 0,
      modelCount: 2,
      phase: 'measuring',
      promptTokens: 16,
      rep: 1,
      repetitions: 2,
      fraction: 0.25,
    });
  });

  it('folds events into the live state: progress, rows, the end', () => {
    let s: RunState = IDLE;
    const states: RunState[] = [];
    for (const e of feed(STREAM, 99)) {
      s = applyBenchEvent(s, e);
      states.push(s);
    }
    expect(states[0]).toMatchObject({ runId: 7, status: 'running', fraction: 0 });
    expect(states[2]?.fraction).toBe(0.25);
    expect(progressLabel(states[2]?.progress ?? null)).toBe('m · prompt 16 · rep 2/2 (model 1/2)');
    expect(s.rows.map((r) => r.status)).toEqual(['ok', 'failed']);
    expect(s.status).toBe('done');
    expect(s.fraction).toBe(1);
  });

  it('keeps the fraction from going back and reports a failed run', () => {
    let s = applyBenchEvent(IDLE, { type: 'start', run: run(3, []) });
    const at = (f: number): BenchEvent => ({
      type: 'progress',
      runId: 3,
      progress: { category: 'text', model: 'm', modelIndex: 0, modelCount: 1, phase: 'measuring', promptTokens: 8, rep: 0, repetitions: 1, fraction: f },
    });
    s = applyBenchEvent(applyBenchEvent(s, at(0.6)), at(0.2));
    expect(s.fraction).toBe(0.6);
    const failed = parseBenchEvent({ event: 'error', data: '{"run_id":3,"status":"failed","message":"no space"}' });
    s = applyBenchEvent(s, failed as BenchEvent);
    expect(s).toMatchObject({ status: 'failed', error: 'no space', fraction: 0.6 });
    expect(parseBenchEvent({ event: 'done', data: '{"run_id":3,"status":"cancelled","rows":0}' })).toEqual({
      type: 'done',
      runId: 3,
      status: 'cancelled',
      rows: 0,
    });
  });

  it('ignores junk and unknown events', () => {
    expect(parseBenchEvent({ event: 'progress', data: 'not json' })).toBeNull();
    expect(parseBenchEvent({ event: 'progress', data: '[1,2]' })).toBeNull();
    expect(parseBenchEvent({ event: 'later', data: '{}' })).toBeNull();
    expect(parseBenchEvent({ event: 'start', data: '{"run":{}}' })).toBeNull();
  });
});

describe('prompt sizes', () => {
  it('accepts commas and spaces, drops repeats, names a bad entry', () => {
    expect(parsePromptSizes('50, 100 200,100')).toEqual({ sizes: [50, 100, 200], error: '' });
    expect(parsePromptSizes('50, 0').error).toMatch(/“0”/);
    expect(parsePromptSizes('4096').error).toMatch(/1 to 2048/);
    expect(parsePromptSizes('1.5').error).not.toBe('');
    expect(parsePromptSizes('  ').error).toMatch(/at least one/);
    expect(parsePromptSizes('1 2 3 4 5 6 7 8 9').error).toMatch(/At most 8/);
  });
});

describe('compareRuns', () => {
  it('matches rows on model and prompt size with B/A ratios and which side is better', () => {
    const a = run(1, [row('m', 50, { decode_tps: 100, ttft_ms: 10 }), row('m', 100), row('gone', 50)]);
    const b = run(2, [row('m', 50, { decode_tps: 150, ttft_ms: 20 }), row('m', 100, { status: 'failed' }), row('new', 50)]);
    const rows = compareRuns(a, b);
    const find = (model: string, p: number, metric: string) =>
      rows.find((r) => r.model === model && r.promptTokens === p && r.metric === metric);
    expect(find('m', 50, 'decode_tps')).toMatchObject({ a: 100, b: 150, ratio: 1.5, better: true });
    expect(find('m', 50, 'ttft_ms')).toMatchObject({ a: 10, b: 20, ratio: 2, better: false });
    expect(find('m', 50, 'peak_rss_bytes')).toMatchObject({ ratio: 1, better: null });
    // A failed row is missing, not zero.
    expect(find('m', 100, 'decode_tps')).toMatchObject({ a: 100, b: null, ratio: null, better: null });
    expect(find('gone', 50, 'decode_tps')).toMatchObject({ b: null, ratio: null });
    expect(find('new', 50, 'decode_tps')).toMatchObject({ a: null, b: 100, ratio: null });
    // Order: A's rows first, then B's new ones; five metrics each.
    expect([...new Set(rows.map((r) => `${r.model}/${r.promptTokens}`))]).toEqual(['m/50', 'm/100', 'gone/50', 'new/50']);
    expect(rows.length).toBe(4 * 5);
  });

  it('gives no ratio against zero', () => {
    const rows = compareRuns(run(1, [row('m', 8, { decode_tps: 0 })]), run(2, [row('m', 8)]));
    expect(rows.find((r) => r.metric === 'decode_tps')).toMatchObject({ ratio: null, better: null });
  });
});

describe('chart series', () => {
  it('one series per model, points sorted by prompt size, failed rows left out', () => {
    const s = seriesByModel(
      [row('a', 200, { total_ms: 30 }), row('a', 50, { total_ms: 10 }), row('b', 50, { status: 'failed' }), row('c', 50)],
      (r) => r.total_ms,
    );
    expect(s).toEqual([
      { name: 'a', points: [{ x: 50, y: 10 }, { x: 200, y: 30 }] },
      { name: 'c', points: [{ x: 50, y: 50 }] },
    ]);
  });
});

describe('niceMax', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.2, 2.2, 3, 7, 1800, 2000, 26_660_864].map(niceMax)).toEqual([
      1, 1, 2, 2.5, 5, 10, 2000, 2000, 50_000_000,
    ]);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(Number.NaN)).toBe(1);
  });
});

describe('categories', () => {
  it('sizes per category with their bounds and units', () => {
    expect(parsePromptSizes('256 1024', 'image')).toEqual({ sizes: [256, 1024], error: '' });
    expect(parsePromptSizes('5000', 'image').error).toBe('“5000” is not an image size from 1 to 4096 px.');
    expect(parsePromptSizes('5, 10, 30', 'audio')).toEqual({ sizes: [5, 10, 30], error: '' });
    expect(parsePromptSizes('601', 'audio').error).toMatch(/1 to 600 s/);
    expect(parsePromptSizes('', 'audio').error).toBe('Enter at least one clip length.');
  });

  it("a row's size is its prompt, picture or clip; rows stored before the categories are text", () => {
    expect(rowSize(row('m', 50))).toBe(50);
    expect(rowSize(row('m', 30, { input_type: 'image', image_px: 512 }))).toBe(512);
    expect(rowSize(row('m', 0, { input_type: 'audio', audio_seconds: 10 }))).toBe(10);
    expect(rowSize(row('m', 8, { input_type: '' }))).toBe(8);
  });

  it('offers vision models for images and speech models for audio', () => {
    const models = [{ id: 'a' }, { id: 'v', capabilities: ['vision'] }, { id: 's', kind: 'speech' }];
    expect(modelsForCategory(models, 'text').map((m) => m.id)).toEqual(['a', 'v']);
    expect(modelsForCategory(models, 'image').map((m) => m.id)).toEqual(['v']);
    expect(modelsForCategory(models, 'audio').map((m) => m.id)).toEqual(['s']);
  });

  it('compares image runs on picture size with the encoder, audio runs on the RTF', () => {
    const img = (px: number, enc: number) => row('g', 20, { input_type: 'image', image_px: px, encoder_ms: enc });
    const rows = compareRuns(run(1, [img(256, 4), img(512, 5)]), run(2, [img(256, 2), img(512, 5)]));
    expect([...new Set(rows.map((r) => r.promptTokens))]).toEqual([256, 512]);
    expect(rows.find((r) => r.promptTokens === 256 && r.metric === 'encoder_ms')).toMatchObject({
      a: 4,
      b: 2,
      ratio: 0.5,
      better: true,
    });
    expect(rows.filter((r) => r.promptTokens === 256).map((r) => r.metric)).toEqual([
      'decode_tps',
      'prefill_tps',
      'ttft_ms',
      'total_ms',
      'peak_rss_bytes',
      'encoder_ms',
    ]);
    const clip = (rtf: number) => row('w', 0, { input_type: 'audio', audio_seconds: 5, rtf });
    const audio = compareRuns(run(1, [clip(0.5)]), run(2, [clip(0.25)]));
    expect(audio.map((r) => r.metric)).toEqual(['total_ms', 'peak_rss_bytes', 'rtf']);
    expect(audio.find((r) => r.metric === 'rtf')).toMatchObject({ ratio: 0.5, better: true });
  });

  it("labels progress in the category's unit", () => {
    const p = { model: 'w', modelIndex: 0, modelCount: 1, phase: 'measuring', promptTokens: 10, rep: 0, repetitions: 2, fraction: 0.5 };
    expect(progressLabel({ ...p, category: 'audio' })).toBe('w · clip 10 s · rep 1/2');
    expect(progressLabel({ ...p, category: 'image', promptTokens: 512 })).toBe('w · image 512 px · rep 1/2');
    expect(progressLabel({ ...p, category: 'text', promptTokens: 100 })).toBe('w · prompt 100 · rep 1/2');
  });
});
