/**
 * HDF5 as Keras uses it, seen through a small tree of groups, attributes and datasets. The reader and writer
 * live in src/formats/hdf5.ts (h5wasm, loaded only when a Keras file is opened or written); everything that
 * knows where Keras keeps what works on this tree.
 */

/** An attribute's value as Keras writes them: text, numbers, or lists of either. */
export type H5AttrValue = string | number | boolean | readonly string[] | readonly number[] | null;

/** How a dataset's elements are stored. `bfloat16` is recognised by the `dtype` attribute Keras 3 writes. */
export type H5ElementType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'other';

export interface H5Dataset {
  readonly kind: 'dataset';
  readonly path: string;
  readonly shape: readonly number[];
  readonly type: H5ElementType;
  /** Bytes per element as stored. */
  readonly elementSize: number;
  readonly attrs: Readonly<Record<string, H5AttrValue>>;
  /** The elements as little-endian bytes, read from the file now. */
  read(): Uint8Array<ArrayBuffer>;
}

export interface H5Group {
  readonly kind: 'group';
  readonly path: string;
  readonly attrs: Readonly<Record<string, H5AttrValue>>;
  /** Member names, in the file's order. */
  readonly keys: readonly string[];
  get(name: string): H5Group | H5Dataset | null;
}

/** An HDF5 file opened for reading; `close` frees the reader's copy of it. */
export interface H5File {
  readonly root: H5Group;
  close(): void;
}

/** A tree to write: groups with attributes, and datasets of float32/int32/uint8 elements. */
export interface H5WriteGroup {
  readonly attrs?: Readonly<Record<string, string | number>>;
  readonly children: ReadonlyMap<string, H5WriteGroup | H5WriteDataset>;
}

export interface H5WriteDataset {
  readonly shape: readonly number[];
  readonly type: 'float32' | 'int32' | 'bool';
  readonly data: Uint8Array;
}

/** The reader and writer, as the app's HDF5 adapter provides them. */
export interface Hdf5Io {
  open(bytes: Uint8Array, fileName: string): Promise<H5File>;
  write(root: H5WriteGroup): Promise<Uint8Array<ArrayBuffer>>;
}

export { isHdf5 } from './sniff';

/** Resolves a slash-separated path below a group; null when any part is missing or not a group. */
export function h5Find(group: H5Group, path: string): H5Group | H5Dataset | null {
  let node: H5Group | H5Dataset | null = group;
  for (const part of path.split('/').filter(Boolean)) {
    if (node === null || node.kind !== 'group') return null;
    node = node.get(part);
  }
  return node;
}

export function h5Group(group: H5Group, path: string): H5Group | null {
  const node = h5Find(group, path);
  return node?.kind === 'group' ? node : null;
}

/** An attribute as text: Keras writes JSON configs and version numbers as strings (or byte strings). */
export function attrText(attrs: Readonly<Record<string, H5AttrValue>>, name: string): string | null {
  const v = attrs[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return null;
}

/** An attribute as a list of strings (Keras's `layer_names`, `weight_names`); an empty list when absent. */
export function attrList(attrs: Readonly<Record<string, H5AttrValue>>, name: string): string[] | null {
  const v = attrs[name];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v))
    return v.every((s) => typeof s === 'string') ? [...(v as string[])] : v.length === 0 ? [] : null;
  return null;
}
