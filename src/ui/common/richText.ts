/**
 * A translated message split around one placeholder, so a component can wrap the value in markup
 * (`<strong>`, `<code>`, a link) while each language keeps its own word order.
 */
import { t } from '../i18n';

const MARK = '\u0000';

/** `t(key, vars)` as [text before `{name}`, text after it]; the value itself is the caller's to render. */
export function around(key: string, name: string, vars: Readonly<Record<string, string | number>> = {}) {
  const [before = '', after = ''] = t(key, { ...vars, [name]: MARK }).split(MARK);
  return [before, after] as const;
}
