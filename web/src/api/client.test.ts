import { afterEach, vi } from 'vitest';
import { getModelOptions, listModels, putModelOptions, streamChat, tokenize } from './client';
import { ApiError } from './errors';
import { buildChatRequest, DEFAULT_SETTINGS } from '../lib/settings';

function sseResponse(events: unknown[]): Response {
  const text = events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
  return new Response(text, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

afterEach(() => vi.unstubAllGlobals());

const body = buildChatRequest('m', '', [{ role: 'user', content: 'hi' }], DEFAULT_SETTINGS);

describe('streamChat', () => {
  it('collects text, logprobs, usage and finish reason from OpenAI chunks', async () => {
    const lp = { token: 'Hi', logprob: -0.1, top_logprobs: [{ token: 'Hi', logprob: -0.1 }] };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        sseResponse([
          { model: 'm', choices: [{ delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] },
          { model: 'm', choices: [{ delta: { content: 'Hi' }, logprobs: { content: [lp] }, finish_reason: null }] },
          { model: 'm', choices: [{ delta: { content: ' there' }, logprobs: null, finish_reason: null }] },
          { model: 'm', choices: [{ delta: {}, logprobs: null, finish_reason: 'length' }] },
          { model: 'm', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
          '[DONE]',
        ]),
      ),
    );
    const deltas: string[] = [];
    let tokens = 0;
    const end = await streamChat(body, new AbortController().signal, (d) => {
      deltas.push(d.text);
      tokens += d.logprobs.length;
    });
    expect(deltas).toEqual(['Hi', ' there']);
    expect(tokens).toBe(1);
    expect(end).toEqual({
      model: 'm',
      finish_reason: 'length',
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it("keeps the server's timings from the finish chunk", async () => {
    const timings = { prompt_n: 3, prompt_ms: 6, prompt_per_second: 500, predicted_n: 2, predicted_ms: 40, predicted_per_second: 25 };
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        sseResponse([
          { model: 'm', choices: [{ delta: { content: 'Hi' }, logprobs: null, finish_reason: null }] },
          { model: 'm', choices: [{ delta: {}, logprobs: null, finish_reason: 'stop' }], timings },
          '[DONE]',
        ]),
      ),
    );
    const end = await streamChat(body, new AbortController().signal, () => {});
    expect(end).toEqual({ model: 'm', finish_reason: 'stop', timings });
  });

  it('turns an OpenAI error body into a readable message', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json({ error: { message: 'cannot load broken.gguf: bad magic', type: 'server_error' } }, { status: 500 }),
      ),
    );
    await expect(streamChat(body, new AbortController().signal, () => {})).rejects.toThrow(
      'The chat request failed on the server (HTTP 500): cannot load broken.gguf: bad magic',
    );
  });

  it('says how to make room when the conversation does not fit the context', async () => {
    const message =
      "the prompt is 120 tokens but the model's context holds 32 (including at least one generated token); shorten it";
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json(
          { error: { message, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
          { status: 400 },
        ),
      ),
    );
    const err = (await streamChat(body, new AbortController().signal, () => {}).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('context_length_exceeded');
    expect(err.message).toBe(
      `The conversation does not fit in the model's context (HTTP 400): ${message}. ` +
        'Raise Context size under Settings → Model, or start a new chat.',
    );
  });

  it('reports an error event in the middle of the stream', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => sseResponse([{ error: { message: 'context full' } }])));
    await expect(streamChat(body, new AbortController().signal, () => {})).rejects.toThrow(
      'Generation failed: context full',
    );
  });

  it('says the server is unreachable when fetch fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const err = await streamChat(body, new AbortController().signal, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('network');
    expect((err as ApiError).message).toMatch(/Cannot reach the Inferno server/);
  });

  it('reports an abort as stopped', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new DOMException('The user aborted a request.', 'AbortError'))),
    );
    const err = await streamChat(body, new AbortController().signal, () => {}).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('aborted');
  });
});

describe('other routes', () => {
  it('lists models and tokenizes with the model named', async () => {
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/v1/models') return Response.json({ object: 'list', data: [{ id: 'a', quant: 'Q8_0' }] });
      expect(JSON.parse(String(init?.body))).toEqual({ model: 'a', content: 'hi', add_special: false });
      return Response.json({ model: 'a', tokens: [{ id: 5, text: 'hi' }] });
    });
    vi.stubGlobal('fetch', fetchMock);
    expect(await listModels()).toEqual([{ id: 'a', quant: 'Q8_0' }]);
    expect(await tokenize('a', 'hi', false)).toEqual([{ id: 5, text: 'hi' }]);
  });

  it('reads and sets model options, keeping subfolder ids as paths', async () => {
    const options = {
      id: 'family/tiny q8',
      context_size: 64,
      threads: 1,
      loaded: true,
      defaults: { context_size: 2048, threads: 2 },
      limits: { context_size: { min: 16, max: 2048 }, threads: { min: 1, max: 2 } },
    };
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      expect(url).toBe('/api/models/family/tiny%20q8/options');
      if (init?.method === 'PUT') {
        expect(JSON.parse(String(init.body))).toEqual({ context_size: 64, threads: 1 });
        return Response.json({ ...options, reloaded: true });
      }
      return Response.json(options);
    });
    vi.stubGlobal('fetch', fetchMock);
    expect(await getModelOptions('family/tiny q8')).toEqual(options);
    expect((await putModelOptions('family/tiny q8', { context_size: 64, threads: 1 })).reloaded).toBe(true);
  });

  it('marks a missing route so features can hide themselves', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ error: { message: 'no such route: GET /v1/models' } }, { status: 404 })),
    );
    const err = (await listModels().catch((e: unknown) => e)) as ApiError;
    expect(err.missingRoute).toBe(true);
  });
});
