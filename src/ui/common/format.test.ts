// Formatting follows the active language, and every error code has words in both catalogues.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GraftError } from '../../core/errors';
import en from '../../locales/errors.en.json';
import zhCN from '../../locales/errors.zh-CN.json';
import { locale } from '../i18n';
import {
  CHANGE_LABELS,
  changeLabel,
  datasetName,
  formatCount,
  formatDate,
  formatError,
  formatPercent,
  formatShape,
  formatShapes,
  formatWhen,
  shapeLabel,
} from './format';

afterEach(() => {
  locale.lang = 'en';
});

describe('format', () => {
  it('formats numbers, dates and times in the active language', () => {
    const now = Date.parse('2025-03-10T12:00:00Z');
    locale.lang = 'en';
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatWhen('2025-03-10T11:58:00Z', now)).toBe('2 minutes ago');
    expect(formatWhen('2025-03-09T12:00:00Z', now)).toBe('yesterday');
    expect(formatDate('2025-03-10T12:00:00Z')).toMatch(/Mar 10, 2025/);
    expect(formatPercent(0.935)).toBe('93.5%');
    locale.lang = 'zh-CN';
    expect(formatWhen('2025-03-10T11:58:00Z', now)).toBe('2分钟前');
    expect(formatWhen('2025-03-09T12:00:00Z', now)).toBe('昨天');
    expect(formatDate('2025-03-10T12:00:00Z')).toMatch(/2025年3月10日/);
    expect(formatShape([null, 64])).toBe('[批, 64]');
  });

  it('calls only the first dimension of a shape the batch, in the active language', () => {
    expect(formatShape([null, null, 81])).toBe('[batch, any, 81]');
    expect(shapeLabel('[batch, any, 16] [batch, 16]')).toBe('[batch, any, 16] [batch, 16]');
    expect(
      formatShapes([
        [null, null, 81],
        [null, 4],
      ]),
    ).toBe('[batch, any, 81], [batch, 4]');
    expect(formatShapes([])).toBe('—');
    locale.lang = 'zh-CN';
    expect(formatShape([null, null, 81])).toBe('[批, 任意, 81]');
    expect(shapeLabel('[batch, any, 16] [batch, 16]')).toBe('[批, 任意, 16] [批, 16]');
    expect(
      formatShapes([
        [null, null, 81],
        [null, 4],
      ]),
    ).toBe('[批, 任意, 81]、[批, 4]');
  });

  it('names kinds of change and shipped data sets in the active language, falling back to the given name', () => {
    expect(CHANGE_LABELS['trained']).toBe('Trained');
    expect(datasetName('iris', 'Iris flowers')).toBe('Iris flowers');
    locale.lang = 'zh-CN';
    expect(CHANGE_LABELS['trained']).toBe('训练');
    expect(changeLabel('rollback')).toBe('回滚');
    expect(changeLabel('something-new')).toBe('something-new');
    expect(datasetName('iris', 'Iris flowers')).toBe('鸢尾花');
    expect(datasetName('my-upload.csv', 'my-upload.csv')).toBe('my-upload.csv');
  });

  it('words an error from its key and data: English as its message, Chinese as specific', () => {
    const e = new GraftError('error.bundle/hash-mismatch.blob', {
      blob: 'ab'.repeat(32),
      short: 'abababababab',
    });
    expect(formatError(e)).toBe(e.message);
    expect(formatError(e)).toBe(
      'Blob abababababab in the bundle is damaged: its bytes do not match its SHA-256.',
    );
    locale.lang = 'zh-CN';
    expect(formatError(e)).toBe('包中的数据块 abababababab 已损坏：其字节与它的 SHA-256 不符。');
  });

  it('words the store’s errors from their kind of ref and their numbers, in Chinese as in English', () => {
    const tag = new GraftError('error.ref/exists.tag', { name: 'v1' });
    expect(formatError(tag)).toBe('A tag named "v1" already exists; pick another name.');
    const full = new GraftError('error.storage/quota-exceeded.needs-import', {
      needed: '3 MB',
      free: '1 MB',
      used: '9 MB',
      quota: '10 MB',
    });
    expect(formatError(full)).toMatch(
      /^This import needs 3 MB of new storage, .* only 1 MB more \(9 MB of 10 MB used\)/,
    );
    locale.lang = 'zh-CN';
    expect(formatError(tag)).toBe('已存在名为 "v1" 的标签，请换一个名称。');
    expect(formatError(full)).toMatch(/^此次导入需要 3 MB 的新存储空间.*再使用 1 MB（已用 9 MB，共 10 MB）/);
    expect(
      formatError(
        new GraftError('error.storage/blob-corrupt.open', { short: 'abc', tensor: 'dense/kernel' }),
      ),
    ).toBe(
      '无法打开版本 abc：dense/kernel 的数据已损坏（其字节与哈希值不再一致）。请运行“校验存储”查看所有问题；其他版本可能仍然完好。',
    );
  });

  it('words the phrases inside a message in the same language', () => {
    const e = new GraftError('error.data/parse.row-width.header-many', {
      row: 3,
      fields: 2,
      expected: 4,
      delimiter: { part: 'errorPart.delimiter.semicolon' },
    });
    expect(formatError(e)).toBe(e.message);
    expect(e.message).toContain('a missing or extra semicolon on that row');
    locale.lang = 'zh-CN';
    expect(formatError(e)).toContain('分号');
    expect(formatError(e)).not.toMatch(/semicolon/);
  });

  it('shows anything that is not a GraftError by its own message, whatever the language', () => {
    expect(formatError(new Error('boom'))).toBe('boom');
    locale.lang = 'zh-CN';
    expect(formatError(new Error('boom'))).toBe('boom');
  });

  it('has a catalogue entry for every error code, in both languages', () => {
    const source = readFileSync(join(__dirname, '../../core/errors.ts'), 'utf8');
    const union = source.slice(
      source.indexOf('export type ErrorCode'),
      source.indexOf(';', source.indexOf('export type ErrorCode')),
    );
    const codes = [...union.matchAll(/'([a-z/-]+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(40);
    const missing = codes.filter((c) => !(`error.${c}` in en) || !(`error.${c}` in zhCN));
    expect(missing).toEqual([]);
  });
});
