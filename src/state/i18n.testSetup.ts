// Unit tests switch languages as a person does and render at once (`locale.lang = 'zh-CN'`, then a
// component): every catalogue is loaded first, as in a page that has fetched them.
import { LANGUAGES, locale } from './i18n';

await Promise.all(LANGUAGES.map((l) => locale.load(l.code)));
