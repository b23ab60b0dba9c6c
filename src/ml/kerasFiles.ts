/**
 * Keras files into TF.js models and back: `.keras` (Keras 3), `.h5` whole models (Keras 2 and Keras 3's
 * legacy writer), and weights-only `.weights.h5` / `.safetensors` files into a live model. The config is
 * translated in core/keras; here TF.js builds the model (proving it runs), and each weight is taken from
 * where Keras keeps it (./kerasLayout.ts), checked for shape and converted to float32 where Keras stored
 * float16, bfloat16 or float64.
 */
import * as tf from '@tensorflow/tfjs';
import './tfjsFixes';
import { LIMITS } from '../core/bundle/limits';
import { parseUntrustedJson, quote, TOPOLOGY_JSON_LIMITS } from '../core/bundle/untrusted';
import { listZip, readZipEntry, writeZip, type ZipEntry } from '../core/bundle/zip';
import { GraftError, isGraftError } from '../core/errors';
import { countNonFinite, nonFiniteWarning } from '../core/bundle/nonFinite';
import { sha256Hex } from '../core/hashing';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json';
import { kerasToTfjs, type KerasFormat, type KerasNote } from '../core/keras/configIn';
import { KERAS_FORMAT_VERSION, tfjsToKeras, type ExportShapes } from '../core/keras/configOut';
import { toStoredElements, type ElementDType } from '../core/keras/elements';
import {
  attrList,
  attrText,
  h5Find,
  h5Group,
  type H5Dataset,
  type H5File,
  type H5Group,
  type H5WriteDataset,
  type H5WriteGroup,
  type Hdf5Io,
} from '../core/keras/hdf5';
import { readSafetensors, toStoredTensor } from '../core/keras/safetensors';
import { planWeights, type FileTensor, type ModelWeight, type WeightsPlan } from '../core/keras/weightsMatch';
import type { StoredDType } from '../core/versions/types';
import { kerasV3Slots, legacyWeightOrder } from './kerasLayout';
import {
  build,
  checkLayerClasses,
  detachedSnapshot,
  refuseNonFiniteSettings,
  type ImportedModel,
  type ModelFile,
} from './modelFiles';

/** What a Keras model file holds, found from its content rather than its name. */
export type KerasFileKind = 'keras-v3' | 'hdf5' | 'safetensors';

export interface KerasModelImport extends ImportedModel {
  readonly notes: readonly KerasNote[];
}

/** A weights-only file, read and converted, waiting to be matched to a live model. */
export interface WeightsFile {
  readonly format: 'weights-h5' | 'safetensors';
  readonly fileName: string;
  readonly sha256: string;
  readonly kerasVersion: string | null;
  readonly tensors: readonly (FileTensor & {
    readonly dtype: StoredDType;
    readonly data: Uint8Array<ArrayBuffer>;
  })[];
  /** Element types the file stored that were widened to float32, e.g. `float16`. */
  readonly converted: readonly string[];
  /** What the file holds besides weights that Graft leaves out (an optimizer's state). */
  readonly skipped: readonly string[];
  /** Tensors holding NaN or infinite values, in words. */
  readonly warnings: readonly string[];
}

const KERAS_ENTRIES = { config: 'config.json', weights: 'model.weights.h5', metadata: 'metadata.json' };

const H5_TO_ELEMENT: Readonly<Record<string, ElementDType>> = {
  float16: 'F16',
  bfloat16: 'BF16',
  float32: 'F32',
  float64: 'F64',
  int8: 'I8',
  uint8: 'U8',
  int16: 'I16',
  uint16: 'U16',
  int32: 'I32',
  uint32: 'U32',
  int64: 'I64',
  uint64: 'U64',
  bool: 'BOOL',
};

const invalid = (detail: string) =>
  new GraftError(
    'import/keras-invalid',
    `This Keras file's model description cannot be read: ${detail}. Nothing was imported.`,
    { data: { detail } },
  );

// ---- reading whole models -------------------------------------------------------------------------------

/** What a Keras file turned out to hold: a whole model, or weights for a model the user already has. */
export type KerasFileContent =
  | { readonly kind: 'model'; readonly model: KerasModelImport }
  | { readonly kind: 'weights'; readonly weights: WeightsFile };

