/**
 * TF.js Layers models from files into Graft: model.json plus its weight files, picked loose or in a zip,
 * as TF.js and tensorflowjs_converter have written them since Keras 2.1. Everything is checked before
 * TF.js builds the model, so each problem gets its own error; then TF.js loads it (proving it works)
 * and `snapshotModel` takes the weights out in Graft's canonical form.
 */
import * as tf from '@tensorflow/tfjs';
import './tfjsFixes';
import { LIMITS } from '../core/bundle/limits';
import type { TfjsWeightGroup, TfjsWeightSpec } from '../core/bundle/modelJson';
import { Fields, TOPOLOGY_JSON_LIMITS, parseUntrustedJson, quote } from '../core/bundle/untrusted';
import { isZip, listZip, readZipEntry } from '../core/bundle/zip';
import { countNonFinite, nonFiniteWarning } from '../core/bundle/nonFinite';
import { GraftError, isGraftError } from '../core/errors';
import { isHash } from '../core/hashing';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json';
import {
  tensorBytes,
  type ModelSnapshot,
  type ModelSource,
  type NamedBytes,
  type TensorData,
} from '../core/ports';
import { snapshotModel } from './snapshot';
import { checkWiring } from '../core/model/wiring';

export interface ImportedModel {
  readonly snapshot: ModelSnapshot;
  readonly source: ModelSource;
  /** Things worth knowing that do not stop the import, such as NaN weights. */
  readonly warnings: readonly string[];
}

const MODEL_JSON_LIMITS = TOPOLOGY_JSON_LIMITS;
const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
const MAX_GROUPS = 10_000;
const MAX_WEIGHTS = 100_000;
const STORED = ['float32', 'int32', 'bool'] as const;
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** A weights manifest entry as TF.js and its converter write it (Graft's own exports write no more than core's). */
interface WeightSpec extends TfjsWeightSpec {
  readonly quantization?: JsonObject & { readonly dtype: string };
  /** TF.js marks optimizer state `optimizer`; Graft keeps model weights only. */
  readonly group?: string;
}

interface WeightGroup extends TfjsWeightGroup {
  readonly weights: WeightSpec[];
}

export async function readModelFiles(picked: readonly NamedBytes[]): Promise<ImportedModel> {
  const files = unpack(picked);
  // A Keras file is read on its own (the app routes a single one to the Keras reader by its content).
  const keras = files.find((f) => /\.(h5|hdf5|keras|safetensors)$/i.test(f.name));
  if (keras)
    throw invalid(
      `${quote(keras.name)} is a Keras file, which holds a whole model (or its weights) by itself: pick it on its own, without other files.`,
    );
  const modelFile = findModelJson(files);
  const json = parseModelJson(modelFile);
  refuseGraphModel(json);
  checkLayerClasses(readTopology(json));
  const groups = readWeightsManifest(json.weightsManifest);
  const { weightData, weightFiles, ignored } = gatherWeights(groups, files, modelFile);
  const weightSpecs = groups.flatMap((g) => g.weights);
  checkWeightNames(await weightsTheModelNeeds(json), weightSpecs);
  const model = await build(() =>
    tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
        weightData: weightData.buffer,
      }),
    ),
  );
  try {
    refuseNonFiniteSettings(model);
    return {
      snapshot: await detachedSnapshot(model),
      source: sourceOf(json, modelFile.name, weightFiles),
      warnings: [
        ...ignored.map((name) => `${quote(name)} was not read: only model.json and its weight files are.`),
        ...nonFiniteWarnings(weightSpecs, weightData),
      ],
    };
  } finally {
    model.dispose();
  }
}

/**
 * TF.js fills a setting missing from model.json with NaN in some layers (Dropout's `rate`), and such a
 * model cannot be saved: a version's topology is hashed as JSON, where NaN does not exist.
 */
export function refuseNonFiniteSettings(model: tf.LayersModel): void {
  const stack: { value: unknown; path: string }[] = [{ value: model.toJSON(null, false), path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'number' && !Number.isFinite(value)) {
      const layer = /layers\.(\d+)/.exec(path);
      throw invalid(
        `The setting ${quote(path.split('.').pop() ?? path)}${layer ? ` of layer ${Number(layer[1]) + 1}` : ''} comes out as ${String(value)}: model.json leaves it out or gives it a value TF.js cannot use. Fix that setting in model.json, or convert the model again.`,
      );
    }
    if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: path ? `${path}.${k}` : k });
  }
}

