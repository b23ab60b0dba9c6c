/**
 * HDF5 files in and out through h5wasm (the HDF5 C library compiled to WebAssembly). This is the only module
 * that imports h5wasm, and it is itself loaded only when a Keras file is read or written, so the app's
 * first paint never waits for the library's 4 MB.
 *
 * Files are read from a copy in h5wasm's in-memory file system, lazily: listing a tree reads no weights,
 * and a dataset's bytes are read when asked for. Every failure of the library is turned into one error that
 * names the file; a truncated or crafted file can make HDF5 refuse, never make Graft hang.
 */
import type { Dataset, Group, File as H5wasmFile } from 'h5wasm';
import { LIMITS } from '../core/bundle/limits';
import { GraftError, isGraftError } from '../core/errors';
import type {
  H5AttrValue,
  H5Dataset,
  H5ElementType,
  H5File,
  H5Group,
  H5WriteDataset,
  H5WriteGroup,
  Hdf5Io,
} from '../core/keras/hdf5';
import type { DatasetCopy, GroupCopy, H5Copy } from './hdf5Copy';

type H5wasm = typeof import('h5wasm').default;
type Module = Awaited<H5wasm['ready']>;

let loading: Promise<{ lib: H5wasm; module: Module }> | null = null;
let counter = 0;

/**
 * The library, started once. HDF5 prints its error stack through `console.error` whenever a call fails,
 * which a hostile file would flood the console with; those lines are dropped. The library binds its
 * `err` when its module is evaluated, so the filter is installed around the import itself.
 */
function library(): Promise<{ lib: H5wasm; module: Module }> {
  loading ??= (async () => {
    const original = console.error;
    console.error = (...args: unknown[]) => {
      const first = typeof args[0] === 'string' ? args[0] : '';
      if (/^(HDF5-DIAG|\s+#\d{3}:|\s+(major|minor):)/.test(first)) return;
      original.apply(console, args);
    };
    try {
      const lib = (await import('h5wasm')).default;
      return { lib, module: await lib.ready };
    } finally {
      console.error = original;
    }
  })();
  return loading;
}

const broken = (fileName: string, cause?: unknown) =>
  new GraftError(
    cause instanceof Error && cause.message
      ? 'error.import/hdf5-invalid.because'
      : 'error.import/hdf5-invalid',
    {
      file: fileName,
      ...(cause instanceof Error && cause.message ? { reason: cause.message.split('\n')[0] ?? '' } : {}),
    },
    cause === undefined ? {} : { cause },
  );

export const hdf5: Hdf5Io = {
  async open(bytes, fileName) {
    const { lib, module } = await library();
    const FS = module.FS as unknown as EmscriptenFs;
    const path = `/graft-read-${++counter}.h5`;
    FS.writeFile(path, bytes);
    let file: H5wasmFile;
    try {
      file = new lib.File(path, 'r');
      if (!file.file_id || file.file_id < 0n) throw new Error('HDF5 did not open it');
    } catch (e) {
      FS.unlink(path);
      throw broken(fileName, e);
    }
    let closed = false;
    return {
      root: wrapGroup(lib, module, file, '/', fileName),
      close() {
        if (closed) return;
        closed = true;
        try {
          file.close();
        } finally {
          FS.unlink(path);
        }
      },
    } satisfies H5File;
  },

  async write(root) {
    const { lib, module } = await library();
    const FS = module.FS as unknown as EmscriptenFs;
    const path = `/graft-write-${++counter}.h5`;
    const file = new lib.File(path, 'w');
    try {
      writeGroup(file, root);
    } catch (e) {
      file.close();
      FS.unlink(path);
      throw e;
    }
    file.close();
    try {
      return FS.readFile(path) as Uint8Array<ArrayBuffer>;
    } finally {
      FS.unlink(path);
    }
  },
};

interface EmscriptenFs {
  writeFile(path: string, data: Uint8Array): void;
  readFile(path: string): Uint8Array;
  unlink(path: string): void;
}

// ---- reading --------------------------------------------------------------------------------------------

function guard<T>(fileName: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw isGraftError(e) ? e : broken(fileName, e);
  }
}

function wrapGroup(lib: H5wasm, module: Module, group: Group, path: string, fileName: string): H5Group {
  return guard(fileName, () => {
    const keys = group.keys();
    return {
      kind: 'group',
      path,
      attrs: readAttrs(group, fileName),
      keys,
      get(name: string) {
        if (!keys.includes(name)) return null;
        return guard(fileName, () => {
          const child = group.get(name);
          const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
          if (child instanceof lib.Group) return wrapGroup(lib, module, child, childPath, fileName);
          if (child instanceof lib.Dataset) return wrapDataset(module, child, childPath, fileName);
          return null; // links to elsewhere, named types: never part of a Keras file
        });
      },
    } satisfies H5Group;
  });
}

function readAttrs(node: Group | Dataset, fileName: string): Record<string, H5AttrValue> {
  const out: Record<string, H5AttrValue> = {};
  for (const [name, attr] of Object.entries(node.attrs)) {
    let value: unknown;
    try {
      value = attr.value;
    } catch {
      continue; // a type h5wasm cannot decode is not one Keras writes
    }
    out[name] = attrValue(value);
    if (out[name] === undefined) throw broken(fileName);
  }
  return out;
}

function attrValue(v: unknown): H5AttrValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const items = Array.from(v as unknown as ArrayLike<number | bigint>, Number);
    return items.length === 1 ? (items[0] as number) : items;
  }
  if (Array.isArray(v)) {
    if (v.every((s) => typeof s === 'string')) return v as string[];
    const flat = v.flat(8);
    if (flat.every((n) => typeof n === 'number' || typeof n === 'bigint')) return flat.map(Number);
    if (flat.every((s) => typeof s === 'string')) return flat as string[];
  }
  return null;
}

