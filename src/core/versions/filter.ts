/**
 * Searching the history: a small query language (`kind:trained tag:best acc>0.9 after:2026-01-01 words`)
 * parsed into terms, and the matching of version rows and the refs that point at them against those terms.
 */
import { err, ok, type Result } from '../errors';
import { CHANGE_KINDS, type ChangeKind, type Ref, type RefKind, type VersionRow } from './types';

export type ComparisonOp = '>' | '>=' | '<' | '<=' | '=' | '!=';

/** One condition; a version matches a query when it matches every term (or, when negated, does not). */
export type QueryTerm = { readonly negated: boolean } &
  /** Lower-case text found in the message, at the start of the id (4+ characters) or in a ref's name. */
  (
    | { readonly type: 'text'; readonly text: string }
    /** Lower-case text found in the message only. */
    | { readonly type: 'message'; readonly text: string }
    | { readonly type: 'id'; readonly prefix: string }
    | { readonly type: 'kind'; readonly kinds: readonly ChangeKind[] }
    /** Any of `names` (each may hold `*` wildcards) among the refs of `refKind`, or of both kinds when null. */
    | { readonly type: 'ref'; readonly refKind: RefKind | null; readonly names: readonly string[] }
    | { readonly type: 'metric'; readonly name: string; readonly op: ComparisonOp; readonly value: number }
    /** `createdAt` in [from, until), in milliseconds since the epoch; either end may be open. */
    | { readonly type: 'date'; readonly from: number | null; readonly until: number | null }
  );

export interface VersionQuery {
  readonly source: string;
  readonly terms: readonly QueryTerm[];
}

/**
 * What can be wrong with a query, in English with `{name}` placeholders. The UI shows the catalogue's
 * `history.query.<problem>` message (the same English, and its translations) filled from `values`.
 */
export const QUERY_PROBLEMS = {
  unclosedQuote: 'A quote is not closed: add the missing ".',
  unknownFilter:
    'Unknown filter "{filter}:". Use kind:, tag:, branch:, ref:, id:, after:, before: or on:, or put the words in quotes to search for them.',
  needsValue: '"{filter}:" needs a value, for example {example}.',
  unknownKind: 'There is no kind of change "{kind}". Kinds are {kinds}.',
  notId: '"{value}" is not the start of a version id (0-9, a-f).',
  notDate: '"{value}" is not a date. Write 2026-01-31, 2026-01, 2026, today, 7d or 2026-01-31T12:00.',
  onNeedsDay: '"on:" takes a day, month or year, such as on:2026-01-31; use after: for a moment.',
  needsNumber: '"{metric}" needs a number after {op}, for example {metric}0.9.',
  notNumber:
    '"{value}" is not a number; write {metric}0.9 or {metric}90%, or put "{text}" in quotes to search for the text.',
  comparesNothing: '"{text}" compares nothing: put a metric name before it, as in acc{text}.',
} as const;

export type QueryProblem = keyof typeof QUERY_PROBLEMS;

/** A syntax problem, with the span of the query text it is about so the UI can point at it. */
export interface QueryError {
  readonly problem: QueryProblem;
  /** The placeholders' values for the problem's message. */
  readonly values: Readonly<Record<string, string>>;
  /** The problem in English. */
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

function queryError(
  problem: QueryProblem,
  values: Readonly<Record<string, string>>,
  start: number,
  end: number,
): Result<never, QueryError> {
  const message = QUERY_PROBLEMS[problem].replace(
    /\{(\w+)\}/g,
    (whole, name: string) => values[name] ?? whole,
  );
  return err({ problem, values, message, start, end });
}

export interface ParseOptions {
  /** "Now" for relative dates such as `after:7d`; defaults to the current time. */
  readonly now?: number;
}

export const EMPTY_QUERY: VersionQuery = { source: '', terms: [] };

interface Token {
  /** The text with quotes removed. */
  readonly text: string;
  /** Where in `text` the first quoted part starts; -1 when nothing was quoted. */
  readonly quotedAt: number;
  readonly negated: boolean;
  readonly start: number;
  readonly end: number;
}

function tokenize(source: string): Result<Token[], QueryError> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    if (/\s/.test(source[i] as string)) {
      i++;
      continue;
    }
    const start = i;
    let negated = false;
    if (source[i] === '-' && i + 1 < source.length && /[^\s\d.]/.test(source[i + 1] as string)) {
      negated = true;
      i++;
    }
    let text = '';
    let quotedAt = -1;
    while (i < source.length && !/\s/.test(source[i] as string)) {
      if (source[i] !== '"') {
        text += source[i];
        i++;
        continue;
      }
      const open = i;
      if (quotedAt < 0) quotedAt = text.length;
      i++;
      while (i < source.length && source[i] !== '"') {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i];
        i++;
      }
      if (i >= source.length) return queryError('unclosedQuote', {}, open, source.length);
      i++;
    }
    tokens.push({ text, quotedAt, negated, start, end: i });
  }
  return ok(tokens);
}