/** A snapshot that owns copies of its bytes, since the model it came from is disposed right after. */
export async function detachedSnapshot(model: tf.LayersModel): Promise<ModelSnapshot> {
  const snapshot = await snapshotModel(model);
  const tensors = await Promise.all(
    snapshot.tensors.map(async (t): Promise<TensorData> => ({
      name: t.name,
      shape: [...t.shape],
      dtype: t.dtype,
      data: (await tensorBytes(t)).slice(),
    })),
  );
  return { ...snapshot, tensors };
}

/** The provenance entry for a version made from these files. */
export function sourceProvenance(source: ModelSource): JsonObject {
  const keras = source.format === 'keras-v3' || source.format === 'h5';
  if (!keras) return { kind: 'tfjs-layers-files', ...source, weightFiles: [...source.weightFiles] };
  // A Keras file is one file, written by Keras: what only TF.js conversions have is left out, not shown empty.
  const { generatedBy: _g, convertedBy: _c, weightFiles: _w, ...rest } = source;
  return Object.fromEntries(
    Object.entries({ kind: 'keras-file', ...rest }).filter(([, v]) => v !== null && v !== undefined),
  ) as JsonObject;
}

const invalid = (message: string, cause?: unknown) =>
  new GraftError('import/invalid-model', message, cause === undefined ? {} : { cause });

// ---- finding the files ------------------------------------------------------------------------------

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dirName = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

/** Operating systems' own files that ride along in zips and folder picks; never part of a model. */
const isJunk = (path: string) =>
  path.endsWith('/') || path.startsWith('__MACOSX/') || baseName(path).startsWith('.');

function unpack(picked: readonly NamedBytes[]): NamedBytes[] {
  const out: NamedBytes[] = [];
  for (const file of picked) {
    if (isJunk(file.name)) continue;
    if (!isZip(file.bytes)) {
      out.push(file);
      continue;
    }
    const label = quote(file.name);
    for (const entry of listZip(file.bytes, label).values())
      if (!isJunk(entry.name))
        out.push({ name: entry.name, bytes: readZipEntry(file.bytes, entry, label, { checkCrc: true }) });
  }
  return out;
}

function findModelJson(files: readonly NamedBytes[]): NamedBytes {
  const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (jsons.length === 1) return jsons[0] as NamedBytes;
  if (jsons.length > 1) {
    const models = jsons.filter((f) => f.bytes.byteLength <= MODEL_JSON_LIMITS.maxBytes && looksLikeModel(f));
    if (models.length === 1) return models[0] as NamedBytes;
    throw invalid(
      `Several JSON files were picked (${jsons.map((f) => quote(f.name)).join(', ')}). Pick one model.json with its weight files.`,
    );
  }
  if (files.some((f) => /\.(pb|savedmodel)$/i.test(f.name)))
    throw invalid(
      'This is a TensorFlow SavedModel, which holds a graph rather than layers. Open it in Keras and save it with model.save("model.keras"), then import that file.',
    );
  throw invalid(
    'No model.json was among the files picked. Pick the model.json together with its weight files.',
  );
}

function looksLikeModel(file: NamedBytes): boolean {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(file.bytes));
    return isJsonObject(v) && ('modelTopology' in v || 'weightsManifest' in v);
  } catch {
    return false;
  }
}

function parseModelJson(file: NamedBytes): JsonObject {
  const json = parseUntrustedJson(file.bytes, MODEL_JSON_LIMITS, (problem) => {
    throw invalid(`${quote(file.name)} cannot be read as a TF.js model: ${problem}.`);
  });
  if (!isJsonObject(json))
    throw invalid(`${quote(file.name)} is not a TF.js model.json (it is not an object).`);
  return json;
}

// ---- the topology -------------------------------------------------------------------------------------

