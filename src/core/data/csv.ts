/**
 * A user's CSV, from text to a data set. Every refusal says which row and/or column is at fault.
 *
 * Row numbers in messages are the line of the file where that row starts (the header is row 1), which is
 * what a text editor or a spreadsheet shows for any file without line breaks inside quoted fields.
 */
import { GraftError, part, type ErrorPart } from '../errors';
import type {
  ClassificationDataset,
  Dataset,
  Delimiter,
  MissingValues,
  OneHotColumn,
  RegressionDataset,
  Task,
} from './types';

export type { Delimiter, MissingValues };

export interface CsvTable {
  /** Column names, trimmed and made unique; `column 3` where the header cell was empty or absent. */
  readonly header: readonly string[];
  /** Whether the first line was a header (false when every cell of it was a number). */
  readonly hasHeader: boolean;
  /** The header line's cells as written and its row number, kept so `withHeader` can make it data again. */
  readonly headerCells: readonly string[] | null;
  readonly headerRow: number;
  readonly rows: readonly (readonly string[])[];
  /** `rowNumbers[i]` is the line of the file where `rows[i]` starts. */
  readonly rowNumbers: readonly number[];
  readonly delimiter: Delimiter;
  /** The bytes the table was read from (UTF-8 of the text for `parseCsv`): what a version keeps. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

export interface CsvLimits {
  readonly maxRows: number;
  readonly maxColumns: number;
  readonly maxCells: number;
}

/**
 * Training happens in the page, on data held in memory as float32 (and again as tensors), so the limits
 * keep an upload to tens of megabytes rather than letting a large file take the tab down.
 */
export const CSV_LIMITS: CsvLimits = { maxRows: 100_000, maxColumns: 1_000, maxCells: 5_000_000 };
/** Larger files are refused before they are read. */
export const MAX_CSV_BYTES = 50 * 1024 * 1024;
/** A text column with at most this many distinct values is one-hot encoded; more is refused. */
export const MAX_ONE_HOT_VALUES = 20;
/** A numeric label with at most this many distinct integers is taken as classes rather than a target. */
export const MAX_AUTO_CLASS_INTEGERS = 20;
/** More classes than this is almost always an id or free-text column picked as the label by mistake. */
export const MAX_CLASSES = 100;
/** Features after one-hot encoding. */
export const MAX_FEATURES = 2_000;

export interface CsvParseOptions {
  /** Detected from the first lines when absent. */
  readonly delimiter?: Delimiter;
  /** `auto` (the default) takes the first line as data when every cell of it is a number. */
  readonly header?: boolean | 'auto';
  readonly limits?: Partial<CsvLimits>;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const DELIMITER_NAMES: Record<Delimiter, ErrorPart> = {
  ',': part('errorPart.delimiter.comma'),
  ';': part('errorPart.delimiter.semicolon'),
  '\t': part('errorPart.delimiter.tab'),
};

interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

export function parseCsv(text: string, options: CsvParseOptions = {}): CsvTable {
  return parseText(text, new TextEncoder().encode(text), options);
}

/**
 * A file's bytes as a table. They are read as UTF-8 the way `File.text()` reads them (a byte-order mark
 * dropped, a malformed sequence read as U+FFFD), so the same bytes always give the same table.
 */
export function parseCsvBytes(bytes: Uint8Array<ArrayBuffer>, options: CsvParseOptions = {}): CsvTable {
  return parseText(new TextDecoder().decode(bytes), bytes, options);
}

function parseText(text: string, bytes: Uint8Array<ArrayBuffer>, options: CsvParseOptions): CsvTable {
  const limits = { ...CSV_LIMITS, ...options.limits };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new GraftError('error.data/parse.empty');
  const delimiter = options.delimiter ?? detectDelimiter(body);
  const { records, stoppedEarly } = readRecords(body, delimiter, limits);
  const first = records[0];
  if (first === undefined) throw new GraftError('error.data/parse.empty');

  const hasHeader =
    options.header === 'auto' || options.header === undefined ? !isNumericRow(first.fields) : options.header;
  const dataRecords = hasHeader ? records.slice(1) : records;
  const width = first.fields.length;
  if (width > limits.maxColumns) {
    throw new GraftError('error.data/invalid.too-many-columns', {
      columns: width,
      max: limits.maxColumns.toLocaleString('en'),
    });
  }
  if (dataRecords.length > limits.maxRows) {
    throw new GraftError('error.data/invalid.too-many-rows', {
      maxRows: limits.maxRows,
      max: limits.maxRows.toLocaleString('en'),
    });
  }
  if (stoppedEarly || dataRecords.length * width > limits.maxCells) {
    throw new GraftError('error.data/invalid.too-many-cells', {
      maxCells: limits.maxCells,
      max: limits.maxCells.toLocaleString('en'),
    });
  }
  for (const r of dataRecords) {
    if (r.fields.length !== width) {
      throw new GraftError(
        `error.data/parse.row-width.${hasHeader ? 'header' : 'first-row'}-${r.fields.length === 1 ? 'one' : 'many'}`,
        { row: r.line, fields: r.fields.length, expected: width, delimiter: DELIMITER_NAMES[delimiter] },
      );
    }
  }

  // Many spreadsheets end every line with a delimiter: that makes an unnamed, empty last column, not data.
  let columns = width;
  const lastHeader = first.fields[width - 1] ?? '';
  if (
    width > 1 &&
    (!hasHeader || lastHeader.trim() === '') &&
    dataRecords.every((r) => (r.fields[width - 1] ?? '').trim() === '')
  ) {
    columns = width - 1;
  }

  const rawNames = hasHeader ? first.fields.slice(0, columns) : [];
  const header = uniqueNames(Array.from({ length: columns }, (_, i) => (rawNames[i] ?? '').trim()));
  return {
    header,
    hasHeader,
    headerCells: hasHeader ? rawNames : null,
    headerRow: hasHeader ? first.line : 0,
    rows: dataRecords.map((r) => (columns === width ? r.fields : r.fields.slice(0, columns))),
    rowNumbers: dataRecords.map((r) => r.line),
    delimiter,
    bytes,
  };
}

/**
 * The same table with its first line taken as the header, or as data: for the files the automatic guess
 * gets wrong (no header, but a text column; or a header made of numbers).
 */
export function withHeader(table: CsvTable, hasHeader: boolean): CsvTable {
  if (table.hasHeader === hasHeader) return table;
  if (!hasHeader) {
    return {
      ...table,
      hasHeader: false,
      header: uniqueNames(table.header.map(() => '')),
      headerCells: null,
      headerRow: 0,
      rows: [table.headerCells ?? [], ...table.rows],
      rowNumbers: [table.headerRow, ...table.rowNumbers],
    };
  }
  const [first, ...rest] = table.rows;
  if (first === undefined) throw new GraftError('error.data/invalid.no-header-row');
  return {
    ...table,
    hasHeader: true,
    header: uniqueNames(first.map((cell) => cell.trim())),
    headerCells: first,
    headerRow: table.rowNumbers[0] ?? 1,
    rows: rest,
    rowNumbers: table.rowNumbers.slice(1),
  };
}

/** The delimiter that splits the first lines into the same number (more than one) of fields. */
export function detectDelimiter(text: string): Delimiter {
  const candidates: Delimiter[] = [',', ';', '\t'];
  const counts = candidates.map((d) => countPerLine(text, d.charCodeAt(0), 20));
  let best: Delimiter | null = null;
  let bestCount = 0;
  candidates.forEach((d, i) => {
    const perLine = counts[i] ?? [];
    const firstCount = perLine[0] ?? 0;
    if (firstCount > 0 && perLine.every((c) => c === firstCount) && firstCount > bestCount) {
      best = d;
      bestCount = firstCount;
    }
  });
  if (best !== null) return best;
  // No candidate is consistent (the file is ragged): go by the header line, where the intent is clearest.
  candidates.forEach((d, i) => {
    const firstCount = counts[i]?.[0] ?? 0;
    if (firstCount > bestCount) {
      best = d;
      bestCount = firstCount;
    }
  });
  return best ?? ',';
}

/** How often `delim` occurs outside quotes on each of the first `maxLines` non-blank lines. */
function countPerLine(text: string, delim: number, maxLines: number): number[] {
  const out: number[] = [];
  let count = 0;
  let inQuotes = false;
  let blank = true;
  for (let i = 0; i < text.length && out.length < maxLines; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      inQuotes = !inQuotes;
      blank = false;
    } else if (!inQuotes && (c === LF || c === CR)) {
      if (!blank) out.push(count);
      count = 0;
      blank = true;
    } else {
      if (c === delim && !inQuotes) count++;
      if (c !== SPACE && c !== TAB) blank = false;
    }
  }
  if (!blank && out.length < maxLines) out.push(count);
  return out;
}

/**
 * RFC 4180 records: fields in double quotes may hold delimiters, line breaks and `""` for a quote; lines
 * end in LF, CRLF or CR. Blank lines are skipped wherever they are. Stops early once past the limits, so a
 * huge file is refused without being split into millions of strings first.
 */
function readRecords(
  text: string,
  delimiter: Delimiter,
  limits: CsvLimits,
): { records: CsvRecord[]; stoppedEarly: boolean } {
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  const out: CsvRecord[] = [];
  // One header row, and one more row than allowed so that "too many rows" can be told apart from "exactly".
  const maxRecords = limits.maxRows + 2;
  let cells = 0;
  let i = 0;
  let line = 1;
  while (i < n) {
    if (out.length >= maxRecords) return { records: out, stoppedEarly: false };
    if (cells > limits.maxCells + (out[0]?.fields.length ?? 0)) return { records: out, stoppedEarly: true };
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let segment = i + 1;
        let j = segment;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1) {
            throw new GraftError('error.data/parse.unclosed-quote', {
              row: start,
              column: fields.length + 1,
            });
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(segment, q + 1);
            j = q + 2;
            segment = j;
            continue;
          }
          value += text.slice(segment, q);
          line += countLineBreaks(text, i, q);
          i = q + 1;
          break;
        }
        while (i < n && (text.charCodeAt(i) === SPACE || (text.charCodeAt(i) === TAB && delim !== TAB))) i++;
        const after = text.charCodeAt(i);
        if (i < n && after !== delim && after !== LF && after !== CR) {
          throw new GraftError('error.data/parse.text-after-quote', {
            row: start,
            column: fields.length + 1,
            value,
          });
        }
        field = value;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delim || c === LF || c === CR) break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === delim) {
        i++;
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    const blank = fields.length === 1 && (fields[0] ?? '').trim() === '';
    if (!blank) {
      out.push({ fields, line: start });
      cells += fields.length;
    }
  }
  return { records: out, stoppedEarly: false };
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) count++;
  }
  return count;
}

