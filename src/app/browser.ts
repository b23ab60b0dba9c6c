/**
 * The browser's side of the small ports (core/ports/browser.ts): preferences, the URL, the storage manager,
 * saving a file, and the moment the page has first painted.
 */
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

/** How long a download's object URL stays valid: the browser starts reading it at the click. */
const REVOKE_AFTER_MS = 60_000;

/** Saves `bytes` as a download named `fileName` (ShareServices.saveFile). */
export function saveFile(data: Uint8Array | Blob, fileName: string, mime: string): void {
  // A Blob inside a Blob is referenced, not copied (an exported bundle joins the stored weights' Blobs).
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type: mime }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/**
 * Resolves once the browser has reported the page's first contentful paint (on screen, not only drawn by
 * the page's thread). Where paint timing is not reported, after the next frame; a hidden page paints
 * nothing, so a timer stands in for the paint there.
 */
export function afterFirstPaint(fallbackMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const painted = () => performance.getEntriesByName('first-contentful-paint').length > 0;
    if (painted()) return resolve();
    let observer: PerformanceObserver | null = null;
    const done = () => {
      clearTimeout(timer);
      observer?.disconnect();
      resolve();
    };
    const timer = setTimeout(done, fallbackMs);
    if (PerformanceObserver.supportedEntryTypes.includes('paint')) {
      observer = new PerformanceObserver(() => {
        if (painted()) done();
      });
      observer.observe({ type: 'paint' });
    } else {
      requestAnimationFrame(() => setTimeout(done, 0));
    }
  });
}
