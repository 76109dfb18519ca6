// @vitest-environment jsdom
// The whole app against an in-memory server that follows the store contract
// (/work/briefs store_api: conversations, messages, truncate) and streams chat replies.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { App } from './App';

interface Msg {
  id: string;
  role: string;
  content: string;
  metrics?: unknown;
}

function fakeServer(withStore: boolean) {
  const log: string[] = [];
  const conversations = new Map<string, { id: string; title: string; messages: Msg[] }>();
  let nextId = 1;
  let replies = 0;
  const profiles: { id: string; name: string; model?: string; system?: string; settings?: unknown }[] = [];
  const sse = (events: unknown[]) =>
    new Response(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n', {
      headers: { 'Content-Type': 'text/event-stream' },
    });
  const fetchMock = vi.fn(async (input: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const url = new URL(input, 'http://x');
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    if (url.pathname.startsWith('/api/tools')) {
      // The tool catalog (its own tests: 'tools in the chat' below); not part of the store.
      return Response.json({ object: 'list', data: [] });
    }
    if (url.pathname !== '/v1/models') log.push(`${method} ${url.pathname}`);
    if (url.pathname === '/v1/models') {
      return Response.json({ data: [{ id: 'tiny', quant: 'Q8_0', architecture: 'llama', size_bytes: 1 << 20 }] });
    }
    if (url.pathname === '/tokenize') {
      return Response.json({ tokens: String(body.content).split(' ').map((t, i) => ({ id: i, text: t })) });
    }
    if (url.pathname === '/v1/chat/completions' && body.messages.at(-1).content === 'slow') {
      // One token, then nothing until the client aborts.
      const enc = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode(`data: ${JSON.stringify({ choices: [{ delta: { content: 'partial' } }] })}\n\n`));
          init?.signal?.addEventListener('abort', () => c.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'text/event-stream' } });
    }
    if (url.pathname === '/v1/chat/completions') {
      replies++;
      const text = `reply ${replies} to ${body.messages.at(-1).content}`;
      return sse([
        { model: 'tiny', choices: [{ delta: { role: 'assistant', content: '' } }] },
        { model: 'tiny', choices: [{ delta: { content: text } }] },
        {
          model: 'tiny',
          choices: [{ delta: {}, finish_reason: 'stop' }],
          timings: { prompt_n: 5, prompt_ms: 10, prompt_per_second: 500, predicted_n: 4, predicted_ms: 240, predicted_per_second: 12.5 },
        },
        { model: 'tiny', choices: [], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } },
      ]);
    }
    if (!withStore) return Response.json({ error: { message: `no such API route: ${method} ${url.pathname}` } }, { status: 404 });
    const parts = url.pathname.split('/').filter(Boolean); // api conversations id messages mid
    if (parts[1] === 'profiles') {
      if (method === 'GET') return Response.json({ profiles });
      if (method === 'POST') {
        const p = { id: `p${nextId++}`, ...body };
        profiles.push(p);
        return Response.json(p, { status: 201 });
      }
      if (method === 'PUT') {
        const i = profiles.findIndex((p) => p.id === parts[2]);
        profiles[i] = { id: parts[2]!, ...body };
        return Response.json(profiles[i]);
      }
    }
    if (parts.length === 2 && method === 'GET') {
      return Response.json({
        conversations: [...conversations.values()].map((c) => ({
          id: c.id,
          title: c.title,
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
          message_count: c.messages.length,
        })),
      });
    }
    if (parts.length === 2 && method === 'POST') {
      const c = { id: `c${nextId++}`, title: body.title, messages: [] };
      conversations.set(c.id, c);
      return Response.json(c, { status: 201 });
    }
    const conv = conversations.get(parts[2]!)!;
    if (parts.length === 3 && method === 'GET') return Response.json({ ...conv, created_at: '', updated_at: '' });
    if (parts[3] === 'messages' && method === 'POST') {
      const m = { id: `m${nextId++}`, ...body };
      conv.messages.push(m);
      return Response.json(m, { status: 201 });
    }
    if (parts[3] === 'messages' && method === 'DELETE') {
      const i = conv.messages.findIndex((m) => m.id === parts[4]);
      conv.messages.splice(i);
      return new Response(null, { status: 204 });
    }
    return Response.json({ error: { message: 'unexpected' } }, { status: 400 });
  });
  return { fetchMock, log, conversations, profiles };
}

beforeEach(() => {
  window.localStorage.clear();
  window.localStorage.setItem('inferno.showSettings', 'true');
  Element.prototype.scrollTo = () => {};
});
afterEach(() => vi.unstubAllGlobals());