/**
 * Reads a Keras file: a `.keras` zip or an HDF5 whole model into a checked TF.js model's snapshot, a
 * `.weights.h5` (HDF5 without a model config) or `.safetensors` file into tensors to match.
 */
export async function readKerasFile(
  file: ModelFile,
  io: Hdf5Io | null,
  kind: KerasFileKind,
): Promise<KerasFileContent> {
  if (kind === 'safetensors') return { kind: 'weights', weights: await readSafetensorsWeights(file) };
  if (!io) throw new Error('The HDF5 reader is needed for this file.');
  if (kind === 'keras-v3') return { kind: 'model', model: await readKerasModel(file, io, kind) };
  const h5 = await io.open(file.bytes, file.name);
  try {
    return attrText(h5.root.attrs, 'model_config') === null
      ? { kind: 'weights', weights: await weightsFromHdf5(file, h5.root) }
      : { kind: 'model', model: await readKerasModel(file, io, kind, h5.root) };
  } finally {
    h5.close();
  }
}

/** Reads a `.keras` zip or an HDF5 whole-model file into a checked TF.js model's snapshot. */
export async function readKerasModel(
  file: ModelFile,
  io: Hdf5Io,
  kind: 'keras-v3' | 'hdf5',
  opened?: H5Group,
): Promise<KerasModelImport> {
  const sha256 = await sha256Hex(file.bytes as Uint8Array<ArrayBuffer>);
  if (kind === 'keras-v3') {
    const entries = unzipping(file.name, () => listZip(file.bytes, quote(file.name)));
    const entry = (name: string) => entries.get(name);
    const configEntry = entry(KERAS_ENTRIES.config);
    const weightsEntry = entry(KERAS_ENTRIES.weights);
    if (!configEntry) throw invalid(`${quote(file.name)} has no config.json`);
    if (!weightsEntry)
      throw invalid(
        entries.has('model.weights.npz') || [...entries.keys()].some((k) => k.endsWith('.weights.json'))
          ? `${quote(file.name)} keeps its weights as npz or in shards, which Graft does not read; save it again with the default model.save("model.keras")`
          : `${quote(file.name)} has no model.weights.h5`,
      );
    const read = (e: ZipEntry) =>
      unzipping(file.name, () => readZipEntry(file.bytes, e, quote(file.name), { checkCrc: true }));
    const config = parseJson(read(configEntry), 'config.json');
    const metadataEntry = entry(KERAS_ENTRIES.metadata);
    const metadata = metadataEntry ? parseJson(read(metadataEntry), 'metadata.json') : {};
    const kerasVersion = typeof metadata.keras_version === 'string' ? metadata.keras_version : null;
    const h5 = await io.open(read(weightsEntry), `${file.name}/model.weights.h5`);
    try {
      return await fromConfig(file, sha256, config, h5.root, {
        format: 'keras-v3',
        kerasVersion,
        backend: null,
        graftVersionId: graftVersionOf(metadata),
      });
    } finally {
      h5.close();
    }
  }
  const h5 = opened ? null : await io.open(file.bytes, file.name);
  try {
    const root = opened ?? (h5 as H5File).root;
    const configText = attrText(root.attrs, 'model_config');
    if (configText === null)
      throw new GraftError(
        'import/keras-invalid',
        `${quote(file.name)} holds weights only, no model: open a model first, then pick this file to load its weights into it.`,
        { data: { detail: 'weights only' } },
      );
    const config = parseJson(new TextEncoder().encode(configText), 'model_config');
    const weights = h5Group(root, 'model_weights') ?? root;
    return await fromConfig(file, sha256, config, weights, {
      format: 'h5',
      kerasVersion: attrText(root.attrs, 'keras_version') ?? attrText(weights.attrs, 'keras_version'),
      backend: attrText(root.attrs, 'backend') ?? attrText(weights.attrs, 'backend'),
      graftVersionId: null,
    });
  } finally {
    h5?.close();
  }
}

/**
 * Runs a step of reading the `.keras` zip, wording its failures as a Keras file's (the zip reader speaks
 * of bundles): a damaged zip is an unreadable Keras file, an oversized one is refused as too large.
 */
