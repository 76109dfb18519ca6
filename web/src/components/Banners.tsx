// The notes above the current view: the server unreachable, no model, the model unusable,
// a history (store) problem.

import type { ModelInfo } from '../api/types';

interface Props {
  serverError: string;
  onRetry: () => void;
  /** The server answered and lists no model. */
  noModels: boolean;
  current: ModelInfo | undefined;
  storeError: string;
  onDismissStore: () => void;
}

export function Banners({ serverError, onRetry, noModels, current, storeError, onDismissStore }: Props) {
  return (
    <>
      {serverError && (
        <div className="banner error" role="alert">
          <span>{serverError}</span>
          <button type="button" className="ghost" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
      {noModels && (
        <div className="banner warn" role="alert">
          The server has no model to use. Start it with <code>inferno serve -m MODEL.gguf</code> or put a .gguf file in
          its models dir.
        </div>
      )}
      {current?.error && (
        <div className="banner warn" role="alert">
          Model “{current.id}” cannot be used: {current.error}
        </div>
      )}
      {storeError && (
        <div className="banner warn" role="status">
          <span>History: {storeError}</span>
          <button type="button" className="ghost" onClick={onDismissStore}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
