// Remote OpenAI-compatible endpoints (/api/remotes, docs/scale-out.md): their models are
// served as NAME/model. A key goes to the server once, when the endpoint is added; no route
// ever sends it back (only has_key).

import { call } from './call';

export interface RemoteHealth {
  ok: boolean;
  /** Unix ms of the last GET {url}/v1/models; 0: never checked. */
  checked_at: number;
  latency_ms: number;
  error: string | null;
}

export interface RemoteEndpoint {
  name: string;
  url: string;
  has_key: boolean;
  /** "config": from the command line or config file (not removable here). */
  source: 'stored' | 'config';
  health: RemoteHealth;
  /** Public ids, NAME/model. */
  models: string[];
}

export async function listRemotes(): Promise<RemoteEndpoint[]> {
  const body = await call<{ data?: RemoteEndpoint[] }>('GET', '/api/remotes', 'Listing remote endpoints');
  return body.data ?? [];
}

export function addRemote(name: string, url: string, apiKey: string): Promise<RemoteEndpoint> {
  return call('POST', '/api/remotes', 'Adding the remote endpoint', { name, url, api_key: apiKey || undefined });
}

export function testRemote(name: string): Promise<RemoteEndpoint> {
  return call('POST', `/api/remotes/${encodeURIComponent(name)}/test`, 'Testing the remote endpoint', {});
}

export function removeRemote(name: string): Promise<void> {
  return call('DELETE', `/api/remotes/${encodeURIComponent(name)}`, 'Removing the remote endpoint');
}
