import { SseParser, readSse } from './sse';

describe('SseParser', () => {
  it('returns data payloads of complete events only', () => {
    const p = new SseParser();
    expect(p.push('data: {"a":1}\n\ndata: {"b"')).toEqual(['{"a":1}']);
    expect(p.push(':2}\n')).toEqual([]);
    expect(p.push('\n')).toEqual(['{"b":2}']);
  });

  it('handles CRLF, comments, other fields and multi-line data', () => {
    const p = new SseParser();
    expect(p.push(': keepalive\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\n')).toEqual(['one\ntwo']);
  });

  it('flushes an unterminated last event', () => {
    const p = new SseParser();
    expect(p.push('data: [DONE]')).toEqual([]);
    expect(p.flush()).toEqual(['[DONE]']);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across reads', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        // Split inside the multi-byte characters.
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    const out: string[] = [];
    for await (const d of readSse(stream)) out.push(d);
    expect(out).toEqual(['héllo ✓']);
  });
});

describe('SseParser events', () => {
  it('keeps each event name with its data and resets it between events', () => {
    const p = new SseParser();
    expect(p.pushEvents('event: progress\ndata: {"f":0.5}\n\n: keep-alive\n\ndata: x\n\n')).toEqual([
      { event: 'progress', data: '{"f":0.5}' },
      { event: '', data: 'x' },
    ]);
    expect(p.pushEvents('event: done\r\ndata: {"run_id":3}')).toEqual([]);
    expect(p.flushEvents()).toEqual([{ event: 'done', data: '{"run_id":3}' }]);
  });
});
