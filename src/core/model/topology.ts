/**
 * Reads a Keras / TF.js Sequential topology back into a ModelSpec, so a checked-out or imported version can
 * be edited in the builder. Anything the builder cannot represent is refused rather than silently dropped:
 * editing would otherwise change the model behind the user's back.
 */
import {
  err,
  GraftError,
  ok,
  type ErrorData,
  type ErrorKey,
  type ErrorPart,
  type ErrorPartKey,
  type Result,
} from '../errors';
import { isJsonObject, type JsonObject } from '../json';
import { analyzeSpec, specProblemPart } from './analyze';
import { ACTIVATIONS, type Activation, type LayerSpec, type ModelSpec, type Pair } from './spec';

/** Options that change what a layer computes and that the builder has no field for. */
const UNSUPPORTED_IF_SET = [
  'kernel_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'recurrent_regularizer',
  'beta_regularizer',
  'gamma_regularizer',
  'kernel_constraint',
  'bias_constraint',
  'recurrent_constraint',
  'beta_constraint',
  'gamma_constraint',
  'noise_shape',
] as const;

const CLASS_ALIASES: Readonly<Record<string, LayerSpec['kind']>> = {
  Dense: 'Dense',
  Conv2D: 'Conv2D',
  Convolution2D: 'Conv2D',
  MaxPooling2D: 'MaxPooling2D',
  MaxPool2D: 'MaxPooling2D',
  Flatten: 'Flatten',
  Dropout: 'Dropout',
  BatchNormalization: 'BatchNormalization',
  Reshape: 'Reshape',
  LSTM: 'LSTM',
};

/** Why the builder cannot take a model: a catalogue key and its data (turned into a GraftError below). */
class Refusal extends Error {
  constructor(
    readonly key: ErrorKey & `error.model/invalid-layer.builder-${string}`,
    readonly data: ErrorData = {},
  ) {
    super(key);
  }
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The `{class_name, config}` of the model, whether bare or wrapped as Keras writes model.json. */
function modelConfigOf(topology: JsonObject): JsonObject {
  const wrapped = topology['model_config'];
  return isJsonObject(wrapped) ? wrapped : topology;
}

function batchShapeOf(config: JsonObject): (number | null)[] | null {
  const shape = config['batch_input_shape'] ?? config['batch_shape'];
  return Array.isArray(shape) ? (shape as (number | null)[]) : null;
}

function readInputShape(shape: (number | null)[], where: 'input-layer' | 'first-layer'): number[] {
  const dims = shape.slice(1);
  if (dims.length === 0 || !dims.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0))
    throw new Refusal(`error.model/invalid-layer.builder-${where}-shape`, {
      shape: dims.map((d) => (d === null ? 'any' : String(d))).join(', '),
    });
  return dims as number[];
}

function readLayer(entry: JsonObject, index: number): LayerSpec {
  const className = typeof entry['class_name'] === 'string' ? entry['class_name'] : '?';
  const config = isJsonObject(entry['config']) ? entry['config'] : {};
  const name = typeof config['name'] === 'string' ? config['name'] : `layer_${index + 1}`;
  const where = { layer: index + 1, className, name };
  const kind = CLASS_ALIASES[className];
  if (!kind)
    throw new Refusal('error.model/invalid-layer.builder-unsupported', {
      ...where,
      supported: Object.keys(CLASS_ALIASES)
        .filter((k) => CLASS_ALIASES[k] === k)
        .join(', '),
    });
  // `what` is a setting's own name, or a phrase (`errorPart.builder.*`) for a value of one.
  const refuse = (what: string | ErrorPart): never => {
    throw new Refusal('error.model/invalid-layer.builder-uses', { ...where, what });
  };
  const phrase = (key: ErrorPartKey & `errorPart.builder.${string}`, vars: ErrorData = {}): ErrorPart => ({
    part: key,
    vars,
  });
  for (const key of UNSUPPORTED_IF_SET) {
    const v = config[key];
    if (v !== undefined && v !== null) refuse(key);
  }
  const num = (key: string, fallback?: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'number')
      throw new Refusal('error.model/invalid-layer.builder-not-numeric', { ...where, key });
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = config[key];
    return typeof v === 'boolean' ? v : fallback;
  };
  const pair = (key: string, fallback?: Pair): Pair => {
    const v = config[key] ?? fallback ?? null;
    if (typeof v === 'number') return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number'))
      return [v[0], v[1]] as Pair;
    throw new Refusal('error.model/invalid-layer.builder-unusable', { ...where, key });
  };
  const activation = (key: string, fallback: Activation): Activation => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'string') return refuse(phrase('errorPart.builder.custom', { key }));
    const camel = snakeToCamel(v);
    if (!(ACTIVATIONS as readonly string[]).includes(camel))
      return refuse(phrase('errorPart.builder.activation', { value: v }));
    return camel as Activation;
  };
  const padding = (): 'valid' | 'same' => {
    const v = config['padding'] ?? 'valid';
    if (v !== 'valid' && v !== 'same')
      return refuse(phrase('errorPart.builder.padding', { value: String(v) }));
    return v;
  };
  const channelsLast = () => {
    const f = config['data_format'];
    if (f !== undefined && f !== null && f !== 'channels_last' && f !== 'channelsLast')
      refuse(phrase('errorPart.builder.data-format', { value: String(f) }));
  };
  const base = { id: name, name, trainable: bool('trainable', true) };

  switch (kind) {
    case 'Dense':
      return {
        ...base,
        kind,
        units: num('units'),
        activation: activation('activation', 'linear'),
        useBias: bool('use_bias', true),
      };
    case 'Conv2D': {
      channelsLast();
      const dilation = pair('dilation_rate', [1, 1]);
      if (dilation[0] !== 1 || dilation[1] !== 1) refuse(phrase('errorPart.builder.dilation'));
      if ((config['groups'] ?? 1) !== 1) refuse(phrase('errorPart.builder.groups'));
      return {
        ...base,
        kind,
        filters: num('filters'),
        kernelSize: pair('kernel_size'),
        strides: pair('strides', [1, 1]),
        padding: padding(),
        activation: activation('activation', 'linear'),
        useBias: bool('use_bias', true),
      };
    }
    case 'MaxPooling2D': {
      channelsLast();
      const poolSize = pair('pool_size', [2, 2]);
      return { ...base, kind, poolSize, strides: pair('strides', poolSize), padding: padding() };
    }
    case 'Flatten':
      channelsLast();
      return { ...base, kind };
    case 'Dropout':
      return { ...base, kind, rate: num('rate') };
    case 'BatchNormalization': {
      if (config['center'] === false || config['scale'] === false)
        refuse(phrase('errorPart.builder.center-scale'));
      return { ...base, kind, momentum: num('momentum', 0.99), epsilon: num('epsilon', 0.001) };
    }
    case 'Reshape': {
      const target = config['target_shape'];
      if (!Array.isArray(target) || !target.every((d) => typeof d === 'number'))
        throw new Refusal('error.model/invalid-layer.builder-unusable', { ...where, key: 'target_shape' });
      return { ...base, kind, targetShape: target as number[] };
    }
    case 'LSTM':
      for (const flag of ['return_state', 'go_backwards', 'stateful'] as const)
        if (config[flag] === true) refuse(flag);
      if (num('dropout', 0) !== 0 || num('recurrent_dropout', 0) !== 0)
        refuse(phrase('errorPart.builder.lstm-dropout'));
      return {
        ...base,
        kind,
        units: num('units'),
        activation: activation('activation', 'tanh'),
        recurrentActivation: activation('recurrent_activation', 'hardSigmoid'),
        returnSequences: bool('return_sequences', false),
        useBias: bool('use_bias', true),
      };
  }
}

