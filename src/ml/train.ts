/**
 * Graft's training loop: TF.js's own per-batch step with a seeded shuffle, per-batch progress, a Stop that
 * takes effect at the next batch, NaN detection, and regular yields so the page stays responsive. A run can
 * continue an earlier run's optimizer state (ml/optimizerState.ts) and ends with its own: every random draw
 * is a function of the seed and the global epoch or step, so a run split in parts repeats one in one go.
 *
 * It costs no more than `model.fit` because it does what fit does per batch (gather the batch, run the
 * compiled train step) and never waits for the GPU inside an epoch: the losses of the batches trained
 * since the last read are stacked and read back with one asynchronous `data()`, and the next read starts
 * only once that one has finished. On WebGL the run's shaders are compiled before the first batch without
 * blocking the page (`warmShaders`).
 */
import * as tf from '@tensorflow/tfjs';
import { GraftError, part, type ErrorData, type ErrorKey } from '../core/errors';
import {
  assertValidTrainConfig,
  isClassificationLoss,
  type EpochLogs,
  type LossName,
  type TrainConfig,
} from '../core/model/training';
import type { OptimizerState, RowData, TrainingCallbacks, TrainingData, TrainOutcome } from '../core/ports';
import { mixSeed, mulberry32 } from '../core/random';
import { BatchReader } from './batchReader';
import {
  compiledTrainableWeights,
  makeOptimizer,
  optimizerStateOf,
  restoreOptimizerState,
} from './optimizerState';

export interface TrainOptions {
  /**
   * Longest stretch of work, in ms, before handing the main thread back to the browser (default 40: the
   * page answers input and redraws progress 25 times a second; yielding every frame let redrawing, which
   * on WebGL shares the GPU with training, slow epochs down by a third).
   */
  readonly yieldEvery?: number;
  /**
   * On WebGL, compile the run's shaders before the first batch without blocking the page (default true).
   * Off, the first batch compiles them in one main-thread task of seconds on a software rasteriser.
   */
  readonly warmUp?: boolean;
}

type TrainStep = (data: tf.Tensor[]) => tf.Scalar[];

const active = new WeakSet<tf.LayersModel>();

const product = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;
const invalid = (key: ErrorKey & `error.train/invalid-config.${string}`, data: ErrorData) =>
  new GraftError(key, data);

/** Which data a message is about, worded from the catalogue (`errorPart.*`). */
export type DataRole =
  | 'training-inputs'
  | 'training-targets'
  | 'validation-inputs'
  | 'validation-targets'
  | 'rows-to-predict'
  | 'evaluation-inputs'
  | 'evaluation-targets';

/**
 * The compiled LayersModel behind `model`: a Sequential compiles and fits an inner functional model it
 * keeps privately, and only that one holds the loss functions and the train step.
 */
function compiledCore(model: tf.LayersModel): tf.LayersModel {
  return (model as unknown as { model?: tf.LayersModel }).model ?? model;
}

/**
 * The per-batch step `fit` runs. `trainOnBatch` would wait for each batch's loss (a GPU round trip per
 * batch on WebGL), and `fit` cannot shuffle with a seed or stop before a given batch, so Graft drives the
 * step itself. It is a protected method in TF.js's typings, hence the narrow cast; train.test.ts pins it
 * for Sequential and functional models.
 */
function trainStepOf(core: tf.LayersModel): TrainStep {
  const make = (core as unknown as { makeTrainFunction?: () => TrainStep }).makeTrainFunction;
  if (typeof make !== 'function') throw new GraftError('error.internal.no-train-step');
  return make.call(core);
}

function fixedShape(shape: readonly (number | null)[], what: 'input-shape' | 'output-shape'): number[] {
  if (shape.some((d) => d === null || d < 0))
    throw invalid('error.train/invalid-config.variable-shape', {
      what: part(`errorPart.${what}`),
      shape: shapeText(shape),
    });
  return shape as number[];
}

function checkData(a: RowData, role: DataRole): number {
  const what = part(`errorPart.${role}`);
  const rows = a.shape[0] ?? 0;
  if (a.shape.length === 0 || rows <= 0) throw invalid('error.train/invalid-config.no-rows', { what });
  if (a.values.length !== product(a.shape))
    throw invalid('error.train/invalid-config.value-count', {
      what,
      values: a.values.length,
      shape: shapeText(a.shape),
      needs: product(a.shape),
    });
  return rows;
}

