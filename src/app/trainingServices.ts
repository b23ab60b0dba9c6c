/** The model builder's and trainer's services: TF.js building, training and evaluation, and checkpoint saves. */
import * as tf from '@tensorflow/tfjs';
import type { JsonObject } from '../core/json';
import { activeBackend, TFJS_VERSION } from '../ml/backend';
import { buildModel } from '../ml/build';
import { carryOverWeights } from '../ml/carryOver';
import { evaluateModel, predict } from '../ml/evaluate';
import { trainableWeightsOf } from '../ml/optimizerState';
import { snapshotModel } from '../ml/snapshot';
import { trainInBackground } from '../ml/backgroundTraining';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import type { TrainingServices } from '../core/ports';
import { datasetLoader } from './datasetSource';
import { progressFrames } from './progressFrames';

export function createTrainingServices(store: DexieVersionStore): TrainingServices<tf.LayersModel> {
  return {
    datasets: datasetLoader,
    topologyOf: (model) => model.toJSON(null, false) as unknown as JsonObject,
    build: (spec, seed) => buildModel(spec, { seed }),
    carryOver: carryOverWeights,
    holdWeights(model) {
      // Clones share the variables' buffers: nothing is copied until training replaces the originals.
      const held = model.getWeights().map((w) => w.clone());
      return {
        restore: () => model.setWeights(held),
        dispose: () => tf.dispose(held),
      };
    },
    trainableWeights: trainableWeightsOf,
    // In a worker when the browser can run the active backend there; the page only draws progress.
    train: (model, data, config, callbacks, resume) =>
      trainInBackground(model, data, config, callbacks, {}, resume),
    evaluate: (model, x, y, options) => evaluateModel(model, x, y, options),
    predict: (model, x) => predict(model, x),
    dispose: (model) => model.dispose(),

    async commitCheckpoint(request) {
      // The side branch is created at the parent in the commit's own transaction: a failed save leaves none.
      const result = await store.commit({
        repoId: request.repoId,
        target: { kind: 'checkpoint', name: request.branch },
        parent: request.parent,
        message: request.message,
        change: 'checkpoint',
        snapshot: await snapshotModel(request.model),
        provenance: {
          app: 'graft',
          backend: activeBackend(),
          tfjsVersion: TFJS_VERSION,
          userAgent: navigator.userAgent,
          ...request.provenance,
        },
        metrics: request.metrics,
        ...(request.optimizer ? { optimizer: request.optimizer } : {}),
        ...(request.data ? { data: request.data } : {}),
      });
      return { id: result.version.id, branch: result.branch };
    },
    async deleteCheckpoint(repoId, branch, id) {
      await store.deleteRef(repoId, branch);
      await store.deleteVersion(id);
    },
    nextFrame: progressFrames(),
  };
}