function refuseGraphModel(json: JsonObject): void {
  const topology = json.modelTopology;
  const graphDef = isJsonObject(topology) && (Array.isArray(topology.node) || 'versions' in topology);
  if (json.format === 'graph-model' || graphDef)
    throw new GraftError(
      'import/graph-model',
      'This is a TF.js graph model (a frozen TensorFlow graph). Graft versions Layers models only: it needs the layers to show the architecture, to train and to compare versions weight by weight, and a graph model has operations instead of layers and cannot be trained in TF.js. Convert the original Keras model with `tensorflowjs_converter --output_format=tfjs_layers_model`.',
    );
  if (json.format !== undefined && json.format !== null && json.format !== 'layers-model')
    throw invalid(`This model.json has format ${quote(String(json.format))}; Graft reads "layers-model".`);
}

/** The Keras model config, unwrapped from the `model_config` the converter wrote until about 2019. */
function readTopology(json: JsonObject): JsonObject {
  const outer = json.modelTopology;
  if (!isJsonObject(outer))
    throw invalid(
      'This model.json has no model topology; it may list weights only. Pick the full model.json.',
    );
  const topology = isJsonObject(outer.model_config) ? outer.model_config : outer;
  if (typeof topology.class_name !== 'string' || !MODEL_CLASSES.includes(topology.class_name))
    throw invalid(
      `This model.json describes a ${quote(String(topology.class_name))}, not a Keras Sequential or functional model.`,
    );
  return topology;
}

export function checkLayerClasses(topology: JsonObject): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  const stack: JsonValue[] = [...layersOf(topology)];
  while (stack.length) {
    const layer = stack.pop();
    if (!isJsonObject(layer)) throw invalid('A layer in model.json is not an object.');
    const className = layer.class_name;
    const config = isJsonObject(layer.config) ? layer.config : {};
    const name =
      typeof config.name === 'string' ? config.name : typeof layer.name === 'string' ? layer.name : '?';
    if (typeof className !== 'string' || !Object.prototype.hasOwnProperty.call(known, className))
      throw new GraftError(
        'import/unknown-layer',
        `Layer ${quote(name)} is a ${quote(String(className))}, a layer class TF.js does not have. Custom Python layers cannot run in the browser; replace it with built-in layers before converting.`,
        { data: { layer: name, className: String(className) } },
      );
    if (MODEL_CLASSES.includes(className)) {
      stack.push(...layersOf(layer));
      if (className !== 'Sequential') checkFunctionalGraph(layer);
    }
    if (isJsonObject(config.layer)) stack.push(config.layer);
  }
  if (topology.class_name !== 'Sequential') checkFunctionalGraph(topology);
}

/** A functional model's wiring, checked before TF.js replays it (see core/model/wiring.ts). */
function checkFunctionalGraph(model: JsonObject): void {
  checkWiring(model, (problem) => {
    throw invalid(`The model’s wiring in model.json is broken: ${problem}.`);
  });
}

function layersOf(model: JsonObject): JsonValue[] {
  const config = model.config;
  const layers = Array.isArray(config) ? config : isJsonObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers)) throw invalid('The model in model.json lists no layers.');
  return layers;
}

// ---- the weights --------------------------------------------------------------------------------------

function readWeightsManifest(v: JsonValue | undefined): WeightGroup[] {
  if (v === undefined || v === null) return [];
  const f: Fields = new Fields('import/invalid-model', 'The weights manifest in model.json is not valid');
  const shapes: Fields = new Fields(
    'import/absurd-shape',
    'model.json lists a weight with an impossible shape',
  );
  let count = 0;
  return f.array(v, 'weightsManifest', MAX_GROUPS).map((g, i) => {
    const path = `weightsManifest[${i}]`;
    const group = f.object(g, path);
    const weights = f.array(group.weights, `${path}.weights`, MAX_WEIGHTS).map((w, j) => {
      const spec = f.object(w, `${path}.weights[${j}]`);
      const name = f.string(spec.name, `${path}.weights[${j}].name`, LIMITS.maxNameLength, 1);
      const shape = shapes.shape(spec.shape, `weight ${quote(name)} shape`);
      const dtype = f.oneOf(spec.dtype, `weight ${quote(name)} dtype`, STORED);
      const group =
        spec.group === undefined ? {} : { group: f.string(spec.group, `weight ${quote(name)} group`, 100) };
      if (spec.quantization === undefined) return { name, shape, dtype, ...group };
      const q = f.json(spec.quantization, `weight ${quote(name)} quantization`);
      f.oneOf(q.dtype, `weight ${quote(name)} quantization dtype`, Object.keys(QUANTIZED_BYTES));
      return { name, shape, dtype, ...group, quantization: q as JsonObject & { dtype: string } };
    });
    count += weights.length;
    if (count > MAX_WEIGHTS) f.fail('weightsManifest', `lists more than ${MAX_WEIGHTS} weights`);
    const paths = f
      .array(group.paths, `${path}.paths`, MAX_GROUPS)
      .map((p, j) => f.string(p, `${path}.paths[${j}]`, LIMITS.maxNameLength, 1));
    if (paths.length === 0 && weights.length > 0) f.fail(`${path}.paths`, 'names no weight file');
    return { paths, weights };
  });
}

