/**
 * The Share feature's services: the real bundle, model-file and download functions behind ShareServices.
 * Keras support — its readers and writers, and the HDF5 library (4 MB, in a worker of its own) under them —
 * is loaded the first time a Keras or safetensors file is read or written, never at start-up; the service
 * worker precaches it.
 */
import type * as tf from '@tensorflow/tfjs';
import { isZip, listZip } from '../core/bundle/zip';
import { GraftError, part } from '../core/errors';
import { isJsonObject } from '../core/json';
import type { Hdf5Io } from '../core/keras/hdf5';
import { isHdf5, looksLikeSafetensors } from '../core/keras/sniff';
import type { WeightsFile } from '../ml/kerasWeights';
import { readModelFiles, sourceProvenance } from '../ml/modelFiles';
import { materializeModel } from '../ml/snapshot';
import { bundleDataBytes, exportBundle, exportTfjsModel, importBundle } from '../storage/bundles';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import { saveFile } from './browser';
import {
  tensorBytes,
  type EarlierImport,
  type ModelFromFiles,
  type ShareServices,
  type WeightsFromFile,
} from '../core/ports';

/** Loads a module once, and again after a failed attempt (a flaky network on the first visit). */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () =>
    (loading ??= load().catch((e: unknown) => {
      loading = null;
      throw e;
    }));
}

// HDF5 is parsed in a worker with a deadline, so a damaged file cannot freeze the page.
const loadHdf5Worker = lazy(() => import('../formats/hdf5Worker').then((m): Hdf5Io => m.workerHdf5()));
const loadKeras = lazy(async () => {
  const [files, weights, write] = await Promise.all([
    import('../ml/kerasFiles'),
    import('../ml/kerasWeights'),
    import('../ml/kerasWrite'),
  ]);
  return { ...files, ...weights, ...write };
});
const loadWeightsExport = lazy(() => import('../storage/weightsExport'));
/** Set once the Keras module is loaded: a weights file only exists after it read one. */
let keras: Awaited<ReturnType<typeof loadKeras>> | null = null;

/** Which reader a single picked file needs, from its content (names lie; converters drop extensions). */
function kerasKind(bytes: Uint8Array): 'keras-v3' | 'hdf5' | 'safetensors' | null {
  if (isHdf5(bytes)) return 'hdf5';
  if (isZip(bytes)) {
    try {
      const entries = listZip(bytes, part('errorPart.the-file'));
      return entries.has('config.json') && [...entries.keys()].some((k) => k.startsWith('model.weights'))
        ? 'keras-v3'
        : null;
    } catch {
      return null; // not readable as a zip here; the TF.js reader names the problem
    }
  }
  return looksLikeSafetensors(bytes) ? 'safetensors' : null;
}

/**
 * `hdf5` gives the HDF5 reader and writer: by default the one in a worker; tests in Node, which has no
 * web workers, pass the same library run in their own thread.
 */
export function createShareServices(
  store: DexieVersionStore,
  hdf5: () => Promise<Hdf5Io> = loadHdf5Worker,
): ShareServices<tf.LayersModel> {
  const loadHdf5 = lazy(hdf5);
  const weightsOf = (w: WeightsFromFile) => w.handle as WeightsFile;
  const loaded = () => {
    if (!keras) throw new GraftError('error.internal.keras-not-loaded');
    return keras;
  };
  return {
    exportBundle: (request, onProgress) => exportBundle(store, request, onProgress),
    bundleDataBytes: (request) => bundleDataBytes(store, request),
    importBundle: (bundle, onProgress) => importBundle(store, bundle, onProgress),
    exportTfjsModel: (versionId, baseName) => exportTfjsModel(store, versionId, { baseName }),
    async readModelFiles(files) {
      const single = files.length === 1 ? files[0] : undefined;
      const kind = single ? kerasKind(single.bytes) : null;
      if (single && kind) {
        const [k, io] = await Promise.all([loadKeras(), kind === 'safetensors' ? null : loadHdf5()]);
        keras = k;
        const content = await k.readKerasFile(single, io, kind);
        if (content.kind === 'model')
          return { kind: 'model', ...(await materialized(content.model)), notes: content.model.notes };
        const read = content.weights;
        return {
          kind: 'weights',
          handle: read,
          fileName: read.fileName,
          format: read.format,
          sha256: read.sha256,
          kerasVersion: read.kerasVersion,
          tensorCount: read.tensors.length,
          converted: read.converted,
          skipped: read.skipped,
          warnings: read.warnings,
        } satisfies WeightsFromFile;
      }
      return { kind: 'model', ...(await materialized(await readModelFiles(files))) };
    },
    planWeights: (model, weights) => loaded().planWeightsInto(model, weightsOf(weights)),
    applyWeights: (model, weights, plan) => loaded().applyWeights(model, weightsOf(weights), plan),
    async findImports(sha256) {
      const found: EarlierImport[] = [];
      for (const repo of await store.listRepositories()) {
        const imported = (await store.listVersions(repo.id)).filter((v) => v.change === 'imported');
        for (const row of imported) {
          const source = (await store.getVersion(row.id)).provenance.source;
          if (isJsonObject(source) && source.sha256 === sha256)
            found.push({ repoId: repo.id, repoName: repo.name, versionId: row.id });
        }
      }
      return found;
    },
    async exportKeras(versionId, baseName) {
      const [k, io, version] = await Promise.all([loadKeras(), loadHdf5(), store.load(versionId)]);
      const model = await materializeModel(version);
      try {
        const bytes = await k.writeKerasFile(model, io, { graftVersionId: versionId, savedAt: new Date() });
        return { bytes, fileName: `${baseName}.keras` };
      } finally {
        model.dispose();
      }
    },
    async exportSafetensors(versionId, baseName) {
      const { exportSafetensors } = await loadWeightsExport();
      return { bytes: await exportSafetensors(store, versionId), fileName: `${baseName}.safetensors` };
    },
    sourceProvenance,
    disposeModel: (model) => model.dispose(),
    saveFile,
  };
}

/** The checked snapshot as a live TF.js model the workspace can own. */
async function materialized(
  read: Awaited<ReturnType<typeof readModelFiles>>,
): Promise<Omit<ModelFromFiles<tf.LayersModel>, 'kind'>> {
  const { snapshot, source, warnings } = read;
  const tensors = await Promise.all(
    snapshot.tensors.map(async (t) => ({ entry: t, data: ownBuffer(await tensorBytes(t)) })),
  );
  const model = await materializeModel({ topology: snapshot.topology, tensors });
  return { model, summary: snapshot.summary, source, warnings };
}

/** The bytes as a whole ArrayBuffer of their own (a view's buffer may hold more than the view). */
function ownBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}
