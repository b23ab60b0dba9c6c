/**
 * HDF5 in a worker of its own. The HDF5 C library is not hardened against crafted files: a few bytes can
 * make it loop forever inside WebAssembly, where nothing in the page could stop it. Here it can run
 * without freezing the page, and the page ends the worker when a file takes too long (./hdf5Worker.ts).
 */
import { toGraftError, type GraftErrorJSON } from '../core/errors';
import type { H5WriteGroup } from '../core/keras/hdf5';
import { copyHdf5, hdf5 } from './hdf5';

export type Hdf5Request =
  | { readonly id: number; readonly op: 'open'; readonly bytes: Uint8Array; readonly fileName: string }
  | { readonly id: number; readonly op: 'write'; readonly root: H5WriteGroup };

export type Hdf5Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: GraftErrorJSON;
    };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Hdf5Request>) => void) | null;
  postMessage(message: Hdf5Reply, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data: request }) => {
  try {
    if (request.op === 'open') {
      const copy = await copyHdf5(request.bytes, request.fileName);
      scope.postMessage({ id: request.id, ok: true, value: copy });
    } else {
      const bytes = await hdf5.write(request.root);
      scope.postMessage({ id: request.id, ok: true, value: bytes }, [bytes.buffer]);
    }
  } catch (e) {
    scope.postMessage({ id: request.id, ok: false, error: toGraftError(e).toJSON() });
  }
};
