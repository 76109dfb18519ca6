import { afterEach, vi } from 'vitest';
import { ApiError } from './errors';
import * as store from './store';

afterEach(() => vi.unstubAllGlobals());

describe('store client', () => {
  it('speaks the store contract', async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? 'GET'} ${url} ${init?.body ?? ''}`.trim());
        if (init?.method === 'DELETE') return new Response(null, { status: 204 });
        if (url.startsWith('/api/conversations?')) return Response.json({ conversations: [] });
        return Response.json({ id: '7' }, { status: 201 });
      }),
    );
    await store.listConversations('cats');
    await store.createConversation({ title: 'T', model: 'm' });
    await store.addMessage('7', { role: 'user', content: 'hi' });
    await store.truncateFrom('7', 'm/2');
    await store.updateConversation('7', { title: 'U' });
    await store.deleteConversation('7');
    expect(calls).toEqual([
      'GET /api/conversations?limit=50&q=cats',
      'POST /api/conversations {"title":"T","model":"m"}',
      'POST /api/conversations/7/messages {"role":"user","content":"hi"}',
      'DELETE /api/conversations/7/messages/m%2F2',
      'PATCH /api/conversations/7 {"title":"U"}',
      'DELETE /api/conversations/7',
    ]);
  });

  it('recognises a server without the store', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        Response.json({ error: { message: 'no such API route: GET /api/conversations' } }, { status: 404 }),
      ),
    );
    const err = (await store.listConversations().catch((e: unknown) => e)) as ApiError;
    expect(err.missingRoute).toBe(true);
  });

  it('does not mistake a missing conversation for a missing store', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ error: { message: 'no conversation 9' } }, { status: 404 })),
    );
    const err = (await store.getConversation('9').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(404);
    expect(err.missingRoute).toBe(false);
  });

  it('renders Markdown exports and titles', () => {
    const md = store.toMarkdown({
      id: '1',
      title: 'Cats',
      model: 'tiny',
      system: 'Be brief.',
      created_at: '',
      updated_at: '',
      messages: [
        { id: 'a', role: 'user', content: 'Why?' },
        { id: 'b', role: 'assistant', content: 'Because.' },
      ],
    });
    expect(md).toBe('# Cats\n\nModel: `tiny`\n\n## System\n\nBe brief.\n\n## User\n\nWhy?\n\n## Assistant\n\nBecause.\n');
    expect(store.titleFrom('  short one\nsecond line')).toBe('short one');
    expect(store.titleFrom('a'.repeat(10) + ' ' + 'b'.repeat(20) + ' ' + 'c'.repeat(30))).toBe(
      'a'.repeat(10) + ' ' + 'b'.repeat(20) + '…',
    );
  });
});
