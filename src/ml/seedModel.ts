/** The model from Graft's founding example: Input 100 → Dense 64 relu → Dense 10 softmax. */
import * as tf from '@tensorflow/tfjs';

export const SEED_MODEL = { inputs: 100, hidden: 64, outputs: 10 } as const;

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
