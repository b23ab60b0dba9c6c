/**
 * An optimizer's state out of and into TF.js, so a later run (another page, another browser) continues it
 * bit for bit: every slot variable, the step count, and for Adam its running powers of beta.
 *
 * Tensors are named after the model's weights, not TF.js's variables (whose names gain suffixes such as
 * `_1` when a model is rebuilt): slot i belongs to the compiled model's i-th trainable weight, the order
 * in which TF.js's train step hands variables to the optimizer. The names, for a weight `dense/kernel`:
 *   every optimizer  `iterations` (int32 scalar: steps taken)
 *   adam             `accBeta1`, `accBeta2` (float32 scalars: beta1^(t+1), beta2^(t+1) as training
 *                    multiplied them), `dense/kernel/m`, `dense/kernel/v`
 *   rmsprop          `dense/kernel/rms`, `dense/kernel/momentum`
 *   adagrad          `dense/kernel/accumulator`
 *   sgd              nothing more
 * in that order, each slot kind for every weight before the next kind (TF.js's own `getWeights` order).
 * A fresh optimizer creates its slots lazily at its first step; a state taken before any step holds the
 * values that step would have created, so every state is complete.
 */
import * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import type { OptimizedWeight } from '../core/model/optimizerState';
import { OPTIMIZER_LABELS, type OptimizerName } from '../core/model/training';
import { tensorBytes, type OptimizerState, type TensorData } from '../core/ports';

/** The optimizers Graft offers, with TF.js's defaults for everything but the learning rate. */
export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/**
 * Each optimizer's per-weight slots in `getWeights` order, with the value TF.js fills a new one with
 * (Adagrad's comes from its config). RMSprop as Graft makes it is not centred, so it has no `mg` slot.
 */
const SLOTS: Readonly<Record<OptimizerName, readonly string[]>> = {
  adam: ['m', 'v'],
  sgd: [],
  rmsprop: ['rms', 'momentum'],
  adagrad: ['accumulator'],
};

const ITERATIONS = 'iterations';
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;

/** Adam's running powers of beta: TF.js multiplies them once per step but recomputes them with `pow` in `setWeights`. */
interface AdamPowers {
  readonly accBeta1: tf.Variable;
  readonly accBeta2: tf.Variable;
}

function adamPowers(optimizer: tf.Optimizer): AdamPowers {
  const p = optimizer as unknown as Partial<AdamPowers>;
  if (!(p.accBeta1 instanceof tf.Variable) || !(p.accBeta2 instanceof tf.Variable))
    throw new GraftError('error.internal.unexpected', { detail: 'TF.js Adam has no accBeta1/accBeta2' });
  return p as AdamPowers;
}

function initialSlotValue(optimizer: tf.Optimizer, name: OptimizerName): number {
  if (name !== 'adagrad') return 0;
  const value = optimizer.getConfig()['initialAccumulatorValue'];
  return typeof value === 'number' ? value : 0.1;
}

const slotName = (weight: string, slot: string) => `${weight}/${slot}`;
const size = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

function bytesOf(values: Float32Array | Int32Array): Uint8Array<ArrayBuffer> {
  const copy = values.slice();
  return new Uint8Array(copy.buffer, 0, copy.byteLength);
}

/** The trainable weights `model` hands its optimizer, in that order (as `compile` collects them). */
export function trainableWeightsOf(model: tf.LayersModel): OptimizedWeight[] {
  return model.trainableWeights.map((w) => ({ name: w.originalName, shape: [...w.read().shape] }));
}

/** The weights a compiled model's train step updates, in the order it passes them to the optimizer. */
export function compiledTrainableWeights(compiled: tf.LayersModel): OptimizedWeight[] {
  const collected = (compiled as unknown as { collectedTrainableWeights?: tf.LayerVariable[] })
    .collectedTrainableWeights;
  if (!collected) throw new GraftError('error.internal.no-train-step');
  return collected.map((w) => ({ name: w.originalName, shape: [...w.read().shape] }));
}

/**
 * `optimizer`'s state, read into bytes (so it stays valid however training goes on): `weights` are the
 * compiled model's trainable weights, `epochs` the epochs run so far over every run.
 */
