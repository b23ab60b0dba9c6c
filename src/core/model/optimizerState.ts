/**
 * An optimizer's state kept with a trained version, so training can continue exactly where it stopped:
 * what the state is (this file, pure), how TF.js's optimizers give and take it (ml/optimizerState.ts), where
 * its tensors are stored (storage/, as content-addressed blobs beside the weights, not part of the id).
 */
import type { OptimizerName, TrainConfig } from './training';

/** A trainable weight as the optimizer saw it: its slots follow this order. */
export interface OptimizedWeight {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Everything about an optimizer's state except its tensors. */
export interface OptimizerStateMeta {
  readonly optimizer: OptimizerName;
  /** The learning rate of the run that left this state (a continued run may use another). */
  readonly learningRate: number;
  /** Optimizer steps taken so far, over every run that built this state (TF.js's `iterations`). */
  readonly iterations: number;
  /**
   * Epochs run over every run that built this state: a continued run's first epoch is this number (0-based).
   * An epoch a Stop cut short counts (the next run starts with the next epoch), so only runs split at epoch
   * boundaries repeat an unsplit run exactly.
   */
  readonly epochs: number;
  /** The model's trainable weights in the optimizer's order; continuing needs the same list. */
  readonly weights: readonly OptimizedWeight[];
}

/** Why a run starts its optimizer afresh instead of continuing the live version's. */
export type AfreshReason =
  /** The version has no optimizer state: made before Graft kept it, imported without it, or cleaned up. */
  | 'none-kept'
  /** The user switched "continue" off. */
  | 'chosen'
  /** The run uses another optimizer than the one whose state is kept. */
  | 'other-optimizer'
  /** The trainable weights differ (a layer added, removed, reshaped, frozen or unfrozen). */
  | 'other-weights';

export type ContinuePlan =
  | { readonly kind: 'continue'; readonly firstEpoch: number; readonly iterations: number }
  | { readonly kind: 'afresh'; readonly reason: AfreshReason };

/**
 * Whether a run with `config` on a model whose trainable weights are `trainable` can continue `state`.
 * `wanted` false is the user's "start afresh".
 */
export function planContinue(
  state: OptimizerStateMeta | null,
  config: Pick<TrainConfig, 'optimizer'>,
  trainable: readonly OptimizedWeight[],
  wanted = true,
): ContinuePlan {
  if (!state) return { kind: 'afresh', reason: 'none-kept' };
  if (!wanted) return { kind: 'afresh', reason: 'chosen' };
  if (state.optimizer !== config.optimizer) return { kind: 'afresh', reason: 'other-optimizer' };
  const same =
    state.weights.length === trainable.length &&
    state.weights.every((w, i) => {
      const t = trainable[i];
      return (
        t !== undefined &&
        t.name === w.name &&
        t.shape.length === w.shape.length &&
        t.shape.every((d, k) => d === w.shape[k])
      );
    });
  if (!same) return { kind: 'afresh', reason: 'other-weights' };
  return { kind: 'continue', firstEpoch: state.epochs, iterations: state.iterations };
}
