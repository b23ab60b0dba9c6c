/**
 * A Keras model config (Keras 2.x `model_config` or Keras 3 `config.json`) rewritten as the topology TF.js
 * Layers loads. TF.js reads Keras's own JSON, but in the Keras 2 dialect: Keras 3 wraps every dtype,
 * initializer and layer in `{module, class_name, config, registered_name}`, records calls as
 * `__keras_tensor__` histories instead of `[layer, node, tensor]` triples, renamed several settings and
 * changed what some activations compute. Everything here is checked as untrusted input: a file cannot make
 * this loop, recurse without end or allocate by a size it declares.
 *
 * A layer TF.js cannot run is refused by name and class. A setting TF.js does not implement is refused
 * when it changes what the model computes, and dropped with a note when it only changes training
 * (regularizers TF.js lacks) or initialisation (initializers), since the imported weights stand.
 */
import { GraftError } from '../errors';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { quote } from '../bundle/untrusted';
import { canonicalJson } from '../hashing';
import { KERAS_LAYER_CLASSES } from './keras3Keys';
import * as settings from './settingsIn';
import {
  BOOKKEEPING,
  CODE_LAYERS,
  LAYER_ALIASES,
  own,
  REQUIRED_SETTINGS,
  TFJS_CELLS,
  TFJS_LAYERS,
} from './tables';
import { checkWiring } from '../model/wiring';
import { MODEL_CLASSES, RNN_CLASSES } from './naming';

/** The file formats Graft reads Keras models from. */
export type KerasFormat = 'keras-v3' | 'h5';

export interface KerasOrigin {
  readonly format: KerasFormat;
  /** As the file records it ("3.15.1", "2.2.4"); null when it does not. */
  readonly kerasVersion: string | null;
}

/** Something the translation changed that the user should know; worded by the UI from its code. */
export interface KerasNote {
  readonly code:
    | 'float32-policy'
    | 'regularizer-dropped'
    | 'activity-regularizer-dropped'
    | 'constraint-dropped'
    | 'initializer-replaced'
    | 'setting-dropped'
    | 'dict-io'
    | 'weights-widened'
    | 'optimizer-skipped';
  readonly layer: string;
  /** The policy, regularizer, initializer or setting concerned. */
  readonly value: string;
}

export interface TranslatedModel {
  /** The `modelTopology` of a TF.js model.json. */
  readonly topology: JsonObject;
  readonly notes: readonly KerasNote[];
  /** The model's own name from the file, when it has one. */
  readonly modelName: string | null;
}

const MAX_LAYERS = 100_000;
const MAX_DEPTH = 32;
/** Largest size one setting may give (units, filters, a dimension): 2^28, as for a tensor's elements. */
const MAX_SIZE = 2 ** 28;
/** Largest whole number any other setting may hold; beyond it a config is not a real model's. */
const MAX_SETTING = 2 ** 31;

/** Translates a Keras model config (either dialect) into the topology TF.js loads. */
export function kerasToTfjs(model: JsonValue | undefined, origin: KerasOrigin): TranslatedModel {
  const ctx = new Context(origin);
  if (!isJsonObject(model)) throw ctx.invalid('the model is not described by an object');
  const className = ctx.className(model);
  if (!MODEL_CLASSES.has(className))
    throw ctx.invalid(`it describes a ${quote(className)}, not a Sequential or functional model`);
  const topology = ctx.model(model, 0);
  const config = isJsonObject(model.config) ? model.config : {};
  const name = typeof config.name === 'string' ? config.name : null;
  return {
    topology: {
      ...topology,
      keras_version: origin.kerasVersion ? `keras ${origin.kerasVersion}` : 'keras',
      backend: 'tensor_flow.js',
    },
    notes: ctx.notes,
    modelName: name,
  };
}

type Why = 'python-code' | 'custom-class' | 'not-in-tfjs' | 'setting';

/** What translating one functional model's calls needs to know about its other layers. */
interface Scope {
  /** Layers that are whole models: TF.js counts their own construction as call 0, Keras does not. */
  readonly models: ReadonlySet<string>;
  /** Keras 3's `NotEqual` ops that only compute an Embedding's mask, which TF.js propagates itself. */
  readonly maskOps: ReadonlySet<string>;
}

const NO_SCOPE: Scope = { models: new Set(), maskOps: new Set() };