function bytesOf(spec: WeightSpec): number {
  const perElement = spec.quantization
    ? (QUANTIZED_BYTES[spec.quantization.dtype] as number)
    : spec.dtype === 'bool'
      ? 1
      : 4;
  return spec.shape.reduce((n, d) => n * d, 1) * perElement;
}

/** Finds each group's shards among the files by relative path, then by name alone, and joins them. */
function gatherWeights(
  groups: readonly WeightGroup[],
  files: readonly NamedBytes[],
  modelFile: NamedBytes,
): { weightData: Uint8Array<ArrayBuffer>; weightFiles: string[]; ignored: string[] } {
  const used = new Set<NamedBytes>([modelFile]);
  const parts: Uint8Array[] = [];
  for (const [i, group] of groups.entries()) {
    const shards = group.paths.map((p) => findWeightFile(p, files, modelFile));
    for (const s of shards) used.add(s);
    const actual = shards.reduce((n, s) => n + s.bytes.byteLength, 0);
    const expected = group.weights.reduce((n, w) => n + bytesOf(w), 0);
    if (actual !== expected)
      throw new GraftError(
        'import/weights-mismatch',
        `Weight group ${i + 1} (${shards.map((s) => quote(s.name)).join(', ')}) holds ${actual} bytes, but the ${group.weights.length} weights model.json lists for it need ${expected}. The files may be truncated or belong to another model.`,
        { data: { group: i, actual, expected } },
      );
    parts.push(...shards.map((s) => s.bytes));
  }
  // Other JSON files ride along with models (Teachable Machine's metadata.json); they are never weights.
  const unused = files.filter((f) => !used.has(f));
  const ignored = unused.filter((f) => f.name.toLowerCase().endsWith('.json')).map((f) => f.name);
  const extra = unused.find((f) => !f.name.toLowerCase().endsWith('.json'));
  if (extra)
    throw new GraftError(
      'import/weights-mismatch',
      `${quote(extra.name)} is not one of the weight files model.json lists. Pick only one model’s model.json and weight files.`,
      { data: { file: extra.name } },
    );
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    weightData.set(p, offset);
    offset += p.byteLength;
  }
  return { weightData, weightFiles: [...used].filter((f) => f !== modelFile).map((f) => f.name), ignored };
}

function findWeightFile(path: string, files: readonly NamedBytes[], modelFile: NamedBytes): NamedBytes {
  const relative = `${dirName(modelFile.name)}${path.replace(/^(\.\/)+/, '')}`;
  const exact = files.find((f) => f.name === relative);
  if (exact) return exact;
  const sameName = files.filter((f) => baseName(f.name) === baseName(path));
  if (sameName.length === 1) return sameName[0] as NamedBytes;
  throw new GraftError(
    'import/weights-missing',
    `model.json needs the weight file ${quote(baseName(path))}, which was not among the files picked. Pick model.json together with all its weight files (their names often look like “group1-shard1of2”, with or without “.bin”).`,
    { data: { file: path } },
  );
}

function nonFiniteWarnings(specs: readonly WeightSpec[], data: Uint8Array): string[] {
  const warnings: string[] = [];
  let offset = 0;
  for (const spec of specs) {
    const length = bytesOf(spec);
    if (spec.dtype === 'float32' && !spec.quantization) {
      const n = countNonFinite(data.subarray(offset, offset + length));
      if (n > 0) warnings.push(nonFiniteWarning(spec.name, n));
    }
    offset += length;
  }
  return warnings;
}