function unzipping<T>(fileName: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isGraftError(e, 'bundle/too-large'))
      throw new GraftError('import/too-large', e.message, {
        data: { file: fileName, detail: e.message.replace(/^.*? is refused: /, '').replace(/\.$/, '') },
        cause: e,
      });
    if (isGraftError(e, 'bundle/corrupt'))
      throw invalid(
        `${quote(fileName)} is not a readable zip (${e.message.replace(/^.*?: /, '').replace(/\.$/, '')})`,
      );
    throw e;
  }
}

function parseJson(bytes: Uint8Array, what: string): JsonObject {
  const json = parseUntrustedJson(bytes, TOPOLOGY_JSON_LIMITS, (problem) => {
    throw invalid(`its ${what} ${problem.replace(/^it /, '')}`);
  });
  if (!isJsonObject(json)) throw invalid(`its ${what} is not an object`);
  return json;
}

function graftVersionOf(metadata: JsonObject): string | null {
  const graft = metadata.graft;
  return isJsonObject(graft) && typeof graft.versionId === 'string' ? graft.versionId : null;
}

interface Origin {
  readonly format: KerasFormat;
  readonly kerasVersion: string | null;
  readonly backend: string | null;
  readonly graftVersionId: string | null;
}

async function fromConfig(
  file: ModelFile,
  sha256: string,
  config: JsonObject,
  weights: H5Group,
  origin: Origin,
): Promise<KerasModelImport> {
  const translated = kerasToTfjs(config, origin);
  checkLayerClasses(translated.topology);
  const notes = [...translated.notes];
  const probe = await buildFromFile(() =>
    tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: guardedInitializers(translated.topology) as object }),
    ),
  );
  let specs: tf.io.WeightsManifestEntry[];
  let data: Uint8Array<ArrayBuffer>[];
  try {
    ({ specs, data } =
      origin.format === 'keras-v3' ? v3Weights(probe, weights, notes) : legacyWeights(probe, weights, notes));
  } finally {
    probe.dispose();
  }
  const model = await buildFromFile(() =>
    tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: translated.topology as object,
        weightSpecs: specs,
        weightData: data.map((d) => d.buffer),
      }),
    ),
  );
  const warnings = specs.flatMap((spec, i) => {
    const n = spec.dtype === 'float32' ? countNonFinite(data[i] as Uint8Array) : 0;
    return n > 0 ? [nonFiniteWarning(spec.name, n)] : [];
  });
  try {
    refuseNonFiniteSettings(model);
    return {
      snapshot: await detachedSnapshot(model),
      source: {
        format: origin.format,
        generatedBy: null,
        convertedBy: null,
        kerasVersion: origin.kerasVersion,
        backend: origin.backend,
        modelFile: file.name,
        weightFiles: [],
        graftVersionId: origin.graftVersionId,
        modelName: translated.modelName,
        sha256,
      },
      warnings,
      notes,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Builds with TF.js, and words what TF.js could not build as a problem of the Keras file (its own errors
 * speak of model.json).
 */
async function buildFromFile(load: () => Promise<tf.LayersModel>): Promise<tf.LayersModel> {
  try {
    return await build(load);
  } catch (e) {
    if (!isGraftError(e, 'import/invalid-model')) throw e;
    const detail = `TF.js could not build the model it describes (${e.message.replace(/^TF\.js could not build this model: /, '')})`;
    throw new GraftError(
      'import/keras-invalid',
      `This Keras file's model description cannot be read: ${detail}. Nothing was imported.`,
      {
        data: { detail },
        cause: e,
      },
    );
  }
}

/**
 * The topology with every initializer replaced by one that counts what it is asked to create: a config
 * can declare layers far bigger than its weights file (or any memory), and this stops the build before
 * it allocates them.
 */
function guardedInitializers(
  value: JsonValue | undefined,
  budget = { left: LIMITS.maxUnpackedBytes / 4 },
): JsonValue | undefined {
  if (Array.isArray(value)) return value.map((v) => guardedInitializers(v, budget) as JsonValue);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value))
    out[key] =
      key.endsWith('_initializer') && isJsonObject(v)
        ? { class_name: SizeGuard.className, config: { budget: registerBudget(budget) } }
        : (guardedInitializers(v, budget) as JsonValue);
  // TF.js's LSTM builds a unit-forget bias from tensors it never frees; the probe does not need it.
  if (out.unit_forget_bias === true) out.unit_forget_bias = false;
  return out;
}

