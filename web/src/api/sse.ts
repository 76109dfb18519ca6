// Incremental Server-Sent Events parser: feed it text as it arrives, get back every complete
// event. Handles events split across reads and CRLF lines.

export interface SseEvent {
  /** The `event:` field, or '' when the event has none (the OpenAI-style streams). */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';

  /** The `data:` payloads of the complete events in `chunk`. */
  push(chunk: string): string[] {
    return this.pushEvents(chunk).map((e) => e.data);
  }

  /** The complete events in `chunk`, with their names. */
  pushEvents(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      let line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length) out.push({ event: this.event, data: this.data.join('\n') });
        this.data = [];
        this.event = '';
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      } else if (line.startsWith('event:')) {
        this.event = line.slice(6).trim();
      }
      // Comments (":...", keep-alives) and other fields (id:, retry:) are not used.
    }
    return out;
  }

  /** Whatever complete-but-unterminated event is left when the stream closes. */
  flush(): string[] {
    return this.flushEvents().map((e) => e.data);
  }

  flushEvents(): SseEvent[] {
    const out = this.pushEvents('\n\n');
    this.buffer = '';
    return out;
  }
}

/** Reads a fetch() body as SSE events. */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const e of parser.pushEvents(decoder.decode(value, { stream: true }))) yield e;
    }
    for (const e of parser.pushEvents(decoder.decode())) yield e;
    for (const e of parser.flushEvents()) yield e;
  } finally {
    reader.releaseLock();
  }
}

/** Reads a fetch() body as SSE data payloads. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  for await (const e of readSseEvents(body)) yield e.data;
}