async function send(text: string) {
  const box = screen.getByRole('textbox', { name: 'Message' });
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: 'Enter' });
}

describe('App with the store', () => {
  it('saves turns, and regenerate / edit-and-resend truncate the stored conversation', async () => {
    const server = fakeServer(true);
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    await screen.findByRole('option', { name: /tiny — llama · Q8_0 · 1\.0 MiB/ });

    await send('hello');
    await screen.findByText('reply 1 to hello');
    await waitFor(() => expect(server.conversations.get('c1')?.messages.length).toBe(2));
    // The decode rate is the server's (timings on the finish chunk), and so is what is stored.
    expect(screen.getByTestId('metrics').textContent).toMatch(/^tiny · 4 tokens · 12\.5 tok\/s · TTFT \d+ ms$/);
    const stored = server.conversations.get('c1')!;
    expect(stored.messages[1]!.metrics).toMatchObject({ tokens: 4, tokens_per_second: 12.5, rate_source: 'server' });
    expect(stored.title).toBe('hello');
    expect(stored.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'reply 1 to hello'],
    ]);

    fireEvent.click(screen.getByRole('button', { name: 'Regenerate' }));
    await screen.findByText('reply 2 to hello');
    await waitFor(() => expect(stored.messages.map((m) => m.content)).toEqual(['hello', 'reply 2 to hello']));

    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Edit message'), { target: { value: 'hi again' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send edited' }));
    await screen.findByText('reply 3 to hi again');
    await waitFor(() => expect(stored.messages.map((m) => m.content)).toEqual(['hi again', 'reply 3 to hi again']));
    expect(server.log.filter((l) => l.startsWith('DELETE'))).toHaveLength(2);

    // The history lists it; opening it after "New chat" brings the messages back.
    fireEvent.click(screen.getByRole('button', { name: 'New chat' }));
    expect(screen.queryByText('reply 3 to hi again')).toBeNull();
    fireEvent.click(await screen.findByRole('button', { name: /hello/ }));
    await screen.findByText('reply 3 to hi again');
  });
});

describe('switching conversations while a reply streams', () => {
  it('keeps the stopped reply in its own conversation', async () => {
    const server = fakeServer(true);
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    await screen.findByRole('option', { name: /tiny/ });
    await send('slow');
    await screen.findByText('partial');
    fireEvent.click(screen.getByRole('button', { name: 'New chat' }));
    await send('next');
    await screen.findByText('reply 1 to next');
    const byTitle = (t: string) => [...server.conversations.values()].find((c) => c.title === t);
    await waitFor(() => expect(byTitle('next')?.messages.length).toBe(2));
    expect(server.conversations.size).toBe(2);
    expect(byTitle('slow')!.messages.map((m) => m.content)).toEqual(['slow', 'partial']);
    expect(byTitle('next')!.messages.map((m) => m.content)).toEqual(['next', 'reply 1 to next']);
  });
});

