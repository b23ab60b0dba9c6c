/**
 * The app's way to train: in a dedicated worker when the browser can run the active backend there, else
 * in the page's own thread with the same loop. Either way the result, the callbacks and the trained
 * weights in `model` are the same; only where the work happens differs.
 */
import * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import type { TrainConfig } from '../core/model/training';
import type { OptimizerState, TrainingCallbacks, TrainingData, TrainOutcome } from '../core/ports';
import { train, type TrainOptions } from './train';
import { TrainingClient, type TrainPort } from './trainRemote';

let current: { readonly worker: Worker; readonly client: TrainingClient } | null = null;
/** Backends a worker could not start here (WebGL needs OffscreenCanvas in workers): trained in the page. */
const unavailable = new Set<string>();

function client(): TrainingClient | null {
  if (current) return current.client;
  if (typeof Worker === 'undefined') return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./train.worker.ts', import.meta.url), {
      type: 'module',
      name: 'graft-training',
    });
  } catch {
    return null;
  }
  const made = { worker, client: new TrainingClient(worker as unknown as TrainPort) };
  const lost = (reason: string) => {
    if (current === made) current = null;
    worker.terminate();
    made.client.fail(new GraftError('error.train/worker-failed.reason', { reason }));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    lost(event.message || 'it could not start');
  };
  worker.onmessageerror = () => lost('a message could not be read');
  current = made;
  return made.client;
}

/** Trains `model` in place, continuing `resume` if given, as `train()` does, preferably off the page's main thread. */
export async function trainInBackground(
  model: tf.LayersModel,
  data: TrainingData,
  config: TrainConfig,
  callbacks: TrainingCallbacks = {},
  options: TrainOptions = {},
  resume: OptimizerState | null = null,
): Promise<TrainOutcome> {
  const backend = tf.getBackend();
  const remote = unavailable.has(backend) ? null : client();
  if (remote) {
    const outcome = await remote.run(model, data, config, callbacks, options, resume);
    if (!('unavailable' in outcome)) return { ...outcome, thread: 'worker' };
    // A model the worker cannot rebuild trains in the page this once; a backend or worker that cannot
    // start there is not tried again.
    if (outcome.unavailable !== 'model') unavailable.add(backend);
  }
  return { ...(await train(model, data, config, callbacks, options, resume)), thread: 'page' };
}
