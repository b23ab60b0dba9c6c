// The HDF5 adapter against files real Keras (h5py) wrote, and against its own output read back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGraftError } from '../core/errors';
import { attrList, attrText, h5Find, h5Group, isHdf5 } from '../core/keras/hdf5';
import { hdf5 } from './hdf5';

const SEED_H5 = new Uint8Array(readFileSync('tests/fixtures/keras/seed/seed-model.h5'));

describe('HDF5 through h5wasm', () => {
  it('reads what Keras wrote: attributes, groups and float32 datasets', async () => {
    expect(isHdf5(SEED_H5)).toBe(true);
    const file = await hdf5.open(SEED_H5, 'seed-model.h5');
    try {
      const root = file.root;
      expect(attrText(root.attrs, 'keras_version')).toBe('3.15.1');
      expect(JSON.parse(attrText(root.attrs, 'model_config') ?? '{}').class_name).toBe('Functional');
      const weights = h5Group(root, 'model_weights');
      expect(attrList(weights?.attrs ?? {}, 'layer_names')).toEqual(['input_layer', 'dense', 'dense_1']);
      expect(attrList(h5Group(root, 'model_weights/dense')?.attrs ?? {}, 'weight_names')).toEqual([
        'dense/kernel',
        'dense/bias',
      ]);
      expect(attrList(h5Group(root, 'model_weights/input_layer')?.attrs ?? {}, 'weight_names')).toEqual([]);
      const kernel = h5Find(root, 'model_weights/dense/dense/kernel');
      expect(kernel?.kind).toBe('dataset');
      if (kernel?.kind !== 'dataset') return;
      expect(kernel.shape).toEqual([100, 64]);
      expect(kernel.type).toBe('float32');
      const bytes = kernel.read();
      expect(bytes.byteLength).toBe(100 * 64 * 4);
      expect(new Float32Array(bytes.buffer).every(Number.isFinite)).toBe(true);
    } finally {
      file.close();
    }
  });

  it('writes groups, attributes and datasets that read back bit for bit', async () => {
    const values = new Float32Array([1.5, -0, Number.NaN, 3e-39, Infinity, 2]);
    const bytes = await hdf5.write({
      attrs: { note: 'root' },
      children: new Map([
        [
          'layers',
          {
            children: new Map([
              [
                'dense',
                {
                  children: new Map([
                    [
                      'vars',
                      {
                        attrs: { name: 'dense' },
                        children: new Map([
                          [
                            '0',
                            { shape: [2, 3], type: 'float32' as const, data: new Uint8Array(values.buffer) },
                          ],
                          [
                            '1',
                            {
                              shape: [2],
                              type: 'int32' as const,
                              data: new Uint8Array(new Int32Array([7, -7]).buffer),
                            },
                          ],
                        ]),
                      },
                    ],
                  ]),
                },
              ],
            ]),
          },
        ],
      ]),
    });
    const file = await hdf5.open(bytes, 'written.h5');
    try {
      const vars = h5Group(file.root, 'layers/dense/vars');
      expect(attrText(vars?.attrs ?? {}, 'name')).toBe('dense');
      const k = vars?.get('0');
      expect(k?.kind === 'dataset' && k.shape).toEqual([2, 3]);
      expect(k?.kind === 'dataset' && [...k.read()]).toEqual([...new Uint8Array(values.buffer)]);
      const b = vars?.get('1');
      expect(b?.kind === 'dataset' && b.type).toBe('int32');
      expect(b?.kind === 'dataset' && [...new Int32Array(b.read().buffer)]).toEqual([7, -7]);
    } finally {
      file.close();
    }
  });

  it('refuses a truncated or damaged file with an error that names it', async () => {
    for (const broken of [
      SEED_H5.slice(0, 2000),
      SEED_H5.slice(0, 200),
      new Uint8Array([...SEED_H5.slice(0, 8), ...new Uint8Array(4000)]),
    ]) {
      const attempt = async () => {
        const file = await hdf5.open(broken, 'broken.h5');
        try {
          // Some damage only shows when the weights are read.
          const d = h5Find(file.root, 'model_weights/dense/dense/kernel');
          if (d?.kind === 'dataset') d.read();
          attrText(file.root.attrs, 'model_config');
        } finally {
          file.close();
        }
      };
      const error = await attempt().then(
        () => null,
        (e: unknown) => e,
      );
      if (error === null) continue; // what survived is still a readable file
      expect(isGraftError(error, 'import/hdf5-invalid')).toBe(true);
      expect((error as Error).message).toContain('“broken.h5”');
    }
  });
});
