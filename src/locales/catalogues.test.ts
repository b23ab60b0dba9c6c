// The catalogues stay complete and consistent, and every key the UI asks for exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from './en.json';
import zhCN from './zh-CN.json';
import errorsEn from './errors.en.json';
import errorsZhCN from './errors.zh-CN.json';
import { Locale, pickLanguage } from '../state/Locale.svelte';
import { parseQuery, QUERY_PROBLEMS } from '../core/versions/filter';
import { analyzeSpec, SPEC_PROBLEMS } from '../core/model/analyze';
import { CARRY_OVER_REASONS, parseCarryOverReason, planCarryOver } from '../core/model/carryOver';
import { createLayer, insertLayer, updateLayer } from '../core/model/edit';
import { SEED_SPEC } from '../core/model/templates';
import type { ModelSpec } from '../core/model/spec';

const PLURAL = /\.(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, '');
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

function keysOf(cat: Record<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(cat)) {
    const b = base(k);
    const ph = [...new Set([...(out.get(b) ?? []), ...placeholders(v)])].sort();
    out.set(b, ph);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(svelte|ts)$/.test(name) && !name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('catalogues', () => {
  it('English and Chinese have the same messages with the same placeholders', () => {
    const a = keysOf(en);
    const b = keysOf(zhCN);
    expect([...b.keys()].filter((k) => !a.has(k))).toEqual([]);
    expect([...a.keys()].filter((k) => !b.has(k))).toEqual([]);
    for (const [k, ph] of a) expect({ k, ph: b.get(k) }).toEqual({ k, ph });
  });

  it('the error catalogues have the same messages with the same placeholders in both languages', () => {
    // Plural-looking endings are not used in the error catalogues: every key stands for itself.
    const names = (v: string) => [...new Set(placeholders(v))];
    const a = new Map(Object.entries(errorsEn).map(([k, v]) => [k, names(v)]));
    const b = new Map(Object.entries(errorsZhCN).map(([k, v]) => [k, names(v)]));
    expect([...b.keys()].filter((k) => !a.has(k))).toEqual([]);
    expect([...a.keys()].filter((k) => !b.has(k))).toEqual([]);
    for (const [k, ph] of a) expect({ k, ph: b.get(k) }).toEqual({ k, ph });
    expect(Object.keys(errorsEn).filter((k) => PLURAL.test(k))).toEqual([]);
    // Error keys live in the error catalogues only, so the merged catalogue has one text per key.
    expect(Object.keys(en).filter((k) => k in errorsEn)).toEqual([]);
  });

  it('every error message is as specific in Chinese as in English: its own words, no English sentence', () => {
    const zh = errorsZhCN as Record<string, string>;
    const words = (s: string) => s.replace(/\{\w+\}/g, '').replace(/[\s.,:;()“”"'…–-]/g, '');
    for (const [key, english] of Object.entries(errorsEn)) {
      const chinese = zh[key] ?? '';
      if (words(english) === '') continue; // only placeholders, such as "{problem}"
      // A technical word (a dtype, a Keras setting) can stay as it is; a sentence cannot.
      const sameAsEnglish = chinese === english && /\s/.test(english);
      expect({
        key,
        sameAsEnglish,
        hasChinese: /[\u4e00-\u9fff]/.test(chinese) || !/\s/.test(english),
      }).toEqual({
        key,
        sameAsEnglish: false,
        hasChinese: true,
      });
    }
  });

  it('every error key a source file names exists in the error catalogue', () => {
    const known = Object.keys(errorsEn);
    const missing: string[] = [];
    for (const file of sourceFiles(join(__dirname, '..'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/['`]((?:error|errorPart)\.[a-zA-Z0-9_/.-]+)(\$\{)?/g)) {
        const key = m[1] ?? '';
        // A key built from a template (`error.${code}.spec`), or a family named in a comment
        // (`errorPart.zip.<what>`), needs some key with its fixed start.
        const ok = m[2] || key.endsWith('.') ? known.some((k) => k.startsWith(key)) : known.includes(key);
        if (!ok) missing.push(`${file}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every plural message has an .other form', () => {
    for (const cat of [en, zhCN] as Record<string, string>[]) {
      for (const k of Object.keys(cat).filter((k) => PLURAL.test(k))) {
        expect(cat[`${base(k)}.other`], k).toBeTypeOf('string');
      }
    }
  });

  it('every t("…") key used in src/ exists in the English catalogue', () => {
    const known = new Set(Object.keys(en).map(base));
    const missing: string[] = [];
    for (const file of sourceFiles(join(__dirname, '..'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!known.has(m[1] ?? '')) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('Locale', () => {
  const cats = {
    en: { hi: 'Hello {name}', 'n.one': '{count} version', 'n.other': '{count} versions', onlyEn: 'x' },
    'zh-CN': { hi: '你好 {name}', 'n.other': '{count} 个版本' },
  };

  it('fills placeholders, picks plural forms and formats numbers per language', () => {
    const l = new Locale(cats, 'en');
    expect(l.t('hi', { name: 'Ada' })).toBe('Hello Ada');
    expect(l.t('n', { count: 1 })).toBe('1 version');
    expect(l.t('n', { count: 1234 })).toBe('1,234 versions');
    l.lang = 'zh-CN';
    expect(l.t('n', { count: 1 })).toBe('1 个版本');
    expect(l.t('hi', { name: 'Ada' })).toBe('你好 Ada');
  });

  it('falls back to English, then to the key', () => {
    const l = new Locale(cats, 'zh-CN');
    expect(l.t('onlyEn')).toBe('x');
    expect(l.t('nowhere')).toBe('nowhere');
  });

  it('fetches a catalogue the first time its language is chosen, in English until it is here', async () => {
    let fetched = 0;
    let arrive: () => void = () => {};
    const l = new Locale({ en: cats.en }, 'en', undefined, (lang) => {
      fetched++;
      return new Promise((resolve) => (arrive = () => resolve(cats[lang])));
    });
    expect(fetched).toBe(0);
    l.lang = 'zh-CN';
    expect(l.lang).toBe('zh-CN');
    expect(l.t('hi', { name: 'Ada' })).toBe('Hello Ada');
    const loaded = l.load('zh-CN');
    arrive();
    await loaded;
    expect(l.t('hi', { name: 'Ada' })).toBe('你好 Ada');
    l.lang = 'en';
    l.lang = 'zh-CN';
    expect(fetched).toBe(1);
  });

  it('reports a change so the choice can be remembered', () => {
    const seen: string[] = [];
    const l = new Locale(cats, 'en', (lang) => seen.push(lang));
    l.lang = 'zh-CN';
    l.lang = 'zh-CN';
    expect(seen).toEqual(['zh-CN']);
  });

  it('follows the browser: Simplified Chinese, English, else English', () => {
    expect(pickLanguage(['zh-CN', 'en'])).toBe('zh-CN');
    expect(pickLanguage(['zh'])).toBe('zh-CN');
    expect(pickLanguage(['zh-TW', 'en-GB'])).toBe('en');
    expect(pickLanguage(['fr-FR', 'de'])).toBe('en');
  });
});

describe('messages core and state build from structured problems', () => {
  it('the history search has a message for every query problem, in the same English as core', () => {
    const cat = en as Record<string, string>;
    for (const [problem, english] of Object.entries(QUERY_PROBLEMS)) {
      expect({ problem, text: cat[`history.query.${problem}`] }).toEqual({ problem, text: english });
    }
  });

  it('a query problem reads the same in English through the catalogue as core says it', () => {
    const locale = new Locale({ en, 'zh-CN': zhCN }, 'en');
    for (const query of [
      '"open',
      'colour:red',
      'kind:',
      'kind:bogus',
      'id:xyz',
      'after:someday',
      'acc>',
      '>=0.9',
    ]) {
      const r = parseQuery(query, { now: 0 });
      expect(r.ok, query).toBe(false);
      if (r.ok) continue;
      expect(locale.t(`history.query.${r.error.problem}`, r.error.values)).toBe(r.error.message);
      locale.lang = 'zh-CN';
      expect(locale.t(`history.query.${r.error.problem}`, r.error.values)).not.toBe(r.error.message);
      locale.lang = 'en';
    }
  });

  it('the layer editor and the weight carry-over have a message for every problem, in the same English as core', () => {
    const cat = en as Record<string, string>;
    for (const [problem, english] of Object.entries(SPEC_PROBLEMS))
      expect({ problem, text: cat[`model.problem.${problem}`] }).toEqual({ problem, text: english });
    for (const [reason, english] of Object.entries(CARRY_OVER_REASONS))
      expect({ reason, text: cat[`model.carry.${reason}`] }).toEqual({ reason, text: english });
  });

  it('a layer problem reads the same in English through the catalogue as core says it, and differs in Chinese', () => {
    const locale = new Locale({ en, 'zh-CN': zhCN }, 'en');
    const bad = {
      name: 'bad',
      inputShape: [64],
      layers: [
        { id: 'a', name: 'x', kind: 'Dense', units: 0, activation: 'relu', useBias: true, trainable: true },
        { id: 'b', name: 'x', kind: 'Conv2D', filters: 4, kernelSize: [3, 3], strides: [1, 1] },
        { id: 'c', name: 'c', kind: 'Reshape', targetShape: [8, 9], trainable: true },
      ],
    } as unknown as ModelSpec;
    const problems = analyzeSpec(bad).problems;
    expect(problems.length).toBeGreaterThan(3);
    for (const p of problems) {
      const kind = bad.layers[p.index ?? 0]?.kind ?? '';
      const word = () =>
        locale.t('model.problem.inLayer', {
          index: String((p.index ?? 0) + 1),
          kind,
          message: locale.t(`model.problem.${p.problem}`, p.values),
        });
      locale.lang = 'en';
      expect(word()).toBe(p.message);
      locale.lang = 'zh-CN';
      expect(word()).not.toMatch(/\b(must|needs?|the|not|is)\b/);
    }
  });

  it('a carry-over reason is read back from its English and worded the same through the catalogue', () => {
    const locale = new Locale({ en, 'zh-CN': zhCN }, 'en');
    const added = insertLayer(SEED_SPEC, createLayer('Dense', SEED_SPEC, 1, 'new'), 1);
    const narrower = updateLayer(SEED_SPEC, 'hidden', { units: 32 } as never);
    const reasons = [...planCarryOver(SEED_SPEC, added), ...planCarryOver(SEED_SPEC, narrower)].map(
      (d) => d.reason,
    );
    expect(reasons).toContain('kernel changes shape from [64, 10] to [32, 10]');
    for (const reason of [...reasons, 'was a Dense, now a LSTM', '"old" is not in the previous model']) {
      const parsed = parseCarryOverReason(reason);
      expect(parsed, reason).not.toBeNull();
      if (!parsed) continue;
      locale.lang = 'en';
      expect(locale.t(`model.carry.${parsed.reason}`, parsed.values)).toBe(reason);
      locale.lang = 'zh-CN';
      expect(locale.t(`model.carry.${parsed.reason}`, parsed.values)).not.toBe(reason);
    }
    expect(parseCarryOverReason('something else entirely')).toBeNull();
  });
});
