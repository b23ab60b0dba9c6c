/** Copies trained weights from a model into its edited successor, for every layer the edit left intact. */
import type * as tf from '@tensorflow/tfjs';
import { carryOverReason, planCarryOver, type CarryOverReport } from '../core/model/carryOver';
import type { ModelSpec } from '../core/model/spec';

function findLayer(model: tf.LayersModel, name: string): tf.layers.Layer | null {
  return model.layers.find((l) => l.name === name) ?? null;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Gives every layer of `newModel` whose spec id also appears in `oldSpec`, with identical weight shapes,
 * the weights of its counterpart in `oldModel`; the rest keep their fresh initialisation. The models must
 * have been built from (or read back as) `oldSpec` and `newSpec`. The actual TF.js weight shapes are checked
 * again, so a model that differs from its spec gets a fresh layer, never a wrong-shaped copy.
 *
 * The weights are shared, not copied: TF.js variables never change in place, so training either model
 * later replaces its own values and leaves the other's alone; disposing `oldModel` is safe.
 */
export function carryOverWeights(
  oldModel: tf.LayersModel,
  newModel: tf.LayersModel,
  oldSpec: ModelSpec,
  newSpec: ModelSpec,
): CarryOverReport {
  const kept: string[] = [];
  const initialised: { name: string; reason: string }[] = [];
  for (const decision of planCarryOver(oldSpec, newSpec)) {
    if (decision.action === 'initialise' || decision.from === null) {
      initialised.push({ name: decision.name, reason: decision.reason });
      continue;
    }
    const target = findLayer(newModel, decision.name);
    const source = findLayer(oldModel, decision.from);
    if (!target || !source) {
      initialised.push({
        name: decision.name,
        reason: target
          ? carryOverReason('notInPrevious', { name: decision.from })
          : carryOverReason('notInNew'),
      });
      continue;
    }
    const from = source.weights;
    const to = target.weights;
    const mismatch =
      from.length !== to.length ||
      from.some((w, i) => shapeText(w.shape as number[]) !== shapeText((to[i]?.shape ?? []) as number[]));
    if (mismatch) {
      initialised.push({
        name: decision.name,
        reason: carryOverReason('doNotFit', {
          shapes: from.map((w) => shapeText(w.shape as number[])).join(', '),
        }),
      });
      continue;
    }
    target.setWeights(source.getWeights());
    kept.push(decision.name);
  }
  return { kept, initialised };
}
