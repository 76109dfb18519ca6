import { DEFAULT_RUN_OPTIONS, startRequest } from './debugRequest';
import { DEFAULT_SETTINGS } from './settings';

describe('debugger start request', () => {
  it('renders the chat with the system prompt, caps tokens and asks for the probes ticked', () => {
    const settings = { ...DEFAULT_SETTINGS, max_tokens: 2000, seed: '7', top_logprobs: 3 };
    expect(startRequest('ui-1', 'm', 'Be brief', settings, DEFAULT_RUN_OPTIONS)).toEqual({
      id: 'ui-1',
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Once upon a time' },
      ],
      max_tokens: 512,
      sampling: { temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.1, seed: 7 },
      probes: { top_k: 5, attention: true, logit_lens: true, prompt_surprisal: true },
    });
  });

  it('sends a raw prompt, the default model, and the prompt map with or without per-token weights', () => {
    const o = { ...DEFAULT_RUN_OPTIONS, chat: false, prompt: 'Hi', promptMap: true, attention: false, lens: false };
    const r = startRequest('ui-2', '', '', { ...DEFAULT_SETTINGS, max_tokens: 16 }, o);
    expect(r.model).toBeUndefined();
    expect(r.prompt).toBe('Hi');
    expect(r.messages).toBeUndefined();
    expect(r.max_tokens).toBe(16);
    expect(r.sampling.seed).toBeUndefined();
    expect(r.probes).toEqual({
      top_k: 10,
      attention: { prompt: true, tokens: false },
      logit_lens: false,
      prompt_surprisal: true,
    });
  });

  it('sends the images with the prompt, without prompt surprisal (the server scores no image positions)', () => {
    const o = { ...DEFAULT_RUN_OPTIONS, images: ['data:image/png;base64,AA=='] };
    const r = startRequest('ui-3', 'vl', '', DEFAULT_SETTINGS, o);
    expect(r.images).toEqual(['data:image/png;base64,AA==']);
    expect(r.probes.prompt_surprisal).toBe(false);
    const none = startRequest('ui-4', 'vl', '', DEFAULT_SETTINGS, { ...DEFAULT_RUN_OPTIONS, images: [] });
    expect(none.images).toBeUndefined();
    expect(none.probes.prompt_surprisal).toBe(true);
  });
});