const KEYS: Readonly<Record<string, string>> = {
  kind: 'kind',
  change: 'kind',
  tag: 'tag',
  branch: 'branch',
  ref: 'ref',
  id: 'id',
  after: 'after',
  since: 'after',
  before: 'before',
  until: 'before',
  on: 'on',
  message: 'message',
  msg: 'message',
};

const KEY_RE = /^([A-Za-z]+):/;
const METRIC_RE = /^([A-Za-z_][\w.\-/]*?)(>=|<=|!=|=|>|<)(.*)$/s;
const OP_START = /^(>=|<=|!=|=|>|<)/;
const IDENT = /^[A-Za-z_][\w.\-/]*$/;

/**
 * Joins `acc >= 0.9` and `acc >=0.9` into one comparison token, so spaces around the operator are allowed.
 */
function joinComparisons(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (next && t.quotedAt < 0 && next.quotedAt < 0 && !next.negated && IDENT.test(t.text)) {
      const op = OP_START.exec(next.text);
      if (op) {
        const after = tokens[i + 2];
        const takeThird = next.text === op[0] && after !== undefined && !after.negated && after.quotedAt < 0;
        const last = takeThird ? after : next;
        out.push({
          text: t.text + next.text + (takeThird ? after.text : ''),
          quotedAt: -1,
          negated: t.negated,
          start: t.start,
          end: last.end,
        });
        i += takeThird ? 2 : 1;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

const DAY_MS = 86_400_000;

/** A calendar period (year, month or day, local time) or an instant, as [from, until). */
function parseWhen(value: string, now: number): { from: number; until: number } | null {
  const rel = /^(\d+)([hdw])$/.exec(value);
  if (rel) {
    const unit = { h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS }[rel[2] as 'h' | 'd' | 'w'];
    const at = now - Number(rel[1]) * unit;
    return { from: at, until: at };
  }
  if (value === 'today' || value === 'yesterday') {
    const d = new Date(now);
    const start = new Date(d.getFullYear(), d.getMonth(), d.getDate() - (value === 'yesterday' ? 1 : 0));
    const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1);
    return { from: start.getTime(), until: end.getTime() };
  }
  const cal = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(value);
  if (cal) {
    const y = Number(cal[1]);
    const m = cal[2] === undefined ? null : Number(cal[2]) - 1;
    const d = cal[3] === undefined ? null : Number(cal[3]);
    const start = new Date(y, m ?? 0, d ?? 1);
    // Date rolls 2026-02-31 over into March; a date that does not round-trip does not exist.
    if (start.getFullYear() !== y || start.getMonth() !== (m ?? 0) || start.getDate() !== (d ?? 1))
      return null;
    const end =
      d !== null ? new Date(y, m ?? 0, d + 1) : m !== null ? new Date(y, m + 1, 1) : new Date(y + 1, 0, 1);
    return { from: start.getTime(), until: end.getTime() };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : { from: t, until: t };
  }
  return null;
}

function parseNumber(text: string): number | null {
  const percent = text.endsWith('%');
  const body = percent ? text.slice(0, -1) : text;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(body)) return null;
  const v = Number(body);
  return Number.isFinite(v) ? (percent ? v / 100 : v) : null;
}

/** Parses a query. Never throws: a syntax problem comes back as a `QueryError` naming the span. */
export function parseQuery(source: string, options: ParseOptions = {}): Result<VersionQuery, QueryError> {
  const lexed = tokenize(source);
  if (!lexed.ok) return lexed;
  const now = options.now ?? Date.now();
  const terms: QueryTerm[] = [];
  for (const token of joinComparisons(lexed.value)) {
    const at = (problem: QueryProblem, values: Readonly<Record<string, string>> = {}) =>
      queryError(problem, values, token.start, token.end);
    const { negated, text } = token;

    const keyed = token.quotedAt !== 0 ? KEY_RE.exec(text) : null;
    if (keyed && (token.quotedAt < 0 || token.quotedAt >= keyed[0].length)) {
      const word = (keyed[1] as string).toLowerCase();
      const key = KEYS[word];
      const value = text.slice(keyed[0].length);
      if (key === undefined) return at('unknownFilter', { filter: keyed[1] as string });
      const needsValue = () => at('needsValue', { filter: keyed[1] as string, example: exampleFor(key) });
      if (value === '') return needsValue();
      const list = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (list.length === 0) return needsValue();
      switch (key) {
        case 'kind': {
          const kinds: ChangeKind[] = [];
          for (const v of list) {
            const k = CHANGE_KINDS.find((c) => c === v.toLowerCase());
            if (!k) return at('unknownKind', { kind: v, kinds: CHANGE_KINDS.join(', ') });
            kinds.push(k);
          }
          terms.push({ type: 'kind', kinds, negated });
          break;
        }
        case 'tag':
        case 'branch':
        case 'ref':
          terms.push({ type: 'ref', refKind: key === 'ref' ? null : key, names: list, negated });
          break;
        case 'id':
          if (!/^[0-9a-f]+$/i.test(value)) return at('notId', { value });
          terms.push({ type: 'id', prefix: value.toLowerCase(), negated });
          break;
        case 'message':
          terms.push({ type: 'message', text: value.toLowerCase(), negated });
          break;
        default: {
          const when = parseWhen(value, now);
          if (!when) return at('notDate', { value });
          if (key === 'on' && when.from === when.until) return at('onNeedsDay');
          const term =
            key === 'after'
              ? { from: when.from, until: null }
              : key === 'before'
                ? { from: null, until: when.from }
                : { from: when.from, until: when.until };
          terms.push({ type: 'date', ...term, negated });
        }
      }
      continue;
    }

    const metric = token.quotedAt < 0 ? METRIC_RE.exec(text) : null;
    if (metric) {
      const [, name, op, raw] = metric as unknown as [string, string, ComparisonOp, string];
      const value = parseNumber(raw);
      if (raw === '') return at('needsNumber', { metric: `${name}${op}`, op });
      if (value === null) return at('notNumber', { value: raw, metric: `${name}${op}`, text });
      terms.push({ type: 'metric', name, op, value, negated });
      continue;
    }
    if (token.quotedAt < 0 && OP_START.test(text)) return at('comparesNothing', { text });

    terms.push({ type: 'text', text: text.toLowerCase(), negated });
  }
  return ok({ source, terms });
}

function exampleFor(key: string): string {
  switch (key) {
    case 'kind':
      return 'kind:trained';
    case 'tag':
      return 'tag:best';
    case 'branch':
      return 'branch:main';
    case 'ref':
      return 'ref:production';
    case 'id':
      return 'id:3fa2';
    case 'message':
      return 'message:dropout';
    default:
      return `${key}:2026-01-31`;
  }
}

/** TF.js says `acc`, Keras says `accuracy`: either name finds either metric. */
const METRIC_ALIASES: Readonly<Record<string, string>> = {
  acc: 'accuracy',
  accuracy: 'acc',
  val_acc: 'val_accuracy',
  val_accuracy: 'val_acc',
};

function metricValue(metrics: VersionRow['metrics'], name: string): number | undefined {
  if (name in metrics) return metrics[name];
  const lower = name.toLowerCase();
  for (const candidate of [lower, METRIC_ALIASES[lower]]) {
    if (candidate === undefined) continue;
    const key = Object.keys(metrics).find((k) => k.toLowerCase() === candidate);
    if (key !== undefined) return metrics[key];
  }
  return undefined;
}

function compare(a: number, op: ComparisonOp, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '=':
      return a === b;
    case '!=':
      return a !== b;
  }
}