function isNumericRow(fields: readonly string[]): boolean {
  return fields.every((f) => parseNumber(f, false) !== null);
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name, i) => {
    let base = name === '' ? `column ${i + 1}` : name;
    if (seen.has(base)) base = `${base} (column ${i + 1})`;
    seen.add(base);
    return base;
  });
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/**
 * A cell as a number, or null when it is not one. Stricter than `Number()`, which reads `''` as 0 and
 * `0x10` as 16. With a non-comma delimiter, `1,5` is read as 1.5: the way European spreadsheets save.
 */
export function parseNumber(cell: string, decimalComma: boolean): number | null {
  const s = cell.trim();
  if (NUMBER.test(s)) return Number(s);
  if (decimalComma && DECIMAL_COMMA.test(s)) return Number(s.replace(',', '.'));
  return null;
}

/** Cells read as "no value". `?` is how the UCI repository marks a missing value. */
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);

export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

export interface CsvToDatasetOptions {
  /** A column name from `table.header`, or its index. */
  readonly labelColumn: string | number;
  /** Forces the task; by default a text label, or one with a few distinct integers, means classification. */
  readonly task?: Task;
  /** Columns to leave out (ids, free text), by name or index. */
  readonly exclude?: readonly (string | number)[];
  /**
   * Missing cells (empty, `NA`, `?`…) stop the upload with the row and column by default: silently
   * dropping rows changes what the model learns from, so it happens only when the user chooses it.
   */
  readonly missing?: MissingValues;
  readonly fileName?: string;
  readonly name?: string;
}

