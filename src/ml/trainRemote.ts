/**
 * Training in another thread: the live model's topology and weights travel to a dedicated worker, which
 * runs `train()` there on the same backend and sends back progress, checkpoints and the trained weights.
 * The page's main thread then only draws progress: however a backend blocks (TF.js's synchronous WebGL
 * calls, shader compiles, a CPU step of 100 ms), the page keeps answering input and training no longer
 * shares its thread with the charts.
 *
 * Both ends speak over anything shaped like a `MessagePort` (a Worker, the worker's own scope, or a
 * MessageChannel in tests). The protocol, one run at a time per id:
 *   page → worker  train {topology, weights, data, config, options, optimizer state to continue | null} ·
 *                  stop · resume (after a checkpoint)
 *   worker → page  batches [..] · epoch · checkpoint {changed weights, optimizer state} (waits for resume) ·
 *                  done {outcome with its optimizer state, changed weights} ·
 *                  failed {error, changed weights | null, unavailable}
 * The worker's loop does not wait for the page's `onEpoch` (it does wait at a checkpoint, whose callback
 * must see that epoch's weights).
 * "Changed weights" are the variables the run replaced (a frozen layer's are never sent, so a save after
 * training still finds their hashes known). `unavailable` means nothing was trained: the worker could not
 * start the backend or rebuild the model, and the page should train in its own thread instead.
 */
import * as tf from '@tensorflow/tfjs';
import { GraftError, toGraftError, type GraftErrorJSON } from '../core/errors';
import type { EpochLogs, BatchLogs, TrainConfig } from '../core/model/training';
import {
  tensorBytes,
  type OptimizerState,
  type TrainingCallbacks,
  type TrainingData,
  type TrainOutcome,
} from '../core/ports';
import type { StoredDType } from '../core/versions/types';
import { materializeModel } from './snapshot';
import { train, type TrainOptions } from './train';

/** A Worker, a worker's global scope, or one end of a MessageChannel. */
export interface TrainPort {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

interface WeightPayload {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: StoredDType;
  readonly data: ArrayBuffer;
}

interface BatchEvent {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly logs: BatchLogs;
}

type ErrorPayload = GraftErrorJSON;

type ToWorker =
  | {
      readonly type: 'train';
      readonly id: number;
      readonly backend: string;
      readonly topology: unknown;
      readonly weights: readonly WeightPayload[];
      readonly data: TrainingData;
      readonly config: TrainConfig;
      readonly options: TrainOptions;
      readonly resume: OptimizerState | null;
    }
  | { readonly type: 'stop'; readonly id: number }
  | { readonly type: 'resume'; readonly id: number };

type FromWorker =
  | { readonly type: 'batches'; readonly id: number; readonly items: readonly BatchEvent[] }
  | { readonly type: 'epoch'; readonly id: number; readonly epoch: number; readonly logs: EpochLogs }
  | {
      readonly type: 'checkpoint';
      readonly id: number;
      readonly epoch: number;
      readonly logs: EpochLogs;
      readonly weights: readonly WeightPayload[];
      readonly optimizer: OptimizerState;
    }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly result: TrainOutcome;
      readonly weights: readonly WeightPayload[];
    }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly error: ErrorPayload;
      readonly weights: readonly WeightPayload[] | null;
      readonly unavailable: boolean;
    };

const STORED: readonly string[] = ['float32', 'int32', 'bool'];

// An error crosses the thread as code + key + data (see GraftError.toJSON) and is worded on arrival.
const errorPayload = (e: unknown): ErrorPayload => toGraftError(e).toJSON();
const errorFrom = (p: ErrorPayload): GraftError => GraftError.fromJSON(p);

/** Copies of the values of `variables` (a backend may hand out its own buffer, which must not be moved). */
async function payloadOf(variables: readonly tf.LayerVariable[]): Promise<WeightPayload[]> {
  const out: WeightPayload[] = [];
  for (const w of variables) {
    const t = w.read();
    if (!STORED.includes(t.dtype))
      throw new GraftError('error.ml/model-invalid.worker-dtype', { weight: w.originalName, dtype: t.dtype });
    const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    out.push({
      name: w.originalName,
      shape: [...t.shape],
      dtype: t.dtype as StoredDType,
      data: values.slice().buffer as ArrayBuffer,
    });
  }
  return out;
}

const buffersOf = (weights: readonly WeightPayload[] | null) => (weights ?? []).map((w) => w.data);

/** The buffers of a state the sender made for this message alone (each tensor's bytes fill a buffer of their own). */
const stateBuffers = (state: OptimizerState) =>
  state.tensors.flatMap((t) =>
    t.data && t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength
      ? [t.data.buffer]
      : [],
  );

/**
 * `state` as plain data that survives structured clone: its tensors' bytes read (a stored state may read
 * them lazily) and nothing but name, shape, dtype and bytes kept. The caller's state is left as it is.
 */
