/**
 * The UI language: which catalogue is active, message lookup with placeholders and plurals, and
 * locale-aware numbers and dates. Catalogues are plain JSON a translator edits (src/locales/*.json).
 */

/** A flat catalogue: message key → text with `{name}` placeholders. Plural forms are separate keys
 *  ending in `.one`, `.other` (and whatever else `Intl.PluralRules` gives the language). */
export type Catalogue = Readonly<Record<string, string>>;

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'zh-CN', name: '简体中文' },
] as const;

export type Lang = (typeof LANGUAGES)[number]['code'];

/** The language a browser asks for, mapped onto the ones Graft has (any Chinese but Traditional → zh-CN). */
export function pickLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh') && !/^zh-(tw|hk|mo|hant)/.test(lower)) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Vars = Readonly<Record<string, string | number>>;

/** The catalogues at hand: English always (every message falls back to it), others once loaded. */
export type Catalogues = Readonly<Partial<Record<Lang, Catalogue>>> & { readonly en: Catalogue };

export class Locale {
  #lang = $state<Lang>('en');
  #catalogues = $state.raw<Catalogues>({ en: {} });
  readonly #load: (lang: Lang) => Promise<Catalogue>;
  readonly #loading = new Map<Lang, Promise<void>>();
  #onChange: (lang: Lang) => void;
  // Making an Intl formatter costs far more than using one, and the history formats counts and dates for
  // every row in view on every scroll frame: each language + options pair is made once.
  readonly #formatters = new Map<string, unknown>();

  /**
   * `load` fetches a catalogue not given here, the first time its language is chosen (the page's first
   * paint need not carry every language); until it is here, messages are in English.
   */
  constructor(
    catalogues: Catalogues,
    initial: Lang,
    onChange: (lang: Lang) => void = () => {},
    load: (lang: Lang) => Promise<Catalogue> = (lang) =>
      Promise.reject(new Error(`no catalogue for ${lang}`)),
  ) {
    this.#catalogues = catalogues;
    this.#load = load;
    this.#lang = initial;
    this.#onChange = onChange;
    void this.load(initial).catch(() => {});
  }

  /**
   * Resolves once `lang`'s catalogue is here, loading it if needed (once; again after a failure, which
   * rejects and leaves the messages in English).
   */
  load(lang: Lang): Promise<void> {
    if (this.#catalogues[lang]) return Promise.resolve();
    let loading = this.#loading.get(lang);
    if (!loading) {
      loading = this.#load(lang).then(
        (catalogue) => {
          this.#catalogues = { ...this.#catalogues, [lang]: catalogue };
        },
        (e: unknown) => {
          this.#loading.delete(lang);
          throw e;
        },
      );
      this.#loading.set(lang, loading);
    }
    return loading;
  }

  /** Runs `fn` after each change of language (replacing the constructor's hook): the UI remembers it. */
  onChange(fn: (lang: Lang) => void): void {
    this.#onChange = fn;
  }

  get lang(): Lang {
    return this.#lang;
  }

  set lang(lang: Lang) {
    if (lang === this.#lang) return;
    this.#lang = lang;
    // The words follow when the catalogue arrives; one that cannot be fetched leaves them in English.
    void this.load(lang).catch(() => {});
    this.#onChange(lang);
  }

  /** Whether `key` (or its plural forms) exists in the English catalogue. */
  has(key: string): boolean {
    const en = this.#catalogues.en;
    return key in en || `${key}.other` in en;
  }

  /**
   * The message for `key` in the active language, with `{name}` replaced from `vars` (numbers formatted
   * for the locale). With a numeric `count` var, picks the `.one` / `.other` / … form. Falls back to
   * English, then to the key itself, so a missing translation shows something readable.
   */
  t(key: string, vars?: Vars): string {
    const lang = this.#lang;
    const text = this.#lookup(lang, key, vars) ?? this.#lookup('en', key, vars) ?? key;
    return vars ? this.#fill(text, vars) : text;
  }

  #lookup(lang: Lang, key: string, vars?: Vars): string | undefined {
    const cat = this.#catalogues[lang];
    if (!cat) return undefined;
    const count = vars?.count;
    if (typeof count === 'number') {
      const form = this.#intl('plural', lang, undefined, () => new Intl.PluralRules(lang)).select(count);
      const plural = cat[`${key}.${form}`] ?? cat[`${key}.other`];
      if (plural !== undefined) return plural;
    }
    return cat[key];
  }

  #fill(text: string, vars: Vars): string {
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const v = vars[name];
      if (v === undefined) return whole;
      return typeof v === 'number' ? this.number(v) : v;
    });
  }

  number(n: number, options?: Intl.NumberFormatOptions): string {
    const lang = this.#lang;
    return this.#intl('number', lang, options, () => new Intl.NumberFormat(lang, options)).format(n);
  }

  date(value: string | number | Date, options?: Intl.DateTimeFormatOptions): string {
    const d = value instanceof Date ? value : new Date(value);
    const lang = this.#lang;
    const opts = options ?? { dateStyle: 'medium', timeStyle: 'short' };
    return this.#intl('date', lang, opts, () => new Intl.DateTimeFormat(lang, opts)).format(d);
  }

  relative(value: number, unit: Intl.RelativeTimeFormatUnit): string {
    const lang = this.#lang;
    return this.#intl(
      'relative',
      lang,
      undefined,
      () => new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }),
    ).format(value, unit);
  }

  /** A list joined for the language ("a, b and c" / "a、b和c"). */
  list(items: readonly string[]): string {
    const lang = this.#lang;
    return this.#intl(
      'list',
      lang,
      undefined,
      () => new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }),
    ).format(items);
  }

  #intl<T>(kind: string, lang: Lang, options: object | undefined, make: () => T): T {
    const key = `${kind}|${lang}|${options ? JSON.stringify(options) : ''}`;
    let made = this.#formatters.get(key) as T | undefined;
    if (made === undefined) {
      made = make();
      this.#formatters.set(key, made);
    }
    return made;
  }
}
