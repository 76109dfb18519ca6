// The API key for a server started with --api-key, kept in this browser and sent as
// 'Authorization: Bearer KEY' with every request.
import { load, save } from '../lib/storage';

export function apiKey(): string {
  return load<string>('inferno.apiKey', '');
}

export function setApiKey(key: string): void {
  save('inferno.apiKey', key.trim());
}

export function withAuth(init: RequestInit = {}): RequestInit {
  const key = apiKey();
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${key}`);
  return { ...init, headers };
}
