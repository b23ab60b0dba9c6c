/**
 * The app's one Locale, holding both catalogues and starting in English. State and components call
 * `t("some.key", vars)` and the text follows the chosen language. Which language the page starts in, and
 * remembering a change, is the UI's business (src/ui/i18n.ts): state never depends on ui.
 */
import { Locale, LANGUAGES, type Lang, type Vars } from './Locale.svelte';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';

export const locale = new Locale({ en, 'zh-CN': zhCN }, 'en');

/** A message in the active language; see Locale.t. */
export const t = (key: string, vars?: Vars): string => locale.t(key, vars);

export { LANGUAGES, type Lang };
