// The bridge to `inferno app`'s native window (app/window.cc): present only there, where the
// window registered the `inferno` script message handler. The window answers 'open-model'
// with its file dialog and sends the chosen path back as an 'inferno:model-file' event;
// 'listening' tells it the UI hears such events (its test hook sends a file only then).

interface InfernoHandler {
  postMessage(message: string): void;
}

function handler(): InfernoHandler | undefined {
  const w = window as unknown as { webkit?: { messageHandlers?: { inferno?: InfernoHandler } } };
  return w.webkit?.messageHandlers?.inferno;
}

export function inAppWindow(): boolean {
  return handler() !== undefined;
}

/** Opens the window's native file dialog for a .gguf model. */
export function askForModelFile(): void {
  handler()?.postMessage('open-model');
}

/** Calls `onPath` with each file chosen in the dialog; returns the unsubscribe function. */
export function onModelFile(onPath: (path: string) => void): () => void {
  const listener = (e: Event) => {
    const path = (e as CustomEvent<unknown>).detail;
    if (typeof path === 'string' && path) onPath(path);
  };
  window.addEventListener('inferno:model-file', listener);
  handler()?.postMessage('listening');
  return () => window.removeEventListener('inferno:model-file', listener);
}