type ColumnKind = { kind: 'numeric' } | { kind: 'text'; values: string[] };

export function tableToDataset(table: CsvTable, options: CsvToDatasetOptions): Dataset {
  const { header, rows, rowNumbers } = table;
  const fileName = options.fileName ?? 'upload.csv';
  const decimalComma = table.delimiter !== ',';
  const label = resolveColumn(header, options.labelColumn, 'label');
  const labelName = header[label] ?? '';
  const excluded = new Set((options.exclude ?? []).map((c) => resolveColumn(header, c, 'excluded')));
  excluded.delete(label);
  const featureColumns = header.map((_, i) => i).filter((i) => i !== label && !excluded.has(i));

  if (rows.length === 0) {
    throw new GraftError('error.data/invalid.no-data-rows');
  }
  if (featureColumns.length === 0) {
    throw new GraftError(
      excluded.size > 0 ? 'error.data/invalid.no-features.some-left-out' : 'error.data/invalid.no-features',
      { column: labelName, leftOut: excluded.size },
    );
  }

  const used = [...featureColumns, label];
  const missing = options.missing ?? 'error';
  const keep = keptRows(table, used, missing);
  const keptCount = keep.length;
  if (keptCount === 0) {
    throw new GraftError('error.data/invalid.all-rows-missing');
  }

  const kinds = new Map<number, ColumnKind>();
  for (const c of used) kinds.set(c, columnKind(table, c, keep, decimalComma));

  const oneHot: OneHotColumn[] = [];
  const featureNames: string[] = [];
  for (const c of featureColumns) {
    const kind = kinds.get(c);
    const name = header[c] ?? '';
    if (kind?.kind === 'text') {
      if (kind.values.length > MAX_ONE_HOT_VALUES) {
        throw new GraftError('error.data/invalid.text-column', {
          column: name,
          distinct: kind.values.length,
          example: kind.values[0] ?? '',
          max: MAX_ONE_HOT_VALUES,
        });
      }
      oneHot.push({ column: name, values: kind.values });
      for (const v of kind.values) featureNames.push(`${name}=${v}`);
    } else {
      featureNames.push(name);
    }
  }
  if (featureNames.length > MAX_FEATURES) {
    throw new GraftError('error.data/invalid.too-many-features', {
      features: featureNames.length,
      max: MAX_FEATURES,
    });
  }

  const features = featureNames.length;
  const x = new Float32Array(keptCount * features);
  keep.forEach((r, out) => {
    const row = rows[r] ?? [];
    let f = out * features;
    for (const c of featureColumns) {
      const kind = kinds.get(c);
      const cell = (row[c] ?? '').trim();
      if (kind?.kind === 'text') {
        const hot = kind.values.indexOf(cell);
        for (let v = 0; v < kind.values.length; v++) x[f++] = v === hot ? 1 : 0;
      } else {
        x[f++] = toFloat32(cell, decimalComma, rowNumbers[r] ?? 0, header[c] ?? '');
      }
    }
  });

  const labelKind = kinds.get(label) ?? { kind: 'numeric' };
  const task = options.task ?? autoTask(table, label, keep, labelKind, decimalComma);
  const base = {
    id: `csv:${fileName}`,
    name: options.name ?? fileName.replace(/\.(csv|tsv|txt)$/i, ''),
    featureNames,
    labelName,
    x,
    rows: keptCount,
    features,
    inputShape: [features],
    source: {
      kind: 'csv' as const,
      fileName,
      labelColumn: labelName,
      excludedColumns: [...excluded].sort((a, b) => a - b).map((c) => header[c] ?? ''),
      oneHot,
      droppedRows: rows.length - keptCount,
      delimiter: table.delimiter,
      hasHeader: table.hasHeader,
      missing,
      bytes: table.bytes,
    },
  };
  if (task === 'regression') {
    if (labelKind.kind === 'text') {
      const r = keep[0] ?? 0;
      throw new GraftError('error.data/invalid.text-label', {
        column: labelName,
        row: rowNumbers[r] ?? 0,
        value: (rows[r]?.[label] ?? '').trim(),
      });
    }
    const y = new Float32Array(keptCount);
    keep.forEach((r, i) => {
      y[i] = toFloat32((rows[r]?.[label] ?? '').trim(), decimalComma, rowNumbers[r] ?? 0, labelName);
    });
    return { ...base, task: 'regression', y } satisfies RegressionDataset;
  }
  return {
    ...base,
    task: 'classification',
    ...classLabels(table, label, keep, labelKind, decimalComma),
  } satisfies ClassificationDataset;
}