class Context {
  readonly notes: KerasNote[] = [];
  readonly #origin: KerasOrigin;
  #layers = 0;
  #scope: Scope = NO_SCOPE;

  constructor(origin: KerasOrigin) {
    this.#origin = origin;
  }

  /** Keras 3 changed hard_sigmoid (relu6(x + 3) / 6, where Keras 2 and TF.js compute 0.2x + 0.5). */
  get keras3(): boolean {
    const major = Number.parseInt(this.#origin.kerasVersion ?? '', 10);
    return Number.isFinite(major) ? major >= 3 : this.#origin.format === 'keras-v3';
  }

  invalid(detail: string): GraftError {
    return new GraftError('error.import/keras-invalid.description', { detail });
  }

  refuse(layer: string, className: string, why: Why, setting = ''): GraftError {
    return new GraftError(`error.import/unsupported-layer.${why}`, {
      layer,
      name: quote(layer),
      className,
      problem: why,
      ...(setting ? { setting } : {}),
    });
  }

  note(code: KerasNote['code'], layer: string, value: string): void {
    if (!this.notes.some((n) => n.code === code && n.layer === layer && n.value === value))
      this.notes.push({ code, layer, value });
  }

  className(entry: JsonObject): string {
    const c = entry.class_name;
    if (typeof c !== 'string' || c === '') throw this.invalid('a layer has no class name');
    return own(LAYER_ALIASES, c) ?? c;
  }

  // ---- models ----------------------------------------------------------------------------------------

  model(entry: JsonObject, depth: number): JsonObject {
    if (depth > MAX_DEPTH) throw this.invalid(`models are nested more than ${MAX_DEPTH} levels deep`);
    const className = this.className(entry);
    const raw = entry.config;
    if (className === 'Sequential') {
      // Keras 2.0 and 2.1 wrote a Sequential's config as the bare list of its layers.
      const layers = Array.isArray(raw) ? raw : isJsonObject(raw) ? raw.layers : undefined;
      if (!Array.isArray(layers)) throw this.invalid('a Sequential model lists no layers');
      const name = isJsonObject(raw) && typeof raw.name === 'string' ? raw.name : 'sequential';
      return {
        class_name: 'Sequential',
        config: { name, layers: layers.map((l) => this.layer(l, depth, false)) },
      };
    }
    if (!isJsonObject(raw)) throw this.invalid('a functional model has no config');
    const layers = raw.layers;
    if (!Array.isArray(layers)) throw this.invalid('a functional model lists no layers');
    const name = typeof raw.name === 'string' ? raw.name : 'model';
    const outer = this.#scope;
    this.#scope = this.scopeOf(layers);
    try {
      const model: JsonObject = {
        class_name: 'Model',
        config: {
          name,
          layers: layers
            .filter((l) => !(isJsonObject(l) && this.#scope.maskOps.has(String(l.name))))
            .map((l) => this.layer(l, depth, true)),
          input_layers: this.ends(raw.input_layers, 'inputs', name),
          output_layers: this.ends(raw.output_layers, 'outputs', name),
        },
      };
      checkWiring(model, (problem) => {
        throw this.invalid(`the wiring of ${quote(name)} is broken: ${problem}`);
      });
      return model;
    } finally {
      this.#scope = outer;
    }
  }

  scopeOf(layers: readonly JsonValue[]): Scope {
    const models = new Set<string>();
    const named = new Map<string, JsonObject>();
    for (const l of layers) {
      if (!isJsonObject(l) || typeof l.name !== 'string') continue;
      named.set(l.name, l);
      if (typeof l.class_name === 'string' && MODEL_CLASSES.has(l.class_name)) models.add(l.name);
    }
    const nodesOf = (l: JsonObject) => (Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []);
    // Where each layer's output is used other than as a mask.
    const usedOtherwise = new Set<string>();
    for (const l of named.values())
      for (const node of nodesOf(l)) {
        if (!isJsonObject(node)) continue;
        const refs: JsonValue[][] = [];
        this.collectTensors(node.args, refs, String(l.name), 0);
        for (const [key, value] of Object.entries(isJsonObject(node.kwargs) ? node.kwargs : {}))
          if (key !== 'mask') this.collectTensors(value, refs, String(l.name), 0);
        for (const r of refs) usedOtherwise.add(String(r[0]));
      }
    const embeddingInputs = new Set<string>();
    for (const l of named.values()) {
      const config = isJsonObject(l.config) ? l.config : {};
      if (l.class_name !== 'Embedding' || config.mask_zero !== true) continue;
      for (const node of nodesOf(l)) {
        const refs: JsonValue[][] = [];
        if (isJsonObject(node)) this.collectTensors(node.args, refs, String(l.name), 0);
        for (const r of refs) embeddingInputs.add(JSON.stringify(r));
      }
    }
    const maskOps = new Set<string>();
    for (const [name, l] of named) {
      if (l.class_name !== 'NotEqual' || usedOtherwise.has(name)) continue;
      const node = nodesOf(l)[0];
      const args = isJsonObject(node) && Array.isArray(node.args) ? node.args : [];
      const refs: JsonValue[][] = [];
      this.collectTensors(args[0], refs, name, 0);
      // `x != 0` of an Embedding's own input is the mask Embedding(mask_zero=True) gives in TF.js.
      if (args[1] === 0 && refs.length === 1 && embeddingInputs.has(JSON.stringify(refs[0])))
        maskOps.add(name);
    }
    return { models, maskOps };
  }

  /** A `[layer, call, output]` reference in TF.js's numbering of calls. */
  ref(from: string, node: number, tensor: number): JsonValue[] {
    return [from, this.#scope.models.has(from) ? node + 1 : node, tensor];
  }

  /** A model's inputs or outputs: one triple (Keras 3, one end), a list of triples, or a dict of them. */
  ends(v: JsonValue | undefined, what: string, model: string): JsonValue[] {
    const triple = (t: JsonValue): JsonValue[] => {
      if (
        !Array.isArray(t) ||
        typeof t[0] !== 'string' ||
        typeof t[1] !== 'number' ||
        typeof t[2] !== 'number'
      )
        throw this.invalid(`its ${what} are not given as [layer, call, output]`);
      return this.ref(t[0], t[1], t[2]);
    };
    if (isJsonObject(v)) {
      this.note('dict-io', model, what);
      return Object.values(v).map(triple);
    }
    if (!Array.isArray(v)) throw this.invalid(`its ${what} are not listed`);
    if (typeof v[0] === 'string') return [triple(v)];
    return v.map(triple);
  }

  // ---- layers ----------------------------------------------------------------------------------------

  layer(entry: JsonValue, depth: number, functional: boolean): JsonObject {
    if (++this.#layers > MAX_LAYERS) throw this.invalid(`it has more than ${MAX_LAYERS} layers`);
    if (!isJsonObject(entry)) throw this.invalid('a layer is not an object');
    const className = this.className(entry);
    const raw = isJsonObject(entry.config) ? entry.config : {};
    const name =
      typeof entry.name === 'string'
        ? entry.name
        : typeof raw.name === 'string'
          ? raw.name
          : `${className.toLowerCase()}_${this.#layers}`;
    const wiring: JsonObject = functional
      ? { name, inbound_nodes: this.nodes(entry.inbound_nodes, name, className) }
      : {};
    if (MODEL_CLASSES.has(className)) {
      const inner = this.model(entry, depth + 1);
      return { ...inner, ...wiring };
    }
    this.refuseUnknown(entry, name, className, TFJS_LAYERS);
    const config = this.layerConfig(className, { ...raw, name }, depth);
    return { class_name: className, config, ...wiring };
  }

  refuseUnknown(entry: JsonObject, name: string, className: string, known: ReadonlySet<string>): void {
    if (known.has(className)) return;
    if (CODE_LAYERS.has(className)) throw this.refuse(name, className, 'python-code');
    const registered = typeof entry.registered_name === 'string' ? entry.registered_name : null;
    const module = typeof entry.module === 'string' ? entry.module : null;
    // Keras 3 records where a class comes from; anything not from Keras itself is the user's own code.
    // Older files do not, and then a class Keras never had is.
    const custom =
      (registered !== null && registered !== className && registered.includes('>')) ||
      (module !== null && !module.startsWith('keras')) ||
      (module === null && !KERAS_LAYER_CLASSES.has(className));
    throw this.refuse(name, registered ?? className, custom ? 'custom-class' : 'not-in-tfjs');
  }

  /** One call of a layer: Keras 3's `{args, kwargs}` or Keras 2's list of `[layer, node, tensor, kwargs]`. */
  nodes(v: JsonValue | undefined, layer: string, className: string): JsonValue[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw this.invalid(`the inputs of layer ${quote(layer)} are not a list`);
    return v.map((node) => {
      if (Array.isArray(node)) return node.map((input) => this.legacyInput(input, layer));
      if (!isJsonObject(node)) throw this.invalid(`an input of layer ${quote(layer)} is not a list`);
      const tensors: JsonValue[][] = [];
      this.collectTensors(node.args, tensors, layer, 0);
      const kwargs = isJsonObject(node.kwargs) ? node.kwargs : {};
      for (const [key, value] of Object.entries(kwargs)) {
        const found: JsonValue[][] = [];
        this.collectTensors(value, found, layer, 0);
        if (found.length === 0) continue;
        // An RNN's initial state goes in as extra inputs, which is how TF.js (and Keras 2) take it.
        if (key === 'initial_state' && RNN_CLASSES.has(className)) tensors.push(...found);
        else if (key === 'mask') continue;
        else throw this.refuse(layer, className, 'setting', `a tensor passed as ${quote(key)}`);
      }
      if (tensors.length === 0) throw this.invalid(`a call of layer ${quote(layer)} has no input`);
      return tensors.map((t) => [...this.ref(String(t[0]), Number(t[1]), Number(t[2])), {}]);
    });
  }

  legacyInput(input: JsonValue, layer: string): JsonValue {
    if (!Array.isArray(input) || typeof input[0] !== 'string')
      throw this.invalid(`an input of layer ${quote(layer)} does not name a layer`);
    const [from, node, tensor] = input;
    if (typeof node !== 'number' || typeof tensor !== 'number')
      throw this.invalid(`an input of layer ${quote(layer)} has no valid call number`);
    return [...this.ref(from, node, tensor), {}];
  }

  collectTensors(v: JsonValue | undefined, out: JsonValue[][], layer: string, depth: number): void {
    if (depth > MAX_DEPTH) throw this.invalid(`the inputs of layer ${quote(layer)} are nested too deeply`);
    if (Array.isArray(v)) {
      for (const item of v) this.collectTensors(item, out, layer, depth + 1);
      return;
    }
    if (!isJsonObject(v)) return;
    if (v.class_name === '__keras_tensor__') {
      const history = isJsonObject(v.config) ? v.config.keras_history : undefined;
      if (
        !Array.isArray(history) ||
        typeof history[0] !== 'string' ||
        typeof history[1] !== 'number' ||
        typeof history[2] !== 'number'
      )
        throw this.invalid(`an input of layer ${quote(layer)} does not say which layer computed it`);
      out.push([history[0], history[1], history[2]]);
      return;
    }
    for (const item of Object.values(v)) this.collectTensors(item, out, layer, depth + 1);
  }

  // ---- settings --------------------------------------------------------------------------------------

  layerConfig(className: string, raw: JsonObject, depth: number): JsonObject {
    const name = String(raw.name);
    const config: JsonObject = {};
    for (const [key, value] of Object.entries(raw)) if (!BOOKKEEPING.has(key)) config[key] = value;
    const refuse = (setting: string) => this.refuse(name, className, 'setting', setting);
    const drop = (...keys: string[]) => keys.forEach((k) => delete config[k]);
    const isSet = (key: string, neutral: JsonValue = null) =>
      config[key] !== undefined &&
      config[key] !== null &&
      JSON.stringify(config[key]) !== JSON.stringify(neutral);

    config.dtype = settings.dtype(this, config.dtype, name, className === 'InputLayer');
    if (className === 'InputLayer') {
      const shape = config.batch_shape ?? config.batch_input_shape;
      config.batch_input_shape = this.shape(shape, name, true);
      drop('batch_shape', 'optional', 'ragged', 'input_tensor');
      if (config.sparse === true) throw refuse('sparse inputs');
      if (raw.ragged === true) throw refuse('ragged inputs');
      config.sparse = false;
      return config;
    }
    // A Sequential's first layer may carry the model's input shape itself (Keras 2 style).
    for (const key of ['batch_input_shape', 'batch_shape'])
      if (config[key] !== undefined) {
        config.batch_input_shape = this.shape(config[key], name, true);
        if (key === 'batch_shape') delete config.batch_shape;
      }
    if (config.input_shape !== undefined && config.batch_input_shape === undefined) {
      const dims = this.shape(config.input_shape, name, false);
      config.batch_input_shape = [null, ...dims];
    }
    drop('input_shape', 'input_dtype', 'batch_size');

    for (const key of own(REQUIRED_SETTINGS, className) ?? [])
      if (config[key] === undefined || config[key] === null)
        throw this.invalid(`layer ${quote(name)} (${className}) has no ${key}`);
    for (const key of ['units', 'filters', 'input_dim', 'output_dim', 'num_tokens', 'n', 'height', 'width'])
      if (config[key] !== undefined) this.size(config[key], name, key);
    if (config.kernel_size !== undefined) this.sizes(config.kernel_size, name, 'kernel_size');
    if (config.target_shape !== undefined) this.shape(config.target_shape, name, false, true);

    // TF.js cannot call a layer that has one; it only adds a term to the training loss.
    if (config.activity_regularizer !== undefined && config.activity_regularizer !== null) {
      const r = config.activity_regularizer;
      this.note('activity-regularizer-dropped', name, isJsonObject(r) ? String(r.class_name) : String(r));
    }
    delete config.activity_regularizer;
    for (const key of Object.keys(config)) {
      const value = config[key] as JsonValue;
      if (key.endsWith('_initializer')) config[key] = settings.initializer(this, value, name);
      else if (key.endsWith('_regularizer')) config[key] = settings.regularizer(this, value, name);
      else if (key.endsWith('_constraint')) config[key] = settings.constraint(this, value, name);
      else if (key === 'activation' || key === 'recurrent_activation')
        config[key] = settings.activation(this, value, name, className);
      else if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > MAX_SETTING)
        throw this.invalid(`layer ${quote(name)} sets ${key} to ${value}, far beyond any real model`);
    }
    // Settings new in Keras 3 that TF.js reads as they are or ignores harmlessly at their defaults.
    if (isSet('quantization_config') || isSet('quantization_mode')) throw refuse('quantized weights');
    if (isSet('lora_rank') || config.lora_enabled === true) throw refuse('LoRA adapters');
    drop('quantization_config', 'quantization_mode', 'lora_rank', 'lora_alpha', 'lora_enabled');
    if (config.data_format === null) delete config.data_format;

    switch (className) {
      case 'Conv1D':
      case 'Conv2D':
      case 'Conv3D':
      case 'SeparableConv2D':
      case 'DepthwiseConv2D':
        if (config.padding === 'causal') throw refuse('causal padding');
        // TF.js adds the bias of a channels_first SeparableConv2D along the wrong axis.
        if (className === 'SeparableConv2D' && config.data_format === 'channels_first')
          throw refuse('data_format = channels_first');
        if (isSet('groups', 1)) throw refuse(`groups = ${JSON.stringify(config.groups)}`);
        drop('groups');
        break;
      case 'Conv2DTranspose':
      case 'Conv3DTranspose':
        if (isSet('output_padding')) throw refuse('output_padding');
        if (!allOnes(config.dilation_rate)) throw refuse('a dilation rate');
        drop('output_padding', 'groups');
        break;
      case 'GlobalAveragePooling1D':
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling1D':
      case 'GlobalMaxPooling2D':
        if (config.keepdims === true) throw refuse('keepdims');
        drop('keepdims');
        break;
      case 'ReLU':
        if (isSet('negative_slope', 0)) throw refuse('a negative slope');
        if (isSet('threshold', 0)) throw refuse('a threshold');
        drop('negative_slope', 'threshold');
        break;
      case 'ELU':
        if (typeof config.alpha === 'number' && config.alpha !== 1) throw refuse(`alpha = ${config.alpha}`);
        break;
      case 'LeakyReLU':
        if (config.negative_slope !== undefined) config.alpha = config.negative_slope;
        drop('negative_slope');
        break;
      case 'BatchNormalization':
        config.axis = this.oneAxis(config.axis, name, className);
        if (config.renorm === true) this.note('setting-dropped', name, 'renorm');
        if (isSet('virtual_batch_size')) this.note('setting-dropped', name, 'virtual_batch_size');
        drop(
          'synchronized',
          'renorm',
          'renorm_clipping',
          'renorm_momentum',
          'fused',
          'virtual_batch_size',
          'adjustment',
        );
        break;
      case 'LayerNormalization':
        if (config.rms_scaling === true) throw refuse('rms_scaling');
        drop('rms_scaling');
        break;
      case 'UpSampling2D':
        if (
          config.interpolation !== undefined &&
          config.interpolation !== 'nearest' &&
          config.interpolation !== 'bilinear'
        )
          throw refuse(`${String(config.interpolation)} interpolation`);
        break;
      case 'Resizing':
        if (config.pad_to_aspect_ratio === true) throw refuse('pad_to_aspect_ratio');
        if (config.antialias === true) throw refuse('antialias');
        if (config.data_format === 'channels_first') throw refuse('channels_first');
        if (
          config.interpolation !== undefined &&
          config.interpolation !== 'nearest' &&
          config.interpolation !== 'bilinear'
        )
          throw refuse(`${String(config.interpolation)} interpolation`);
        drop('pad_to_aspect_ratio', 'fill_mode', 'fill_value', 'antialias', 'data_format');
        break;
      case 'CenterCrop':
        if (config.data_format === 'channels_first') throw refuse('channels_first');
        drop('data_format');
        break;
      case 'CategoryEncoding':
        if (config.sparse === true) throw refuse('sparse output');
        drop('sparse');
        break;
      case 'Embedding':
        if (config.sparse === true) throw refuse('sparse gradients');
        drop('sparse', 'input_length');
        break;
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'AlphaDropout':
      case 'GaussianDropout':
      case 'GaussianNoise':
        drop('seed');
        break;
      case 'Bidirectional':
        return this.bidirectional(config, name, depth);
      case 'TimeDistributed':
        config.layer = this.wrapped(config.layer, name, depth);
        break;
      default:
        if (RNN_CLASSES.has(className)) return this.rnn(className, config, name, depth);
    }
    return config;
  }

  rnn(className: string, config: JsonObject, name: string, depth: number): JsonObject {
    if (config.time_major === true) throw this.refuse(name, className, 'setting', 'time_major');
    if (className === 'GRU' && config.reset_after === true)
      throw this.refuse(
        name,
        className,
        'setting',
        'reset_after = true (TF.js’s GRU computes reset_after = false)',
      );
    delete config.reset_after;
    delete config.time_major;
    delete config.use_cudnn;
    delete config.seed;
    delete config.zero_output_for_mask;
    if (className === 'RNN') {
      const cell = config.cell;
      config.cell = Array.isArray(cell)
        ? { class_name: 'StackedRNNCells', config: { cells: cell.map((c) => this.cell(c, name, depth)) } }
        : this.cell(cell, name, depth);
    }
    return config;
  }

  cell(entry: JsonValue | undefined, layer: string, depth: number): JsonObject {
    if (depth > MAX_DEPTH) throw this.invalid(`the cells of layer ${quote(layer)} are nested too deeply`);
    if (!isJsonObject(entry)) throw this.invalid(`layer ${quote(layer)} has no recurrent cell`);
    const className = this.className(entry);
    this.refuseUnknown(entry, layer, className, TFJS_CELLS);
    const raw = isJsonObject(entry.config) ? entry.config : {};
    if (className === 'StackedRNNCells') {
      const cells = raw.cells;
      if (!Array.isArray(cells))
        throw this.invalid(`the stacked cells of layer ${quote(layer)} are not a list`);
      return { class_name: className, config: { cells: cells.map((c) => this.cell(c, layer, depth + 1)) } };
    }
    if (className === 'GRUCell' && raw.reset_after === true)
      throw this.refuse(
        layer,
        className,
        'setting',
        'reset_after = true (TF.js’s GRU computes reset_after = false)',
      );
    const config: JsonObject = {};
    for (const [key, value] of Object.entries(raw)) {
      if (BOOKKEEPING.has(key) || key === 'reset_after' || key === 'seed') continue;
      if (key.endsWith('_initializer')) config[key] = settings.initializer(this, value, layer);
      else if (key.endsWith('_regularizer')) config[key] = settings.regularizer(this, value, layer);
      else if (key.endsWith('_constraint')) config[key] = settings.constraint(this, value, layer);
      else if (key === 'activation' || key === 'recurrent_activation')
        config[key] = settings.activation(this, value, layer, className);
      else if (key === 'dtype') config[key] = settings.dtype(this, value, layer, false);
      else config[key] = value;
    }
    if (config.units !== undefined) this.size(config.units, layer, 'units');
    return { class_name: className, config };
  }

  bidirectional(config: JsonObject, name: string, depth: number): JsonObject {
    const forward = this.wrapped(config.layer, name, depth);
    const backward = config.backward_layer;
    // TF.js always builds the backward layer as a mirror of the forward one; a different one cannot run.
    if (isJsonObject(backward)) {
      const mirrored = this.wrapped(backward, name, depth);
      if (!mirrors(forward, mirrored))
        throw this.refuse(
          name,
          'Bidirectional',
          'setting',
          'a backward layer that differs from the forward one',
        );
    }
    delete config.backward_layer;
    // Keras 3 saves the inner layer as "forward_<name>"; TF.js, like Keras, adds the prefix itself.
    const inner = isJsonObject(forward.config) ? forward.config : {};
    if (typeof inner.name === 'string') inner.name = inner.name.replace(/^forward_/, '');
    config.layer = forward;
    if (config.merge_mode === undefined) config.merge_mode = 'concat';
    return config;
  }

  /** The layer inside a wrapper (Bidirectional, TimeDistributed): translated, with no wiring of its own. */
  wrapped(entry: JsonValue | undefined, outer: string, depth: number): JsonObject {
    if (depth > MAX_DEPTH) throw this.invalid(`the layers inside ${quote(outer)} are nested too deeply`);
    if (!isJsonObject(entry)) throw this.invalid(`wrapper layer ${quote(outer)} wraps no layer`);
    const className = this.className(entry);
    if (MODEL_CLASSES.has(className))
      throw this.refuse(outer, className, 'setting', 'a whole model inside a wrapper layer');
    const raw = isJsonObject(entry.config) ? entry.config : {};
    const name = typeof raw.name === 'string' ? raw.name : `${outer}_inner`;
    this.refuseUnknown(entry, name, className, TFJS_LAYERS);
    return { class_name: className, config: this.layerConfig(className, { ...raw, name }, depth + 1) };
  }

  shape(
    v: JsonValue | undefined,
    layer: string,
    withBatch: boolean,
    allowMinusOne = false,
  ): (number | null)[] {
    if (!Array.isArray(v) || v.length > 8) throw this.invalid(`layer ${quote(layer)} has no valid shape`);
    let elements = 1;
    const dims = v.map((d, i) => {
      if (d === null) return null;
      if (allowMinusOne && d === -1) return -1;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
        throw this.invalid(`layer ${quote(layer)} has a shape with ${JSON.stringify(d)} in it`);
      if (!(withBatch && i === 0)) elements *= Math.max(d, 1);
      if (elements > MAX_SIZE)
        throw new GraftError('error.import/absurd-shape.layer-shape', {
          layer,
          name: quote(layer),
          shape: v.map(String).join(', '),
        });
      return d;
    });
    return dims;
  }

  size(v: JsonValue | undefined, layer: string, key: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SIZE)
      throw new GraftError('error.import/absurd-shape.layer-size', {
        layer,
        name: quote(layer),
        setting: key,
        value: JSON.stringify(v) ?? 'undefined',
      });
  }

  sizes(v: JsonValue | undefined, layer: string, key: string): void {
    if (Array.isArray(v)) v.forEach((d) => this.size(d, layer, key));
    else this.size(v, layer, key);
  }

  oneAxis(v: JsonValue | undefined, layer: string, className: string): JsonValue {
    if (Array.isArray(v)) {
      if (v.length !== 1) throw this.refuse(layer, className, 'setting', 'normalisation over several axes');
      return v[0] as JsonValue;
    }
    return v ?? -1;
  }
}

function allOnes(v: JsonValue | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'number') return v === 1;
  return Array.isArray(v) && v.every((d) => d === 1);
}

/** Whether a backward layer is the forward one run backwards, as TF.js would build it. */
function mirrors(forward: JsonObject, backward: JsonObject): boolean {
  if (forward.class_name !== backward.class_name) return false;
  const strip = (c: JsonValue | undefined) => {
    const { name: _n, go_backwards: _g, ...rest } = isJsonObject(c) ? c : {};
    return canonicalJson(rest);
  };
  const f = isJsonObject(forward.config) ? forward.config : {};
  const b = isJsonObject(backward.config) ? backward.config : {};
  return strip(f) === strip(b) && Boolean(f.go_backwards) !== Boolean(b.go_backwards);
}
