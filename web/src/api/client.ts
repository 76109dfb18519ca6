// The server's inference routes: models, streaming chat, tokenizer.

import { withAuth } from './auth';
import { ApiError, networkError, responseError } from './errors';
import { readSse } from './sse';
import type { ModelInfo, ServerTimings, TokenInfo, TokenLogprob, Usage } from './types';
import type { ChatRequestBody } from '../lib/settings';
import type { LoadOptionValues, ModelLoadOptions } from '../lib/loadOptions';
import type { ServerSpeculation } from '../lib/speculation';

async function request(path: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, withAuth(init));
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await responseError(res, what);
  return res;
}

async function json<T>(path: string, init: RequestInit, what: string): Promise<T> {
  const res = await request(path, init, what);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(`${what}: the server sent something that is not JSON`, res.status);
  }
}

/** `GET /health`: the models in memory and the server's speculative decoding. */
export interface Health {
  status: string;
  models_loaded?: string[];
  speculation?: ServerSpeculation;
}

export async function getHealth(): Promise<Health> {
  return json<Health>('/health', {}, 'Asking the server how it is');
}

export async function listModels(): Promise<ModelInfo[]> {
  const body = await json<{ data?: ModelInfo[] }>('/v1/models', {}, 'Listing models');
  return body.data ?? [];
}

/** `inferno app` only: serves a model file chosen in the window's dialog; returns its id. */
export async function openModelFile(path: string): Promise<string> {
  const body = await json<{ id: string }>(
    '/api/app/models',
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) },
    'Opening the model file',
  );
  return body.id;
}

/** /api/models/{id}/options; ids may hold '/' (models in subfolders), kept as separators. */
function optionsPath(id: string): string {
  return `/api/models/${id.split('/').map(encodeURIComponent).join('/')}/options`;
}

export async function getModelOptions(id: string): Promise<ModelLoadOptions> {
  return json<ModelLoadOptions>(optionsPath(id), {}, 'Reading the model options');
}

/** Sets a model's context size and threads; the server reloads it when they change. */
export async function putModelOptions(id: string, values: LoadOptionValues): Promise<ModelLoadOptions> {
  return json<ModelLoadOptions>(
    optionsPath(id),
    { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(values) },
    'Changing the model options',
  );
}

export async function tokenize(model: string, content: string, addSpecial = true): Promise<TokenInfo[]> {
  const body = await json<{ tokens?: TokenInfo[] }>(
    '/tokenize',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: model || undefined, content, add_special: addSpecial }),
    },
    'Tokenizing',
  );
  return body.tokens ?? [];
}

export interface StreamDelta {
  text: string;
  logprobs: TokenLogprob[];
  /** A thinking model's reasoning (`delta.reasoning_content`), apart from the answer. */
  reasoning: string;
  /** Logprobs of the reasoning's tokens (`logprobs.reasoning_content`), when asked. */
  reasoningLogprobs: TokenLogprob[];
}

export interface StreamEnd {
  usage?: Usage;
  /** The server's measured speed (on the chunk with the finish reason). */
  timings?: ServerTimings;
  finish_reason?: string;
  model?: string;
  /** The calls the reply asks for, assembled from `delta.tool_calls` by index. */
  tool_calls?: StreamToolCall[];
}

