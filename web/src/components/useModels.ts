// The server's models and the one in use (kept in the browser): listed at start and on
// demand, with the error when the server cannot be reached. In `inferno app`'s window a
// model file chosen in its dialog is added to the server's models and selected.

import { useCallback, useEffect, useState } from 'react';
import { onModelFile } from '../api/appWindow';
import { listModels, openModelFile } from '../api/client';
import { ApiError } from '../api/errors';
import type { ModelInfo } from '../api/types';
import { load, save } from '../lib/storage';

export function useModels() {
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [speechModels, setSpeechModels] = useState<ModelInfo[]>([]);
  const [model, setModel] = useState<string>(() => load('inferno.model', ''));
  const [serverError, setServerError] = useState('');
  const [loaded, setLoaded] = useState(false);

  const refresh = useCallback(async () => {
    try {
      // Speech models transcribe (the Speech view lists them); they cannot chat.
      const all = await listModels();
      setSpeechModels(all.filter((m) => m.kind === 'speech'));
      const list = all.filter((m) => m.kind !== 'speech');
      setModels(list);
      setLoaded(true);
      setServerError('');
      setModel((cur) => {
        if (list.some((m) => m.id === cur)) return cur;
        return (list.find((m) => !m.error) ?? list[0])?.id ?? '';
      });
    } catch (err) {
      setServerError(err instanceof ApiError ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => save('inferno.model', model), [model]);
  useEffect(
    () =>
      onModelFile((path) => {
        openModelFile(path)
          .then(async (id) => {
            await refresh();
            setModel(id);
          })
          .catch((err: unknown) => setServerError(err instanceof ApiError ? err.message : String(err)));
      }),
    [refresh],
  );

  return { models, speechModels, model, setModel, current: models.find((m) => m.id === model), serverError, loaded, refresh };
}