/** The inputs as the model takes them: a data set's flat rows are reshaped when the sizes agree. */
export function inputTensor(model: tf.LayersModel, a: RowData, role: DataRole): tf.Tensor {
  const rows = checkData(a, role);
  const input = fixedShape(model.inputs[0]?.shape.slice(1) ?? [], 'input-shape');
  const per = product(a.shape.slice(1));
  if (per !== product(input))
    throw invalid('error.train/invalid-config.example-size', {
      what: part(`errorPart.${role}`),
      per,
      shape: shapeText(input),
      takes: product(input),
    });
  return tf.tensor(a.values instanceof Float32Array ? a.values : Float32Array.from(a.values), [
    rows,
    ...input,
  ]);
}

/** The targets in the form `loss` needs for the model's output. */
export function targetTensor(model: tf.LayersModel, a: RowData, loss: LossName, role: DataRole): tf.Tensor {
  const rows = checkData(a, role);
  const what = part(`errorPart.${role}`);
  const output = fixedShape(model.outputs[0]?.shape.slice(1) ?? [], 'output-shape');
  const units = output[output.length - 1] ?? 1;
  const per = product(a.shape.slice(1));
  const values = a.values instanceof Float32Array ? a.values : Float32Array.from(a.values);

  const asIndices = (): Int32Array => {
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r] as number;
      if (!Number.isInteger(v) || v < 0 || v >= units)
        throw invalid(
          units === 1
            ? 'error.train/invalid-config.label-class-one'
            : 'error.train/invalid-config.label-class',
          { row: r, label: v, rowNumber: r + 1, what, units, last: units - 1 },
        );
      out[r] = v;
    }
    return out;
  };

  if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && units < 2)
    throw invalid('error.train/invalid-config.class-units', { loss, units });
  if (loss === 'sparseCategoricalCrossentropy') {
    if (per !== 1) throw invalid('error.train/invalid-config.sparse-per-row', { what, per });
    return tf.tensor1d(Float32Array.from(asIndices()));
  }
  if (loss === 'categoricalCrossentropy' && per === 1 && output.length === 1)
    return tf.tidy(() => tf.oneHot(tf.tensor1d(asIndices(), 'int32'), units).toFloat());
  if (per !== product(output))
    throw invalid(
      per === 1 ? 'error.train/invalid-config.target-size-one' : 'error.train/invalid-config.target-size',
      { what, per, shape: shapeText(output), loss },
    );
  if (loss === 'binaryCrossentropy')
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!(v >= 0 && v <= 1))
        throw invalid('error.train/invalid-config.binary-target', {
          what,
          value: v,
          row: Math.floor(i / per) + 1,
        });
    }
  return tf.tensor(values, [rows, ...output]);
}