function resolveColumn(
  header: readonly string[],
  column: string | number,
  role: 'label' | 'excluded',
): number {
  if (typeof column === 'number') {
    if (Number.isInteger(column) && column >= 0 && column < header.length) return column;
    throw new GraftError(`error.data/invalid.no-column-number.${role}`, {
      column,
      number: column + 1,
      columns: header.length,
    });
  }
  const i = header.indexOf(column);
  if (i >= 0) return i;
  const list = header.length > 12 ? `${header.slice(0, 12).join('", "')}", …` : `${header.join('", "')}"`;
  throw new GraftError(`error.data/invalid.no-column-named.${role}`, { column, list });
}

/** Indices of the rows to use, after the missing-value rule. */
function keptRows(table: CsvTable, used: readonly number[], missing: MissingValues): number[] {
  const keep: number[] = [];
  table.rows.forEach((row, r) => {
    const gap = used.find((c) => isMissing(row[c] ?? ''));
    if (gap === undefined) {
      keep.push(r);
    } else if (missing === 'error') {
      const name = table.header[gap] ?? '';
      throw new GraftError('error.data/invalid.missing-value', {
        row: table.rowNumbers[r] ?? 0,
        column: name,
      });
    }
  });
  return keep;
}

/**
 * A column is numeric when most of its cells are numbers; then a cell that is not one is a mistake worth
 * naming, not a reason to treat the whole column as categories. A column of mostly text is categorical.
 */
