/** Topologies exactly as TF.js 4.22's `model.save` writes them, for the diff tests. */
import type { JsonObject } from '../json';

const initializer = {
  class_name: 'VarianceScaling',
  config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null },
};

export function denseConfig(
  name: string,
  units: number,
  activation: string,
  extra: JsonObject = {},
): JsonObject {
  return {
    units,
    activation,
    use_bias: true,
    kernel_initializer: initializer,
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    name,
    trainable: true,
    ...extra,
  };
}

/** `tf.sequential()` with Dense(4, relu, inputShape [3]) → Dropout(0.2) → Dense(2, softmax). */
export function sequentialTopology(): JsonObject {
  return {
    class_name: 'Sequential',
    config: {
      name: 'sequential_1',
      layers: [
        {
          class_name: 'Dense',
          config: denseConfig('dense_Dense1', 4, 'relu', { batch_input_shape: [null, 3], dtype: 'float32' }),
        },
        {
          class_name: 'Dropout',
          config: { rate: 0.2, noise_shape: null, seed: null, name: 'dropout_Dropout1', trainable: true },
        },
        { class_name: 'Dense', config: denseConfig('dense_Dense2', 2, 'softmax') },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

export const SEQUENTIAL_WEIGHTS = [
  { name: 'dense_Dense1/kernel', shape: [3, 4] },
  { name: 'dense_Dense1/bias', shape: [4] },
  { name: 'dense_Dense2/kernel', shape: [4, 2] },
  { name: 'dense_Dense2/bias', shape: [2] },
];

/** `tf.model()`: in → a, b (Dense 4) → sum (Add) → out (Dense 1). */
export function functionalTopology(): JsonObject {
  return {
    class_name: 'Model',
    config: {
      name: 'model1',
      layers: [
        {
          name: 'in',
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, name: 'in' },
          inbound_nodes: [],
        },
        {
          name: 'a',
          class_name: 'Dense',
          config: denseConfig('a', 4, 'linear'),
          inbound_nodes: [[['in', 0, 0, {}]]],
        },
        {
          name: 'b',
          class_name: 'Dense',
          config: denseConfig('b', 4, 'linear'),
          inbound_nodes: [[['in', 0, 0, {}]]],
        },
        {
          name: 'sum',
          class_name: 'Add',
          config: { name: 'sum', trainable: true },
          inbound_nodes: [
            [
              ['a', 0, 0, {}],
              ['b', 0, 0, {}],
            ],
          ],
        },
        {
          name: 'out',
          class_name: 'Dense',
          config: denseConfig('out', 1, 'linear'),
          inbound_nodes: [[['sum', 0, 0, {}]]],
        },
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

export const FUNCTIONAL_WEIGHTS = [
  { name: 'a/kernel', shape: [3, 4] },
  { name: 'a/bias', shape: [4] },
  { name: 'b/kernel', shape: [3, 4] },
  { name: 'b/bias', shape: [4] },
  { name: 'out/kernel', shape: [4, 1] },
  { name: 'out/bias', shape: [1] },
];
