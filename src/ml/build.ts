/** Builds a live TF.js model from a ModelSpec, with seeded initialisers so the same spec and seed give the same weights. */
import * as tf from '@tensorflow/tfjs';
import './tfjsFixes';
import { assertValidSpec } from '../core/model/analyze';
import type { LayerSpec, ModelSpec } from '../core/model/spec';

export interface BuildOptions {
  /** Layer i's kernel is drawn with seed + i, as the seed model does, so the seed template rebuilds it exactly. */
  readonly seed: number;
}

/** A second, independent seed for a layer's recurrent kernel (a fixed odd offset, kept in 32 bits). */
function recurrentSeed(seed: number): number {
  return (seed + 0x9e3779b1) | 0;
}

function toLayer(
  spec: LayerSpec,
  index: number,
  seed: number,
  inputShape: number[] | undefined,
  outputShape: readonly number[],
): tf.layers.Layer {
  const common = { name: spec.name, trainable: spec.trainable, ...(inputShape ? { inputShape } : {}) };
  const kernelInitializer = tf.initializers.glorotUniform({ seed: seed + index });
  switch (spec.kind) {
    case 'Dense':
      return tf.layers.dense({
        ...common,
        units: spec.units,
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer,
      });
    case 'Conv2D':
      return tf.layers.conv2d({
        ...common,
        filters: spec.filters,
        kernelSize: [...spec.kernelSize],
        strides: [...spec.strides],
        padding: spec.padding,
        activation: spec.activation,
        useBias: spec.useBias,
        kernelInitializer,
      });
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d({
        ...common,
        poolSize: [...spec.poolSize],
        strides: [...spec.strides],
        padding: spec.padding,
      });
    case 'Flatten':
      return tf.layers.flatten(common);
    case 'Dropout':
      // Unseeded on purpose: TF.js reuses a Dropout seed for every batch, which would drop the same units each time.
      return tf.layers.dropout({ ...common, rate: spec.rate });
    case 'BatchNormalization':
      return tf.layers.batchNormalization({ ...common, momentum: spec.momentum, epsilon: spec.epsilon });
    case 'Reshape':
      // TF.js leaves a -1 dimension unknown (null) until it runs, and a Flatten or Dense after it then
      // refuses to build; the inferred output shape has the -1 worked out.
      return tf.layers.reshape({ ...common, targetShape: [...outputShape] });
    case 'LSTM':
      return tf.layers.lstm({
        ...common,
        units: spec.units,
        activation: spec.activation,
        recurrentActivation: spec.recurrentActivation,
        returnSequences: spec.returnSequences,
        useBias: spec.useBias,
        kernelInitializer,
        recurrentInitializer: tf.initializers.orthogonal({ seed: recurrentSeed(seed + index) }),
      });
  }
}

/**
 * The Sequential model `spec` describes. An invalid spec throws the GraftError of its first problem
 * (`model/invalid-layer` or `model/invalid-stack`, every problem in `data.problems`) before TF.js sees it.
 */
export function buildModel(spec: ModelSpec, options: BuildOptions): tf.Sequential {
  const analysis = assertValidSpec(spec);
  const model = tf.sequential({ name: spec.name });
  try {
    spec.layers.forEach((layer, i) => {
      const input = i === 0 ? [...spec.inputShape] : undefined;
      model.add(toLayer(layer, i, options.seed, input, analysis.layers[i]?.outputShape ?? []));
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
