import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import { analyzeSpec, assertValidSpec, MAX_PARAMS, validateSpec } from './analyze';
import type { LayerSpec, ModelSpec } from './spec';
import { DIGITS_CNN_SPEC, MODEL_TEMPLATES, SEED_SPEC } from './templates';

const dense = (name: string, units: number, extra: Partial<LayerSpec> = {}): LayerSpec =>
  ({
    id: name,
    name,
    kind: 'Dense',
    units,
    activation: 'relu',
    useBias: true,
    trainable: true,
    ...extra,
  }) as LayerSpec;
const spec = (inputShape: number[], layers: LayerSpec[]): ModelSpec => ({ name: 'm', inputShape, layers });
const conv = (name: string, extra: Record<string, unknown> = {}): LayerSpec =>
  ({
    id: name,
    name,
    kind: 'Conv2D',
    filters: 4,
    kernelSize: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    activation: 'relu',
    useBias: true,
    trainable: true,
    ...extra,
  }) as LayerSpec;
const messages = (s: ModelSpec) => validateSpec(s).map((p) => p.message);

describe('analyzeSpec: shapes and parameter counts', () => {
  it('infers the seed model: 100 → 64 → 10 with 7,114 parameters', () => {
    const a = analyzeSpec(SEED_SPEC);
    expect(a.ok).toBe(true);
    expect(a.layers.map((l) => l.outputShape)).toEqual([[64], [10]]);
    expect(a.layers.map((l) => l.params)).toEqual([100 * 64 + 64, 64 * 10 + 10]);
    expect(a.totalParams).toBe(7114);
    expect(a.trainableParams).toBe(7114);
    expect(a.outputShape).toEqual([10]);
  });

  it('infers the digits CNN layer by layer', () => {
    const a = analyzeSpec(DIGITS_CNN_SPEC);
    expect(a.problems).toEqual([]);
    expect(a.layers.map((l) => l.outputShape)).toEqual([[8, 8, 1], [6, 6, 8], [3, 3, 8], [72], [10]]);
    expect(a.layers.map((l) => l.params)).toEqual([0, 80, 0, 0, 730]);
  });

  it('every template is valid', () => {
    for (const t of MODEL_TEMPLATES) expect(validateSpec(t.spec), t.id).toEqual([]);
  });

  it('counts frozen layers as non-trainable and BatchNormalization statistics as never trainable', () => {
    const a = analyzeSpec(
      spec(
        [4],
        [
          dense('a', 8, { trainable: false }),
          {
            id: 'bn',
            name: 'bn',
            kind: 'BatchNormalization',
            momentum: 0.99,
            epsilon: 0.001,
            trainable: true,
          },
          dense('b', 2),
        ],
      ),
    );
    expect(a.layers.map((l) => [l.params, l.trainableParams])).toEqual([
      [40, 0],
      [32, 16],
      [18, 18],
    ]);
    expect(a.trainableParams).toBe(34);
    expect(a.totalParams).toBe(90);
  });

  it('resolves a -1 in a Reshape target and Conv2D "same" padding with strides', () => {
    const a = analyzeSpec(
      spec(
        [50],
        [
          { id: 'r', name: 'r', kind: 'Reshape', targetShape: [5, -1, 1], trainable: true },
          conv('c', { padding: 'same', strides: [2, 3] }),
        ],
      ),
    );
    expect(a.layers.map((l) => l.outputShape)).toEqual([
      [5, 10, 1],
      [3, 4, 4],
    ]);
  });

  it('gives an LSTM its gate weights and sequence output', () => {
    const lstm = (returnSequences: boolean): LayerSpec => ({
      id: 'l',
      name: 'l',
      kind: 'LSTM',
      units: 5,
      activation: 'tanh',
      recurrentActivation: 'hardSigmoid',
      returnSequences,
      useBias: true,
      trainable: true,
    });
    const a = analyzeSpec(spec([3, 4], [lstm(true)]));
    expect(a.layers[0]?.outputShape).toEqual([3, 5]);
    expect(a.layers[0]?.weights?.map((w) => w.shape)).toEqual([[4, 20], [5, 20], [20]]);
    expect(a.layers[0]?.params).toBe(200);
    expect(analyzeSpec(spec([3, 4], [lstm(false)])).outputShape).toEqual([5]);
  });
});

