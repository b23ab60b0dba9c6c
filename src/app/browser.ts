/** The browser's side of the small ports (core/ports/browser.ts): preferences, the URL, the storage manager. */
import type { Location, Preferences, StorageManagerPort } from '../core/ports';

/** Small settings in localStorage. Private modes may refuse; preferences are a convenience, not data. */
export const BROWSER_PREFS: Preferences = {
  get: (k) => {
    try {
      return localStorage.getItem(k);
    } catch {
      return null;
    }
  },
  set: (k, v) => {
    try {
      localStorage.setItem(k, v);
    } catch {
      // Not remembered; the app works the same.
    }
  },
};

/** The page's URL names the open repository and version, so a reload or a shared link opens them. */
export const BROWSER_LOCATION: Location = {
  read: () => {
    const params = new URL(location.href).searchParams;
    return { repo: params.get('repo'), version: params.get('v') };
  },
  write: ({ repo, version }) => {
    const url = new URL(location.href);
    for (const [key, value] of [
      ['repo', repo],
      ['v', version],
    ] as const) {
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    history.replaceState(history.state, '', url);
  },
};

export const BROWSER_STORAGE: StorageManagerPort = {
  async estimate() {
    if (!navigator.storage?.estimate) return null;
    const e = await navigator.storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  },
  persisted: async () => (navigator.storage?.persisted ? navigator.storage.persisted() : false),
  persist: async () => (navigator.storage?.persist ? navigator.storage.persist() : false),
};
