/**
 * The app's one Locale: components call `t("some.key", vars)` and the text follows the chosen language.
 * The choice is remembered in localStorage; the first visit follows the browser's languages.
 */
import { Locale, LANGUAGES, pickLanguage, type Lang } from '../state/Locale.svelte';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';

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

export const locale = new Locale({ en, 'zh-CN': zhCN }, initialLang(), (lang) => {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  if (globalThis.document) document.documentElement.lang = lang;
});
if (globalThis.document) document.documentElement.lang = locale.lang;

/** A message in the active language; see Locale.t. */
export const t = (key: string, vars?: Readonly<Record<string, string | number>>): string =>
  locale.t(key, vars);

export { LANGUAGES, type Lang };
