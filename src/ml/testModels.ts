/**
 * Models the tests share: Graft's founding example written by hand in TF.js, and one the layer editor
 * cannot build — a functional model with two inputs (one a sequence of any length) and two outputs,
 * through an LSTM that returns its sequence and both states.
 */
import * as tf from '@tensorflow/tfjs';

/** The model from Graft's founding example: Input 100 → Dense 64 relu → Dense 10 softmax. */
const SEED_MODEL = { inputs: 100, hidden: 64, outputs: 10 } as const;

export function createSeedModel(seed = 42): tf.LayersModel {
  const model = tf.sequential({ name: 'seed_mlp' });
  model.add(
    tf.layers.dense({
      name: 'hidden',
      inputShape: [SEED_MODEL.inputs],
      units: SEED_MODEL.hidden,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  );
  model.add(
    tf.layers.dense({
      name: 'output',
      units: SEED_MODEL.outputs,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  return model;
}

export const SEQUENCE_FEATURES = 81;

/**
 * `sequence` [batch, any, 81] → LSTM `encoder` (3 outputs: [batch, any, 16], [batch, 16], [batch, 16]);
 * its last state with `meta` [batch, 4] → `class` [batch, 3]; the pooled sequence → `score` [batch, 1].
 */
export function twoInTwoOutLstm(name = 'review_scorer'): tf.LayersModel {
  const sequence = tf.input({ shape: [null, SEQUENCE_FEATURES], name: 'sequence' });
  const meta = tf.input({ shape: [4], name: 'meta' });
  const encoder = tf.layers.lstm({ units: 16, returnSequences: true, returnState: true, name: 'encoder' });
  const [steps, state] = encoder.apply(sequence) as tf.SymbolicTensor[];
  const pooled = tf.layers.globalAveragePooling1d({ name: 'pool' }).apply(steps as tf.SymbolicTensor);
  const merged = tf.layers.concatenate({ name: 'merge' }).apply([state as tf.SymbolicTensor, meta]);
  const label = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'class' })
    .apply(merged) as tf.SymbolicTensor;
  const score = tf.layers.dense({ units: 1, name: 'score' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: [sequence, meta], outputs: [label, score], name });
}

/** A model's files as `model.save` writes them: model.json's object, and the weights in one buffer. */
export async function modelFilesOf(
  model: tf.LayersModel,
  weightsFile = 'weights.bin',
): Promise<{ modelJson: object; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
  return {
    modelJson: {
      modelTopology: a.modelTopology,
      format: 'layers-model',
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy ?? null,
      weightsManifest: [{ paths: [`./${weightsFile}`], weights: a.weightSpecs }],
    },
    weights,
  };
}
