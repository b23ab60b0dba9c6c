/** What TF.js Layers has, and the names Keras has used over the years for the same things. */

/**
 * A table's entry for a name read from a file, or undefined: only the table's own entries count, never
 * what every object inherits (a class named `constructor` or `__proto__` is just unknown).
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Layer classes TF.js Layers 4.x can build, with the Keras settings it reads. */
export const TFJS_LAYERS = new Set([
  'Activation',
  'Add',
  'AlphaDropout',
  'Average',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'BatchNormalization',
  'Bidirectional',
  'CategoryEncoding',
  'CenterCrop',
  'Concatenate',
  'Conv1D',
  'Conv2D',
  'Conv2DTranspose',
  'Conv3D',
  'Conv3DTranspose',
  'ConvLSTM2D',
  'Cropping2D',
  'Dense',
  'DepthwiseConv2D',
  'Dot',
  'Dropout',
  'ELU',
  'Embedding',
  'Flatten',
  'GRU',
  'GaussianDropout',
  'GaussianNoise',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'InputLayer',
  'LSTM',
  'LayerNormalization',
  'LeakyReLU',
  'Masking',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'Maximum',
  'Minimum',
  'Multiply',
  'PReLU',
  'Permute',
  'RNN',
  'RandomWidth',
  'ReLU',
  'RepeatVector',
  'Rescaling',
  'Reshape',
  'Resizing',
  'SeparableConv2D',
  'SimpleRNN',
  'Softmax',
  'SpatialDropout1D',
  'ThresholdedReLU',
  'TimeDistributed',
  'UpSampling2D',
  'ZeroPadding2D',
]);

export const TFJS_CELLS = new Set(['SimpleRNNCell', 'LSTMCell', 'GRUCell', 'StackedRNNCells']);

/** Old Keras names of layer classes, as Keras 2 still reads them. */
export const LAYER_ALIASES: Readonly<Record<string, string>> = {
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution3D: 'Conv3D',
  Conv2DTranspose: 'Conv2DTranspose',
  Deconvolution2D: 'Conv2DTranspose',
  Deconv2D: 'Conv2DTranspose',
  Deconvolution3D: 'Conv3DTranspose',
  Deconv3D: 'Conv3DTranspose',
  MaxPool1D: 'MaxPooling1D',
  MaxPool2D: 'MaxPooling2D',
  MaxPool3D: 'MaxPooling3D',
  AvgPool1D: 'AveragePooling1D',
  AvgPool2D: 'AveragePooling2D',
  AvgPool3D: 'AveragePooling3D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  SeparableConvolution2D: 'SeparableConv2D',
  DepthwiseConvolution2D: 'DepthwiseConv2D',
};

/** Layers that hold Python code or TensorFlow ops rather than a configuration. */
export const CODE_LAYERS = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda', 'TFLambda']);

/**
 * Activations both sides compute the same way, as [Keras 3's name, TF.js's name]: the one list both
 * directions are read from.
 */
const ACTIVATION_NAMES: readonly (readonly [keras: string, tfjs: string])[] = [
  ['linear', 'linear'],
  ['relu', 'relu'],
  ['relu6', 'relu6'],
  ['elu', 'elu'],
  ['selu', 'selu'],
  ['sigmoid', 'sigmoid'],
  ['tanh', 'tanh'],
  ['softmax', 'softmax'],
  ['softplus', 'softplus'],
  ['softsign', 'softsign'],
  ['silu', 'swish'],
  ['mish', 'mish'],
  ['gelu', 'gelu'],
  ['log_softmax', 'logSoftmax'],
];

/** Keras activations by their Keras name → TF.js's (with `swish`, Keras 2's name for silu). */
export const ACTIVATIONS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(ACTIVATION_NAMES),
  swish: 'swish',
};

/** TF.js activations by their TF.js name → Keras 3's (TF.js also reads `log_softmax` as written). */
export const ACTIVATIONS_OUT: Readonly<Record<string, string>> = {
  ...Object.fromEntries(ACTIVATION_NAMES.map(([keras, tfjs]) => [tfjs, keras])),
  log_softmax: 'log_softmax',
};

/**
 * Initializer classes as [Keras 3's class, TF.js's class] (TF.js names them the Keras 2 way): the one
 * list both directions are read from.
 */
const INITIALIZER_NAMES: readonly (readonly [keras: string, tfjs: string])[] = [
  ['Zeros', 'Zeros'],
  ['Ones', 'Ones'],
  ['Constant', 'Constant'],
  ['RandomNormal', 'RandomNormal'],
  ['RandomUniform', 'RandomUniform'],
  ['TruncatedNormal', 'TruncatedNormal'],
  ['VarianceScaling', 'VarianceScaling'],
  ['OrthogonalInitializer', 'Orthogonal'],
  ['IdentityInitializer', 'Identity'],
  ['GlorotNormal', 'GlorotNormal'],
  ['GlorotUniform', 'GlorotUniform'],
  ['HeNormal', 'HeNormal'],
  ['HeUniform', 'HeUniform'],
  ['LecunNormal', 'LeCunNormal'],
  ['LecunUniform', 'LeCunUniform'],
];

