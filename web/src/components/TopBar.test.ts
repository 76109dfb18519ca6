import { describe, expect, it } from 'vitest';
import { modelLabel } from './TopBar';

describe('modelLabel', () => {
  it('marks remote models, and an endpoint that is down', () => {
    const health = { ok: true, checked_at: 1, error: null };
    const endpoint = { name: 'gpu', url: 'http://10.0.0.5:8000', health };
    expect(modelLabel({ id: 'gpu/llama-70b', remote: true, endpoint })).toBe('gpu/llama-70b — remote');
    expect(
      modelLabel({ id: 'gpu/llama-70b', remote: true, endpoint: { ...endpoint, health: { ...health, ok: false } } }),
    ).toBe('gpu/llama-70b — remote · unreachable');
  });
  it('keeps local models as they were', () => {
    expect(modelLabel({ id: 'tiny', architecture: 'llama', quant: 'Q8_0' })).toBe('tiny — llama · Q8_0');
  });
});
