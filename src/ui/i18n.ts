/**
 * Configures the app's one Locale (src/state/i18n.ts) for this page: the language remembered in
 * localStorage, else the browser's languages on a first visit; a change is remembered and set on <html>.
 * Components import `t` and `locale` from here.
 */
import { locale, t, LANGUAGES, type Lang } from '../state/i18n';
import { pickLanguage } from '../state/Locale.svelte';

const STORAGE_KEY = 'graft.lang';

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved && LANGUAGES.some((l) => l.code === saved)) return saved as Lang;
  } catch {
    // Storage may be unavailable (privacy mode); fall back to the browser's languages.
  }
  const nav = globalThis.navigator;
  return pickLanguage(nav?.languages?.length ? nav.languages : [nav?.language ?? 'en']);
}

locale.lang = initialLang();
locale.onChange((lang) => {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  if (globalThis.document) document.documentElement.lang = lang;
});
if (globalThis.document) document.documentElement.lang = locale.lang;

export { locale, t, LANGUAGES, type Lang };
