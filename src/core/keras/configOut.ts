/**
 * A stored TF.js topology written as the `config.json` of a Keras 3 `.keras` file: every object in Keras 3's
 * `{module, class_name, config, registered_name}` form, calls as `__keras_tensor__` histories, dtypes as
 * policies, and only the settings Keras 3 accepts. Where TF.js computes something Keras 3 cannot express
 * (its hard_sigmoid, gelu's tanh approximation, layers Keras 3 dropped), the export is refused by layer and
 * reason: a `.keras` file that predicts differently in Keras would be worse than none.
 */
import { GraftError } from '../errors';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { quote } from '../bundle/untrusted';
import { KERAS3_LAYER_KEYS } from './keras3Keys';
import { ACTIVATIONS_OUT, INITIALIZERS_OUT, INITIALIZER_KEYS_OUT, own } from './tables';
import { MODEL_CLASSES, RNN_CLASSES } from './naming';

/** Shapes the caller read off the built model, which a config alone does not hold. */
export interface ExportShapes {
  /** The shapes of a layer's outputs at one of its calls (as numbered in the topology). */
  outputs(layer: string, node: number): readonly (readonly (number | null)[])[] | null;
  /** The shape(s) a layer was built for (its first call's inputs). */
  inputs(layer: string): readonly (readonly (number | null)[])[] | null;
}

/** The Keras version whose format the written files follow. */
export const KERAS_FORMAT_VERSION = '3.15.1';

/** Why an activation TF.js has cannot go to Keras 3. */
const UNEXPORTABLE_ACTIVATIONS: Readonly<Record<string, string>> = {
  hard_sigmoid:
    'the hard_sigmoid activation as TF.js computes it (0.2·x + 0.5, clipped), which Keras 3 no longer has (its hard_sigmoid is relu6(x + 3) / 6); choose sigmoid for this layer and train again',
  hardSigmoid:
    'the hard_sigmoid activation as TF.js computes it (0.2·x + 0.5, clipped), which Keras 3 no longer has (its hard_sigmoid is relu6(x + 3) / 6); choose sigmoid for this layer and train again',
  gelu_new: 'gelu_new (gelu’s tanh approximation), which Keras 3 has no name for',
};

const CONSTRAINT_KEYS: Readonly<Record<string, readonly string[]>> = {
  MaxNorm: ['max_value', 'axis'],
  MinMaxNorm: ['min_value', 'max_value', 'rate', 'axis'],
  NonNeg: [],
  UnitNorm: ['axis'],
};

const FLOAT32_POLICY: JsonObject = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

/** Writes `topology` (a TF.js model's JSON) as a Keras 3 model config. */
export function tfjsToKeras(topology: JsonObject, shapes: ExportShapes): JsonObject {
  const inner = isJsonObject(topology.model_config) ? topology.model_config : topology;
  const writer = new Writer(shapes);
  const model = writer.model(inner, true);
  return model;
}

class Writer {
  readonly #shapes: ExportShapes;
  /** Layers of the model being written that are models: TF.js counts their construction as call 0. */
  #models: ReadonlySet<string> = new Set();

  constructor(shapes: ExportShapes) {
    this.#shapes = shapes;
  }

  refuse(layer: string, className: string, reason: string): GraftError {
    return new GraftError('error.export/keras-unsupported', { layer, name: quote(layer), className, reason });
  }

