/**
 * Which layers of an edited model can keep the trained weights of the model it was edited from: those with
 * the same id (the same layer, however renamed or moved) whose weights have exactly the same shapes.
 */
import { analyzeSpec, formatShape, type WeightShape } from './analyze';
import type { ModelSpec } from './spec';

/**
 * Why a layer keeps or loses its weights, in English with `{name}` placeholders. Reasons are stored in
 * English (a version's provenance keeps them); the UI words one in the active language with the catalogue's
 * `model.carry.<reason>` message, filled from the values `parseCarryOverReason` reads back out of it.
 */
export const CARRY_OVER_REASONS = {
  unchanged: 'unchanged',
  renamed: 'unchanged (was "{name}")',
  newLayer: 'new layer',
  kindChanged: 'was a {before}, now a {after}',
  inputUnknown: 'its input shape is unknown',
  weightAdded: 'now has a {weights}',
  weightRemoved: 'no longer has a {weights}',
  weightsChanged: 'its weights changed',
  shapeChanged: '{weight} changes shape from {before} to {after}',
  notInPrevious: '"{name}" is not in the previous model',
  notInNew: 'not in the new model',
  doNotFit: 'its weights in the previous model ({shapes}) do not fit',
} as const;

export type CarryOverReason = keyof typeof CARRY_OVER_REASONS;

/** The English reason, filled from `values`. */
export function carryOverReason(
  reason: CarryOverReason,
  values: Readonly<Record<string, string>> = {},
): string {
  return CARRY_OVER_REASONS[reason].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

const REASON_PATTERNS = (Object.entries(CARRY_OVER_REASONS) as [CarryOverReason, string][]).map(
  ([reason, english]) => {
    const names: string[] = [];
    const source = english
      .split(/(\{\w+\})/)
      .map((part) => {
        const m = /^\{(\w+)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1] as string);
        return '(.+?)';
      })
      .join('');
    return { reason, names, re: new RegExp(`^${source}$`) };
  },
);

/** Which reason an English reason text is, with its values; null for a text no template makes. */
export function parseCarryOverReason(
  text: string,
): { reason: CarryOverReason; values: Record<string, string> } | null {
  for (const { reason, names, re } of REASON_PATTERNS) {
    const m = re.exec(text);
    if (m) return { reason, values: Object.fromEntries(names.map((n, i) => [n, m[i + 1] ?? ''])) };
  }
  return null;
}

export type CarryOverAction = 'keep' | 'initialise';

export interface CarryOverDecision {
  readonly id: string;
  /** The layer's name in the new spec. */
  readonly name: string;
  /** The same layer's name in the old spec, when there is one. */
  readonly from: string | null;
  readonly action: CarryOverAction;
  readonly reason: string;
}

export interface CarryOverReport {
  /** New-model names of the layers that kept their weights. */
  readonly kept: readonly string[];
  readonly initialised: readonly { readonly name: string; readonly reason: string }[];
}

function describeChange(before: readonly WeightShape[], after: readonly WeightShape[]): string | null {
  const names = (ws: readonly WeightShape[]) => ws.map((w) => w.name).join(',');
  if (names(before) !== names(after)) {
    const had = new Set(before.map((w) => w.name));
    const has = new Set(after.map((w) => w.name));
    const added = after.filter((w) => !had.has(w.name)).map((w) => w.name);
    const removed = before.filter((w) => !has.has(w.name)).map((w) => w.name);
    if (added.length > 0) return carryOverReason('weightAdded', { weights: added.join(' and ') });
    if (removed.length > 0) return carryOverReason('weightRemoved', { weights: removed.join(' and ') });
    return carryOverReason('weightsChanged');
  }
  for (let i = 0; i < after.length; i++) {
    const a = before[i];
    const b = after[i];
    if (a && b && formatShape(a.shape) !== formatShape(b.shape))
      return carryOverReason('shapeChanged', {
        weight: b.name,
        before: formatShape(a.shape),
        after: formatShape(b.shape),
      });
  }
  return null;
}

/** One decision per layer of `newSpec` that has weights, in layer order. */
export function planCarryOver(oldSpec: ModelSpec, newSpec: ModelSpec): CarryOverDecision[] {
  const oldAnalysis = analyzeSpec(oldSpec);
  const newAnalysis = analyzeSpec(newSpec);
  const oldById = new Map(
    oldSpec.layers.map((l, i) => [l.id, { layer: l, weights: oldAnalysis.layers[i]?.weights }]),
  );
  const decisions: CarryOverDecision[] = [];
  newSpec.layers.forEach((layer, i) => {
    const weights = newAnalysis.layers[i]?.weights;
    if (weights && weights.length === 0) return;
    const base = { id: layer.id, name: layer.name };
    const old = oldById.get(layer.id);
    const initialise = (reason: string, from: string | null = null) =>
      decisions.push({ ...base, from, action: 'initialise', reason });
    if (!old) return initialise(carryOverReason('newLayer'));
    if (old.layer.kind !== layer.kind)
      return initialise(
        carryOverReason('kindChanged', { before: old.layer.kind, after: layer.kind }),
        old.layer.name,
      );
    if (!weights || !old.weights) return initialise(carryOverReason('inputUnknown'), old.layer.name);
    const change = describeChange(old.weights, weights);
    if (change) return initialise(change, old.layer.name);
    decisions.push({
      ...base,
      from: old.layer.name,
      action: 'keep',
      reason:
        old.layer.name === layer.name
          ? carryOverReason('unchanged')
          : carryOverReason('renamed', { name: old.layer.name }),
    });
  });
  return decisions;
}
