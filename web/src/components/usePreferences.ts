// What the browser keeps between visits: theme, sampling settings, system prompt and
// whether the Settings panel is open.

import { useEffect, useState } from 'react';
import { sanitizeSettings, type Settings } from '../lib/settings';
import { initialTheme, load, save, type Theme } from '../lib/storage';

export function usePreferences() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [settings, setSettingsState] = useState<Settings>(() => sanitizeSettings(load('inferno.settings', null)));
  const [system, setSystemState] = useState<string>(() => load('inferno.system', ''));
  // Open beside the chat on wide screens; below 1180px it would cover the chat, so closed.
  const [showSettings, setShowSettingsState] = useState(() =>
    load('inferno.showSettings', typeof window === 'undefined' || window.innerWidth > 1180),
  );

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    save('inferno.theme', theme);
  }, [theme]);

  const setSettings = (s: Settings) => {
    setSettingsState(s);
    save('inferno.settings', s);
  };
  const setSystem = (s: string) => {
    setSystemState(s);
    save('inferno.system', s);
  };
  const setShowSettings = (show: boolean) => {
    save('inferno.showSettings', show);
    setShowSettingsState(show);
  };

  return { theme, setTheme, settings, setSettings, system, setSystem, showSettings, setShowSettings };
}
