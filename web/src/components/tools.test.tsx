// @vitest-environment jsdom
// A tool round in the whole app against an in-memory server: the reply's streamed tool_calls
// become a card, an MCP tool waits for the user (Always allow remembers it), the call goes to
// /api/tools/call, and the next request carries the assistant's calls and the tool's result.
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';
import { App } from '../App';

const add = { server: 'sdk', provider: 'sdk', name: 'add', description: 'Add', parameters: { type: 'object' } };

function fakeServer(takesTools: boolean) {
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

beforeEach(() => {
  window.localStorage.clear();
  window.localStorage.setItem('inferno.showSettings', 'true');
  Element.prototype.scrollTo = () => {};
});
afterEach(() => vi.unstubAllGlobals());

async function send(text: string) {
  await screen.findByRole('option', { name: /^m/ });
  const box = screen.getByRole('textbox', { name: 'Message' });
  fireEvent.change(box, { target: { value: text } });
  fireEvent.keyDown(box, { key: 'Enter' });
}

it('runs an approved call and sends its result back; Always allow is remembered', async () => {
  const server = fakeServer(true);
  vi.stubGlobal('fetch', server.fetchMock);
  render(<App />);
  await waitFor(() => expect(server.fetchMock).toHaveBeenCalledWith('/api/tools?model=m', expect.anything()));
  // Settings → Tools stops saying the model takes no tools once the catalog for it is in.
  await waitFor(() => expect(screen.queryByRole('note')).toBeNull());
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
  const server = fakeServer(false);
  vi.stubGlobal('fetch', server.fetchMock);
  render(<App />);
  await waitFor(() => expect(server.fetchMock).toHaveBeenCalledWith('/api/tools?model=m', expect.anything()));
  await screen.findByRole('note');
  await send('What is 2 + 3?');
  await screen.findByText('no tools');
  expect(server.chats[0]!.tools).toBeUndefined();
});
