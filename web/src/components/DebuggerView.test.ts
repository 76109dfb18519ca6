import { describe, expect, it } from 'vitest';
import { remoteNotice } from './DebuggerView';

describe('remoteNotice', () => {
  it('names the model, the endpoint and what is unavailable', () => {
    const text = remoteNotice('gpu/llama-70b', 'gpu');
    expect(text).toContain("gpu/llama-70b runs on the remote endpoint 'gpu'");
    for (const feature of ['attention', 'logit lens', 'router', 'full logits', 'branching']) {
      expect(text).toContain(feature);
    }
  });
});
