/**
 * Standard TF.js Layers `model.json` files for Graft versions, so every version opens in any TF.js tool:
 * inside a bundle (one weight file per tensor, pointing at the shared blobs) and as the two loose files
 * `tf.io.browserDownloads` writes.
 */
import { shortId, type VersionId } from '../hashing';
import { isJsonObject, type JsonObject } from '../json';
import type { StoredDType, TensorEntry, Version } from '../versions/types';
import { slug } from './names';

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: StoredDType;
}

export interface TfjsWeightGroup {
  readonly paths: string[];
  readonly weights: TfjsWeightSpec[];
}

/** The fields TF.js's `getModelJSONForModelArtifacts` writes for a Layers model, plus Graft's own note. */
export interface TfjsModelJson {
  readonly modelTopology: JsonObject;
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: string;
  readonly weightsManifest: TfjsWeightGroup[];
  readonly userDefinedMetadata: {
    readonly graft: { readonly versionId: VersionId; readonly parents: VersionId[] };
  };
}

export const CONVERTED_BY = 'Graft';

function specOf(t: Pick<TensorEntry, 'name' | 'shape' | 'dtype'>): TfjsWeightSpec {
  return { name: t.name, shape: [...t.shape], dtype: t.dtype };
}

/** What produced the topology, in TF.js's own words when Graft knows them. */
function generatedBy(version: Version, topology: JsonObject): string {
  const tfjs = version.provenance.tfjsVersion;
  if (typeof tfjs === 'string') return `TensorFlow.js tfjs-layers v${tfjs}`;
  const keras = topology.keras_version;
  return typeof keras === 'string' ? keras : CONVERTED_BY;
}

function modelJson(
  version: Version,
  topology: JsonObject,
  weightsManifest: TfjsWeightGroup[],
): TfjsModelJson {
  return {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: generatedBy(version, topology),
    convertedBy: CONVERTED_BY,
    weightsManifest,
    userDefinedMetadata: { graft: { versionId: version.id, parents: [...version.parents] } },
  };
}

/**
 * The model.json at `versions/<id>/model.json` in a bundle. One weight group per tensor whose single
 * path is the tensor's blob, so weights shared between versions are stored once.
 */
export function bundleModelJson(
  version: Version,
  topology: JsonObject,
  blobPath: (hash: string) => string,
): TfjsModelJson {
  return modelJson(
    version,
    topology,
    version.tensors.map((t) => ({ paths: [blobPath(t.hash)], weights: [specOf(t)] })),
  );
}

export interface StandardModelFiles {
  readonly modelJson: TfjsModelJson;
  readonly weightsBin: Uint8Array<ArrayBuffer>;
  readonly modelFileName: string;
  readonly weightsFileName: string;
}

export interface VersionWeights {
  readonly version: Version;
  readonly topology: JsonObject;
  readonly tensors: readonly { readonly entry: TensorEntry; readonly data: ArrayBuffer | Uint8Array }[];
}

/**
 * Exactly what `model.save('downloads://<name>')` writes: `<name>.json` whose one weight group points at
 * `./<name>.weights.bin`, the tensors concatenated in order.
 */
export function standardModelFiles(loaded: VersionWeights, baseName = 'model'): StandardModelFiles {
  const name = slug(baseName, 'model');
  const weightsFileName = `${name}.weights.bin`;
  const total = loaded.tensors.reduce((n, t) => n + t.data.byteLength, 0);
  const weightsBin = new Uint8Array(total);
  let offset = 0;
  for (const t of loaded.tensors) {
    weightsBin.set(t.data instanceof Uint8Array ? t.data : new Uint8Array(t.data), offset);
    offset += t.data.byteLength;
  }
  return {
    modelJson: modelJson(loaded.version, loaded.topology, [
      { paths: [`./${weightsFileName}`], weights: loaded.tensors.map((t) => specOf(t.entry)) },
    ]),
    weightsBin,
    modelFileName: `${name}.json`,
    weightsFileName,
  };
}

/** A download name for one version: `<repo-slug>-<shortid>`. */
export function standardModelBaseName(repoName: string, id: VersionId): string {
  return `${slug(repoName, 'model')}-${shortId(id)}`;
}

/** The layers a topology lists (name and class), for model cards; empty when it has none to show. */
export function topologyLayers(topology: JsonObject): { name: string; className: string }[] {
  const inner = isJsonObject(topology.model_config) ? topology.model_config : topology;
  const config = inner.config;
  const layers = Array.isArray(config) ? config : isJsonObject(config) ? config.layers : null;
  if (!Array.isArray(layers)) return [];
  return layers.filter(isJsonObject).map((l) => {
    const cfg = isJsonObject(l.config) ? l.config : {};
    return {
      name: typeof cfg.name === 'string' ? cfg.name : typeof l.name === 'string' ? l.name : '',
      className: typeof l.class_name === 'string' ? l.class_name : '',
    };
  });
}
