// @vitest-environment jsdom
// The bridge to `inferno app`'s window: present only with the window's message handler, the
// dialog asked for by message, the chosen file received as the window's DOM event.
import { afterEach, vi } from 'vitest';
import { askForModelFile, inAppWindow, onModelFile } from './appWindow';
import { openModelFile } from './client';

afterEach(() => {
  delete (window as unknown as { webkit?: unknown }).webkit;
  vi.unstubAllGlobals();
});

describe('app window bridge', () => {
  it('is absent in a browser', () => {
    expect(inAppWindow()).toBe(false);
    expect(() => askForModelFile()).not.toThrow();
  });

  it('asks the window for its file dialog and hears the chosen file', () => {
    const posted: string[] = [];
    (window as unknown as { webkit: unknown }).webkit = {
      messageHandlers: { inferno: { postMessage: (m: string) => posted.push(m) } },
    };
    expect(inAppWindow()).toBe(true);
    askForModelFile();
    expect(posted).toEqual(['open-model']);

    const paths: string[] = [];
    const stop = onModelFile((p) => paths.push(p));
    expect(posted).toEqual(['open-model', 'listening']);
    window.dispatchEvent(new CustomEvent('inferno:model-file', { detail: '/home/u/a b.gguf' }));
    window.dispatchEvent(new CustomEvent('inferno:model-file', { detail: 42 }));
    stop();
    window.dispatchEvent(new CustomEvent('inferno:model-file', { detail: '/after/stop.gguf' }));
    expect(paths).toEqual(['/home/u/a b.gguf']);
  });

  it('serves the chosen file through the app route', async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method} ${url} ${init?.body}`);
        return Response.json({ id: 'a b', object: 'model' });
      }),
    );
    expect(await openModelFile('/home/u/a b.gguf')).toBe('a b');
    expect(calls).toEqual(['POST /api/app/models {"path":"/home/u/a b.gguf"}']);
  });
});
