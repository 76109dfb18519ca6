// The debugger's `start` message from the form's choices and the Settings panel.

import type { StartParams } from '../api/debugger';
import { debuggerSampling, type Settings } from './settings';

/** What the debugger form asks for besides the settings. */
export interface RunOptions {
  prompt: string;
  /** Through the model's chat template (with the system prompt), else the raw prompt. */
  chat: boolean;
  attention: boolean;
  /** The prompt×prompt attention map as well. */
  promptMap: boolean;
  lens: boolean;
  /** MoE models: which experts each layer picks for each token. */
  router: boolean;
  /** Images (data URLs) sent with the prompt: a vision model's attention over them. */
  images?: string[];
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  prompt: 'Once upon a time',
  chat: true,
  attention: true,
  promptMap: false,
  lens: true,
  router: false,
};

/** The debugger generates at most this many tokens per session from the UI. */
export const MAX_DEBUG_TOKENS = 512;

/** The prompt as chat messages, after the system prompt when there is one. */
export function chatMessages(system: string, prompt: string): { role: string; content: string }[] {
  return [...(system.trim() ? [{ role: 'system', content: system }] : []), { role: 'user', content: prompt }];
}

export function startRequest(
  id: string,
  model: string,
  system: string,
  settings: Settings,
  o: RunOptions,
): StartParams {
  return {
    id,
    model: model || undefined,
    ...(o.chat ? { messages: chatMessages(system, o.prompt) } : { prompt: o.prompt }),
    ...(o.images?.length ? { images: o.images } : {}),
    max_tokens: Math.min(settings.max_tokens, MAX_DEBUG_TOKENS),
    ...(settings.speculation !== 'auto' ? { speculation: settings.speculation } : {}),
    sampling: debuggerSampling(settings),
    probes: {
      top_k: Math.max(5, settings.top_logprobs),
      attention: o.promptMap ? { prompt: true, tokens: o.attention } : o.attention,
      logit_lens: o.lens,
      // The server scores no prompt positions that hold an image: none asked with images.
      prompt_surprisal: !o.images?.length,
      ...(o.router ? { router: true } : {}),
    },
  };
}
