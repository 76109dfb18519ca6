// The visualization plugins the server found (GET /api/plugins; docs/plugins.md).
import { call } from './call';
import type { PluginInfo } from '../lib/pluginHost';

export async function listPlugins(): Promise<PluginInfo[]> {
  const r = await call<{ plugins: PluginInfo[] }>('GET', '/api/plugins', 'list the plugins');
  return r.plugins;
}
