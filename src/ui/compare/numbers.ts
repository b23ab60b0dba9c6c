/** Number formatting for diff figures, which span from 1e-9 weight moves to millions of parameters. */

import { locale } from '../i18n';

const MINUS = '\u2212';

/** Four significant digits; scientific notation for very small or very large magnitudes. */
export function formatValue(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : `${MINUS}∞`;
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const text =
    abs < 1e-3 || abs >= 1e6
      ? x.toExponential(Math.max(0, digits - 2))
      : String(Number(x.toPrecision(digits)));
  return text.replace(/^-/, MINUS);
}

/** A change with its sign always shown: +0.012, −3. */
export function formatSigned(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (x === 0) return '±0';
  return x > 0 ? `+${formatValue(x, digits)}` : formatValue(x, digits);
}

export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : locale.number(n);
}

export function formatIntDelta(before: number | null, after: number | null): string {
  if (before === null || after === null || before === after) return '';
  const d = after - before;
  return d > 0 ? `+${locale.number(d)}` : `${MINUS}${locale.number(-d)}`;
}

/** A JSON config value in one short line. */
export function formatConfigValue(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return v;
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
