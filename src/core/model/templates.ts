/** Starting models as specs: the seed's example first, then one sensible model per data set Graft ships. */
import type { Activation, LayerSpec, ModelSpec } from './spec';
import type { LossName, TrainConfig } from './training';

export type Task = 'classification' | 'regression';

export interface ModelTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Data sets this template fits, by the data module's ids. */
  readonly datasets: readonly string[];
  readonly task: Task;
  readonly loss: LossName;
  /** Training settings that work for this template out of the box. */
  readonly training: Partial<TrainConfig>;
  readonly spec: ModelSpec;
}

// Template layers use their names as ids: ids only need to be unique within one spec and stable across its edits.
function dense(name: string, units: number, activation: Activation): LayerSpec {
  return { id: name, name, kind: 'Dense', units, activation, useBias: true, trainable: true };
}

function mlp(
  name: string,
  inputs: number,
  hidden: readonly [number, Activation][],
  outputs: number,
  out: Activation,
): ModelSpec {
  const layers = hidden.map(([units, act], i) =>
    dense(hidden.length === 1 ? 'hidden' : `hidden_${i + 1}`, units, act),
  );
  return { name, inputShape: [inputs], layers: [...layers, dense('output', outputs, out)] };
}

/** Input 100 → Dense 64 relu → Dense 10 softmax, with the layer names of the seed model. */
export const SEED_SPEC: ModelSpec = mlp('seed_mlp', 100, [[64, 'relu']], 10, 'softmax');

export const DIGITS_CNN_SPEC: ModelSpec = {
  name: 'digits_cnn',
  inputShape: [64],
  layers: [
    { id: 'to_image', name: 'to_image', kind: 'Reshape', targetShape: [8, 8, 1], trainable: true },
    {
      id: 'conv',
      name: 'conv',
      kind: 'Conv2D',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      activation: 'relu',
      useBias: true,
      trainable: true,
    },
    {
      id: 'pool',
      name: 'pool',
      kind: 'MaxPooling2D',
      poolSize: [2, 2],
      strides: [2, 2],
      padding: 'valid',
      trainable: true,
    },
    { id: 'flatten', name: 'flatten', kind: 'Flatten', trainable: true },
    dense('output', 10, 'softmax'),
  ],
};

const CLASSIFY: Partial<TrainConfig> = {
  optimizer: 'adam',
  learningRate: 0.01,
  loss: 'categoricalCrossentropy',
  batchSize: 32,
  epochs: 20,
  validationSplit: 0.2,
};

export const MODEL_TEMPLATES: readonly ModelTemplate[] = [
  {
    id: 'seed-mlp',
    name: 'Seed MLP (100 → 64 → 10)',
    description: 'Input 100 → Dense 64 relu → Dense 10 softmax: the network from Graft’s founding example.',
    datasets: [],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: CLASSIFY,
    spec: SEED_SPEC,
  },
  {
    id: 'iris-mlp',
    name: 'Iris MLP (4 → 16 → 3)',
    description: 'A small network for Fisher’s iris flowers: 4 measurements in, 3 species out.',
    datasets: ['iris'],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: { ...CLASSIFY, batchSize: 16, epochs: 50 },
    spec: mlp('iris_mlp', 4, [[16, 'relu']], 3, 'softmax'),
  },
  {
    id: 'digits-mlp',
    name: 'Digits MLP (64 → 64 → 10)',
    description: 'Reads the 64 pixels of an 8×8 digit as a flat list.',
    datasets: ['digits'],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: CLASSIFY,
    spec: mlp('digits_mlp', 64, [[64, 'relu']], 10, 'softmax'),
  },
  {
    id: 'digits-cnn',
    name: 'Digits CNN (8×8 image)',
    description:
      'Reshape to 8×8 → Conv2D 8 filters 3×3 → MaxPooling → Flatten → Dense 10: sees strokes, not pixels.',
    datasets: ['digits'],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: CLASSIFY,
    spec: DIGITS_CNN_SPEC,
  },
  {
    id: 'wine-mlp',
    name: 'Wine MLP (13 → 16 → 3)',
    description: '13 chemical measurements in, 3 cultivars out. Works best on normalised inputs.',
    datasets: ['wine'],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: { ...CLASSIFY, batchSize: 16, epochs: 50 },
    spec: mlp('wine_mlp', 13, [[16, 'relu']], 3, 'softmax'),
  },
  {
    id: 'breast-cancer-mlp',
    name: 'Breast cancer MLP (30 → 16 → 1)',
    description:
      '30 cell measurements in, one probability of malignancy out (sigmoid, binary cross-entropy).',
    datasets: ['breast-cancer'],
    task: 'classification',
    loss: 'binaryCrossentropy',
    training: { ...CLASSIFY, loss: 'binaryCrossentropy', epochs: 30 },
    spec: mlp('breast_cancer_mlp', 30, [[16, 'relu']], 1, 'sigmoid'),
  },
  {
    id: 'diabetes-mlp',
    name: 'Diabetes regression (10 → 32 → 1)',
    description:
      '10 patient measurements in, disease progression after a year out (linear, mean squared error).',
    datasets: ['diabetes'],
    task: 'regression',
    loss: 'meanSquaredError',
    training: { ...CLASSIFY, loss: 'meanSquaredError', epochs: 100 },
    spec: mlp('diabetes_mlp', 10, [[32, 'relu']], 1, 'linear'),
  },
  {
    id: 'toy-2d',
    name: '2-D classifier (2 → 16 → 16 → 2)',
    description: 'Two tanh layers that can bend a boundary around XOR, spirals or circles.',
    datasets: ['xor', 'spirals', 'circles'],
    task: 'classification',
    loss: 'categoricalCrossentropy',
    training: { ...CLASSIFY, learningRate: 0.03, epochs: 100 },
    spec: mlp(
      'toy_2d',
      2,
      [
        [16, 'tanh'],
        [16, 'tanh'],
      ],
      2,
      'softmax',
    ),
  },
  {
    id: 'sine',
    name: 'Sine regressor (1 → 32 → 32 → 1)',
    description: 'Fits a noisy sine wave: one number in, one number out.',
    datasets: ['sine'],
    task: 'regression',
    loss: 'meanSquaredError',
    training: { ...CLASSIFY, loss: 'meanSquaredError', epochs: 200 },
    spec: mlp(
      'sine',
      1,
      [
        [32, 'tanh'],
        [32, 'tanh'],
      ],
      1,
      'linear',
    ),
  },
];

export function findTemplate(id: string): ModelTemplate | undefined {
  return MODEL_TEMPLATES.find((t) => t.id === id);
}
