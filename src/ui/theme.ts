/**
 * The app's one theme preference. "system" leaves <html> without data-theme so the CSS follows
 * prefers-color-scheme; "light"/"dark" pin it. Remembered in localStorage.
 */
import { isThemeChoice, ThemePreference, type ThemeChoice } from '../state/ThemePreference.svelte';

const STORAGE_KEY = 'graft.theme';

function saved(): ThemeChoice {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isThemeChoice(value) ? value : 'system';
  } catch {
    return 'system';
  }
}

export const theme = new ThemePreference(saved(), (choice) => {
  try {
    if (choice === 'system') globalThis.localStorage?.removeItem(STORAGE_KEY);
    else globalThis.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    // Not remembered; the choice still applies to this page.
  }
  const root = globalThis.document?.documentElement;
  if (!root) return;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
});
