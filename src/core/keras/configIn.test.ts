import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import type { JsonObject } from '../json';
import { kerasToTfjs, type KerasOrigin } from './configIn';

const KERAS3: KerasOrigin = { format: 'keras-v3', kerasVersion: '3.15.1' };
const KERAS2: KerasOrigin = { format: 'h5', kerasVersion: '2.2.4' };

/** The seed's own model as Keras 3.15 wrote it (the config.json inside tests/fixtures/keras/seed/seed-model.keras). */
const SEED_CONFIG = JSON.parse(
  readFileSync(new URL('./testdata/seed-config.json', import.meta.url), 'utf8'),
) as JsonObject;

function dense(name: string, units: number, activation = 'linear', extra: JsonObject = {}): JsonObject {
  return { class_name: 'Dense', config: { name, units, activation, ...extra } };
}

function functional(layers: JsonObject[], inputs: unknown, outputs: unknown): JsonObject {
  return {
    class_name: 'Functional',
    config: { name: 'f', layers, input_layers: inputs, output_layers: outputs },
  } as JsonObject;
}

function tensor(from: string, node = 0, index = 0): JsonObject {
  return {
    class_name: '__keras_tensor__',
    config: { shape: [null, 4], dtype: 'float32', keras_history: [from, node, index] },
  };
}

function refusal(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (isGraftError(e)) return { code: e.code, data: e.data, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('a Keras 3 config becomes a TF.js topology', () => {
  it('turns the seed model into TF.js’s dialect: triples for calls, a batch_input_shape, plain dtypes', () => {
    const { topology, notes, modelName } = kerasToTfjs(SEED_CONFIG, KERAS3);
    const config = topology.config as JsonObject;
    const layers = config.layers as JsonObject[];
    expect(modelName).toBe('functional');
    expect(notes).toEqual([]);
    expect(topology.class_name).toBe('Model');
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Dense', 'Dense']);
    expect((layers[0]?.config as JsonObject).batch_input_shape).toEqual([null, 100]);
    expect(layers[1]?.inbound_nodes).toEqual([[['input_layer', 0, 0, {}]]]);
    const d = layers[1]?.config as JsonObject;
    expect(d.dtype).toBe('float32');
    expect(d.kernel_initializer).toEqual({ class_name: 'GlorotUniform', config: { seed: null } });
    expect(d).not.toHaveProperty('quantization_config');
    expect(config.input_layers).toEqual([['input_layer', 0, 0]]);
    expect(config.output_layers).toEqual([['dense_1', 0, 0]]);
  });

  it('passes a merge layer’s list of inputs as several triples, and several model inputs and outputs', () => {
    const model = functional(
      [
        {
          class_name: 'InputLayer',
          config: { name: 'a', batch_shape: [null, 4] },
          name: 'a',
          inbound_nodes: [],
        },
        {
          class_name: 'InputLayer',
          config: { name: 'b', batch_shape: [null, 4] },
          name: 'b',
          inbound_nodes: [],
        },
        {
          class_name: 'Add',
          config: { name: 'add' },
          name: 'add',
          inbound_nodes: [{ args: [[tensor('a'), tensor('b')]], kwargs: { mask: null } }],
        },
      ],
      [
        ['a', 0, 0],
        ['b', 0, 0],
      ],
      { out: ['add', 0, 0] },
    );
    const { topology, notes } = kerasToTfjs(model, KERAS3);
    const layers = (topology.config as JsonObject).layers as JsonObject[];
    expect(layers[2]?.inbound_nodes).toEqual([
      [
        ['a', 0, 0, {}],
        ['b', 0, 0, {}],
      ],
    ]);
    expect((topology.config as JsonObject).output_layers).toEqual([['add', 0, 0]]);
    expect(notes).toContainEqual({ code: 'dict-io', layer: 'f', value: 'outputs' });
  });

  it('keeps a shared layer’s several calls', () => {
    const model = functional(
      [
        {
          class_name: 'InputLayer',
          config: { name: 'a', batch_shape: [null, 4] },
          name: 'a',
          inbound_nodes: [],
        },
        {
          ...dense('d', 4),
          name: 'd',
          inbound_nodes: [
            { args: [tensor('a')], kwargs: {} },
            { args: [tensor('d', 0)], kwargs: {} },
          ],
        },
      ],
      ['a', 0, 0],
      ['d', 1, 0],
    );
    const layers = (kerasToTfjs(model, KERAS3).topology.config as JsonObject).layers as JsonObject[];
    expect(layers[1]?.inbound_nodes).toEqual([[['a', 0, 0, {}]], [['d', 0, 0, {}]]]);
  });

  it('renames what Keras 3 renamed and widens dtype policies to float32, with a note', () => {
    const seq: JsonObject = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in', batch_shape: [null, 3], dtype: 'float32' } },
          { class_name: 'LeakyReLU', config: { name: 'lr', negative_slope: 0.2 } },
          dense('d', 2, 'silu', {
            dtype: {
              module: 'keras',
              class_name: 'DTypePolicy',
              config: { name: 'mixed_float16' },
              registered_name: null,
            },
            kernel_regularizer: {
              module: 'keras.regularizers',
              class_name: 'L2',
              config: { l2: 0.5 },
              registered_name: null,
            },
            kernel_initializer: {
              module: 'keras.initializers',
              class_name: 'LecunNormal',
              config: { seed: 3 },
              registered_name: null,
            },
          }),
        ],
      },
    };
    const { topology, notes } = kerasToTfjs(seq, KERAS3);
    const layers = (topology.config as JsonObject).layers as JsonObject[];
    expect((layers[1]?.config as JsonObject).alpha).toBe(0.2);
    const d = layers[2]?.config as JsonObject;
    expect(d.activation).toBe('swish');
    expect(d.dtype).toBe('float32');
    expect(d.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.5 } });
    expect(d.kernel_initializer).toEqual({ class_name: 'LeCunNormal', config: { seed: 3 } });
    expect(notes).toEqual([{ code: 'float32-policy', layer: 'd', value: 'mixed_float16' }]);
  });
});