const globCache = new Map<string, RegExp>();
function globMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  let re = globCache.get(pattern);
  if (!re) {
    if (globCache.size > 256) globCache.clear();
    re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
    globCache.set(pattern, re);
  }
  return re.test(name);
}
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type RefLike = Pick<Ref, 'name' | 'kind'>;

/** An amended message replaces the original in the history, but both are worth finding. */
function messageHas(row: VersionRow, text: string): boolean {
  return (
    row.message.toLowerCase().includes(text) ||
    (row.note !== undefined && row.note.message.toLowerCase().includes(text))
  );
}

function termMatches(term: QueryTerm, row: VersionRow, refs: readonly RefLike[]): boolean {
  switch (term.type) {
    case 'text':
      return (
        messageHas(row, term.text) ||
        (term.text.length >= 4 && row.id.startsWith(term.text)) ||
        refs.some((r) => r.name.toLowerCase().includes(term.text))
      );
    case 'message':
      return messageHas(row, term.text);
    case 'id':
      return row.id.startsWith(term.prefix);
    case 'kind':
      return term.kinds.includes(row.change);
    case 'ref':
      return refs.some(
        (r) =>
          (term.refKind === null || r.kind === term.refKind) && term.names.some((n) => globMatch(n, r.name)),
      );
    case 'metric': {
      const v = metricValue(row.metrics, term.name);
      return v !== undefined && compare(v, term.op, term.value);
    }
    case 'date': {
      const t = Date.parse(row.createdAt);
      return (
        !Number.isNaN(t) && (term.from === null || t >= term.from) && (term.until === null || t < term.until)
      );
    }
  }
}

/** Whether one version, with the refs that point at it, matches every term of the query. */
export function matchVersion(row: VersionRow, refs: readonly RefLike[], query: VersionQuery): boolean {
  return query.terms.every((term) => termMatches(term, row, refs) !== term.negated);
}

/** The versions matching `query`, in their given order. */
export function filterVersions<R extends VersionRow>(
  rows: readonly R[],
  refs: readonly Ref[],
  query: VersionQuery,
): R[] {
  if (query.terms.length === 0) return [...rows];
  const byTarget = new Map<string, Ref[]>();
  for (const r of refs) {
    const list = byTarget.get(r.target);
    if (list) list.push(r);
    else byTarget.set(r.target, [r]);
  }
  return rows.filter((row) => matchVersion(row, byTarget.get(row.id) ?? [], query));
}