/** Keras's initializer classes → TF.js's, with Keras 2's class names and the short names in configs. */
export const INITIALIZERS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(INITIALIZER_NAMES),
  Orthogonal: 'Orthogonal',
  Identity: 'Identity',
  LeCunNormal: 'LeCunNormal',
  LeCunUniform: 'LeCunUniform',
  zeros: 'Zeros',
  zero: 'Zeros',
  ones: 'Ones',
  one: 'Ones',
  constant: 'Constant',
  random_normal: 'RandomNormal',
  random_uniform: 'RandomUniform',
  truncated_normal: 'TruncatedNormal',
  orthogonal: 'Orthogonal',
  identity: 'Identity',
  glorot_normal: 'GlorotNormal',
  glorot_uniform: 'GlorotUniform',
  he_normal: 'HeNormal',
  he_uniform: 'HeUniform',
  lecun_normal: 'LeCunNormal',
  lecun_uniform: 'LeCunUniform',
  normal: 'RandomNormal',
  uniform: 'RandomUniform',
};

/** The settings each TF.js initializer reads. */
export const INITIALIZER_KEYS: Readonly<Record<string, readonly string[]>> = {
  Constant: ['value'],
  RandomNormal: ['mean', 'stddev', 'seed'],
  RandomUniform: ['minval', 'maxval', 'seed'],
  TruncatedNormal: ['mean', 'stddev', 'seed'],
  VarianceScaling: ['scale', 'mode', 'distribution', 'seed'],
  Orthogonal: ['gain', 'seed'],
  Identity: ['gain'],
};

/** TF.js's initializer classes → Keras 3's. */
export const INITIALIZERS_OUT: Readonly<Record<string, string>> = Object.fromEntries(
  INITIALIZER_NAMES.map(([keras, tfjs]) => [tfjs, keras]),
);

/** The settings each Keras 3 initializer takes: TF.js's, under Keras 3's class name. */
export const INITIALIZER_KEYS_OUT: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  INITIALIZER_NAMES.flatMap(([keras, tfjs]) => {
    const keys = INITIALIZER_KEYS[tfjs];
    return keys ? [[keras, keys]] : [];
  }),
);

export const CONSTRAINTS: Readonly<Record<string, string>> = {
  MaxNorm: 'MaxNorm',
  max_norm: 'MaxNorm',
  maxnorm: 'MaxNorm',
  MinMaxNorm: 'MinMaxNorm',
  min_max_norm: 'MinMaxNorm',
  NonNeg: 'NonNeg',
  non_neg: 'NonNeg',
  nonneg: 'NonNeg',
  UnitNorm: 'UnitNorm',
  unit_norm: 'UnitNorm',
};

/** Keys that are Keras 3's bookkeeping, never settings. */
export const BOOKKEEPING = new Set([
  'module',
  'registered_name',
  'build_config',
  'compile_config',
  'shared_object_id',
]);

/** Settings without which a layer cannot be built: missing, the file is refused naming the layer. */
export const REQUIRED_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  Dense: ['units'],
  SimpleRNN: ['units'],
  LSTM: ['units'],
  GRU: ['units'],
  SimpleRNNCell: ['units'],
  LSTMCell: ['units'],
  GRUCell: ['units'],
  Conv1D: ['filters', 'kernel_size'],
  Conv2D: ['filters', 'kernel_size'],
  Conv3D: ['filters', 'kernel_size'],
  Conv2DTranspose: ['filters', 'kernel_size'],
  Conv3DTranspose: ['filters', 'kernel_size'],
  SeparableConv2D: ['filters', 'kernel_size'],
  DepthwiseConv2D: ['kernel_size'],
  ConvLSTM2D: ['filters', 'kernel_size'],
  Embedding: ['input_dim', 'output_dim'],
  Reshape: ['target_shape'],
  Permute: ['dims'],
  RepeatVector: ['n'],
  Dropout: ['rate'],
  SpatialDropout1D: ['rate'],
  AlphaDropout: ['rate'],
  GaussianDropout: ['rate'],
  GaussianNoise: ['stddev'],
  Rescaling: ['scale'],
  Resizing: ['height', 'width'],
  CenterCrop: ['height', 'width'],
  CategoryEncoding: ['num_tokens'],
  TimeDistributed: ['layer'],
  Bidirectional: ['layer'],
  RNN: ['cell'],
};
