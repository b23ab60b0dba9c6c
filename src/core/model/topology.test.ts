import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../json';
import { specFromTopology } from './topology';

const seq = (layers: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  class_name: 'Sequential',
  config: { name: 'imported', layers },
  ...extra,
});

function refusal(topology: unknown): [string, string] {
  const r = specFromTopology(topology);
  if (r.ok) throw new Error('expected a refusal');
  return [r.error.code, r.error.message];
}

describe('specFromTopology', () => {
  it('reads a Keras 2 model.json with an InputLayer, snake_case options and hard_sigmoid', () => {
    const topology: JsonObject = {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: seq([
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28, 1], name: 'in' } },
        {
          class_name: 'Conv2D',
          config: {
            name: 'c1',
            filters: 4,
            kernel_size: [3, 3],
            strides: [1, 1],
            padding: 'same',
            data_format: 'channels_last',
            dilation_rate: [1, 1],
            groups: 1,
            activation: 'relu',
            use_bias: true,
            kernel_regularizer: null,
            trainable: false,
          },
        },
        {
          class_name: 'MaxPooling2D',
          config: { name: 'p', pool_size: [2, 2], strides: null, padding: 'valid' },
        },
        { class_name: 'BatchNormalization', config: { name: 'bn', axis: [3], momentum: 0.9, epsilon: 0.01 } },
        { class_name: 'Reshape', config: { name: 'seq', target_shape: [14, 56] } },
        {
          class_name: 'LSTM',
          config: {
            name: 'l',
            units: 6,
            activation: 'tanh',
            recurrent_activation: 'sigmoid',
            return_sequences: false,
          },
        },
        { class_name: 'Dropout', config: { name: 'd', rate: 0.25, noise_shape: null, seed: null } },
        {
          class_name: 'Dense',
          config: { name: 'out', units: 3, activation: 'hard_sigmoid', use_bias: false },
        },
      ]),
    };
    const r = specFromTopology(topology);
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'imported',
        inputShape: [28, 28, 1],
        layers: [
          {
            id: 'c1',
            name: 'c1',
            trainable: false,
            kind: 'Conv2D',
            filters: 4,
            kernelSize: [3, 3],
            strides: [1, 1],
            padding: 'same',
            activation: 'relu',
            useBias: true,
          },
          {
            id: 'p',
            name: 'p',
            trainable: true,
            kind: 'MaxPooling2D',
            poolSize: [2, 2],
            strides: [2, 2],
            padding: 'valid',
          },
          { id: 'bn', name: 'bn', trainable: true, kind: 'BatchNormalization', momentum: 0.9, epsilon: 0.01 },
          { id: 'seq', name: 'seq', trainable: true, kind: 'Reshape', targetShape: [14, 56] },
          {
            id: 'l',
            name: 'l',
            trainable: true,
            kind: 'LSTM',
            units: 6,
            activation: 'tanh',
            recurrentActivation: 'sigmoid',
            returnSequences: false,
            useBias: true,
          },
          { id: 'd', name: 'd', trainable: true, kind: 'Dropout', rate: 0.25 },
          {
            id: 'out',
            name: 'out',
            trainable: true,
            kind: 'Dense',
            units: 3,
            activation: 'hardSigmoid',
            useBias: false,
          },
        ],
      },
    });
  });

  it('reads Keras 3 batch_shape and the old list-of-layers config', () => {
    const k3 = seq([
      { class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'input_layer' } },
      { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'softmax' } },
    ]);
    expect(specFromTopology(k3)).toMatchObject({ ok: true, value: { inputShape: [4] } });
    const old = {
      class_name: 'Sequential',
      config: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 5] } }],
    };
    expect(specFromTopology(old)).toMatchObject({
      ok: true,
      value: { name: 'model', inputShape: [5], layers: [{ kind: 'Dense', activation: 'linear' }] },
    });
  });

  it('refuses what the builder cannot edit, naming the layer', () => {
    expect(refusal({ class_name: 'Functional', config: { layers: [] } })).toEqual([
      'model/invalid-stack',
      'Only Sequential models can be edited in the builder; this one is a Functional model.',
    ]);
    expect(refusal(null)[1]).toBe('This model has no readable topology.');
    const first = { class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 5] } };
    expect(refusal(seq([first, { class_name: 'Conv1D', config: { name: 'c' } }]))).toEqual([
      'model/invalid-layer',
      'Layer 2 (Conv1D "c") is not a layer the builder supports (Dense, Conv2D, MaxPooling2D, Flatten, Dropout, BatchNormalization, Reshape, LSTM).',
    ]);
    expect(
      refusal(seq([{ ...first, config: { ...first.config, kernel_regularizer: { class_name: 'L2' } } }]))[1],
    ).toBe('Layer 1 (Dense "d") uses kernel_regularizer, which the builder cannot edit.');
    expect(refusal(seq([{ ...first, config: { ...first.config, activation: 'gelu' } }]))[1]).toBe(
      'Layer 1 (Dense "d") uses the activation "gelu", which the builder cannot edit.',
    );
    const image = { class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 1] } };
    const conv = (extra: JsonObject) => ({
      class_name: 'Conv2D',
      config: { name: 'c', filters: 2, kernel_size: 3, ...extra },
    });
    expect(refusal(seq([image, conv({ dilation_rate: 2 })]))[1]).toBe(
      'Layer 1 (Conv2D "c") uses a dilation rate, which the builder cannot edit.',
    );
    expect(refusal(seq([image, conv({ data_format: 'channels_first' })]))[1]).toBe(
      'Layer 1 (Conv2D "c") uses data_format "channels_first", which the builder cannot edit.',
    );
    expect(
      refusal(
        seq([{ class_name: 'InputLayer', config: { batch_input_shape: [null, null, 3] } }, conv({})]),
      )[1],
    ).toBe('The input layer has the input shape [any, 3]; the builder needs every size fixed.');
    expect(refusal(seq([{ class_name: 'Dense', config: { name: 'd', units: 2 } }]))[1]).toBe(
      'The model does not say what input shape it takes.',
    );
    expect(
      refusal(seq([image, { class_name: 'BatchNormalization', config: { name: 'bn', axis: 1 } }]))[1],
    ).toBe('Layer 1 (BatchNormalization "bn") normalises axis 1; the builder supports only the last axis.');
  });

  it('refuses a stack that does not fit together with the analysis message', () => {
    const bad = seq([
      { class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 5] } },
      { class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: 3 } },
    ]);
    expect(refusal(bad)).toEqual([
      'model/invalid-stack',
      'Layer 2 (Conv2D): needs a 3-D input [height, width, channels] but gets [2]; add a Reshape first',
    ]);
  });
});
