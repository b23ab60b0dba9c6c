/**
 * Graft's training loop: TF.js's own per-batch step with a seeded shuffle, per-batch progress, a Stop that
 * takes effect at the next batch, NaN detection, and regular yields so the page stays responsive.
 *
 * It costs no more than `model.fit` because it does what fit does per batch (gather the batch, run the
 * compiled train step) and never waits for the GPU inside an epoch: the losses of the batches trained
 * since the last read are stacked and read back with one asynchronous `data()`, and the next read starts
 * only once that one has finished. On WebGL the run's shaders are compiled before the first batch without
 * blocking the page (`warmShaders`).
 */
import * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import {
  assertValidTrainConfig,
  isClassificationLoss,
  type EpochLogs,
  type LossName,
  type OptimizerName,
  type TrainConfig,
  type TrainResult,
} from '../core/model/training';
import type { RowData, TrainingCallbacks, TrainingData } from '../core/ports';
import { mulberry32 } from '../core/random';

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
const invalid = (message: string, data: Record<string, unknown> = {}) =>
  new GraftError('train/invalid-config', message, { data });

function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
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
  if (typeof make !== 'function')
    throw new GraftError('internal', 'This version of TF.js has no per-batch training step Graft can drive.');
  return make.call(core);
}

function fixedShape(shape: readonly (number | null)[], what: string): number[] {
  if (shape.some((d) => d === null || d < 0))
    throw invalid(
      `The model's ${what} ${shapeText(shape)} has a variable size; Graft trains fixed-size models.`,
    );
  return shape as number[];
}

function checkData(a: RowData, what: string): number {
  const rows = a.shape[0] ?? 0;
  if (a.shape.length === 0 || rows <= 0) throw invalid(`${what} has no rows.`);
  if (a.values.length !== product(a.shape))
    throw invalid(
      `${what} has ${a.values.length} values but its shape ${shapeText(a.shape)} needs ${product(a.shape)}.`,
    );
  return rows;
}

/** The inputs as the model takes them: a data set's flat rows are reshaped when the sizes agree. */
export function inputTensor(model: tf.LayersModel, a: RowData, what: string): tf.Tensor {
  const rows = checkData(a, what);
  const input = fixedShape(model.inputs[0]?.shape.slice(1) ?? [], 'input shape');
  const per = product(a.shape.slice(1));
  if (per !== product(input))
    throw invalid(
      `Each example of ${what} has ${per} values but the model takes ${shapeText(input)} (${product(input)} values); change the model's input shape or pick matching data.`,
    );
  return tf.tensor(a.values instanceof Float32Array ? a.values : Float32Array.from(a.values), [
    rows,
    ...input,
  ]);
}

/** The targets in the form `loss` needs for the model's output. */
export function targetTensor(model: tf.LayersModel, a: RowData, loss: LossName, what: string): tf.Tensor {
  const rows = checkData(a, what);
  const output = fixedShape(model.outputs[0]?.shape.slice(1) ?? [], 'output shape');
  const units = output[output.length - 1] ?? 1;
  const per = product(a.shape.slice(1));
  const values = a.values instanceof Float32Array ? a.values : Float32Array.from(a.values);

  const asIndices = (): Int32Array => {
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r] as number;
      if (!Number.isInteger(v) || v < 0 || v >= units)
        throw invalid(
          `Label ${v} in row ${r + 1} of ${what} is not a class of this model, whose last layer has ${units} output${units === 1 ? '' : 's'} (classes 0 to ${units - 1}).`,
          { row: r },
        );
      out[r] = v;
    }
    return out;
  };

  if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && units < 2)
    throw invalid(
      `${loss} needs a last layer with one unit per class (at least 2); this model has ${units}.`,
    );
  if (loss === 'sparseCategoricalCrossentropy') {
    if (per !== 1)
      throw invalid(`sparseCategoricalCrossentropy needs one class index per row; ${what} has ${per}.`);
    return tf.tensor1d(Float32Array.from(asIndices()));
  }
  if (loss === 'categoricalCrossentropy' && per === 1 && output.length === 1)
    return tf.tidy(() => tf.oneHot(tf.tensor1d(asIndices(), 'int32'), units).toFloat());
  if (per !== product(output))
    throw invalid(
      `${what} has ${per} value${per === 1 ? '' : 's'} per row but the model outputs ${shapeText(output)}; for ${loss} they must match.`,
    );
  if (loss === 'binaryCrossentropy')
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!(v >= 0 && v <= 1))
        throw invalid(
          `binaryCrossentropy needs targets between 0 and 1; ${what} has ${v} in row ${Math.floor(i / per) + 1}.`,
        );
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

