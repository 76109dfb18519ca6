// Shapes of what the Inferno server answers (OpenAI-compatible routes plus Inferno's own).

export interface ModelInfo {
  id: string;
  size_bytes?: number;
  quant?: string;
  architecture?: string;
  context_length?: number;
  parameters?: number;
  loaded?: boolean;
  error?: string;
}

export interface TopLogprob {
  token: string;
  logprob: number;
  /** UTF-8 bytes of the token (a token can be part of a character). */
  bytes?: number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface MessageMetrics {
  tokens: number;
  prompt_tokens?: number;
  ttft_ms?: number;
  tokens_per_second?: number;
  total_ms?: number;
  finish_reason?: string;
}

export interface TokenInfo {
  id: number;
  text: string;
}