describe('validateSpec: which layer is wrong and why', () => {
  it('says a Conv2D on a flat input needs a Reshape first', () => {
    expect(messages(spec([64], [dense('a', 64), dense('b', 64), conv('c')]))).toEqual([
      'Layer 3 (Conv2D): needs a 3-D input [height, width, channels] but gets [64]; add a Reshape first',
    ]);
  });

  it('says a MaxPooling2D on a flat input needs a Reshape first', () => {
    expect(
      messages(
        spec(
          [10],
          [
            {
              id: 'p',
              name: 'p',
              kind: 'MaxPooling2D',
              poolSize: [2, 2],
              strides: [2, 2],
              padding: 'valid',
              trainable: true,
            },
          ],
        ),
      ),
    ).toEqual([
      'Layer 1 (MaxPooling2D): needs a 3-D input [height, width, channels] but gets [10]; add a Reshape first',
    ]);
  });

  it('says an LSTM needs [timesteps, features]', () => {
    const lstm: LayerSpec = {
      id: 'l',
      name: 'l',
      kind: 'LSTM',
      units: 4,
      activation: 'tanh',
      recurrentActivation: 'hardSigmoid',
      returnSequences: false,
      useBias: true,
      trainable: true,
    };
    expect(messages(spec([12], [lstm]))).toEqual([
      'Layer 1 (LSTM): needs a 2-D input [timesteps, features] but gets [12]; add a Reshape first',
    ]);
  });

  it.each([
    [0, 'Layer 1 (Dense): units must be a positive integer, not 0'],
    [-3, 'Layer 1 (Dense): units must be a positive integer, not -3'],
    [2.5, 'Layer 1 (Dense): units must be a positive integer, not 2.5'],
    [Number.NaN, 'Layer 1 (Dense): units must be a positive integer, not NaN'],
  ])('rejects units %s', (units, message) => {
    const problems = validateSpec(spec([4], [dense('a', units)]));
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'model/invalid-layer',
        layerId: 'a',
        index: 0,
        field: 'units',
        message,
      }),
    ]);
  });

  it.each([
    [1, 'Layer 2 (Dropout): rate must be at least 0 and below 1, not 1'],
    [-0.1, 'Layer 2 (Dropout): rate must be at least 0 and below 1, not -0.1'],
  ])('rejects a dropout rate of %s', (rate, message) => {
    const s = spec(
      [4],
      [dense('a', 4), { id: 'd', name: 'd', kind: 'Dropout', rate, trainable: true }, dense('b', 2)],
    );
    expect(messages(s)).toEqual([message]);
  });

  it('accepts a dropout rate of 0', () => {
    expect(
      messages(spec([4], [{ id: 'd', name: 'd', kind: 'Dropout', rate: 0, trainable: true }, dense('b', 2)])),
    ).toEqual([]);
  });

  it('says when a Reshape does not keep the number of values', () => {
    expect(
      messages(
        spec([64], [{ id: 'r', name: 'r', kind: 'Reshape', targetShape: [8, 8, 2], trainable: true }]),
      ),
    ).toEqual(['Layer 1 (Reshape): target shape [8, 8, 2] holds 128 values but its input [64] holds 64']);
    expect(
      messages(spec([64], [{ id: 'r', name: 'r', kind: 'Reshape', targetShape: [-1, 7], trainable: true }])),
    ).toEqual(['Layer 1 (Reshape): target shape [-1, 7] cannot hold the 64 values of its input [64]']);
    expect(
      messages(spec([64], [{ id: 'r', name: 'r', kind: 'Reshape', targetShape: [-1, -1], trainable: true }])),
    ).toEqual(['Layer 1 (Reshape): target shape may contain -1 only once, not [-1, -1]']);
    expect(
      messages(spec([64], [{ id: 'r', name: 'r', kind: 'Reshape', targetShape: [8, 0], trainable: true }])),
    ).toEqual(['Layer 1 (Reshape): target shape must be positive integers (one may be -1), not [8, 0]']);
  });

  it('says when a kernel does not fit its input', () => {
    const s = spec(
      [9],
      [
        { id: 'r', name: 'r', kind: 'Reshape', targetShape: [3, 3, 1], trainable: true },
        conv('c', { kernelSize: [5, 5] }),
      ],
    );
    expect(messages(s)).toEqual([
      'Layer 2 (Conv2D): its 5×5 kernel does not fit its 3×3 input; use a smaller kernel or "same" padding',
    ]);
  });

  it('says a Flatten on a flat input is redundant', () => {
    expect(messages(spec([5], [{ id: 'f', name: 'f', kind: 'Flatten', trainable: true }]))).toEqual([
      'Layer 1 (Flatten): its input [5] is already flat; remove this layer',
    ]);
  });

  it('checks Conv2D options', () => {
    const s = spec(
      [8, 8, 1],
      [conv('c', { filters: 0, kernelSize: [3, 0], strides: [1], padding: 'full', activation: 'gelu' })],
    );
    expect(messages(s)).toEqual([
      'Layer 1 (Conv2D): filters must be a positive integer, not 0',
      'Layer 1 (Conv2D): kernel size must be two positive integers, not [3, 0]',
      'Layer 1 (Conv2D): strides must be two positive integers, not [1]',
      'Layer 1 (Conv2D): padding must be "valid" or "same", not "full"',
      'Layer 1 (Conv2D): "gelu" is not an activation Graft knows (linear, relu, relu6, elu, selu, sigmoid, hardSigmoid, tanh, softmax, softplus, softsign, swish, mish)',
    ]);
  });

  it('checks BatchNormalization options', () => {
    const s = spec(
      [4],
      [{ id: 'b', name: 'b', kind: 'BatchNormalization', momentum: 1, epsilon: 0, trainable: true }],
    );
    expect(messages(s)).toEqual([
      'Layer 1 (BatchNormalization): momentum must be at least 0 and below 1, not 1',
      'Layer 1 (BatchNormalization): epsilon must be a positive number, not 0',
    ]);
  });

  it('checks names: present, valid for TF.js, unique', () => {
    const s = spec(
      [4],
      [dense('a', 4), dense('a', 4), dense('', 4), { ...dense('x', 2), name: 'my layer' } as LayerSpec],
    );
    const problems = validateSpec(s);
    expect(problems.map((p) => [p.index, p.field, p.message])).toEqual([
      [1, 'name', 'Layer 2 (Dense): the name "a" is already used by layer 1'],
      [1, 'id', 'Layer 2 (Dense): has the same id as layer 1; give it a fresh one'],
      [2, 'name', 'Layer 3 (Dense): needs a name'],
      [
        3,
        'name',
        'Layer 4 (Dense): the name "my layer" may only use letters, digits and - . _ /, and must start with a letter or digit',
      ],
    ]);
  });

  it('reports model-wide problems first and without a layer', () => {
    const problems = validateSpec({ name: ' ', inputShape: [0], layers: [] });
    expect(problems).toEqual([
      {
        code: 'model/invalid-layer',
        layerId: null,
        index: null,
        field: 'name',
        problem: 'modelNameMissing',
        values: {},
        message: 'The model needs a name.',
      },
      {
        code: 'model/invalid-stack',
        layerId: null,
        index: null,
        field: 'inputShape',
        problem: 'badInputShape',
        values: { value: '[0]' },
        message: 'The input shape must be one or more positive integers, e.g. [100] or [8, 8, 1], not [0].',
      },
      {
        code: 'model/invalid-stack',
        layerId: null,
        index: null,
        field: null,
        problem: 'noLayers',
        values: {},
        message: 'The model has no layers; add at least one.',
      },
    ]);
  });

  it('does not pile follow-on errors onto the layers after a broken one', () => {
    const s = spec(
      [64],
      [conv('c'), dense('a', 10), { id: 'f', name: 'f', kind: 'Flatten', trainable: true }],
    );
    const a = analyzeSpec(s);
    expect(a.problems).toHaveLength(1);
    expect(a.layers.map((l) => l.inputShape)).toEqual([[64], null, null]);
    expect(a.totalParams).toBeNull();
  });

  it('keeps inferring shapes past a problem that does not change them', () => {
    const a = analyzeSpec(
      spec([4], [dense('a', 8, { activation: 'nope' } as Partial<LayerSpec>), dense('b', 2)]),
    );
    expect(a.problems.map((p) => p.field)).toEqual(['activation']);
    expect(a.outputShape).toEqual([2]);
  });

  it('refuses models too large for a browser tab', () => {
    const s = spec([10_000], [dense('a', 10_000)]);
    expect(messages(s)).toEqual([
      `The model would have 100,010,000 parameters; Graft keeps models under ${MAX_PARAMS.toLocaleString('en-US')} so they fit in a browser tab.`,
    ]);
  });
});

describe('assertValidSpec', () => {
  it('throws the first problem as a GraftError carrying all of them', () => {
    const s = spec([64], [conv('c'), dense('d', 0)]);
    try {
      assertValidSpec(s);
      expect.unreachable();
    } catch (e) {
      expect(isGraftError(e, 'model/invalid-stack')).toBe(true);
      expect((e as Error).message).toBe(
        'Layer 1 (Conv2D): needs a 3-D input [height, width, channels] but gets [64]; add a Reshape first (and 1 more problem)',
      );
      expect((e as { data: { problems: unknown[] } }).data.problems).toHaveLength(2);
    }
  });

  it('returns the analysis of a valid spec', () => {
    expect(assertValidSpec(SEED_SPEC).totalParams).toBe(7114);
  });
});
