/** The ML runtime's side of the state's contract (core/ports/ml.ts): TF.js models made, moved, taken apart. */
import * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import { tensorBytes, type MlServices } from '../core/ports';
import { activeBackend, startBackend, TFJS_VERSION } from './backend';
import { describeLayers } from './describe';
import { probeModel } from './probe';
import { materializeModel, snapshotModel, summarize } from './snapshot';
import { TEMPLATES } from './templates';

export function createMl(): MlServices<tf.LayersModel> {
  return {
    templates: TEMPLATES.map(({ id, name, description, datasets, datasetIds }) => ({
      id,
      name,
      description,
      datasets,
      datasetIds,
    })),
    startBackend,
    async moveToBackend(model, choice) {
      const snapshotFirst = await snapshotModel(model);
      const backend = await startBackend(choice);
      const rebuilt = await materializeModel({
        topology: snapshotFirst.topology,
        tensors: await Promise.all(
          snapshotFirst.tensors.map(async (t) => ({ entry: t, data: (await tensorBytes(t)).slice().buffer })),
        ),
      });
      return { model: rebuilt, backend };
    },
    createFromTemplate(id) {
      const t = TEMPLATES.find((x) => x.id === id);
      if (!t) throw new GraftError('error.ml/model-invalid.no-template', { id });
      return t.create();
    },
    snapshot: snapshotModel,
    materialize: materializeModel,
    summarize,
    describeLayers,
    probe: probeModel,
    dispose: (m) => m.dispose(),
    environment: () => ({
      backend: activeBackend(),
      tfjsVersion: TFJS_VERSION,
      userAgent: navigator.userAgent,
    }),
    tensorCount: () => tf.memory().numTensors,
  };
}
