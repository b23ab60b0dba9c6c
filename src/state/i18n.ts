/**
 * The app's one Locale, starting in English. State and components call `t("some.key", vars)` and the text
 * follows the chosen language. Which language the page starts in, and remembering a change, is the UI's
 * business (src/ui/i18n.ts): state never depends on ui. English is always here (every message falls back
 * to it, and core words errors in it); other languages' catalogues are fetched when first chosen, so the
 * page's first paint carries one language, not all.
 */
import { Locale, LANGUAGES, type Catalogue, type Lang, type Vars } from './Locale.svelte';
import en from '../locales/en.json';
import errorsEn from '../locales/errors.en.json';

// Errors' words live in catalogues of their own, which core also reads (for an error's English message).
const LOAD: Record<Lang, () => Promise<Catalogue>> = {
  en: async () => ({ ...en, ...errorsEn }),
  'zh-CN': async () => {
    const [ui, errors] = await Promise.all([
      import('../locales/zh-CN.json'),
      import('../locales/errors.zh-CN.json'),
    ]);
    return { ...ui.default, ...errors.default };
  },
};

export const locale = new Locale(
  { en: { ...en, ...errorsEn } },
  'en',
  () => {},
  (lang) => LOAD[lang](),
);

/** A message in the active language; see Locale.t. */
export const t = (key: string, vars?: Vars): string => locale.t(key, vars);

export { LANGUAGES, type Lang };
