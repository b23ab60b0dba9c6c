/**
 * Which layers of an edited model can keep the trained weights of the model it was edited from: those with
 * the same id (the same layer, however renamed or moved) whose weights have exactly the same shapes.
 */
import { analyzeSpec, formatShape, type WeightShape } from './analyze';
import type { ModelSpec } from './spec';

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
    if (added.length > 0) return `now has a ${added.join(' and ')}`;
    if (removed.length > 0) return `no longer has a ${removed.join(' and ')}`;
    return 'its weights changed';
  }
  for (let i = 0; i < after.length; i++) {
    const a = before[i];
    const b = after[i];
    if (a && b && formatShape(a.shape) !== formatShape(b.shape))
      return `${b.name} changes shape from ${formatShape(a.shape)} to ${formatShape(b.shape)}`;
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
    if (!old) return initialise('new layer');
    if (old.layer.kind !== layer.kind)
      return initialise(`was a ${old.layer.kind}, now a ${layer.kind}`, old.layer.name);
    if (!weights || !old.weights) return initialise('its input shape is unknown', old.layer.name);
    const change = describeChange(old.weights, weights);
    if (change) return initialise(change, old.layer.name);
    decisions.push({
      ...base,
      from: old.layer.name,
      action: 'keep',
      reason: old.layer.name === layer.name ? 'unchanged' : `unchanged (was "${old.layer.name}")`,
    });
  });
  return decisions;
}