function permutation(n: number, next: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** Which of a run's random streams a seed is for: independent of each other for the same seed. */
const SHUFFLE_STREAM = 1;
const STEP_STREAM = 2;

/** Epoch `epoch`'s order of the rows: from the seed and the epoch alone, however the run was split. */
function epochOrder(rows: number, seed: number, epoch: number): Int32Array {
  return permutation(rows, mulberry32(mixSeed(seed, SHUFFLE_STREAM, epoch)));
}

/**
 * Runs one synchronous train step with `Math.random` drawing from a generator seeded by the run's seed and
 * the global step. Every TF.js random op given no seed of its own (Dropout, GaussianNoise, GaussianDropout,
 * AlphaDropout, through randomUniform / randomNormal) seeds itself from one `Math.random()` call, so this
 * makes each step's masks and noise a function of (seed, step), whichever layers a model has, without
 * touching the layers. A Dropout layer given a seed of its own keeps using it, as TF.js does. Nothing else
 * runs while a synchronous step does, so no other code sees the swapped function.
 */
function withStepRandom<T>(seed: number, step: number, run: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(mixSeed(seed, STEP_STREAM, step));
  try {
    return run();
  } finally {
    Math.random = original;
  }
}

/** Hands the main thread back for one task: input and rendering run, then training continues (no 4 ms timer clamp). */
export function makeYielder(): { yieldNow: () => Promise<void>; close: () => void } {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return {
    yieldNow: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      }),
    close: () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

interface PreparedData {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly xVal: tf.Tensor | null;
  readonly yVal: tf.Tensor | null;
}

/** Tensors for training and validation; every tensor made goes through `own` so the caller can dispose it. */
function prepareData(
  model: tf.LayersModel,
  data: TrainingData,
  config: TrainConfig,
  own: <T extends tf.Tensor>(t: T) => T,
): PreparedData {
  const x = own(inputTensor(model, data.xTrain, 'training-inputs'));
  const y = own(targetTensor(model, data.yTrain, config.loss, 'training-targets'));
  const rows = x.shape[0] ?? 0;
  if (y.shape[0] !== rows)
    throw invalid('error.train/invalid-config.training-rows', { rows, targets: y.shape[0] ?? 0 });
  if (data.xVal && data.yVal) {
    const xVal = own(inputTensor(model, data.xVal, 'validation-inputs'));
    const yVal = own(targetTensor(model, data.yVal, config.loss, 'validation-targets'));
    if (yVal.shape[0] !== xVal.shape[0])
      throw invalid('error.train/invalid-config.validation-rows', {
        rows: xVal.shape[0] ?? 0,
        targets: yVal.shape[0] ?? 0,
      });
    return { x, y, xVal, yVal };
  }
  const split = config.validationSplit ?? 0;
  if (split <= 0) return { x, y, xVal: null, yVal: null };
  // As Keras does: the last rows, before any shuffling, so the same rows validate every epoch.
  const splitAt = Math.floor(rows * (1 - split));
  if (splitAt < 1) throw invalid('error.train/invalid-config.split-empty', { split, rows });
  if (splitAt === rows) return { x, y, xVal: null, yVal: null };
  return {
    x: own(x.slice(0, splitAt)),
    y: own(y.slice(0, splitAt)),
    xVal: own(x.slice(splitAt)),
    yVal: own(y.slice(splitAt)),
  };
}

/** Loss and accuracy over a whole set in inference mode, read back once. */
async function evaluateSet(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  chunk: number,
  yieldIfDue: () => Promise<void>,
): Promise<{ loss: number; acc?: number }> {
  const core = compiledCore(model);
  const lossFn = core.lossFunctions[0];
  const accFn = core.metricsTensors[0]?.[0];
  if (!lossFn) throw new GraftError('error.internal.no-loss');
  const rows = x.shape[0] ?? 0;
  let sums = tf.zeros([3]);
  try {
    for (let start = 0; start < rows; start += chunk) {
      const size = Math.min(chunk, rows - start);
      const next = tf.tidy(() => {
        const xb = x.slice(start, size);
        const yb = y.slice(start, size);
        const pred = model.predictOnBatch(xb) as tf.Tensor;
        const losses = lossFn(yb, pred);
        const accs = accFn ? accFn(yb, pred).sum() : tf.scalar(0);
        return sums.add(tf.stack([losses.sum(), accs, tf.scalar(losses.size)]));
      });
      sums.dispose();
      sums = next;
      await yieldIfDue();
    }
    const [lossSum = NaN, accSum = NaN, count = 0] = await sums.data();
    return accFn ? { loss: lossSum / count, acc: accSum / (count || 1) } : { loss: lossSum / count };
  } finally {
    sums.dispose();
  }
}

/** The parts of TF.js's WebGL backend that compile shaders ahead of use (tfjs-backend-webgl 4.x). */
interface ParallelCompile {
  readonly binaryCache: Record<string, unknown>;
  checkCompileCompletionAsync(): Promise<unknown>;
  getUniformLocations(): void;
  uploadToGPU(dataId: object): void;
}

function parallelCompiler(): ParallelCompile | null {
  if (tf.getBackend() !== 'webgl') return null;
  const backend = tf.backend() as unknown as Partial<ParallelCompile>;
  return typeof backend.checkCompileCompletionAsync === 'function' &&
    typeof backend.getUniformLocations === 'function' &&
    typeof backend.uploadToGPU === 'function' &&
    typeof backend.binaryCache === 'object'
    ? (backend as ParallelCompile)
    : null;
}

/**
 * Compiles every shader the run will use before its first batch, without blocking the page: with
 * `ENGINE_COMPILE_ONLY` TF.js creates the programs of one full and one short batch, one validation chunk
 * and the loss read-back without running them, the GPU process compiles them in parallel
 * (KHR_parallel_shader_compile) while `checkCompileCompletionAsync` polls once a frame, and only the
 * uniform lookups run on the main thread. Nothing runs, so the train step's variable writes are garbage:
 * it uses a throwaway optimiser and the weights are put back afterwards.
 */
async function warmShaders(
  model: tf.LayersModel,
  config: TrainConfig,
  data: PreparedData,
  batchSize: number,
  hasAcc: boolean,
): Promise<void> {
  const compiler = parallelCompiler();
  if (!compiler) return;
  const held = model.getWeights().map((w) => w.clone());
  const scratch = makeOptimizer(config.optimizer, config.learningRate);
  try {
    model.compile({ optimizer: scratch, loss: config.loss, metrics: hasAcc ? ['acc'] : [] });
    const step = trainStepOf(compiledCore(model));
    const rows = data.x.shape[0] ?? 0;
    const sizes = [...new Set([batchSize, rows % batchSize].filter((n) => n > 0))];
    const ids = sizes.map((size) => tf.range(0, size, 1, 'int32'));
    // Every tensor that outlives the warm-up goes to the GPU first, for real (a tensor first uploaded in
    // compile-only mode keeps its values on the CPU under a texture shape that no longer fits them), one
    // upload per task, as each may compile a small shader of its own.
    for (const t of [data.x, data.y, data.xVal, data.yVal, ...held, ...ids]) {
      if (!t) continue;
      compiler.uploadToGPU(t.dataId);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const programs = Object.keys(compiler.binaryCache).length;
    tf.env().set('ENGINE_COMPILE_ONLY', true);
    try {
      tf.tidy(() => {
        for (const batchIds of ids) {
          const outs = step([tf.gather(data.x, batchIds), tf.gather(data.y, batchIds)]);
          // As BatchReader reads losses back: stacked.
          tf.stack(outs);
          // TF.js keeps a step's metrics out of every tidy (BatchReader disposes them in the loop).
          tf.dispose(outs);
        }
        const { xVal, yVal } = data;
        if (xVal && yVal) {
          const core = compiledCore(model);
          const chunk = Math.min(Math.max(batchSize, 128), xVal.shape[0] ?? 0);
          const pred = model.predictOnBatch(xVal.slice(0, chunk)) as tf.Tensor;
          const lossFn = core.lossFunctions[0];
          const accFn = core.metricsTensors[0]?.[0];
          const yb = yVal.slice(0, chunk);
          if (lossFn) {
            const losses = lossFn(yb, pred);
            tf.stack([losses.sum(), accFn ? accFn(yb, pred).sum() : tf.scalar(0), tf.scalar(losses.size)]);
          }
        }
      });
    } finally {
      tf.env().set('ENGINE_COMPILE_ONLY', false);
      tf.dispose(ids);
    }
    // Both walk every program TF.js has ever compiled: only worth it when this run added some.
    if (Object.keys(compiler.binaryCache).length > programs) {
      await compiler.checkCompileCompletionAsync();
      compiler.getUniformLocations();
    }
  } finally {
    model.setWeights(held);
    tf.dispose(held);
    scratch.dispose();
  }
}

/**
 * Trains `model` in place, for `config.epochs` epochs. With `resume` it continues that optimizer state
 * (which must fit: `planContinue`), numbering epochs on from `resume.epochs`; with null the optimizer starts
 * afresh at epoch 0. Epoch e's shuffle derives from (seed, e) and each step's random draws from (seed,
 * global step), so N epochs in one run and the same N split at epoch boundaries over several runs, each
 * resuming the last one's state, give bit-identical weights and state on the CPU.
 *
 * A Stop inside an epoch ends that epoch short: it counts as run (the state's `epochs` includes it, and a
 * continued run starts with the next epoch), so continuing after a Stop is deterministic but not the same
 * as an uninterrupted run. Frozen layers (`trainable` false) are respected. On a non-finite loss it throws
 * `train/nan-loss` with the (global) epoch and batch where it happened and the history so far, and leaves
 * the model as it is.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainingData,
  config: TrainConfig,
  callbacks: TrainingCallbacks = {},
  options: TrainOptions = {},
  resume: OptimizerState | null = null,
): Promise<TrainOutcome> {
  assertValidTrainConfig(config);
  if (active.has(model)) throw new GraftError('error.train/busy.already');
  const started = performance.now();
  const yieldEvery = options.yieldEvery ?? 40;
  const owned: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  const optimizer = makeOptimizer(config.optimizer, config.learningRate);
  const yielder = makeYielder();
  active.add(model);
  let reader: BatchReader | null = null;
  try {
    const { x, y, xVal, yVal } = prepareData(model, data, config, own);

    const hasAcc = isClassificationLoss(config.loss);
    const rows = x.shape[0] ?? 0;
    const batchSize = Math.min(config.batchSize, rows);
    if (options.warmUp ?? true) await warmShaders(model, config, { x, y, xVal, yVal }, batchSize, hasAcc);
    model.compile({ optimizer, loss: config.loss, metrics: hasAcc ? ['acc'] : [] });
    const core = compiledCore(model);
    const step = trainStepOf(core);
    const weights = compiledTrainableWeights(core);
    if (resume) await restoreOptimizerState(optimizer, config.optimizer, weights, resume);
    const firstEpoch = resume?.epochs ?? 0;
    let globalStep = resume?.iterations ?? 0;
    const stateAfter = (epochs: number) =>
      optimizerStateOf(optimizer, config.optimizer, config.learningRate, weights, epochs);

    const batches = Math.ceil(rows / batchSize);
    const history: EpochLogs[] = [];
    const batchReader = new BatchReader(batches, hasAcc, callbacks.onBatch);
    reader = batchReader;
    let lastYield = performance.now();
    const yieldIfDue = async () => {
      if (performance.now() - lastYield < yieldEvery) return;
      batchReader.poll();
      await yielder.yieldNow();
      lastYield = performance.now();
    };
    const nanError = () => {
      const at = batchReader.nonFinite;
      if (!at) return null;
      const what = Number.isNaN(at.loss) ? 'NaN' : 'infinite';
      return new GraftError('error.train/nan-loss.at', {
        epoch: at.epoch,
        batch: at.batch,
        loss: at.loss,
        history: [...history],
        what,
        epochNumber: at.epoch + 1,
        batchNumber: at.batch + 1,
        learningRate: config.learningRate,
      });
    };

    let stopped = false;
    for (let epoch = firstEpoch; epoch < firstEpoch + config.epochs && !stopped; epoch++) {
      const epochStart = performance.now();
      const indices = tf.tensor1d(epochOrder(rows, config.seed, epoch), 'int32');
      let trained = 0;
      try {
        for (let batch = 0; batch < batches; batch++) {
          if (callbacks.shouldStop?.()) {
            stopped = true;
            break;
          }
          const start = batch * batchSize;
          const size = Math.min(batchSize, rows - start);
          const outs = withStepRandom(config.seed, globalStep, () =>
            tf.tidy(() => {
              const ids = indices.slice(start, size);
              return step([tf.gather(x, ids), tf.gather(y, ids)]);
            }),
          );
          globalStep++;
          batchReader.add({ epoch, batch, size, outs });
          trained++;
          await yieldIfDue();
          const failed = nanError();
          if (failed) throw failed;
        }
      } finally {
        indices.dispose();
      }
      await batchReader.drain();
      const failed = nanError();
      if (failed) throw failed;
      if (trained === 0) break;

      const totals = batchReader.takeEpochTotals();
      let logs: EpochLogs = {
        epoch,
        loss: totals.lossSum / totals.seen,
        ...(hasAcc ? { acc: totals.accSum / totals.seen } : {}),
        batches: trained,
        totalBatches: batches,
        timeMs: 0,
      };
      if (xVal && yVal) {
        const val = await evaluateSet(model, xVal, yVal, Math.max(batchSize, 128), yieldIfDue);
        logs = { ...logs, val_loss: val.loss, ...(val.acc === undefined ? {} : { val_acc: val.acc }) };
      }
      logs = { ...logs, timeMs: performance.now() - epochStart };
      history.push(logs);
      await callbacks.onEpoch?.(epoch, logs);
      // Every N-th epoch counted globally, so a run split in parts checkpoints where one run would.
      const every = config.checkpointEvery ?? 0;
      if (!stopped && every > 0 && (epoch + 1) % every === 0 && callbacks.onCheckpoint)
        await callbacks.onCheckpoint(epoch, logs, await stateAfter(epoch + 1));
    }
    return {
      history,
      epochsRun: history.length,
      stoppedEarly: stopped,
      wallTimeMs: performance.now() - started,
      backend: tf.getBackend(),
      firstEpoch,
      optimizer: await stateAfter(firstEpoch + history.length),
    };
  } finally {
    await reader?.dispose();
    tf.dispose(owned);
    optimizer.dispose();
    yielder.close();
    active.delete(model);
  }
}
