// localStorage with a fallback: private windows and locked-down browsers may refuse it.

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = window.localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Not persisted; the UI still works for this page load.
  }
}

export type Theme = 'light' | 'dark';

/** The stored choice, else the system preference. */
export function initialTheme(): Theme {
  const stored = load<string | null>('inferno.theme', null);
  if (stored === 'light' || stored === 'dark') return stored;
  const dark = typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
  return dark ? 'dark' : 'light';
}
