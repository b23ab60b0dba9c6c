/**
 * The app's one Locale, holding both catalogues and starting in English. State and components call
 * `t("some.key", vars)` and the text follows the chosen language. Which language the page starts in, and
 * remembering a change, is the UI's business (src/ui/i18n.ts): state never depends on ui.
 */
import { Locale, LANGUAGES, type Lang, type Vars } from './Locale.svelte';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';
import errorsEn from '../locales/errors.en.json';
import errorsZhCN from '../locales/errors.zh-CN.json';

// Errors' words live in catalogues of their own, which core also reads (for an error's English message).
export const locale = new Locale({ en: { ...en, ...errorsEn }, 'zh-CN': { ...zhCN, ...errorsZhCN } }, 'en');

/** A message in the active language; see Locale.t. */
export const t = (key: string, vars?: Vars): string => locale.t(key, vars);

export { LANGUAGES, type Lang };
