/** Reading Keras's stored values: a dataset's elements as Graft stores them, and the errors of doing so. */
import { quote } from '../core/bundle/untrusted';
import { GraftError } from '../core/errors';
import { toStoredElements, type ElementDType } from '../core/keras/elements';
import type { H5Dataset } from '../core/keras/hdf5';
import type { StoredDType } from '../core/versions/types';

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

export const invalid = (detail: string) =>
  new GraftError('error.import/keras-invalid.description', { detail });

/** A dataset's elements as the dtype Graft stores, converting narrower or wider floats. */
export function datasetValues(
  ds: H5Dataset,
  expect: readonly number[],
  weight: string,
  converted: Set<string>,
): { data: Uint8Array<ArrayBuffer>; dtype: StoredDType } {
  const shapeOk = ds.shape.length === expect.length && ds.shape.every((d, i) => d === expect[i]);
  if (!shapeOk)
    throw new GraftError('error.import/weights-mismatch.dataset-shape', {
      weight,
      path: ds.path,
      dataset: quote(ds.path),
      shape: ds.shape.join(', '),
      name: quote(weight),
      needs: expect.join(', '),
    });
  const element = Object.hasOwn(H5_TO_ELEMENT, ds.type) ? H5_TO_ELEMENT[ds.type] : undefined;
  if (!element)
    throw new GraftError('error.import/weights-mismatch.dataset-type', {
      path: ds.path,
      dataset: quote(ds.path),
    });
  const stored = toStoredElements(element, ds.read(), (i, value) => {
    throw new GraftError('error.import/weights-mismatch.int-range', {
      path: ds.path,
      dataset: quote(ds.path),
      index: i,
      value: String(value),
    });
  });
  if (stored.convertedFrom !== null) converted.add(ds.type);
  return { data: stored.data, dtype: stored.dtype };
}

export function castTo(
  values: { data: Uint8Array<ArrayBuffer>; dtype: StoredDType },
  dtype: string,
  path: string,
) {
  if (values.dtype === dtype) return values.data;
  if (values.dtype === 'int32' && dtype === 'float32') {
    const ints = new Int32Array(values.data.buffer);
    return new Uint8Array(Float32Array.from(ints).buffer);
  }
  throw new GraftError('error.import/weights-mismatch.dtype', {
    path,
    name: quote(path),
    has: values.dtype,
    needs: dtype,
  });
}