/** h5wasm's type classes (H5T_class_t). */
const INTEGER = 0;
const FLOAT = 1;
const OPAQUE = 5;
const ENUM = 8;

function elementType(meta: Dataset['metadata'], attrs: Record<string, H5AttrValue>): H5ElementType {
  if (attrs.dtype === 'bfloat16' && meta.size === 2) return 'bfloat16';
  if (meta.type === FLOAT)
    return meta.size === 2 ? 'float16' : meta.size === 4 ? 'float32' : meta.size === 8 ? 'float64' : 'other';
  if (meta.type === INTEGER) {
    const bits = meta.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return 'other';
    return `${meta.signed ? 'int' : 'uint'}${bits}` as H5ElementType;
  }
  // h5py writes numpy booleans as an enum of one-byte integers.
  if (meta.type === ENUM && meta.size === 1) return 'bool';
  if (meta.type === OPAQUE && meta.size === 2 && attrs.dtype === 'bfloat16') return 'bfloat16';
  return 'other';
}

function wrapDataset(module: Module, dataset: Dataset, path: string, fileName: string): H5Dataset {
  const meta = dataset.metadata;
  const attrs = readAttrs(dataset, fileName);
  const shape = (meta.shape ?? []).map(Number);
  const type = elementType(meta, attrs);
  const elements = shape.reduce((n, d) => n * d, 1);
  return {
    kind: 'dataset',
    path,
    shape,
    type,
    elementSize: meta.size,
    attrs,
    read() {
      const bytes = elements * meta.size;
      if (!Number.isSafeInteger(bytes) || bytes > LIMITS.maxBlobBytes)
        throw new GraftError('error.import/too-large.dataset', {
          file: fileName,
          path,
          bytes,
          max: LIMITS.maxBlobBytes,
          detail: `dataset ${path} is over ${LIMITS.maxBlobBytes} bytes`,
        });
      return guard(fileName, () => {
        const ptr = module._malloc(Math.max(bytes, 1));
        if (!ptr) throw new Error('out of memory');
        try {
          const status = module.get_dataset_data(dataset.file_id, path, null, null, null, BigInt(ptr));
          if (status < 0) throw new Error(`its dataset ${path} cannot be read`);
          const out = module.HEAPU8.slice(ptr, ptr + bytes) as Uint8Array<ArrayBuffer>;
          // Opaque elements (Keras's bfloat16) have no byte order; h5py writes them as numpy holds them.
          const ordered = meta.type === INTEGER || meta.type === FLOAT;
          if (ordered && !meta.littleEndian && meta.size > 1) swapBytes(out, meta.size);
          return out;
        } finally {
          module._free(ptr);
        }
      });
    },
  } satisfies H5Dataset;
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

// ---- writing --------------------------------------------------------------------------------------------

const DTYPES: Record<H5WriteDataset['type'], string> = { float32: '<f', int32: '<i', bool: '|u1' };

function writeGroup(group: Group, node: H5WriteGroup): void {
  for (const [name, value] of Object.entries(node.attrs ?? {})) group.create_attribute(name, value);
  for (const [name, child] of node.children) {
    if ('children' in child) writeGroup(group.create_group(name), child);
    else {
      const aligned = new Uint8Array(child.data); // a copy on a 4-byte boundary, as typed arrays need
      const data =
        child.type === 'float32'
          ? new Float32Array(aligned.buffer)
          : child.type === 'int32'
            ? new Int32Array(aligned.buffer)
            : aligned;
      group.create_dataset({ name, data, shape: [...child.shape], dtype: DTYPES[child.type] });
    }
  }
}

// ---- whole files as plain data, for the worker ----------------------------------------------------------

const MAX_NODES = 100_000;
const MAX_DEPTH = 64;

/** Reads every group, attribute and dataset of a file into plain data (see `fromCopy`). */
export async function copyHdf5(bytes: Uint8Array, fileName: string): Promise<H5Copy> {
  const file = await hdf5.open(bytes, fileName);
  let nodes = 0;
  let total = 0;
  const tooBig = (detail: string) => new GraftError('error.import/too-large', { file: fileName, detail });
  const copyGroup = (g: H5Group, depth: number): GroupCopy => {
    if (depth > MAX_DEPTH)
      throw broken(fileName, new Error(`its groups are nested more than ${MAX_DEPTH} deep`));
    const children: Record<string, GroupCopy | DatasetCopy> = {};
    for (const key of g.keys) {
      if (++nodes > MAX_NODES) throw tooBig(`it holds more than ${MAX_NODES} groups and datasets`);
      const child = g.get(key);
      if (child?.kind === 'group') children[key] = copyGroup(child, depth + 1);
      else if (child?.kind === 'dataset') {
        let data: Uint8Array<ArrayBuffer> | null = null;
        let error: DatasetCopy['error'] = null;
        try {
          data = child.read();
          total += data.byteLength;
          if (total > LIMITS.maxUnpackedBytes)
            throw tooBig(`its datasets hold more than ${LIMITS.maxUnpackedBytes} bytes`);
        } catch (e) {
          if (!isGraftError(e) || e.code === 'import/too-large') throw e;
          error = e.toJSON();
        }
        const { path, shape, type, elementSize, attrs } = child;
        children[key] = { kind: 'dataset', path, shape, type, elementSize, attrs, bytes: data, error };
      }
    }
    return { kind: 'group', path: g.path, attrs: g.attrs, keys: Object.keys(children), children };
  };
  try {
    return { root: copyGroup(file.root, 0) };
  } finally {
    file.close();
  }
}
