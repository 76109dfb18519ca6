// The chat's tools: the server's catalog (built-in tools and those of connected MCP servers),
// whether the selected model's template renders tools, the user's MCP servers, and the choices
// kept in the browser (lib/tools.ts: which tools are on, which run without asking).

import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '../api/tools';
import { load, save } from '../lib/storage';
import { allowAlways, offeredTools, sanitizeToolPrefs, type ToolPrefs } from '../lib/tools';

export function useTools(model: string) {
  const [catalog, setCatalog] = useState<api.ToolEntry[]>([]);
  const [modelTakesTools, setModelTakesTools] = useState(false);
  const modelTakesToolsRef = useRef(modelTakesTools);
  modelTakesToolsRef.current = modelTakesTools;
  const [servers, setServers] = useState<api.McpServer[]>([]);
  const [error, setError] = useState('');
  const [prefs, setPrefsState] = useState<ToolPrefs>(() => sanitizeToolPrefs(load('inferno.tools', null)));
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const catalogRef = useRef(catalog);
  catalogRef.current = catalog;

  // Answers for a model no longer selected are dropped: they may come after the current one's.
  const latestModel = useRef(model);
  latestModel.current = model;

  const refresh = useCallback(async () => {
    try {
      const [found, list] = await Promise.all([api.listTools(model), api.listServers()]);
      if (latestModel.current !== model) return;
      setCatalog(found.tools);
      setModelTakesTools(found.modelTakesTools);
      setServers(list);
      setError('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [model]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const setPrefs = useCallback((p: ToolPrefs) => {
    prefsRef.current = p;
    setPrefsState(p);
    save('inferno.tools', p);
  }, []);

  /**
   * The tools a chat request offers now (read when it is sent, not when rendered): none to a
   * model whose template does not render tools, whose prompt then stays as it was.
   */
  const offered = useCallback(
    () => (modelTakesToolsRef.current ? offeredTools(catalogRef.current, prefsRef.current) : []),
    [],
  );
  const always = useCallback((t: api.ToolEntry) => setPrefs(allowAlways(t, prefsRef.current)), [setPrefs]);

  return { catalog, servers, error, prefs, setPrefs, refresh, offered, always, prefsRef, modelTakesTools };
}

export type Tools = ReturnType<typeof useTools>;