interface PendingBatch {
  readonly epoch: number;
  readonly batch: number;
  readonly size: number;
  readonly outs: tf.Scalar[];
}

interface EpochTotals {
  seen: number;
  lossSum: number;
  accSum: number;
  batches: number;
}

/**
 * Collects each batch's loss tensors and reads them back in groups, one asynchronous read per group,
 * awaited one group later so the GPU never idles waiting for the CPU to look at a number.
 */
class BatchReader {
  #pending: PendingBatch[] = [];
  #inFlight: Promise<void> | null = null;
  // A failed read is kept here and rethrown when awaited: a rejected promise left unawaited for a whole
  // interval would be reported as unhandled.
  #failure: { error: unknown } | null = null;
  #totals: EpochTotals = { seen: 0, lossSum: 0, accSum: 0, batches: 0 };
  nonFinite: { epoch: number; batch: number; loss: number } | null = null;

  constructor(
    private readonly batches: number,
    private readonly hasAcc: boolean,
    private readonly onBatch: TrainingCallbacks['onBatch'],
  ) {}

  add(batch: PendingBatch): void {
    this.#pending.push(batch);
  }

  /** Starts reading what has been trained since the last call, and waits for the previous read. */
  async flush(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    const previous = this.#inFlight;
    // After the read in flight, so batches are still reported in order.
    const read = () => this.#read(group);
    this.#inFlight =
      group.length === 0
        ? null
        : (previous ? previous.then(read) : read()).catch((error: unknown) => {
            this.#failure ??= { error };
          });
    await previous;
    if (this.#failure) throw this.#failure.error;
  }

  /**
   * Starts reading what has been trained since the last read, unless that read is still in flight: the
   * loop never waits for the GPU inside an epoch (on WebGL a read waits for every queued batch, and
   * waiting for it once per yield left the GPU idle while the CPU queued nothing).
   */
  poll(): void {
    if (this.#failure) throw this.#failure.error;
    if (this.#inFlight !== null || this.#pending.length === 0) return;
    const group = this.#pending;
    this.#pending = [];
    const read: Promise<void> = this.#read(group)
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        if (this.#inFlight === read) this.#inFlight = null;
      });
    this.#inFlight = read;
  }

  /** Waits until every batch trained so far has been read and reported. */
  async drain(): Promise<void> {
    await this.flush();
    await this.flush();
  }

  takeEpochTotals(): EpochTotals {
    const t = this.#totals;
    this.#totals = { seen: 0, lossSum: 0, accSum: 0, batches: 0 };
    return t;
  }

  /** Releases every tensor still held, after any read in flight has finished with its own. */
  async dispose(): Promise<void> {
    for (const p of this.#pending) tf.dispose(p.outs);
    this.#pending = [];
    await this.#inFlight;
  }

  async #read(group: PendingBatch[]): Promise<void> {
    // Padded to a power of two: on WebGL every distinct count is a shader of its own, compiled in a
    // blocking call the first time it comes up, so free counts meant a compile every few reads.
    const stacked = tf.tidy(() => {
      const outs: tf.Tensor[] = group.flatMap((g) => g.outs);
      const size = 2 ** Math.ceil(Math.log2(Math.max(1, outs.length)));
      if (size > outs.length) {
        const zero = tf.scalar(0);
        while (outs.length < size) outs.push(zero);
      }
      return tf.stack(outs);
    });
    for (const g of group) tf.dispose(g.outs);
    let values: Float32Array;
    try {
      values = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
    let k = 0;
    for (const g of group) {
      const loss = values[k] as number;
      const acc = this.hasAcc ? (values[k + 1] as number) : undefined;
      k += g.outs.length;
      if (!Number.isFinite(loss) && this.nonFinite === null)
        this.nonFinite = { epoch: g.epoch, batch: g.batch, loss };
      if (this.nonFinite !== null) continue;
      this.#totals.seen += g.size;
      this.#totals.batches += 1;
      this.#totals.lossSum += loss * g.size;
      if (acc !== undefined) this.#totals.accSum += acc * g.size;
      this.onBatch?.(g.epoch, g.batch, this.batches, acc === undefined ? { loss } : { loss, acc });
    }
  }
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
  const x = own(inputTensor(model, data.xTrain, 'the training inputs'));
  const y = own(targetTensor(model, data.yTrain, config.loss, 'the training targets'));
  const rows = x.shape[0] ?? 0;
  if (y.shape[0] !== rows)
    throw invalid(`The training set has ${rows} input rows but ${y.shape[0]} target rows.`);
  if (data.xVal && data.yVal) {
    const xVal = own(inputTensor(model, data.xVal, 'the validation inputs'));
    const yVal = own(targetTensor(model, data.yVal, config.loss, 'the validation targets'));
    if (yVal.shape[0] !== xVal.shape[0])
      throw invalid(`The validation set has ${xVal.shape[0]} input rows but ${yVal.shape[0]} target rows.`);
    return { x, y, xVal, yVal };
  }
  const split = config.validationSplit ?? 0;
  if (split <= 0) return { x, y, xVal: null, yVal: null };
  // As Keras does: the last rows, before any shuffling, so the same rows validate every epoch.
  const splitAt = Math.floor(rows * (1 - split));
  if (splitAt < 1) throw invalid(`A validation split of ${split} leaves no training rows out of ${rows}.`);
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
  if (!lossFn) throw new GraftError('internal', 'The model was not compiled with a loss.');
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
        for (const batchIds of ids)
          // As BatchReader reads losses back: stacked.
          tf.stack(step([tf.gather(data.x, batchIds), tf.gather(data.y, batchIds)]));
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
 * Trains `model` in place. Compiles it with a fresh optimiser (its state is disposed at the end: Graft
 * versions keep weights, not optimiser moments, so a later run starts the optimiser afresh either way).
 * Frozen layers (`trainable` false) are respected. On a non-finite loss it throws `train/nan-loss` with
 * the epoch and batch where it happened and the history so far, and leaves the model as it is.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainingData,
  config: TrainConfig,
  callbacks: TrainingCallbacks = {},
  options: TrainOptions = {},
): Promise<TrainResult> {
  assertValidTrainConfig(config);
  if (active.has(model)) throw new GraftError('train/busy', 'This model is already training.');
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
    const step = trainStepOf(compiledCore(model));

    const batches = Math.ceil(rows / batchSize);
    const next = mulberry32(config.seed);
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
      return new GraftError(
        'train/nan-loss',
        `The loss became ${what} in epoch ${at.epoch + 1}, batch ${at.batch + 1}, so training stopped. A lower learning rate (now ${config.learningRate}) or normalised inputs usually fix this.`,
        { data: { epoch: at.epoch, batch: at.batch, loss: at.loss, history: [...history] } },
      );
    };

    let stopped = false;
    for (let epoch = 0; epoch < config.epochs && !stopped; epoch++) {
      const epochStart = performance.now();
      const indices = tf.tensor1d(permutation(rows, next), 'int32');
      let trained = 0;
      try {
        for (let batch = 0; batch < batches; batch++) {
          if (callbacks.shouldStop?.()) {
            stopped = true;
            break;
          }
          const start = batch * batchSize;
          const size = Math.min(batchSize, rows - start);
          const outs = tf.tidy(() => {
            const ids = indices.slice(start, size);
            return step([tf.gather(x, ids), tf.gather(y, ids)]);
          });
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
      const every = config.checkpointEvery ?? 0;
      if (!stopped && every > 0 && (epoch + 1) % every === 0) await callbacks.onCheckpoint?.(epoch, logs);
    }
    return {
      history,
      epochsRun: history.length,
      stoppedEarly: stopped,
      wallTimeMs: performance.now() - started,
      backend: tf.getBackend(),
    };
  } finally {
    await reader?.dispose();
    tf.dispose(owned);
    optimizer.dispose();
    yielder.close();
    active.delete(model);
  }
}