describe('profiles', () => {
  it('saves the current settings as a profile and applies a profile', async () => {
    const server = fakeServer(true);
    server.profiles.push({ id: 'p0', name: 'Precise', model: 'tiny', system: 'Be exact.', settings: { temperature: 0.1, top_k: 3 } });
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    const select = await screen.findByRole('combobox', { name: 'Profile' });
    await screen.findByRole('option', { name: 'Precise' });
    fireEvent.change(select, { target: { value: 'p0' } });
    expect((screen.getByLabelText('System prompt') as HTMLTextAreaElement).value).toBe('Be exact.');
    expect((screen.getByLabelText('Temperature') as HTMLInputElement).value).toBe('0.1');
    expect((screen.getByLabelText('Top-k') as HTMLInputElement).value).toBe('3');

    fireEvent.change(screen.getByLabelText('Max tokens'), { target: { value: '77' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save current as a profile…' }));
    fireEvent.change(screen.getByLabelText('Profile name'), { target: { value: 'Long' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(server.profiles).toHaveLength(2));
    expect(server.profiles[1]).toMatchObject({
      name: 'Long',
      model: 'tiny',
      system: 'Be exact.',
      settings: { temperature: 0.1, top_k: 3, max_tokens: 77 },
    });
  });
});

describe('App without the store', () => {
  it('says history is unavailable and still chats', async () => {
    const server = fakeServer(false);
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    await screen.findByText(/History is not available/);
    await screen.findByRole('option', { name: /tiny/ });
    await send('hello');
    await screen.findByText('reply 1 to hello');
    await act(async () => {});
    // Nothing more is sent to the missing store after the first 404 (/api/models/ is the
    // model options route and /api/remotes the remote endpoints', not the store).
    const storeCalls = server.log.filter(
      (l) => l.includes('/api/') && !l.includes('/api/models/') && !l.includes('/api/remotes'),
    );
    expect(storeCalls.sort()).toEqual(['GET /api/conversations', 'GET /api/profiles']);
    expect(screen.getByText(/Profiles are kept by the server's store/)).toBeTruthy();
  });
});

// A tool round against an in-memory server: the reply's streamed tool_calls become a card, an
// MCP tool waits for the user (Always allow remembers it), the call goes to /api/tools/call, and
// the next request carries the assistant's calls and the tool's result.
const add = { server: 'sdk', provider: 'sdk', name: 'add', description: 'Add', parameters: { type: 'object' } };

function fakeToolServer(takesTools: boolean) {
  const chats: { messages: unknown[]; tools?: { function: { name: string } }[] }[] = [];
  const calls: unknown[] = [];
  const sse = (events: unknown[]) =>
    new Response(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n', {
      headers: { 'Content-Type': 'text/event-stream' },
    });
  const fetchMock = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://x');
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    if (url.pathname === '/v1/models') return Response.json({ data: [{ id: 'm', architecture: 'llama' }] });
    if (url.pathname === '/api/tools') {
      return Response.json({ data: [add], model: { id: 'm', template_writes_tools: takesTools } });
    }
    if (url.pathname === '/api/tools/servers') return Response.json({ data: [] });
    if (url.pathname === '/api/tools/call') {
      calls.push(body);
      return Response.json({ server: 'sdk', tool: 'add', text: '5', is_error: false, content: [] });
    }
    if (url.pathname === '/v1/chat/completions') {
      chats.push(body);
      if (body.messages.at(-1).role === 'tool') {
        return sse([
          { choices: [{ delta: { content: 'It is 5.' } }] },
          { choices: [{ delta: {}, finish_reason: 'stop' }] },
        ]);
      }
      if (!body.tools) return sse([{ choices: [{ delta: { content: 'no tools' }, finish_reason: 'stop' }] }]);
      return sse([
        { choices: [{ delta: { content: 'Adding.' } }] },
        {
          choices: [{ delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'add', arguments: '' } }] } }],
        },
        { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":2,"b":3}' } }] } }] },
        { choices: [{ delta: {}, finish_reason: 'tool_calls' }] },
      ]);
    }
    return Response.json({ error: { message: 'no store here' } }, { status: 404 });
  });
  return { fetchMock, chats, calls };
}

describe('tools in the chat', () => {
  it('runs an approved call and sends its result back; Always allow is remembered', async () => {
    const server = fakeToolServer(true);
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    await waitFor(() => expect(server.fetchMock).toHaveBeenCalledWith('/api/tools?model=m', expect.anything()));
    // Settings → Tools stops saying the model takes no tools once the catalog for it is in.
    await waitFor(() => expect(screen.queryByRole('note')).toBeNull());
    await screen.findByRole('option', { name: /^m/ });
    await send('What is 2 + 3?');
    const allow = await screen.findByRole('button', { name: 'Always allow this tool' });
    expect(server.calls).toEqual([]);  // nothing runs before the user decides
    fireEvent.click(allow);
    await screen.findByText('It is 5.');
    expect(server.calls).toEqual([{ server: 'sdk', tool: 'add', arguments: '{"a":2,"b":3}' }]);
    expect(server.chats[0]!.tools!.map((t) => t.function.name)).toEqual(['add']);
    expect(server.chats[1]!.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: 'Adding.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '5' },
    ]);
    expect(JSON.parse(window.localStorage.getItem('inferno.tools')!).always).toEqual(['sdk/add']);

    // Next time the same tool runs without asking.
    await send('And again?');
    await waitFor(() => expect(server.calls).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByText('It is 5.')).toHaveLength(2));
  });

  it('offers no tools to a model whose template does not render them', async () => {
    const server = fakeToolServer(false);
    vi.stubGlobal('fetch', server.fetchMock);
    render(<App />);
    await waitFor(() => expect(server.fetchMock).toHaveBeenCalledWith('/api/tools?model=m', expect.anything()));
    await screen.findByRole('note');
    await screen.findByRole('option', { name: /^m/ });
    await send('What is 2 + 3?');
    await screen.findByText('no tools');
    expect(server.chats[0]!.tools).toBeUndefined();
  });
});