const budgets = new Map<number, { left: number }>();
let nextBudget = 0;
function registerBudget(budget: { left: number }): number {
  for (const [id, b] of budgets) if (b === budget) return id;
  const id = ++nextBudget;
  budgets.set(id, budget);
  if (budgets.size > 16) budgets.delete(budgets.keys().next().value as number);
  return id;
}

/** Zeros, within a shared budget of elements for the whole model. */
class SizeGuard extends tf.serialization.Serializable {
  static readonly className = 'GraftSizeGuard';
  readonly #id: number;
  readonly #budget: { left: number };

  constructor(config: { budget?: number }) {
    super();
    this.#id = config.budget ?? -1;
    this.#budget = budgets.get(this.#id) ?? { left: 0 };
  }

  /** What TF.js layers call on an initializer to create a weight. */
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const elements = shape.reduce((n, d) => n * d, 1);
    this.#budget.left -= elements;
    if (elements > LIMITS.maxTensorElements || this.#budget.left < 0)
      throw new GraftError(
        'import/absurd-shape',
        `The model declares a weight of shape [${shape.join(', ')}]; with the rest it is larger than Graft can load (${LIMITS.maxUnpackedBytes} bytes of weights).`,
        { data: { shape: shape.join(', ') } },
      );
    return tf.zeros(shape, dtype);
  }

