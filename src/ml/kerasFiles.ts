/**
 * Keras files into TF.js models and back: `.keras` (Keras 3), `.h5` whole models (Keras 2 and Keras 3's
 * legacy writer), and weights-only `.weights.h5` / `.safetensors` files into a live model. The config is
 * translated in core/keras; here TF.js builds the model (proving it runs), and each weight is taken from
 * where Keras keeps it (./kerasLayout.ts), checked for shape and converted to float32 where Keras stored
 * float16, bfloat16 or float64. Weights-only files: ./kerasWeights.ts; writing `.keras`: ./kerasWrite.ts.
 */
import * as tf from '@tensorflow/tfjs';
import './tfjsFixes';
import { LIMITS } from '../core/bundle/limits';
import { parseUntrustedJson, quote, TOPOLOGY_JSON_LIMITS } from '../core/bundle/untrusted';
import { listZip, readZipEntry, type ZipEntry } from '../core/bundle/zip';
import { GraftError, isGraftError } from '../core/errors';
import { countNonFinite, nonFiniteWarning } from '../core/bundle/nonFinite';
import { sha256Hex } from '../core/hashing';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json';
import type { NamedBytes } from '../core/ports';
import { kerasToTfjs, type KerasFormat, type KerasNote } from '../core/keras/configIn';
import {
  attrList,
  attrText,
  h5Find,
  h5Group,
  type H5File,
  type H5Group,
  type Hdf5Io,
} from '../core/keras/hdf5';
import { kerasV3Slots, legacyWeightOrder } from './kerasLayout';
import { castTo, datasetValues, invalid } from './kerasValues';
import { readSafetensorsWeights, weightsFromHdf5, type WeightsFile } from './kerasWeights';
import {
  build,
  checkLayerClasses,
  detachedSnapshot,
  refuseNonFiniteSettings,
  type ImportedModel,
} from './modelFiles';

/** What a Keras model file holds, found from its content rather than its name. */
export type KerasFileKind = 'keras-v3' | 'hdf5' | 'safetensors';

export interface KerasModelImport extends ImportedModel {
  readonly notes: readonly KerasNote[];
}

const KERAS_ENTRIES = { config: 'config.json', weights: 'model.weights.h5', metadata: 'metadata.json' };

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
  file: NamedBytes,
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
  file: NamedBytes,
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
  file: NamedBytes,
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