async function plainState(state: OptimizerState): Promise<OptimizerState> {
  const tensors = await Promise.all(
    state.tensors.map(async (t) => ({
      name: t.name,
      shape: [...t.shape],
      dtype: t.dtype,
      data: await tensorBytes(t),
    })),
  );
  return {
    optimizer: state.optimizer,
    learningRate: state.learningRate,
    iterations: state.iterations,
    epochs: state.epochs,
    weights: state.weights.map((w) => ({ name: w.name, shape: [...w.shape] })),
    tensors,
  };
}

function typed(w: WeightPayload): Float32Array | Int32Array | Uint8Array {
  return w.dtype === 'float32'
    ? new Float32Array(w.data)
    : w.dtype === 'int32'
      ? new Int32Array(w.data)
      : new Uint8Array(w.data);
}

/** Writes `weights` into `model`'s variables of the same names; checks them all before writing any. */
function writeWeights(model: tf.LayersModel, weights: readonly WeightPayload[]): void {
  if (weights.length === 0) return;
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  const targets = weights.map((p) => {
    const variable = byName.get(p.name);
    if (!variable || variable.shape.join() !== p.shape.join() || variable.dtype !== p.dtype)
      throw new GraftError('error.internal.trained-weight-misfit', { weight: p.name });
    return [variable, p] as const;
  });
  tf.tidy(() => {
    for (const [variable, p] of targets) variable.write(tf.tensor(typed(p), p.shape, p.dtype));
  });
}

// ---- the worker's end ----------------------------------------------------------------------------------

/** Answers training requests arriving on `port`; the worker script calls this once with its own scope. */
export function serveTraining(port: TrainPort): void {
  const runs = new Map<number, { stop: boolean; resume: (() => void) | null }>();
  const post = (message: FromWorker, transfer: Transferable[] = []) => port.postMessage(message, transfer);

  async function run(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
    const state = { stop: false, resume: null as (() => void) | null };
    runs.set(msg.id, state);
    let model: tf.LayersModel | null = null;
    try {
      try {
        if (tf.getBackend() !== msg.backend) {
          const started = await tf.setBackend(msg.backend);
          await tf.ready();
          if (!started || tf.getBackend() !== msg.backend)
            throw new GraftError('error.ml/backend-unavailable.worker', { backend: msg.backend });
        }
        model = await materializeModel({
          topology: msg.topology as never,
          tensors: msg.weights.map((w) => ({
            entry: { name: w.name, shape: w.shape, dtype: w.dtype },
            data: w.data,
          })),
        });
      } catch (e) {
        post({ type: 'failed', id: msg.id, error: errorPayload(e), weights: null, unavailable: true });
        return;
      }
      const trained = model;
      const loaded = new Map(trained.weights.map((w) => [w.originalName, w.read().dataId]));
      // Training replaces a variable's data (a new data id) whenever it changes it.
      const changed = () =>
        payloadOf(trained.weights.filter((w) => loaded.get(w.originalName) !== w.read().dataId));

      let items: BatchEvent[] = [];
      let flushQueued = false;
      const flush = () => {
        flushQueued = false;
        if (items.length === 0) return;
        post({ type: 'batches', id: msg.id, items });
        items = [];
      };
      const callbacks: TrainingCallbacks = {
        // Batches are reported in groups (each loss read-back reports several): one message per group.
        onBatch: (epoch, batch, batches, logs) => {
          items.push({ epoch, batch, batches, logs });
          if (!flushQueued) {
            flushQueued = true;
            queueMicrotask(flush);
          }
        },
        onEpoch: (epoch, logs) => {
          flush();
          post({ type: 'epoch', id: msg.id, epoch, logs });
        },
        shouldStop: () => state.stop,
        onCheckpoint: async (epoch, logs, optimizer) => {
          flush();
          const weights = await changed();
          await new Promise<void>((resolve) => {
            state.resume = resolve;
            post({ type: 'checkpoint', id: msg.id, epoch, logs, weights, optimizer }, [
              ...buffersOf(weights),
              ...stateBuffers(optimizer),
            ]);
          });
        },
      };
      try {
        const result = await train(trained, msg.data, msg.config, callbacks, msg.options, msg.resume);
        flush();
        const weights = await changed();
        post({ type: 'done', id: msg.id, result, weights }, [
          ...buffersOf(weights),
          ...stateBuffers(result.optimizer),
        ]);
      } catch (e) {
        flush();
        const weights = await changed().catch(() => null);
        post(
          { type: 'failed', id: msg.id, error: errorPayload(e), weights, unavailable: false },
          buffersOf(weights),
        );
      }
    } finally {
      model?.dispose();
      runs.delete(msg.id);
    }
  }

  port.onmessage = (event: MessageEvent) => {
    const msg = event.data as ToWorker;
    if (msg.type === 'train') void run(msg);
    else {
      const state = runs.get(msg.id);
      if (!state) return;
      if (msg.type === 'stop') state.stop = true;
      else {
        const resume = state.resume;
        state.resume = null;
        resume?.();
      }
    }
  };
}

// ---- the page's end ------------------------------------------------------------------------------------