function columnKind(table: CsvTable, c: number, keep: readonly number[], decimalComma: boolean): ColumnKind {
  let numbers = 0;
  let firstText = -1;
  const texts = new Set<string>();
  for (const r of keep) {
    const cell = (table.rows[r]?.[c] ?? '').trim();
    if (parseNumber(cell, decimalComma) === null) {
      if (firstText < 0) firstText = r;
      texts.add(cell);
    } else {
      numbers++;
    }
  }
  if (firstText < 0) return { kind: 'numeric' };
  if (numbers >= keep.length - numbers) {
    const name = table.header[c] ?? '';
    const cell = (table.rows[firstText]?.[c] ?? '').trim();
    throw new GraftError('error.data/invalid.not-a-number', {
      row: table.rowNumbers[firstText] ?? 0,
      column: name,
      value: cell,
    });
  }
  const values = new Set<string>();
  for (const r of keep) values.add((table.rows[r]?.[c] ?? '').trim());
  return { kind: 'text', values: [...values].sort() };
}

function toFloat32(cell: string, decimalComma: boolean, row: number, column: string): number {
  const v = parseNumber(cell, decimalComma);
  const f = v === null ? NaN : Math.fround(v);
  if (!Number.isFinite(f)) {
    throw new GraftError('error.data/invalid.too-large-value', { row, column, value: cell });
  }
  return f;
}

function autoTask(
  table: CsvTable,
  label: number,
  keep: readonly number[],
  kind: ColumnKind,
  decimalComma: boolean,
): Task {
  if (kind.kind === 'text') return 'classification';
  const distinct = new Set<number>();
  for (const r of keep) {
    const v = parseNumber(table.rows[r]?.[label] ?? '', decimalComma) ?? NaN;
    if (!Number.isInteger(v)) return 'regression';
    distinct.add(v);
    if (distinct.size > MAX_AUTO_CLASS_INTEGERS) return 'regression';
  }
  return 'classification';
}

function classLabels(
  table: CsvTable,
  label: number,
  keep: readonly number[],
  kind: ColumnKind,
  decimalComma: boolean,
): { classNames: string[]; y: Int32Array<ArrayBuffer> } {
  const labelName = table.header[label] ?? '';
  // Numbers are classes by value, so "1", "1.0" and " 1" are one class and 2 sorts before 10.
  const key = (cell: string): string =>
    kind.kind === 'text' ? cell.trim() : String(parseNumber(cell, decimalComma) ?? cell.trim());
  const classes = new Set<string>();
  for (const r of keep) classes.add(key(table.rows[r]?.[label] ?? ''));
  const classNames =
    kind.kind === 'text' ? [...classes].sort() : [...classes].sort((a, b) => Number(a) - Number(b));
  if (classNames.length > MAX_CLASSES) {
    throw new GraftError(
      kind.kind === 'numeric' ? 'error.data/too-many-classes.numeric' : 'error.data/too-many-classes.text',
      {
        column: labelName,
        classes: classNames.length,
        distinct: classNames.length.toLocaleString('en'),
        max: MAX_CLASSES,
      },
    );
  }
  if (classNames.length < 2) {
    throw new GraftError('error.data/single-class.same-label', {
      column: labelName,
      label: classNames[0] ?? '',
    });
  }
  const index = new Map(classNames.map((name, i) => [name, i]));
  const y = new Int32Array(keep.length);
  keep.forEach((r, i) => {
    y[i] = index.get(key(table.rows[r]?.[label] ?? '')) ?? 0;
  });
  return { classNames, y };
}