  model(entry: JsonObject, top: boolean): JsonObject {
    const className = String(entry.class_name);
    const raw = isJsonObject(entry.config) ? entry.config : {};
    const name = typeof raw.name === 'string' ? raw.name : className.toLowerCase();
    if (className === 'Sequential') {
      const layers = Array.isArray(raw.layers) ? raw.layers.filter(isJsonObject) : [];
      const out: JsonObject[] = [];
      const first = layers[0];
      const firstConfig = first && isJsonObject(first.config) ? first.config : {};
      if (first && first.class_name !== 'InputLayer') {
        const shape = firstConfig.batch_input_shape;
        if (!Array.isArray(shape))
          throw this.refuse(name, 'Sequential', 'no declared input shape (Keras needs one to build it)');
        out.push(this.inputLayer(`${name}_input`, shape, firstConfig.dtype));
      }
      for (const layer of layers) out.push(this.layer(layer, null));
      const inputShape =
        this.#shapes.inputs(name)?.[0] ??
        (Array.isArray(firstConfig.batch_input_shape) ? firstConfig.batch_input_shape : null);
      return {
        module: 'keras',
        class_name: 'Sequential',
        config: { name, trainable: raw.trainable !== false, dtype: FLOAT32_POLICY, layers: out },
        registered_name: null,
        build_config: { input_shape: (inputShape as JsonValue) ?? null },
        ...(top ? { compile_config: null } : {}),
      };
    }
    const layers = Array.isArray(raw.layers) ? raw.layers.filter(isJsonObject) : [];
    const outer = this.#models;
    this.#models = new Set(
      layers.filter((l) => MODEL_CLASSES.has(String(l.class_name))).map((l) => String(l.name)),
    );
    const ends = (v: JsonValue | undefined): JsonValue => {
      const list = Array.isArray(v)
        ? v.filter(Array.isArray).map((t) => this.ref(String(t[0]), Number(t[1]), Number(t[2])))
        : [];
      return list.length === 1 ? (list[0] as JsonValue) : list;
    };
    try {
      return this.functional(raw, name, layers, ends, top);
    } finally {
      this.#models = outer;
    }
  }

  /** A `[layer, call, output]` reference in Keras's numbering of calls. */
  ref(from: string, node: number, tensor: number): JsonValue {
    return [from, this.#models.has(from) ? node - 1 : node, tensor];
  }

  functional(
    raw: JsonObject,
    name: string,
    layers: JsonObject[],
    ends: (v: JsonValue | undefined) => JsonValue,
    top: boolean,
  ): JsonObject {
    return {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name,
        trainable: raw.trainable !== false,
        layers: layers.map((l) => this.layer(l, l.inbound_nodes ?? [])),
        input_layers: ends(raw.input_layers),
        output_layers: ends(raw.output_layers),
      },
      registered_name: 'Functional',
      build_config: { input_shape: null },
      ...(top ? { compile_config: null } : {}),
    };
  }

  inputLayer(name: string, shape: JsonValue, dtype: JsonValue | undefined): JsonObject {
    return {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: {
        batch_shape: shape,
        dtype: typeof dtype === 'string' ? dtype : 'float32',
        sparse: false,
        ragged: false,
        name,
        optional: false,
      },
      registered_name: null,
    };
  }

  /** One layer; `nodes` is its calls in a functional model, null inside a Sequential. */
  layer(entry: JsonObject, nodes: JsonValue | null): JsonObject {
    const className = String(entry.class_name);
    const raw = isJsonObject(entry.config) ? entry.config : {};
    const name = typeof entry.name === 'string' ? entry.name : String(raw.name ?? className.toLowerCase());
    const wiring: JsonObject =
      nodes === null ? {} : { name, inbound_nodes: this.nodes(nodes, name, className) };
    if (MODEL_CLASSES.has(className)) {
      const model = this.model(entry, false);
      const input = this.#shapes.inputs(name);
      return { ...model, build_config: { input_shape: input ? one(input) : null }, ...wiring };
    }
    if (className === 'InputLayer') {
      const shape = raw.batch_input_shape ?? raw.batch_shape;
      return { ...this.inputLayer(name, shape ?? null, raw.dtype), ...wiring };
    }
    const input = this.#shapes.inputs(name);
    return {
      module: 'keras.layers',
      class_name: className,
      config: this.settings(className, { ...raw, name }),
      registered_name: null,
      ...(input ? { build_config: { input_shape: one(input) } } : {}),
      ...wiring,
    };
  }

  /** TF.js's `[[layer, node, tensor, kwargs], …]` calls as Keras 3's `{args, kwargs}`. */
  nodes(v: JsonValue, layer: string, className: string): JsonValue[] {
    if (!Array.isArray(v)) return [];
    return v.map((node): JsonObject => {
      const inputs = Array.isArray(node) ? node.filter(Array.isArray) : [];
      const tensors = inputs.map((input) => {
        const [from, index, tensor] = [String(input[0]), Number(input[1]), Number(input[2])];
        const shape = this.#shapes.outputs(from, index)?.[tensor] ?? null;
        return {
          class_name: '__keras_tensor__',
          config: {
            shape: (shape as JsonValue) ?? null,
            dtype: 'float32',
            keras_history: this.ref(from, index, tensor),
          },
        } as JsonObject;
      });
      if (tensors.length > 1 && RNN_CLASSES.has(className))
        return { args: [tensors[0] as JsonValue], kwargs: { initial_state: tensors.slice(1) } };
      return { args: [tensors.length === 1 ? (tensors[0] as JsonValue) : tensors], kwargs: {} };
    });
  }

  settings(className: string, raw: JsonObject): JsonObject {
    const name = String(raw.name);
    const allowed = own(KERAS3_LAYER_KEYS, className);
    if (!allowed)
      throw this.refuse(name, className, `a layer class (${className}) that Keras 3 does not have`);
    const config: JsonObject = {};
    const source: JsonObject = { ...raw, name, trainable: raw.trainable !== false, dtype: FLOAT32_POLICY };
    // TF.js and Keras 3 name or default a few settings differently.
    if (className === 'LeakyReLU' && source.alpha !== undefined) source.negative_slope = source.alpha;
    if (className === 'GRU' || className === 'GRUCell') source.reset_after = false;
    if (source.unit_forget_bias === null) source.unit_forget_bias = false;
    if (className === 'RNN' || className === 'Bidirectional' || className === 'TimeDistributed')
      for (const key of ['cell', 'layer'])
        if (isJsonObject(source[key])) source[key] = this.inner(source[key], name);
    if (className === 'StackedRNNCells' && Array.isArray(source.cells))
      source.cells = source.cells.filter(isJsonObject).map((c) => this.inner(c, name));
    for (const key of allowed) {
      const value = source[key];
      if (value === undefined) continue;
      if (key === 'name' || key === 'trainable' || key === 'dtype') {
        config[key] = value;
        continue;
      }
      if (key.endsWith('_initializer')) config[key] = this.initializer(value);
      else if (key.endsWith('_regularizer')) config[key] = this.regularizer(value, name, className);
      else if (key.endsWith('_constraint')) config[key] = this.constraint(value, name, className);
      else if (key === 'activation' || key === 'recurrent_activation')
        config[key] = this.activation(value, name, className);
      else config[key] = value;
    }
    if (source.activity_regularizer !== undefined && source.activity_regularizer !== null)
      config.activity_regularizer = this.regularizer(source.activity_regularizer, name, className);
    return config;
  }

  /** A layer or cell inside a wrapper, written as a whole Keras object. */
  inner(entry: JsonObject, outer: string): JsonObject {
    const className = String(entry.class_name);
    const raw = isJsonObject(entry.config) ? entry.config : {};
    const name = typeof raw.name === 'string' ? raw.name : `${outer}_${className.toLowerCase()}`;
    return {
      module: 'keras.layers',
      class_name: className,
      config: this.settings(className, { ...raw, name }),
      registered_name: null,
    };
  }

  activation(v: JsonValue, layer: string, className: string): JsonValue {
    if (v === null) return 'linear';
    const key = typeof v === 'string' ? v : isJsonObject(v) ? String(v.class_name) : '';
    const unexportable = own(UNEXPORTABLE_ACTIVATIONS, key);
    if (unexportable) throw this.refuse(layer, className, unexportable);
    const mapped = own(ACTIVATIONS_OUT, key);
    if (!mapped) throw this.refuse(layer, className, `the ${key} activation, which Keras 3 does not have`);
    return mapped;
  }

  initializer(v: JsonValue): JsonValue {
    if (!isJsonObject(v)) return null;
    const className = own(INITIALIZERS_OUT, String(v.class_name)) ?? 'GlorotUniform';
    const given = isJsonObject(v.config) ? v.config : {};
    const config: JsonObject = {};
    for (const key of own(INITIALIZER_KEYS_OUT, className) ?? ['seed'])
      if (given[key] !== undefined) config[key] = given[key];
    // Keras seeds are unsigned 32-bit; Graft's seeded builds may use the whole int32 range.
    if (typeof config.seed === 'number') config.seed = config.seed >>> 0;
    // TF.js's "normal" variance scaling draws from a truncated normal, as Keras 2's did.
    if (className === 'VarianceScaling' && config.distribution !== 'uniform')
      config.distribution = 'truncated_normal';
    return { module: 'keras.initializers', class_name: className, config, registered_name: null };
  }

  regularizer(v: JsonValue, layer: string, className: string): JsonValue {
    if (!isJsonObject(v)) return null;
    if (v.class_name !== 'L1L2')
      throw this.refuse(layer, className, `the ${String(v.class_name)} regularizer`);
    const given = isJsonObject(v.config) ? v.config : {};
    return {
      module: 'keras.regularizers',
      class_name: 'L1L2',
      config: {
        l1: typeof given.l1 === 'number' ? given.l1 : 0,
        l2: typeof given.l2 === 'number' ? given.l2 : 0,
      },
      registered_name: null,
    };
  }

  constraint(v: JsonValue, layer: string, className: string): JsonValue {
    if (!isJsonObject(v)) return null;
    const keys = own(CONSTRAINT_KEYS, String(v.class_name));
    if (!keys) throw this.refuse(layer, className, `the ${String(v.class_name)} constraint`);
    const given = isJsonObject(v.config) ? v.config : {};
    const config: JsonObject = {};
    for (const key of keys) if (given[key] !== undefined) config[key] = given[key];
    return { module: 'keras.constraints', class_name: String(v.class_name), config, registered_name: null };
  }
}

/** One shape alone, or the list of them for a layer called with several inputs. */
function one(shapes: readonly (readonly (number | null)[])[]): JsonValue {
  return (shapes.length === 1 ? shapes[0] : shapes) as JsonValue;
}