/**
 * What `TrainingClient.run` returns when the worker did not take the run (nothing was trained): its
 * backend does not start there, this model cannot be rebuilt there, or the worker itself failed to load.
 * Train in the page's thread instead.
 */
export interface Unavailable {
  readonly unavailable: 'backend' | 'model' | 'worker';
}

interface ClientRun {
  received: boolean;
  handle(msg: FromWorker): void;
  fail(error: GraftError): void;
}

/** The page's side: sends runs to a worker and plays their progress back through the usual callbacks. */
export class TrainingClient {
  readonly #port: TrainPort;
  readonly #runs = new Map<number, ClientRun>();
  readonly #training = new WeakSet<tf.LayersModel>();
  #nextId = 1;

  constructor(port: TrainPort) {
    this.#port = port;
    port.onmessage = (event: MessageEvent) => {
      const msg = event.data as FromWorker;
      const run = this.#runs.get(msg.id);
      if (!run) return;
      run.received = true;
      run.handle(msg);
    };
  }

  /**
   * The worker is gone (it failed to load or crashed): runs it never answered come back unavailable, runs
   * it had started fail with `error`.
   */
  fail(error: GraftError): void {
    for (const run of [...this.#runs.values()]) run.fail(error);
  }

  /**
   * Trains `model` in the worker, continuing `resume` if given (a copy travels: the caller keeps its own);
   * its weights change only when the run ends (and at each checkpoint).
   */
  async run(
    model: tf.LayersModel,
    data: TrainingData,
    config: TrainConfig,
    callbacks: TrainingCallbacks = {},
    options: TrainOptions = {},
    resume: OptimizerState | null = null,
  ): Promise<TrainOutcome | Unavailable> {
    if (this.#training.has(model)) throw new GraftError('error.train/busy.already');
    const names = model.weights.map((w) => w.originalName);
    // Weights travel by name: a model whose names repeat cannot make the trip.
    if (new Set(names).size !== names.length) return { unavailable: 'model' };
    this.#training.add(model);
    const id = this.#nextId++;
    let stopTimer: ReturnType<typeof setInterval> | null = null;
    try {
      const weights = await payloadOf(model.weights);
      const resumed = resume ? await plainState(resume) : null;
      return await new Promise<TrainOutcome | Unavailable>((resolve, reject) => {
        let stopSent = false;
        const checkStop = () => {
          if (stopSent || !callbacks.shouldStop?.()) return;
          stopSent = true;
          this.#port.postMessage({ type: 'stop', id } satisfies ToWorker, []);
        };
        // Asked between messages too: a Stop takes effect within one batch even when batches are slow.
        if (callbacks.shouldStop) stopTimer = setInterval(checkStop, 50);
        const settle = (outcome: () => void) => {
          this.#runs.delete(id);
          outcome();
        };
        // Messages are handled one after another: a checkpoint's callback finishes before the next.
        let queue: Promise<void> = Promise.resolve();
        const handle = async (msg: FromWorker): Promise<void> => {
          switch (msg.type) {
            case 'batches':
              for (const b of msg.items) callbacks.onBatch?.(b.epoch, b.batch, b.batches, b.logs);
              checkStop();
              return;
            case 'epoch':
              await callbacks.onEpoch?.(msg.epoch, msg.logs);
              checkStop();
              return;
            case 'checkpoint':
              try {
                writeWeights(model, msg.weights);
                await callbacks.onCheckpoint?.(msg.epoch, msg.logs, msg.optimizer);
              } finally {
                this.#port.postMessage({ type: 'resume', id } satisfies ToWorker, []);
              }
              return;
            case 'done':
              writeWeights(model, msg.weights);
              settle(() => resolve(msg.result));
              return;
            case 'failed':
              if (msg.unavailable) {
                const why = msg.error.code === 'ml/backend-unavailable' ? 'backend' : 'model';
                settle(() => resolve({ unavailable: why }));
              } else {
                if (msg.weights) writeWeights(model, msg.weights);
                settle(() => reject(errorFrom(msg.error)));
              }
              return;
          }
        };
        const run: ClientRun = {
          received: false,
          handle: (msg) => {
            queue = queue
              .then(() => handle(msg))
              .catch((e: unknown) => {
                // Nothing more of this run is wanted: the worker stops at its next batch.
                this.#port.postMessage({ type: 'stop', id } satisfies ToWorker, []);
                settle(() => reject(e));
              });
          },
          fail: (error) => settle(() => (run.received ? reject(error) : resolve({ unavailable: 'worker' }))),
        };
        this.#runs.set(id, run);
        const message: ToWorker = {
          type: 'train',
          id,
          backend: tf.getBackend(),
          topology: model.toJSON(null, false),
          weights,
          data,
          config,
          options,
          resume: resumed,
        };
        this.#port.postMessage(message, buffersOf(weights));
      });
    } finally {
      if (stopTimer !== null) clearInterval(stopTimer);
      this.#training.delete(model);
    }
  }
}