  /** Layers that clone themselves (Bidirectional) rebuild their initializers from this. */
  getConfig(): tf.serialization.ConfigDict {
    return { budget: this.#id };
  }
}
tf.serialization.registerClass(SizeGuard);

/** A dataset's elements as the dtype Graft stores, converting narrower or wider floats. */
function datasetValues(
  ds: H5Dataset,
  expect: readonly number[],
  weight: string,
  converted: Set<string>,
): { data: Uint8Array<ArrayBuffer>; dtype: StoredDType } {
  const shapeOk = ds.shape.length === expect.length && ds.shape.every((d, i) => d === expect[i]);
  if (!shapeOk)
    throw new GraftError(
      'import/weights-mismatch',
      `The file's weight ${quote(ds.path)} has shape [${ds.shape.join(', ')}], but ${quote(weight)} needs [${expect.join(', ')}]. The weights may belong to another model.`,
      { data: { weight, path: ds.path } },
    );
  const element = Object.hasOwn(H5_TO_ELEMENT, ds.type) ? H5_TO_ELEMENT[ds.type] : undefined;
  if (!element)
    throw new GraftError(
      'import/weights-mismatch',
      `The file stores ${quote(ds.path)} in a type Graft cannot read. Nothing was imported.`,
      { data: { path: ds.path } },
    );
  const stored = toStoredElements(element, ds.read(), (i, value) => {
    throw new GraftError(
      'import/weights-mismatch',
      `Element ${i} of ${quote(ds.path)} is ${value}, too large for the 32-bit integers Graft stores.`,
      { data: { path: ds.path } },
    );
  });
  if (stored.convertedFrom !== null) converted.add(ds.type);
  return { data: stored.data, dtype: stored.dtype };
}

function castTo(values: { data: Uint8Array<ArrayBuffer>; dtype: StoredDType }, dtype: string, path: string) {
  if (values.dtype === dtype) return values.data;
  if (values.dtype === 'int32' && dtype === 'float32') {
    const ints = new Int32Array(values.data.buffer);
    return new Uint8Array(Float32Array.from(ints).buffer);
  }
  throw new GraftError(
    'import/weights-mismatch',
    `${quote(path)} holds ${values.dtype} values where the model needs ${dtype}.`,
    {
      data: { path },
    },
  );
}

function noteConversions(converted: Set<string>, notes: KerasNote[]): void {
  for (const type of converted) notes.push({ code: 'weights-widened', layer: '', value: type });
}

/** Keras 3: each layer's variables in `<path>/vars/<i>`. */
function v3Weights(model: tf.LayersModel, root: H5Group, notes: KerasNote[]) {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const data: Uint8Array<ArrayBuffer>[] = [];
  const converted = new Set<string>();
  for (const slot of kerasV3Slots(model)) {
    for (const part of slot.parts) {
      if (part.weights.length === 0) continue;
      const vars = h5Group(root, `${part.path}/vars`);
      const found = vars ? vars.keys.filter((k) => /^\d+$/.test(k)).length : 0;
      if (!vars || found !== part.weights.length)
        throw new GraftError(
          'import/weights-mismatch',
          `Layer ${quote(slot.names.join('/'))} has ${part.weights.length} weights, but the file keeps ${found} at ${quote(`${part.path}/vars`)}. The weights may belong to another model.`,
          { data: { layer: slot.names.join('/') } },
        );
      part.weights.forEach((w, i) => {
        const ds = vars.get(String(i));
        if (ds?.kind !== 'dataset') throw invalid(`${part.path}/vars/${i} is not a dataset`);
        const values = datasetValues(ds, w.shape as number[], w.originalName, converted);
        specs.push({ name: w.originalName, shape: [...w.shape] as number[], dtype: w.dtype as 'float32' });
        data.push(castTo(values, w.dtype, ds.path));
      });
    }
  }
  if (h5Group(root, 'optimizer/vars')?.keys.length)
    notes.push({ code: 'optimizer-skipped', layer: '', value: 'optimizer' });
  noteConversions(converted, notes);
  return { specs, data };
}

/** The legacy layout: `model_weights/<layer>/` with its `weight_names`, in Keras's order. */
function legacyWeights(model: tf.LayersModel, group: H5Group, notes: KerasNote[]) {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const data: Uint8Array<ArrayBuffer>[] = [];
  const converted = new Set<string>();
  for (const layer of model.layers) {
    const weights = legacyWeightOrder(layer);
    if (weights.length === 0) continue;
    const layerGroup = h5Group(group, layer.name);
    const names = layerGroup ? attrList(layerGroup.attrs, 'weight_names') : null;
    if (!layerGroup || names === null || names.length !== weights.length)
      throw new GraftError(
        'import/weights-mismatch',
        `Layer ${quote(layer.name)} has ${weights.length} weights, but the file lists ${names?.length ?? 0} for it. The weights may belong to another model.`,
        { data: { layer: layer.name } },
      );
    weights.forEach((w, i) => {
      const path = names[i] as string;
      const node = h5Find(layerGroup, path);
      if (node?.kind !== 'dataset')
        throw invalid(`the weight ${quote(path)} of layer ${quote(layer.name)} is missing`);
      const values = datasetValues(node, w.shape as number[], w.originalName, converted);
      specs.push({ name: w.originalName, shape: [...w.shape] as number[], dtype: w.dtype as 'float32' });
      data.push(castTo(values, w.dtype, node.path));
    });
  }
  noteConversions(converted, notes);
  return { specs, data };
}

// ---- weights-only files ---------------------------------------------------------------------------------

/** Element types by the names people know them by ("float16", not safetensors' "F16"). */
const ELEMENT_NAMES: Readonly<Record<string, string>> = {
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I8: 'int8',
  U8: 'uint8',
  I16: 'int16',
  U16: 'uint16',
  U32: 'uint32',
  I64: 'int64',
  U64: 'uint64',
};

async function readSafetensorsWeights(file: ModelFile): Promise<WeightsFile> {
  const sha256 = await sha256Hex(file.bytes as Uint8Array<ArrayBuffer>);
  const converted = new Set<string>();
  const perLayer = new Map<string, number>();
  const tensors = readSafetensors(file.bytes, file.name).tensors.map((t) => {
    // `dense/kernel`, `0.weight`: what comes before the last separator names the layer.
    const cut = Math.max(t.name.lastIndexOf('/'), t.name.lastIndexOf('.'));
    const layer = cut > 0 ? t.name.slice(0, cut) : null;
    const index = perLayer.get(layer ?? '') ?? 0;
    perLayer.set(layer ?? '', index + 1);
    const stored = toStoredTensor(t, file.name);
    if (stored.convertedFrom) converted.add(ELEMENT_NAMES[stored.convertedFrom] ?? stored.convertedFrom);
    return { key: t.name, layer, index, shape: t.shape, dtype: stored.dtype, data: stored.data };
  });
  return {
    format: 'safetensors',
    fileName: file.name,
    sha256,
    kerasVersion: null,
    tensors,
    converted: [...converted],
    skipped: [],
    warnings: nonFiniteTensors(tensors),
  };
}

/**
 * A weights-only HDF5 file: Keras 3's `save_weights` (`layers/…/vars/<i>`, each `vars` group naming its
 * layer), or Keras 2's (one group per layer listed in `layer_names`, each listing its `weight_names`).
 */
async function weightsFromHdf5(file: ModelFile, root: H5Group): Promise<WeightsFile> {
  const sha256 = await sha256Hex(file.bytes as Uint8Array<ArrayBuffer>);
  const converted = new Set<string>();
  const tensors: WeightsFile['tensors'][number][] = [];
  const skipped: string[] = [];
  const legacyNames = attrList(root.attrs, 'layer_names');
  if (legacyNames !== null) {
    for (const layerName of legacyNames) {
      const g = h5Group(root, layerName);
      (g ? (attrList(g.attrs, 'weight_names') ?? []) : []).forEach((path, index) => {
        const node = g ? h5Find(g, path) : null;
        if (node?.kind !== 'dataset')
          throw invalid(`the weight ${quote(path)} of layer ${quote(layerName)} is missing`);
        tensors.push(weightTensor(node, path, layerName, index, converted));
      });
    }
  } else {
    const walk = (g: H5Group, path: string, depth: number) => {
      if (depth > 64) throw invalid('its groups are nested too deeply');
      for (const key of g.keys) {
        const child = g.get(key);
        const childPath = path ? `${path}/${key}` : key;
        if (child?.kind !== 'group') continue;
        if (childPath === 'optimizer') skipped.push('optimizer');
        else if (key !== 'vars') walk(child, childPath, depth + 1);
        else {
          const layer = attrText(child.attrs, 'name') ?? path.split('/').pop() ?? null;
          const indices = child.keys.filter((k) => /^\d+$/.test(k)).sort((x, y) => Number(x) - Number(y));
          for (const index of indices) {
            const ds = child.get(index);
            if (ds?.kind === 'dataset')
              tensors.push(weightTensor(ds, `${childPath}/${index}`, layer, Number(index), converted));
          }
        }
      }
    };
    walk(root, '', 0);
  }
  if (tensors.length === 0)
    throw new GraftError('import/keras-invalid', `${quote(file.name)} holds no weights Graft recognises.`, {
      data: { detail: 'no weights' },
    });
  return {
    format: 'weights-h5',
    fileName: file.name,
    sha256,
    kerasVersion: attrText(root.attrs, 'keras_version'),
    tensors,
    converted: [...converted],
    skipped,
    warnings: nonFiniteTensors(tensors),
  };
}

function nonFiniteTensors(tensors: WeightsFile['tensors']): string[] {
  return tensors.flatMap((t) => {
    const n = t.dtype === 'float32' ? countNonFinite(t.data) : 0;
    return n > 0 ? [nonFiniteWarning(t.key, n)] : [];
  });
}

function weightTensor(
  ds: H5Dataset,
  key: string,
  layer: string | null,
  index: number,
  converted: Set<string>,
) {
  const values = datasetValues(ds, ds.shape, key, converted);
  return { key, layer, index, shape: ds.shape, dtype: values.dtype, data: values.data };
}

/** The live model's weights as the matcher sees them. */
export function modelWeights(model: tf.LayersModel): ModelWeight[] {
  const out: ModelWeight[] = [];
  for (const slot of kerasV3Slots(model)) {
    let offset = 0;
    for (const part of slot.parts)
      part.weights.forEach((w, i) => {
        out.push({
          name: w.originalName,
          layer: slot.layer.name,
          index: offset + i,
          kerasPath: `${part.path}/vars/${i}`,
          shape: w.shape as number[],
        });
      });
    offset += slot.parts.reduce((n, p) => n + p.weights.length, 0);
  }
  return out;
}

export function planWeightsInto(model: tf.LayersModel, file: WeightsFile): WeightsPlan {
  return planWeights(modelWeights(model), file.tensors);
}

/** Writes the planned tensors into the live model's variables (in place, like a training step). */
export function applyWeights(model: tf.LayersModel, file: WeightsFile, plan: WeightsPlan): number {
  const byKey = new Map(file.tensors.map((t) => [t.key, t]));
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  let applied = 0;
  tf.tidy(() => {
    for (const m of plan.matches) {
      const variable = byName.get(m.weight);
      const tensor = byKey.get(m.tensor);
      if (!variable || !tensor) continue;
      const bytes = castTo({ data: tensor.data, dtype: tensor.dtype }, variable.dtype, m.tensor);
      const values =
        variable.dtype === 'int32'
          ? new Int32Array(bytes.buffer)
          : variable.dtype === 'bool'
            ? bytes
            : new Float32Array(bytes.buffer);
      variable.write(tf.tensor(values, variable.shape as number[], variable.dtype));
      applied++;
    }
  });
  return applied;
}

// ---- writing .keras -------------------------------------------------------------------------------------

export interface KerasExportInfo {
  readonly graftVersionId: string;
  readonly savedAt: Date;
}

/** A `.keras` file of `model` that `keras.saving.load_model` opens with the same predictions. */
export async function writeKerasFile(
  model: tf.LayersModel,
  io: Hdf5Io,
  info: KerasExportInfo,
): Promise<Uint8Array<ArrayBuffer>> {
  const topology = model.toJSON(null, false) as unknown as JsonObject;
  const config = tfjsToKeras(topology, exportShapes(model));
  const root: { attrs: Record<string, string>; children: Map<string, H5WriteGroup | H5WriteDataset> } = {
    attrs: {},
    children: new Map(),
  };
  const groupAt = (path: string) => {
    let node = root;
    for (const part of path.split('/').filter(Boolean)) {
      let next = node.children.get(part) as typeof root | undefined;
      if (!next) {
        next = { attrs: {}, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    return node;
  };
  groupAt('vars').attrs.name = model.name;
  for (const slot of kerasV3Slots(model)) {
    groupAt(`${slot.path}/vars`).attrs.name = slot.layer.name;
    for (const part of slot.parts) {
      const vars = groupAt(`${part.path}/vars`);
      for (const [i, w] of part.weights.entries()) {
        const values = await w.read().data();
        vars.children.set(String(i), {
          shape: w.shape as number[],
          type: w.dtype === 'int32' ? 'int32' : w.dtype === 'bool' ? 'bool' : 'float32',
          data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
        });
      }
    }
  }
  const weights = await io.write(root);
  const stamp = info.savedAt.toISOString().replace('T', '@').slice(0, 19);
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: stamp,
    graft: { versionId: info.graftVersionId },
  };
  const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return writeZip(
    [
      { name: 'metadata.json', data: text(metadata), compress: true },
      { name: 'config.json', data: text(config), compress: true },
      { name: 'model.weights.h5', data: weights, compress: false },
    ],
    info.savedAt,
  );
}

/** The shapes `tfjsToKeras` records, read off the built model with TF.js's own numbering of calls. */
function exportShapes(model: tf.LayersModel): ExportShapes {
  type Shape = (number | null)[];
  const outputs = new Map<string, Shape[][]>();
  const inputs = new Map<string, Shape[]>();
  // Calls are numbered as TF.js's topology numbers them: every call of the layer, a nested model's own
  // construction included.
  const visit = (m: tf.LayersModel) => {
    for (const layer of m.layers) {
      const nodes: Shape[][] = [];
      layer.inboundNodes.forEach((node) => {
        nodes.push(node.outputTensors.map((t) => [...t.shape]));
        if (!inputs.has(layer.name) && node.inputTensors.length > 0 && node.inboundLayers.length > 0)
          inputs.set(
            layer.name,
            node.inputTensors.map((t) => [...t.shape]),
          );
      });
      if (!outputs.has(layer.name)) outputs.set(layer.name, nodes);
      if (layer instanceof tf.LayersModel) visit(layer);
    }
  };
  visit(model);
  return {
    outputs: (layer, node) => outputs.get(layer)?.[node] ?? null,
    inputs: (layer) => inputs.get(layer) ?? null,
  };
}