export interface StreamToolCall {
  id: string;
  name: string;
  arguments: string;
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Adds one chunk's tool-call deltas to the calls so far (OpenAI streams them by index). */
export function addToolCallDeltas(calls: StreamToolCall[], deltas: ToolCallDelta[]): void {
  for (const d of deltas) {
    const i = d.index ?? calls.length;
    const c = (calls[i] ??= { id: '', name: '', arguments: '' });
    if (d.id) c.id = d.id;
    if (d.function?.name) c.name += d.function.name;
    if (d.function?.arguments) c.arguments += d.function.arguments;
  }
}

interface Chunk {
  model?: string;
  error?: { message?: string };
  usage?: Usage | null;
  timings?: ServerTimings | null;
  choices?: {
    delta?: { content?: string; reasoning_content?: string; tool_calls?: ToolCallDelta[] };
    logprobs?: { content?: TokenLogprob[]; reasoning_content?: TokenLogprob[] } | null;
    finish_reason?: string | null;
  }[];
}

/**
 * Streams one chat completion. `onDelta` is called for each chunk with text or tokens;
 * aborting `signal` closes the connection, which the server takes as a cancel.
 */
export async function streamChat(
  body: ChatRequestBody,
  signal: AbortSignal,
  onDelta: (d: StreamDelta) => void,
): Promise<StreamEnd> {
  const res = await request(
    '/v1/chat/completions',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal,
    },
    'The chat request',
  );
  if (!res.body) throw new ApiError('The server sent an empty response');
  const end: StreamEnd = {};
  try {
    for await (const data of readSse(res.body)) {
      if (data === '[DONE]') break;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        throw new ApiError('The server sent a malformed stream event');
      }
      if (chunk.error) {
        throw new ApiError(`Generation failed: ${chunk.error.message ?? 'unknown error'}`, 500);
      }
      if (chunk.model) end.model = chunk.model;
      if (chunk.usage) end.usage = chunk.usage;
      if (chunk.timings) end.timings = chunk.timings;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.finish_reason) end.finish_reason = choice.finish_reason;
      if (choice.delta?.tool_calls) addToolCallDeltas((end.tool_calls ??= []), choice.delta.tool_calls);
      const text = choice.delta?.content ?? '';
      const logprobs = choice.logprobs?.content ?? [];
      const reasoning = choice.delta?.reasoning_content ?? '';
      const reasoningLogprobs = choice.logprobs?.reasoning_content ?? [];
      if (text || logprobs.length || reasoning || reasoningLogprobs.length) {
        onDelta({ text, logprobs, reasoning, reasoningLogprobs });
      }
    }
  } catch (err) {
    throw networkError(err);
  }
  return end;
}

/** One token of a transcript with its probability and alternatives (Inferno's stream field). */
export interface SpeechToken {
  id: number;
  text: string;
  p: number;
  logprob: number;
  top: { id: number; text: string; p: number }[];
}

export interface SpeechSegment {
  id: number;
  start: number;
  end: number;
  text: string;
  tokens: SpeechToken[];
  avg_logprob: number;
  no_speech_prob: number;
}

export interface TranscriptionEnd {
  text: string;
  language?: string;
  duration?: number;
}

/**
 * Streams a transcription (`POST /v1/audio/transcriptions`, multipart, `stream: true`): each
 * segment to `onSegment` with its delta text as its 30 s window is decoded.
 */
export async function streamTranscription(
  audio: Blob,
  filename: string,
  model: string,
  signal: AbortSignal,
  onSegment: (delta: string, segment: SpeechSegment) => void,
): Promise<TranscriptionEnd> {
  const form = new FormData();
  form.append('file', audio, filename);
  form.append('model', model);
  form.append('stream', 'true');
  const res = await request('/v1/audio/transcriptions', { method: 'POST', body: form, signal }, 'The transcription');
  if (!res.body) throw new ApiError('The server sent an empty response');
  try {
    for await (const data of readSse(res.body)) {
      const e = JSON.parse(data) as {
        type: string;
        delta?: string;
        segment?: SpeechSegment;
        error?: { message?: string };
      } & TranscriptionEnd;
      if (e.type === 'error') throw new ApiError(`Transcription failed: ${e.error?.message ?? 'unknown error'}`, 500);
      if (e.type === 'transcript.text.delta' && e.segment) onSegment(e.delta ?? '', e.segment);
      if (e.type === 'transcript.text.done') return { text: e.text, language: e.language, duration: e.duration };
    }
  } catch (err) {
    throw networkError(err);
  }
  throw new ApiError('The transcription stream ended without its last event');
}
