/** The serialisable description of a Sequential model that the builder edits, and immutable edits on it. */

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'mish',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

/** [rows, columns]: kernel, stride and pool sizes of 2-D layers. */
export type Pair = readonly [number, number];

interface LayerBase {
  /** Stable across edits (renames, moves, option changes): weight carry-over matches layers by it. */
  readonly id: string;
  readonly name: string;
  /** False freezes the layer's weights, e.g. for fine-tuning. */
  readonly trainable: boolean;
}

export interface DenseLayerSpec extends LayerBase {
  readonly kind: 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
}

export interface Conv2DLayerSpec extends LayerBase {
  readonly kind: 'Conv2D';
  readonly filters: number;
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly activation: Activation;
  readonly useBias: boolean;
}

export interface MaxPooling2DLayerSpec extends LayerBase {
  readonly kind: 'MaxPooling2D';
  readonly poolSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
}

export interface FlattenLayerSpec extends LayerBase {
  readonly kind: 'Flatten';
}

export interface DropoutLayerSpec extends LayerBase {
  readonly kind: 'Dropout';
  readonly rate: number;
}

export interface BatchNormalizationLayerSpec extends LayerBase {
  readonly kind: 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
}

export interface ReshapeLayerSpec extends LayerBase {
  readonly kind: 'Reshape';
  /** Without the batch dimension; at most one entry may be -1 ("whatever is left"). */
  readonly targetShape: readonly number[];
}

export interface LSTMLayerSpec extends LayerBase {
  readonly kind: 'LSTM';
  readonly units: number;
  readonly activation: Activation;
  /** TF.js defaults to hardSigmoid, Keras to sigmoid; kept so imported models stay exactly what they were. */
  readonly recurrentActivation: Activation;
  readonly returnSequences: boolean;
  readonly useBias: boolean;
}

export type LayerSpec =
  | DenseLayerSpec
  | Conv2DLayerSpec
  | MaxPooling2DLayerSpec
  | FlattenLayerSpec
  | DropoutLayerSpec
  | BatchNormalizationLayerSpec
  | ReshapeLayerSpec
  | LSTMLayerSpec;

export type LayerKind = LayerSpec['kind'];
export type LayerOfKind<K extends LayerKind> = Extract<LayerSpec, { kind: K }>;

/** Changes to a layer's options; `id` and `kind` never change (a different kind is a different layer). */
export type LayerPatch = {
  [K in LayerKind]: Partial<Omit<LayerOfKind<K>, 'id' | 'kind'>>;
}[LayerKind];

export interface ModelSpec {
  readonly name: string;
  /** One example's shape, without the batch dimension: [features], [height, width, channels]… */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerSpec[];
}

export interface LayerKindInfo {
  readonly kind: LayerKind;
  readonly label: string;
  readonly description: string;
}

export const LAYER_KINDS: readonly LayerKindInfo[] = [
  { kind: 'Dense', label: 'Dense', description: 'Fully connected: every input feeds every unit.' },
  {
    kind: 'Conv2D',
    label: 'Conv2D',
    description: 'Slides small filters over an image [height, width, channels].',
  },
  { kind: 'MaxPooling2D', label: 'MaxPooling2D', description: 'Keeps the largest value of each window.' },
  { kind: 'Flatten', label: 'Flatten', description: 'Turns an image or sequence into one long vector.' },
  { kind: 'Dropout', label: 'Dropout', description: 'Zeroes a random fraction of inputs while training.' },
  {
    kind: 'BatchNormalization',
    label: 'BatchNormalization',
    description: 'Normalises each feature over the batch.',
  },
  { kind: 'Reshape', label: 'Reshape', description: 'Rearranges the same values into a new shape.' },
  { kind: 'LSTM', label: 'LSTM', description: 'A recurrent layer for sequences [timesteps, features].' },
];

export const DEFAULT_SNAKE_NAMES: Readonly<Record<LayerKind, string>> = {
  Dense: 'dense',
  Conv2D: 'conv2d',
  MaxPooling2D: 'max_pooling2d',
  Flatten: 'flatten',
  Dropout: 'dropout',
  BatchNormalization: 'batch_normalization',
  Reshape: 'reshape',
  LSTM: 'lstm',
};
