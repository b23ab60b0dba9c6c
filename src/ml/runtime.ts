/** Graft's ModelRuntime on TF.js. */
import * as tf from '@tensorflow/tfjs';
import type { LoadedVersion, ModelRuntime, ModelSnapshot } from '../core/ports';
import { activeBackend } from './backend';
import { materializeModel, snapshotModel } from './snapshot';

export type LiveModel = tf.LayersModel;

export class TfjsRuntime implements ModelRuntime<LiveModel> {
  get backend(): string {
    return activeBackend();
  }
  snapshot(model: LiveModel): Promise<ModelSnapshot> {
    return snapshotModel(model);
  }
  materialize(loaded: LoadedVersion): Promise<LiveModel> {
    return materializeModel(loaded);
  }
  dispose(model: LiveModel): void {
    model.dispose();
  }
  tensorCount(): number {
    return tf.memory().numTensors;
  }
}