/** Keras may write a BatchNormalization axis as an index counting the batch axis; only the last axis is supported. */
function checkNormalizationAxes(spec: ModelSpec, entries: readonly JsonObject[]): void {
  const analysis = analyzeSpec(spec);
  entries.forEach((entry, i) => {
    const config = isJsonObject(entry['config']) ? entry['config'] : {};
    if (spec.layers[i]?.kind !== 'BatchNormalization' || config['axis'] === undefined) return;
    const raw = config['axis'];
    const axis = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    const rank = analysis.layers[i]?.inputShape?.length;
    if (axis === -1 || (rank !== undefined && axis === rank)) return;
    throw new Refusal('error.model/invalid-layer.builder-axis', {
      layer: i + 1,
      name: spec.layers[i]?.name ?? '',
      axis: JSON.stringify(raw),
    });
  });
}

export function specFromTopology(topology: unknown): Result<ModelSpec> {
  if (!isJsonObject(topology)) return err(new GraftError('error.model/invalid-stack.no-topology'));
  const model = modelConfigOf(topology);
  const className = model['class_name'];
  if (className !== 'Sequential')
    return err(
      new GraftError('error.model/invalid-stack.not-sequential', {
        className: typeof className === 'string' ? className : 'unknown',
      }),
    );
  const config = model['config'];
  const rawLayers = Array.isArray(config) ? config : isJsonObject(config) ? config['layers'] : null;
  const name = isJsonObject(config) && typeof config['name'] === 'string' ? config['name'] : 'model';
  if (!Array.isArray(rawLayers) || !rawLayers.every(isJsonObject))
    return err(new GraftError('error.model/invalid-stack.no-layers'));

  try {
    let entries = rawLayers;
    let inputShape: number[] | null = null;
    const first = entries[0];
    if (first && first['class_name'] === 'InputLayer') {
      const shape = isJsonObject(first['config']) ? batchShapeOf(first['config']) : null;
      if (shape) inputShape = readInputShape(shape, 'input-layer');
      entries = entries.slice(1);
    }
    const layers = entries.map((entry, i) => {
      if (entry['class_name'] === 'InputLayer')
        throw new Refusal('error.model/invalid-layer.builder-second-input', { layer: i + 1 });
      const cfg = isJsonObject(entry['config']) ? entry['config'] : {};
      const shape = batchShapeOf(cfg);
      if (shape && inputShape === null && i === 0) inputShape = readInputShape(shape, 'first-layer');
      return readLayer(entry, i);
    });
    if (inputShape === null) throw new Refusal('error.model/invalid-layer.builder-no-input-shape');
    const spec: ModelSpec = { name, inputShape, layers };
    checkNormalizationAxes(spec, entries);
    const [problem] = analyzeSpec(spec).problems;
    if (problem)
      return err(new GraftError(`error.${problem.code}.spec`, { problem: specProblemPart(problem, spec) }));
    return ok(spec);
  } catch (e) {
    if (e instanceof Refusal) return err(new GraftError(e.key, e.data));
    throw e;
  }
}
