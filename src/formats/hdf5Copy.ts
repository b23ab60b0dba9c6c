/**
 * An HDF5 file as plain data — its tree and every dataset's bytes — as the HDF5 worker posts it, and the
 * reads over it. No HDF5 library here: the page reads the copy, only the worker ever parses the file.
 */
import { GraftError, type GraftErrorJSON } from '../core/errors';
import type { H5AttrValue, H5Dataset, H5File, H5Group } from '../core/keras/hdf5';

/** A dataset copied out of a file: its bytes, or the error reading them gave (raised when they are read). */
export interface DatasetCopy {
  readonly kind: 'dataset';
  readonly path: string;
  readonly shape: readonly number[];
  readonly type: H5Dataset['type'];
  readonly elementSize: number;
  readonly attrs: Readonly<Record<string, H5AttrValue>>;
  readonly bytes: Uint8Array<ArrayBuffer> | null;
  readonly error: GraftErrorJSON | null;
}

export interface GroupCopy {
  readonly kind: 'group';
  readonly path: string;
  readonly attrs: Readonly<Record<string, H5AttrValue>>;
  readonly keys: readonly string[];
  readonly children: Readonly<Record<string, GroupCopy | DatasetCopy>>;
}

/** An HDF5 file's whole tree and every dataset's bytes, as data a worker can post. */
export interface H5Copy {
  readonly root: GroupCopy;
}

/** An `H5File` over a copy: the same reads, from memory. */
export function fromCopy(copy: H5Copy): H5File {
  const group = (g: GroupCopy): H5Group => ({
    kind: 'group',
    path: g.path,
    attrs: g.attrs,
    keys: g.keys,
    get(name: string) {
      const child = Object.hasOwn(g.children, name) ? g.children[name] : undefined;
      if (!child) return null;
      return child.kind === 'group' ? group(child) : dataset(child);
    },
  });
  const dataset = (d: DatasetCopy): H5Dataset => ({
    kind: 'dataset',
    path: d.path,
    shape: d.shape,
    type: d.type,
    elementSize: d.elementSize,
    attrs: d.attrs,
    read() {
      if (d.error) throw GraftError.fromJSON(d.error);
      return (d.bytes as Uint8Array<ArrayBuffer>).slice();
    },
  });
  return { root: group(copy.root), close() {} };
}
