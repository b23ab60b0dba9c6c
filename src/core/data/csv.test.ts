import { describe, expect, it } from 'vitest';
import { GraftError, type ErrorCode } from '../errors';
import {
  detectDelimiter,
  parseCsv,
  parseNumber,
  tableToDataset,
  withHeader,
  type CsvToDatasetOptions,
} from './csv';
import type { Dataset } from './types';

function load(text: string, options: Partial<CsvToDatasetOptions> = {}): Dataset {
  const table = parseCsv(text);
  return tableToDataset(table, { labelColumn: table.header.length - 1, fileName: 'test.csv', ...options });
}

/** Runs `f`, expecting a GraftError with `code`; returns it so a test can check the words. */
function failure(f: () => unknown, code: ErrorCode): GraftError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError);
    expect((e as GraftError).code).toBe(code);
    return e as GraftError;
  }
  throw new Error(`expected a ${code} error`);
}

describe('parseCsv', () => {
  it('reads a plain file with a header', () => {
    const t = parseCsv('a,b,label\n1,2,x\n3,4,y\n');
    expect(t.header).toEqual(['a', 'b', 'label']);
    expect(t.hasHeader).toBe(true);
    expect(t.rows).toEqual([
      ['1', '2', 'x'],
      ['3', '4', 'y'],
    ]);
    expect(t.rowNumbers).toEqual([2, 3]);
    expect(t.delimiter).toBe(',');
  });

  it('reads quoted fields with delimiters, line breaks and escaped quotes', () => {
    const t = parseCsv('name,note\n"Smith, J.","said ""hi""\nthen left"\nplain,"a;b"\n');
    expect(t.rows).toEqual([
      ['Smith, J.', 'said "hi"\nthen left'],
      ['plain', 'a;b'],
    ]);
    // The second row starts on line 4 because the first spans two lines.
    expect(t.rowNumbers).toEqual([2, 4]);
  });

  it('accepts CRLF, lone CR, a byte-order mark and blank lines anywhere', () => {
    const t = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4\r5,6\r\n\r\n\r\n');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
    expect(t.rowNumbers).toEqual([2, 4, 5]);
  });

  it('reads a file without a trailing newline, and an empty last field', () => {
    expect(parseCsv('a,b\n1,').rows).toEqual([['1', '']]);
    expect(parseCsv('a,b\n1,2').rows).toEqual([['1', '2']]);
  });

  it('detects comma, semicolon and tab delimiters', () => {
    expect(parseCsv('a;b;c\n1;2;3\n').delimiter).toBe(';');
    expect(parseCsv('a\tb\n1\t2\n').delimiter).toBe('\t');
    expect(parseCsv('a,b\n1,2\n').delimiter).toBe(',');
    // Decimal commas inside a semicolon file do not fool the detection.
    expect(detectDelimiter('x;y\n1,5;2,25\n3,0;4,5\n')).toBe(';');
    // Delimiters inside quotes do not count.
    expect(detectDelimiter('"a;b;c",d\n"1;2;3",4\n')).toBe(',');
    expect(detectDelimiter('single\n1\n2\n')).toBe(',');
  });

  it('takes the delimiter it is told', () => {
    expect(parseCsv('a;b,c\n1;2,3\n', { delimiter: ';' }).header).toEqual(['a', 'b,c']);
  });

  it('treats an all-numeric first line as data and names the columns', () => {
    const t = parseCsv('1,2,0\n3,4,1\n');
    expect(t.hasHeader).toBe(false);
    expect(t.header).toEqual(['column 1', 'column 2', 'column 3']);
    expect(t.rows).toHaveLength(2);
    expect(t.rowNumbers).toEqual([1, 2]);
    expect(parseCsv('1,2\n3,4\n', { header: true }).header).toEqual(['1', '2']);
  });

  it('can be told the first line is data after all, or a header after all, and back', () => {
    const guessed = parseCsv('5.1,3.5,setosa\n4.9,3.0,versicolor\n');
    expect(guessed.hasHeader).toBe(true);
    const data = withHeader(guessed, false);
    expect(data.header).toEqual(['column 1', 'column 2', 'column 3']);
    expect(data.rows).toEqual([
      ['5.1', '3.5', 'setosa'],
      ['4.9', '3.0', 'versicolor'],
    ]);
    expect(data.rowNumbers).toEqual([1, 2]);
    expect(withHeader(data, true)).toEqual(guessed);
    expect(withHeader(guessed, true)).toBe(guessed);
    const numbers = withHeader(parseCsv('1,2\n3,4\n'), true);
    expect(numbers.header).toEqual(['1', '2']);
    expect(numbers.rowNumbers).toEqual([2]);
  });

  it('makes header names unique and fills in empty ones', () => {
    expect(parseCsv(' a ,a,\n1,2,3\n').header).toEqual(['a', 'a (column 2)', 'column 3']);
  });

  it('drops the empty column made by a delimiter at the end of every line', () => {
    const t = parseCsv('a,b,\n1,2,\n3,4,\n');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('refuses an empty file', () => {
    expect(failure(() => parseCsv(''), 'data/parse').message).toMatch(/empty/);
    expect(failure(() => parseCsv('\uFEFF \n\r\n'), 'data/parse').message).toMatch(/empty/);
  });

  it('names the row and the counts of a ragged row', () => {
    const e = failure(() => parseCsv('a,b,c\n1,2,3\n4,5\n6,7,8\n'), 'data/parse');
    expect(e.message).toMatch(/^Row 3 has 2 fields, but the header has 3\./);
    expect(e.message).toMatch(/comma/);
    expect(e.data).toMatchObject({ row: 3, fields: 2, expected: 3 });
    expect(failure(() => parseCsv('a;b\n1;2;3\n'), 'data/parse').message).toMatch(
      /Row 2 has 3 fields.*semicolon/,
    );
  });

  it('names the row of a quote that is never closed', () => {
    const e = failure(() => parseCsv('a,b\n1,2\n3,"oops\n4,5\n'), 'data/parse');
    expect(e.message).toMatch(/^Row 3, column 2: a quoted value is never closed/);
  });

  it('refuses text after a closing quote', () => {
    const e = failure(() => parseCsv('a,b\n"x"y,2\n'), 'data/parse');
    expect(e.message).toMatch(/^Row 2, column 1: there is text after the closing quote/);
  });

  it('enforces the row, column and cell limits with clear words', () => {
    const rows = (n: number): string => 'a,b\n' + '1,2\n'.repeat(n);
    expect(parseCsv(rows(5), { limits: { maxRows: 5 } }).rows).toHaveLength(5);
    expect(failure(() => parseCsv(rows(6), { limits: { maxRows: 5 } }), 'data/invalid').message).toMatch(
      /more than 5 data rows/,
    );
    expect(
      failure(() => parseCsv('a,b,c\n1,2,3\n', { limits: { maxColumns: 2 } }), 'data/invalid').message,
    ).toMatch(/3 columns; Graft takes at most 2/);
    expect(failure(() => parseCsv(rows(6), { limits: { maxCells: 10 } }), 'data/invalid').message).toMatch(
      /more than 10 cells/,
    );
  });

  it('stops reading a huge file early instead of splitting all of it', () => {
    const big = 'a,b\n' + '1,2\n'.repeat(200_001);
    const started = performance.now();
    failure(() => parseCsv(big), 'data/invalid');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('parseNumber', () => {
  it('reads decimal and scientific numbers and nothing else', () => {
    expect(parseNumber(' 1.5 ', false)).toBe(1.5);
    expect(parseNumber('-.5', false)).toBe(-0.5);
    expect(parseNumber('+3.', false)).toBe(3);
    expect(parseNumber('1e-3', false)).toBe(0.001);
    for (const s of ['', ' ', '0x10', 'Infinity', 'NaN', '1,5', '1.2.3', 'abc', '1 2']) {
      expect(parseNumber(s, false)).toBeNull();
    }
    expect(parseNumber('1,5', true)).toBe(1.5);
  });
});

describe('tableToDataset', () => {
  it('makes numeric columns features and a text label classes, sorted', () => {
    const d = load('w,h,kind\n1,2,cat\n3,4,dog\n5,6,cat\n');
    expect(d.task).toBe('classification');
    expect(d.featureNames).toEqual(['w', 'h']);
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect([...d.x]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...d.y]).toEqual([0, 1, 0]);
    expect(d.y).toBeInstanceOf(Int32Array);
    expect(d.rows).toBe(3);
    expect(d.features).toBe(2);
    expect(d.inputShape).toEqual([2]);
    expect(d.id).toBe('csv:test.csv');
    expect(d.name).toBe('test');
    expect(d.labelName).toBe('kind');
    expect(d.source).toEqual({
      kind: 'csv',
      fileName: 'test.csv',
      labelColumn: 'kind',
      excludedColumns: [],
      oneHot: [],
      droppedRows: 0,
      delimiter: ',',
      hasHeader: true,
      missing: 'error',
      bytes: new TextEncoder().encode('w,h,kind\n1,2,cat\n3,4,dog\n5,6,cat\n'),
    });
  });

  it('takes the label column by name or index, anywhere in the table', () => {
    const t = parseCsv('y,a,b\n0,1,2\n1,3,4\n');
    const byName = tableToDataset(t, { labelColumn: 'y' });
    const byIndex = tableToDataset(t, { labelColumn: 0 });
    expect(byName.featureNames).toEqual(['a', 'b']);
    expect([...byName.x]).toEqual([1, 2, 3, 4]);
    expect([...byIndex.y]).toEqual([...byName.y]);
  });

  it('names the columns when the label column does not exist', () => {
    const t = parseCsv('a,b\n1,2\n');
    expect(failure(() => tableToDataset(t, { labelColumn: 'c' }), 'data/invalid').message).toBe(
      'There is no column "c" for the label column. The columns are "a", "b".',
    );
    expect(failure(() => tableToDataset(t, { labelColumn: 5 }), 'data/invalid').message).toMatch(
      /no column 6.*2 columns/,
    );
  });

  it('takes a few distinct integers as classes, ordered by value', () => {
    const d = load('a,label\n1,10\n2,2\n3,2\n4,1.0\n');
    expect(d.task).toBe('classification');
    expect(d.classNames).toEqual(['1', '2', '10']);
    expect([...d.y]).toEqual([2, 1, 1, 0]);
  });

  it('takes fractional numbers, or many distinct integers, as a regression target', () => {
    const frac = load('a,t\n1,0.5\n2,1.5\n');
    expect(frac.task).toBe('regression');
    expect(frac.y).toBeInstanceOf(Float32Array);
    expect([...frac.y]).toEqual([0.5, 1.5]);
    const many = load('a,t\n' + Array.from({ length: 30 }, (_, i) => `${i},${i * 3}`).join('\n'));
    expect(many.task).toBe('regression');
  });

  it('lets the user override the task', () => {
    const asClasses = load('a,t\n1,0.5\n2,1.5\n3,0.5\n', { task: 'classification' });
    expect(asClasses.classNames).toEqual(['0.5', '1.5']);
    const asTarget = load('a,t\n1,0\n2,1\n', { task: 'regression' });
    expect(asTarget.task).toBe('regression');
    expect([...asTarget.y]).toEqual([0, 1]);
  });

  it('one-hot encodes a text feature column with few values', () => {
    const d = load('size,colour,price\n1,red,10.5\n2,blue,20.25\n3,red,30\n');
    expect(d.featureNames).toEqual(['size', 'colour=blue', 'colour=red']);
    expect([...d.x]).toEqual([1, 0, 1, 2, 1, 0, 3, 0, 1]);
    expect(d.task).toBe('regression');
    expect(d.source).toMatchObject({ oneHot: [{ column: 'colour', values: ['blue', 'red'] }] });
  });

  it('names a text column with too many values to encode', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},name${i},${i % 2}`).join('\n');
    const e = failure(() => load(`n,who,label\n${rows}\n`), 'data/invalid');
    expect(e.message).toMatch(/^Column "who" holds text with 30 different values/);
    expect(e.message).toMatch(/at most 20/);
    expect(e.data).toMatchObject({ column: 'who', distinct: 30 });
  });

  it('leaves out the columns the user excludes', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},name${i},${i % 2}`).join('\n');
    const d = load(`n,who,label\n${rows}\n`, { exclude: ['who'] });
    expect(d.featureNames).toEqual(['n']);
    expect(d.source).toMatchObject({ excludedColumns: ['who'] });
  });

  it('names the row, column and value of text where a number belongs', () => {
    const e = failure(() => load('x,y,label\n1,2,a\n3,abc,b\n5,6,a\n'), 'data/invalid');
    expect(e.message).toBe(
      'Row 3, column "y": "abc" is not a number, but the rest of the column is numbers. Correct the value, or leave the column out.',
    );
    expect(e.data).toMatchObject({ row: 3, column: 'y', value: 'abc' });
  });

  it('names the row and value of text in a numeric regression target', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i + 0.5}`).join('\n');
    const e = failure(() => load(`x,t\n${rows}\n31,n.a.\n`), 'data/invalid');
    expect(e.message).toMatch(/^Row 32, column "t": "n\.a\." is not a number/);
  });

  it('refuses a text label as a regression target', () => {
    const e = failure(() => load('x,kind\n1,a\n2,b\n', { task: 'regression' }), 'data/invalid');
    expect(e.message).toMatch(/"kind" holds text \(row 2: "a"\), so it cannot be a regression target/);
  });

  it('refuses a single class, naming the column', () => {
    const e = failure(() => load('x,kind\n1,a\n2,a\n3,a\n'), 'data/single-class');
    expect(e.message).toMatch(/Every row has the same label \("a"\) in column "kind"/);
    expect(failure(() => load('x,kind\n1,0\n2,0\n'), 'data/single-class').data).toMatchObject({
      column: 'kind',
    });
  });

  it('refuses a label column with 10,000 distinct values as too many classes', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${i % 7},id-${i}`).join('\n');
    const e = failure(() => load(`x,label\n${rows}\n`), 'data/too-many-classes');
    expect(e.message).toMatch(
      /^The label column "label" has 10,000 different values, too many to be classes/,
    );
    expect(e.data).toMatchObject({ column: 'label', classes: 10_000 });
    // Numbers asked to be classes get the same error, with the way out of choosing regression.
    const numeric = Array.from({ length: 10_000 }, (_, i) => `${i % 7},${i}`).join('\n');
    const n = failure(
      () => load(`x,label\n${numeric}\n`, { task: 'classification' }),
      'data/too-many-classes',
    );
    expect(n.message).toMatch(/choose regression/);
  });

  it('refuses a file with only a label column, or only excluded features', () => {
    expect(failure(() => load('label\na\nb\n'), 'data/invalid').message).toMatch(
      /^There are no feature columns: "label" is the label/,
    );
    expect(failure(() => load('id,label\n1,a\n2,b\n', { exclude: ['id'] }), 'data/invalid').message).toMatch(
      /no feature columns.*1 left out/,
    );
  });

  it('refuses a header without rows', () => {
    expect(failure(() => load('a,b\n'), 'data/invalid').message).toMatch(/no data rows/);
  });

  it('names the first missing value by row and column', () => {
    const e = failure(() => load('a,b,label\n1,2,x\n3,,y\n5,NA,x\n'), 'data/invalid');
    expect(e.message).toBe(
      'Row 3, column "b" has no value. Fill in the missing values, or choose to drop rows with missing values.',
    );
    expect(failure(() => load('a,label\n1,x\n2,?\n3,y\n'), 'data/invalid').data).toMatchObject({
      row: 3,
      column: 'label',
    });
  });

  it('drops rows with missing values when asked, and says how many', () => {
    const d = load('a,b,label\n1,2,x\n3,,y\n5,6,y\n7,8,NaN\n', { missing: 'drop-rows' });
    expect(d.rows).toBe(2);
    expect([...d.x]).toEqual([1, 2, 5, 6]);
    expect(d.source).toMatchObject({ droppedRows: 2 });
    // A missing value in a column left out does not drop its row.
    expect(load('a,b,label\n1,,x\n3,4,y\n', { exclude: ['b'] }).rows).toBe(2);
    expect(
      failure(() => load('a,label\n,x\n,y\n', { missing: 'drop-rows' }), 'data/invalid').message,
    ).toMatch(/Every row has a missing value/);
  });

  it('refuses numbers too large for float32', () => {
    expect(failure(() => load('a,label\n1e39,x\n1,y\n'), 'data/invalid').message).toMatch(
      /^Row 2, column "a": 1e39 is too large/,
    );
  });

  it('reads decimal commas in a semicolon file', () => {
    const d = load('a;b;t\n1,5;2;0,25\n3;4,75;1,5\n');
    expect([...d.x]).toEqual([1.5, 2, 3, 4.75]);
    expect([...d.y]).toEqual([0.25, 1.5]);
  });

  it('reads tab-separated files with quotes and CRLF the same as commas', () => {
    const a = load('a,b,label\r\n1,2,x\r\n3,4,y\r\n');
    const b = load('"a"\t"b"\t"label"\n"1"\t2\t"x"\n3\t"4"\t"y"\n\n');
    expect([...b.x]).toEqual([...a.x]);
    expect([...b.y]).toEqual([...a.y]);
    expect(b.featureNames).toEqual(a.featureNames);
  });

  it('refuses more features than it can train on after one-hot encoding', () => {
    const header = Array.from({ length: 150 }, (_, i) => `c${i}`).join(',');
    const row = (k: number): string => Array.from({ length: 150 }, (_, i) => `v${(i + k) % 15}`).join(',');
    const body = Array.from({ length: 20 }, (_, k) => `${row(k)},${k % 2}`).join('\n');
    expect(failure(() => load(`${header},label\n${body}\n`), 'data/invalid').message).toMatch(
      /2250 features once text columns are one-hot encoded; Graft takes at most 2000/,
    );
  });
});