describe('a Keras 2 config', () => {
  it('reads a Sequential written as a bare list (Keras 2.0/2.1) with an input shape on its first layer', () => {
    const seq = {
      class_name: 'Sequential',
      config: [dense('d1', 4, 'relu', { batch_input_shape: [null, 8] }), dense('d2', 1)],
    };
    const { topology } = kerasToTfjs(seq as unknown as JsonObject, KERAS2);
    const layers = (topology.config as JsonObject).layers as JsonObject[];
    expect((layers[0]?.config as JsonObject).batch_input_shape).toEqual([null, 8]);
  });

  it('reads Keras 2 list-style calls and old initializer names', () => {
    const model: JsonObject = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          {
            class_name: 'InputLayer',
            config: { name: 'x', batch_input_shape: [null, 4], dtype: 'float32' },
            name: 'x',
            inbound_nodes: [],
          },
          {
            ...dense('d', 2, 'hard_sigmoid', {
              kernel_initializer: {
                class_name: 'VarianceScaling',
                config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
              },
              bias_initializer: 'zeros',
            }),
            name: 'd',
            inbound_nodes: [[['x', 0, 0, {}]]],
          },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['d', 0, 0]],
      },
    };
    const layers = (kerasToTfjs(model, KERAS2).topology.config as JsonObject).layers as JsonObject[];
    const d = layers[1]?.config as JsonObject;
    expect(layers[1]?.inbound_nodes).toEqual([[['x', 0, 0, {}]]]);
    // Keras 2's hard_sigmoid is 0.2x + 0.5, which is TF.js's too.
    expect(d.activation).toBe('hard_sigmoid');
    expect(d.bias_initializer).toEqual({ class_name: 'Zeros', config: {} });
    expect(d.kernel_initializer).toMatchObject({
      class_name: 'VarianceScaling',
      config: { distribution: 'uniform' },
    });
  });
});

