// Incremental Server-Sent Events parser: feed it text as it arrives, get back the `data:`
// payloads of every complete event. Handles events split across reads and CRLF lines.

export class SseParser {
  private buffer = '';
  private data: string[] = [];

  push(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      let line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length) out.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      // Comments (":...") and other fields (event:, id:, retry:) are not used by the server.
    }
    return out;
  }

  /** Whatever complete-but-unterminated event is left when the stream closes. */
  flush(): string[] {
    const out = this.push('\n\n');
    this.buffer = '';
    return out;
  }
}

/** Reads a fetch() body as SSE data payloads. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const d of parser.push(decoder.decode(value, { stream: true }))) yield d;
    }
    for (const d of parser.push(decoder.decode())) yield d;
    for (const d of parser.flush()) yield d;
  } finally {
    reader.releaseLock();
  }
}