// ---- loading ------------------------------------------------------------------------------------------

/**
 * The weights the topology's layers create, found by building it once with every initializer set to
 * zeros (fast, even for orthogonal ones). Checking names and shapes against these before the real load
 * gives a precise message, and keeps TF.js from failing halfway through a load, which leaks tensors.
 */
async function weightsTheModelNeeds(json: JsonObject): Promise<{ name: string; shape: number[] }[]> {
  const probe = await build(() =>
    tf.loadLayersModel(tf.io.fromMemory({ modelTopology: zeroInitializers(json.modelTopology) as object })),
  );
  try {
    return probe.weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] }));
  } finally {
    probe.dispose();
  }
}

export function zeroInitializers(value: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(value)) return value.map((v) => zeroInitializers(v) as JsonValue);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value))
    out[key] =
      key.endsWith('_initializer') && isJsonObject(v)
        ? { class_name: 'Zeros', config: {} }
        : (zeroInitializers(v) as JsonValue);
  return out;
}

function checkWeightNames(
  needed: readonly { name: string; shape: number[] }[],
  specs: readonly WeightSpec[],
): void {
  const given = new Map(specs.filter((s) => s.group !== 'optimizer').map((s) => [s.name, s]));
  const mismatch = (message: string) => new GraftError('import/weights-mismatch', message);
  for (const w of needed) {
    const spec = given.get(w.name);
    if (!spec)
      throw mismatch(
        `The model needs a weight ${quote(w.name)} that model.json does not list. The weight files may belong to another model.`,
      );
    if (spec.shape.join() !== w.shape.join())
      throw mismatch(
        `Weight ${quote(w.name)} has shape [${spec.shape.join(', ')}] in the files, but its layer needs [${w.shape.join(', ')}].`,
      );
    given.delete(w.name);
  }
  const extra = given.keys().next();
  if (!extra.done)
    throw mismatch(
      `model.json lists a weight ${quote(extra.value)} that no layer of the model has. The weight files may belong to another model.`,
    );
}

/**
 * Runs a TF.js model build, turning its errors into Graft's. TF.js creates layer variables before it
 * can fail on a later layer and never returns the half-built model, so the variables it registered
 * meanwhile are disposed here.
 */
export async function build(load: () => Promise<tf.LayersModel>): Promise<tf.LayersModel> {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return await load();
  } catch (e) {
    for (const [name, variable] of Object.entries(tf.engine().registeredVariables))
      if (!before.has(name)) variable.dispose();
    throw loadError(e);
  }
}

function loadError(e: unknown): GraftError {
  if (isGraftError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const unknown = /Unknown (?:layer|class name)[:\s]+['"]?([\w.-]+)/i.exec(message);
  if (unknown)
    return new GraftError(
      'import/unknown-layer',
      `This model uses ${quote(unknown[1] ?? '')}, a class TF.js does not have. Custom Python layers cannot run in the browser.`,
      { cause: e },
    );
  if (/weight/i.test(message))
    return new GraftError(
      'import/weights-mismatch',
      `The weights in these files do not fit the model's layers: ${message}`,
      { cause: e },
    );
  return invalid(`TF.js could not build this model: ${message}`, e);
}

function sourceOf(json: JsonObject, modelFile: string, weightFiles: string[]): ModelSource {
  const text = (v: JsonValue | undefined) => (typeof v === 'string' ? v : null);
  const outer = isJsonObject(json.modelTopology) ? json.modelTopology : {};
  const meta = isJsonObject(json.userDefinedMetadata) ? json.userDefinedMetadata : {};
  const graft = isJsonObject(meta.graft) ? meta.graft : {};
  // The converter wrapped the model in `model_config` until about 2019.
  const model = isJsonObject(outer.model_config) ? outer.model_config : outer;
  const config = isJsonObject(model.config) ? model.config : {};
  const name = text(config.name)?.trim();
  return {
    format: text(json.format),
    generatedBy: text(json.generatedBy),
    convertedBy: text(json.convertedBy),
    kerasVersion: text(outer.keras_version),
    backend: text(outer.backend),
    modelFile,
    weightFiles,
    graftVersionId: isHash(graft.versionId) ? graft.versionId : null,
    modelName: name ? name : null,
  };
}