export async function optimizerStateOf(
  optimizer: tf.Optimizer,
  name: OptimizerName,
  learningRate: number,
  weights: readonly OptimizedWeight[],
  epochs: number,
): Promise<OptimizerState> {
  const slots = SLOTS[name];
  const named = await optimizer.getWeights();
  const [iter, ...variables] = named;
  // `getWeights` makes the iteration count a new tensor of its own.
  iter?.tensor.dispose();
  if (variables.length !== 0 && variables.length !== slots.length * weights.length)
    throw new GraftError('error.internal.unexpected', {
      detail: `${name} has ${variables.length} slots for ${weights.length} weights`,
    });
  const tensors: TensorData[] = [
    { name: ITERATIONS, shape: [], dtype: 'int32', data: bytesOf(Int32Array.of(optimizer.iterations)) },
  ];
  if (name === 'adam') {
    const powers = adamPowers(optimizer);
    for (const power of ADAM_POWERS)
      tensors.push({
        name: power,
        shape: [],
        dtype: 'float32',
        data: bytesOf((await powers[power].data()) as Float32Array),
      });
  }
  const initial = initialSlotValue(optimizer, name);
  for (const [k, slot] of slots.entries())
    for (const [i, w] of weights.entries()) {
      const variable = variables[k * weights.length + i]?.tensor;
      const values = variable
        ? ((await variable.data()) as Float32Array)
        : new Float32Array(size(w.shape)).fill(initial);
      tensors.push({
        name: slotName(w.name, slot),
        shape: [...w.shape],
        dtype: 'float32',
        data: bytesOf(values),
      });
    }
  return {
    optimizer: name,
    learningRate,
    iterations: optimizer.iterations,
    epochs,
    weights: weights.map((w) => ({ name: w.name, shape: [...w.shape] })),
    tensors,
  };
}

const sameWeights = (a: readonly OptimizedWeight[], b: readonly OptimizedWeight[]) =>
  a.length === b.length && a.every((w, i) => w.name === b[i]?.name && w.shape.join() === b[i]?.shape.join());

/**
 * Puts `state` into `optimizer`, a fresh one of the same kind that has taken no step, for a model whose
 * compiled trainable weights are `weights`. Everything is checked before anything is set.
 */
export async function restoreOptimizerState(
  optimizer: tf.Optimizer,
  name: OptimizerName,
  weights: readonly OptimizedWeight[],
  state: OptimizerState,
): Promise<void> {
  if (state.optimizer !== name)
    throw new GraftError('error.ml/weights-mismatch.optimizer-other', {
      kept: OPTIMIZER_LABELS[state.optimizer] ?? String(state.optimizer),
      wanted: OPTIMIZER_LABELS[name],
    });
  if (!sameWeights(state.weights, weights))
    throw new GraftError('error.ml/weights-mismatch.optimizer-weights');
  const byName = new Map(state.tensors.map((t) => [t.name, t]));
  const expected: { name: string; shape: readonly number[]; dtype: 'float32' | 'int32' }[] = [
    { name: ITERATIONS, shape: [], dtype: 'int32' },
    ...(name === 'adam' ? ADAM_POWERS.map((p) => ({ name: p, shape: [], dtype: 'float32' as const })) : []),
    ...SLOTS[name].flatMap((slot) =>
      weights.map((w) => ({ name: slotName(w.name, slot), shape: w.shape, dtype: 'float32' as const })),
    ),
  ];
  const misfit = (tensor: string) => new GraftError('error.ml/weights-mismatch.optimizer-tensor', { tensor });
  if (byName.size !== state.tensors.length || state.tensors.length !== expected.length) {
    const extra = state.tensors.find((t) => !expected.some((e) => e.name === t.name));
    const missing = expected.find((e) => !byName.has(e.name));
    throw misfit(extra?.name ?? missing?.name ?? ITERATIONS);
  }
  const values = new Map<string, Float32Array | Int32Array>();
  for (const e of expected) {
    const t = byName.get(e.name);
    if (!t || t.dtype !== e.dtype || t.shape.join() !== e.shape.join()) throw misfit(e.name);
    const bytes = await tensorBytes(t);
    if (bytes.byteLength !== size(e.shape) * 4) throw misfit(e.name);
    // A copy: the bytes may sit at an offset no typed array of 4-byte values can start at.
    const buffer = bytes.slice().buffer;
    values.set(e.name, e.dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer));
  }
  const iterations = values.get(ITERATIONS)?.[0];
  if (iterations !== state.iterations || iterations < 0) throw misfit(ITERATIONS);

  const given: Parameters<tf.Optimizer['setWeights']>[0] = expected.map((e) => ({
    name: e.name,
    tensor: tf.tensor(values.get(e.name) as Float32Array | Int32Array, [...e.shape], e.dtype),
  }));
  try {
    // TF.js's order: the iteration count first, then the slots (Adam's powers are not among them).
    await optimizer.setWeights(given.filter((g) => !(ADAM_POWERS as readonly string[]).includes(g.name)));
    if (name === 'adam') {
      // After setWeights, which sets them to pow(beta, t + 1): not bit-equal to t multiplications.
      const powers = adamPowers(optimizer);
      for (const power of ADAM_POWERS) {
        const kept = given.find((g) => g.name === power)?.tensor;
        if (kept) powers[power].assign(kept);
      }
    }
  } finally {
    // setWeights made variables sharing these tensors' data; they hold their own reference.
    tf.dispose(given.map((g) => g.tensor));
  }
}
