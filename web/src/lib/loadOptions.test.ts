import { appliedMessage, checkDraft, draftChanged, draftOf, type ModelLoadOptions } from './loadOptions';

const limits = { context_size: { min: 16, max: 2048 }, threads: { min: 1, max: 8 } };

const options = (over: Partial<ModelLoadOptions> = {}): ModelLoadOptions => ({
  id: 'tiny',
  context_size: 512,
  threads: 2,
  loaded: true,
  defaults: { context_size: 2048, threads: 8 },
  limits,
  ...over,
});

describe('load options', () => {
  it('accepts whole numbers inside the ranges, ends included', () => {
    expect(checkDraft({ context_size: '16', threads: '8' }, limits)).toEqual({
      ok: true,
      values: { context_size: 16, threads: 8 },
    });
    expect(checkDraft({ context_size: ' 2048 ', threads: '1' }, limits)).toEqual({
      ok: true,
      values: { context_size: 2048, threads: 1 },
    });
  });

  it('names the field and its range for anything else', () => {
    for (const bad of ['', '15', '2049', '-1', '1.5', '1e3', 'abc', '99999999999999999999']) {
      const r = checkDraft({ context_size: bad, threads: '2' }, limits);
      expect(r).toEqual({
        ok: false,
        errors: { context_size: 'Context size must be a whole number from 16 to 2048 tokens' },
      });
    }
    const r = checkDraft({ context_size: '10', threads: '9' }, limits);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.threads).toBe('Threads must be a whole number from 1 to 8 threads');
  });

  it('knows when the draft differs from what is in effect', () => {
    const o = options();
    expect(draftChanged(draftOf(o), o)).toBe(false);
    expect(draftChanged({ context_size: '512 ', threads: '2' }, o)).toBe(false);
    expect(draftChanged({ context_size: '256', threads: '2' }, o)).toBe(true);
    expect(draftChanged({ context_size: '512', threads: '1' }, o)).toBe(true);
  });

  it('says what a change did', () => {
    expect(appliedMessage(options({ reloaded: true }))).toBe('Reloaded: 512 tokens of context, 2 threads.');
    expect(appliedMessage(options({ reloaded: false, loaded: false, threads: 1 }))).toBe(
      'Saved: 512 tokens of context, 1 thread when the model loads.',
    );
    expect(appliedMessage(options({ reloaded: false }))).toBe('In effect: 512 tokens of context, 2 threads.');
  });

  it('carries the KV cache types through draft, check and message', () => {
    const o = options({ cache_type_k: 'q8_0', cache_type_v: 'q4_0', reloaded: true });
    const draft = draftOf(o);
    expect(draft).toEqual({ context_size: '512', threads: '2', cache_type_k: 'q8_0', cache_type_v: 'q4_0' });
    expect(draftChanged(draft, o)).toBe(false);
    expect(draftChanged({ ...draft, cache_type_v: 'f16' }, o)).toBe(true);
    expect(checkDraft({ ...draft, cache_type_k: 'f16' }, limits)).toEqual({
      ok: true,
      values: { context_size: 512, threads: 2, cache_type_k: 'f16', cache_type_v: 'q4_0' },
    });
    expect(appliedMessage(o)).toBe('Reloaded: 512 tokens of context, 2 threads, KV cache q8_0 / q4_0.');
    // The default F16 cache is not mentioned.
    expect(appliedMessage({ ...o, cache_type_k: 'f16', cache_type_v: 'f16' })).toBe(
      'Reloaded: 512 tokens of context, 2 threads.',
    );
  });
});
