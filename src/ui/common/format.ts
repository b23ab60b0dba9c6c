/** Formatting helpers shared by components; everything follows the active UI language (see ../i18n). */
import { isGraftError, messageVars, type ErrorPart } from '../../core/errors';
import { CHANGE_KINDS } from '../../core/versions/types';
import { parseCarryOverReason } from '../../core/model/carryOver';
import type { SpecProblem } from '../../core/model/analyze';
import { shapeText, type ShapeWords } from '../../core/model/shapeText';
import { locale, t } from '../i18n';

export { formatBytes } from '../../core/units';

export function formatWhen(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return locale.relative(0, 'second');
  if (abs < 3600) return locale.relative(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return locale.relative(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return locale.relative(Math.round(seconds / 86400), 'day');
  return locale.date(at);
}

export function formatDate(iso: string): string {
  return locale.date(Date.parse(iso));
}

export function formatCount(n: number): string {
  return locale.number(n);
}

/** The words for dimensions that are not fixed, in the active language. */
const shapeWords = (): ShapeWords => ({ batch: t('common.batch'), any: t('common.anyDim') });

/** A layer's or model's shape, batch first: `[batch, any, 81]` / `[批, 任意, 81]`. */
export function formatShape(shape: readonly (number | null)[] | null): string {
  return shape ? shapeText(shape, shapeWords()) : '—';
}

/** Several shapes (a model's inputs, say) in a row: `[batch, 8], [batch, 4]`; `—` for none. */
export function formatShapes(shapes: readonly (readonly (number | null)[])[]): string {
  return shapes.length ? shapes.map((s) => formatShape(s)).join(t('common.listSeparator')) : '—';
}

/** A shape already written as text ("[batch, any, 64]", see core/model/shapeText), in the active language. */
export function shapeLabel(text: string): string {
  const words = shapeWords();
  return text.replace(/\b(batch|any)\b/g, (word) => (word === 'batch' ? words.batch : words.any));
}

/** The words for a version's kind of change ("Trained" / "训练"). */
export function changeLabel(kind: string): string {
  return (CHANGE_KINDS as readonly string[]).includes(kind) ? t(`common.change.${kind}`) : kind;
}

/** `CHANGE_LABELS[kind]`, read at render time so it follows the language; prefer `changeLabel`. */
export const CHANGE_LABELS: Readonly<Record<string, string>> = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(
      CHANGE_KINDS.map((kind) => [kind, { enumerable: true, get: () => changeLabel(kind) }]),
    ),
  ),
);

/**
 * What to show for an error, in the active language: the one place an error is worded for the UI. A
 * GraftError's key is looked up in the active catalogue and filled from its data; numbers are written as
 * its English `.message` writes them, so English reads exactly as the error's own message.
 */
const wordPart = (p: ErrorPart): string => t(p.part, messageVars(p.vars ?? {}, wordPart));

export function formatError(e: unknown): string {
  if (!isGraftError(e)) return e instanceof Error ? e.message : String(e);
  const vars = messageVars(e.data, wordPart);
  return t(e.key, vars);
}

/** The catalogue's text for `key` where it has one, else `fallback` (names of templates, data sets…). */
export function named(key: string, fallback: string): string {
  return locale.has(key) ? t(key) : fallback;
}

/** A shipped or generated data set's name in the active language. */
export const datasetName = (id: string, fallback: string): string => named(`data.set.${id}.name`, fallback);
/** A shipped or generated data set's description in the active language. */
export const datasetDescription = (id: string, fallback: string): string =>
  named(`data.set.${id}.description`, fallback);

/** A fraction as a percentage with one decimal: 0.935 → "93.5%". */
export function formatPercent(fraction: number, digits = 1): string {
  return locale.number(fraction, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Why a layer keeps or loses its weights (stored in English), in the active language. */
export function carryOverReasonText(reason: string): string {
  if (locale.lang === 'en') return reason;
  const parsed = parseCarryOverReason(reason);
  return parsed ? t(`model.carry.${parsed.reason}`, parsed.values) : reason;
}

/** A layer editor problem in the active language ("Layer 2 (Dense): units must be …" / "第 2 层（Dense）：…"). */
export function specProblemText(p: SpecProblem, layerKind: string): string {
  const message = t(`model.problem.${p.problem}`, p.values);
  if (p.index === null) return message;
  return t('model.problem.inLayer', { index: String(p.index + 1), kind: layerKind, message });
}