describe('what cannot run is refused by layer, class and reason', () => {
  const seqOf = (layer: JsonObject): JsonObject => ({
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_shape: [null, 4] } }, layer],
    },
  });

  it('a Lambda (Python bytecode)', () => {
    const r = refusal(() =>
      kerasToTfjs(seqOf({ class_name: 'Lambda', config: { name: 'lam', function: '4wEAAA==' } }), KERAS3),
    );
    expect(r.code).toBe('import/unsupported-layer');
    expect(r.data).toMatchObject({ layer: 'lam', className: 'Lambda', problem: 'python-code' });
    expect(r.message).toContain('“lam”');
  });

  it('a custom class registered in Python', () => {
    const layer = {
      module: 'my_pkg.layers',
      class_name: 'Scale',
      config: { name: 'sc' },
      registered_name: 'MyPkg>Scale',
    };
    expect(refusal(() => kerasToTfjs(seqOf(layer), KERAS3)).data).toMatchObject({
      layer: 'sc',
      className: 'MyPkg>Scale',
      problem: 'custom-class',
    });
  });

  it('a Keras layer TF.js does not have', () => {
    const layer = {
      module: 'keras.layers',
      class_name: 'GroupNormalization',
      config: { name: 'gn' },
      registered_name: null,
    };
    expect(refusal(() => kerasToTfjs(seqOf(layer), KERAS3)).data).toMatchObject({
      problem: 'not-in-tfjs',
      className: 'GroupNormalization',
    });
  });

  it('settings that would change what the model computes', () => {
    const gru = { class_name: 'GRU', config: { name: 'g', units: 2, reset_after: true } };
    expect(refusal(() => kerasToTfjs(seqOf(gru), KERAS3)).data).toMatchObject({
      problem: 'setting',
      layer: 'g',
    });
    // Keras 3's hard_sigmoid is relu6(x + 3) / 6, not TF.js's.
    expect(refusal(() => kerasToTfjs(seqOf(dense('h', 2, 'hard_sigmoid')), KERAS3)).data).toMatchObject({
      problem: 'setting',
    });
    expect(refusal(() => kerasToTfjs(seqOf(dense('e', 2, 'exponential')), KERAS3)).data).toMatchObject({
      problem: 'setting',
    });
    const relu = { class_name: 'ReLU', config: { name: 'r', negative_slope: 0.1 } };
    expect(refusal(() => kerasToTfjs(seqOf(relu), KERAS3)).data).toMatchObject({
      problem: 'setting',
      layer: 'r',
    });
    const conv = { class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: [3, 3], groups: 2 } };
    expect(refusal(() => kerasToTfjs(seqOf(conv), KERAS3)).data).toMatchObject({
      problem: 'setting',
      layer: 'c',
    });
  });

  it('absurd sizes, before anything is built', () => {
    expect(refusal(() => kerasToTfjs(seqOf(dense('big', 2 ** 40)), KERAS3)).code).toBe('import/absurd-shape');
    // Any other whole number far beyond a real model's is a broken config.
    const pool = { class_name: 'MaxPooling1D', config: { name: 'p', pool_size: 2 ** 40 } };
    expect(refusal(() => kerasToTfjs(seqOf(pool), KERAS3)).code).toBe('import/keras-invalid');
    expect(
      refusal(() => kerasToTfjs(seqOf({ class_name: 'Dense', config: { name: 'd' } }), KERAS3)),
    ).toMatchObject({
      code: 'import/keras-invalid',
      message: expect.stringContaining('layer “d” (Dense) has no units'),
    });
    expect(refusal(() => kerasToTfjs(seqOf(dense('big', 2 ** 29)), KERAS3)).code).toBe('import/absurd-shape');
    const wide = { class_name: 'InputLayer', config: { name: 'in', batch_shape: [null, 2 ** 20, 2 ** 20] } };
    expect(
      refusal(() => kerasToTfjs({ class_name: 'Sequential', config: { name: 's', layers: [wide] } }, KERAS3))
        .code,
    ).toBe('import/absurd-shape');
  });

  it('models nested without end, and configs that are not models', () => {
    let nested: JsonObject = { class_name: 'Sequential', config: { name: 'leaf', layers: [dense('d', 1)] } };
    for (let i = 0; i < 40; i++)
      nested = { class_name: 'Sequential', config: { name: `s${i}`, layers: [nested] } };
    expect(refusal(() => kerasToTfjs(nested, KERAS3)).code).toBe('import/keras-invalid');
    expect(refusal(() => kerasToTfjs({ class_name: 'Dense', config: {} }, KERAS3)).code).toBe(
      'import/keras-invalid',
    );
    expect(refusal(() => kerasToTfjs([] as unknown as JsonObject, KERAS3)).code).toBe('import/keras-invalid');
  });
});
