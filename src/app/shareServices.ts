/** The Share feature's services: the real bundle, model-file and download functions behind ShareServices. */
import type * as tf from '@tensorflow/tfjs';
import { tensorBytes } from '../core/ports';
import { readModelFiles, sourceProvenance } from '../ml/modelFiles';
import { materializeModel } from '../ml/snapshot';
import { exportBundle, exportTfjsModel, importBundle } from '../storage/bundles';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import type { ShareServices } from '../state/Share.svelte';

/** How long a download's object URL stays valid: the browser starts reading it at the click. */
const REVOKE_AFTER_MS = 60_000;

export function createShareServices(store: DexieVersionStore): ShareServices<tf.LayersModel> {
  return {
    exportBundle: (request, onProgress) => exportBundle(store, request, onProgress),
    importBundle: (bytes, onProgress) => importBundle(store, bytes, onProgress),
    exportTfjsModel: (versionId, baseName) => exportTfjsModel(store, versionId, { baseName }),
    async readModelFiles(files) {
      const { snapshot, source, warnings } = await readModelFiles(files);
      const tensors = await Promise.all(
        snapshot.tensors.map(async (t) => ({ entry: t, data: ownBuffer(await tensorBytes(t)) })),
      );
      const model = await materializeModel({ topology: snapshot.topology, tensors });
      return { model, summary: snapshot.summary, source, warnings };
    },
    sourceProvenance,
    disposeModel: (model) => model.dispose(),
    saveFile(bytes, fileName, mime) {
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.rel = 'noopener';
      link.style.display = 'none';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
    },
  };
}

/** The bytes as a whole ArrayBuffer of their own (a view's buffer may hold more than the view). */
function ownBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}
