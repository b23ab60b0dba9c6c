import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import {
  SAFETENSORS_MAX_HEADER,
  looksLikeSafetensors,
  readSafetensors,
  toStoredTensor,
  writeSafetensors,
  type SafetensorsInput,
  type SafetensorsProblem,
  type SafetensorsTensor,
} from './safetensors';

// numpy.safetensors and its expected values come from testdata/make_fixtures.py (the Python package).
const TESTDATA = new URL('./testdata/', import.meta.url);
const fixture = () => new Uint8Array(readFileSync(new URL('numpy.safetensors', TESTDATA)));
interface Expected {
  headerLength: number;
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<
    string,
    { dtype: string; shape: number[]; stored?: string; bits?: number[]; values?: number[]; error?: string }
  >;
}
const expected = JSON.parse(readFileSync(new URL('numpy.expected.json', TESTDATA), 'utf8')) as Expected;

const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** A file from a header (an object, or raw text) and data; `declared` overrides the length prefix. */
function build(header: unknown, data: Uint8Array | number = 0, declared?: bigint): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

function failure(f: () => unknown): GraftError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError);
    expect((e as GraftError).code).toBe('import/safetensors-invalid');
    return e as GraftError;
  }
  throw new Error('expected a GraftError, but nothing was thrown');
}

function expectProblem(bytes: Uint8Array, problem: SafetensorsProblem, tensor?: string): GraftError {
  const e = failure(() => readSafetensors(bytes, 'weights.safetensors'));
  expect(e.data['problem']).toBe(problem);
  expect(e.data['file']).toBe('weights.safetensors');
  expect(e.message).toContain('weights.safetensors');
  if (tensor !== undefined) {
    expect(e.data['tensor']).toBe(tensor);
    expect(e.message).toContain(`“${tensor}”`);
  }
  return e;
}

const f32 = (...values: number[]) => bytesOf(new Float32Array(values));
const i32 = (...values: number[]) => bytesOf(new Int32Array(values));

describe('writeSafetensors', () => {
  const inputs: SafetensorsInput[] = [
    { name: 'dense/kernel', dtype: 'float32', shape: [2, 3], data: f32(0.5, -0, 1e-45, NaN, Infinity, 3) },
    { name: '0', dtype: 'int32', shape: [3], data: i32(-(2 ** 31), 2 ** 31 - 1, 7) },
    { name: '__proto__', dtype: 'bool', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    { name: 'empty “ü”', dtype: 'float32', shape: [0, 4], data: new Uint8Array(0) },
    { name: 'scalar', dtype: 'float32', shape: [], data: f32(2.5) },
  ];

  it('round-trips names, order, shapes, metadata and every byte', () => {
    // fromEntries, since a literal `__proto__:` would set the prototype instead of making a key
    const metadata = Object.fromEntries([
      ['format', 'graft'],
      ['1', 'one'],
      ['__proto__', 'kept as a key'],
    ]) as Record<string, string>;
    const file = readSafetensors(writeSafetensors(inputs, metadata), 'out.safetensors');
    expect(file.metadata).toEqual(metadata);
    expect(Object.keys(file.metadata).sort()).toEqual(['1', '__proto__', 'format']);
    expect(Object.getPrototypeOf(file.metadata)).toBe(Object.prototype);
    expect(file.tensors.map((t) => t.name)).toEqual(inputs.map((t) => t.name));
    file.tensors.forEach((t, i) => {
      const input = inputs[i] as SafetensorsInput;
      expect(t.dtype).toBe({ float32: 'F32', int32: 'I32', bool: 'BOOL' }[input.dtype]);
      expect(t.shape).toEqual(input.shape);
      expect(t.bytes).toEqual(input.data);
      const stored = toStoredTensor(t, 'out.safetensors');
      expect(stored).toEqual({ dtype: input.dtype, data: input.data, convertedFrom: null });
      expect(stored.data.buffer).not.toBe(t.bytes.buffer);
    });
  });

  it('pads the header with spaces so the data starts 8-byte aligned, metadata first', () => {
    for (let length = 1; length <= 17; length++) {
      const bytes = writeSafetensors(
        [{ name: 'x'.repeat(length), dtype: 'float32', shape: [1], data: f32(1) }],
        length % 2 ? { k: 'v' } : {},
      );
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header.trimEnd().length).toBeGreaterThan(n - 8);
      expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
      expect(header.startsWith(length % 2 ? '{"__metadata__":{"k":"v"},' : '{"xx')).toBe(true);
      expect(bytes.length).toBe(8 + n + 4);
    }
  });

  it('writes byte for byte what the reference implementation writes (its own test vectors)', () => {
    // safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement, test_empty
    const data = f32(0, 1, 2, 3, 4, 5);
    const vector = (header: string, body: Uint8Array) => [
      ...new Uint8Array(new BigUint64Array([BigInt(header.length)]).buffer),
      ...new TextEncoder().encode(header),
      ...body,
    ];
    expect([...writeSafetensors([{ name: 'attn.0', dtype: 'float32', shape: [1, 2, 3], data }], {})]).toEqual(
      vector('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', data),
    );
    expect([
      ...writeSafetensors([{ name: 'attn0', dtype: 'float32', shape: [1, 1, 2, 3], data }], {}),
    ]).toEqual(vector('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ', data));
    expect([...writeSafetensors([], {})]).toEqual(vector('{}      ', new Uint8Array(0)));
    expect([...writeSafetensors([], { framework: 'pt' })]).toEqual(
      vector('{"__metadata__":{"framework":"pt"}}     ', new Uint8Array(0)),
    );
  });

  it('refuses duplicate or reserved names and data that does not match the shape', () => {
    const one = { name: 'a', dtype: 'float32', shape: [1], data: f32(1) } as const;
    expect(() => writeSafetensors([one, one], {})).toThrow(/used twice/);
    expect(() => writeSafetensors([{ ...one, name: '__metadata__' }], {})).toThrow(/reserved/);
    expect(() => writeSafetensors([{ ...one, shape: [2] }], {})).toThrow(/4 bytes/);
    expect(() => writeSafetensors([{ ...one, shape: [-1] }], {})).toThrow(GraftError);
  });
});

describe('readSafetensors on a file the Python package wrote', () => {
  it('reads the metadata, the order by offset, dtypes, shapes, and views into the same bytes', () => {
    const bytes = fixture();
    expect(looksLikeSafetensors(bytes)).toBe(true);
    const file = readSafetensors(bytes, 'numpy.safetensors');
    expect(file.metadata).toEqual(expected.metadata);
    expect(file.tensors.map((t) => t.name)).toEqual(expected.order);
    const dataStart = 8 + expected.headerLength;
    for (const t of file.tensors) {
      const want = expected.tensors[t.name];
      expect(want, t.name).toBeDefined();
      expect(t.dtype).toBe(want?.dtype);
      expect(t.shape).toEqual(want?.shape);
      expect(t.bytes.buffer).toBe(bytes.buffer);
      expect(t.bytes.byteOffset).toBeGreaterThanOrEqual(dataStart);
    }
  });

  it('converts every tensor to exactly the float32 or int32 values numpy computes', () => {
    const file = readSafetensors(fixture(), 'numpy.safetensors');
    for (const t of file.tensors) {
      const want = expected.tensors[t.name] as Expected['tensors'][string];
      if (want.error) {
        const e = failure(() => toStoredTensor(t, 'numpy.safetensors'));
        expect(e.data).toMatchObject({ problem: want.error, tensor: t.name, dtype: t.dtype });
        expect(e.message).toMatch(/outside the 32-bit integers/);
        continue;
      }
      const stored = toStoredTensor(t, 'numpy.safetensors');
      expect(stored.dtype, t.name).toBe(want.stored);
      expect(stored.convertedFrom, t.name).toBe(['F32', 'I32', 'BOOL'].includes(t.dtype) ? null : t.dtype);
      const buffer = stored.data.buffer;
      if (want.bits) expect([...new Uint32Array(buffer)], t.name).toEqual(want.bits);
      else if (stored.dtype === 'int32') expect([...new Int32Array(buffer)], t.name).toEqual(want.values);
      else expect([...stored.data], t.name).toEqual(want.values);
    }
  });
});

describe('float16 to float32', () => {
  /** f16 bits → value, straight from the IEEE 754 definition, independent of the bit shuffling under test. */
  function halfValue(h: number): number {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) return mant ? NaN : sign * Infinity;
    return sign * (exp === 0 ? 2 ** -14 * (mant / 1024) : 2 ** (exp - 15) * (1 + mant / 1024));
  }

  it('is exact for all 65 536 bit patterns, including subnormals, ±0, ±Inf and NaN payloads', () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const t: SafetensorsTensor = { name: 'all', dtype: 'F16', shape: [65536], bytes: bytesOf(halves) };
    const out = new Float32Array(toStoredTensor(t, 'x').data.buffer);
    const bits = new Uint32Array(out.buffer);
    const wrong: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      const ok = Number.isNaN(want)
        ? // sign, all-ones exponent, the 10 payload bits moved to the top of the 23 (as numpy does)
          bits[h] === (((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0
        : Object.is(out[h], want);
      if (!ok) wrong.push(`0x${h.toString(16)} → ${out[h]}, not ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('is exact for bfloat16 NaN payloads and subnormals', () => {
    const t: SafetensorsTensor = {
      name: 'b',
      dtype: 'BF16',
      shape: [3],
      bytes: bytesOf(new Uint16Array([0xff81, 0x0001, 0x8000])),
    };
    expect([...new Uint32Array(toStoredTensor(t, 'x').data.buffer)]).toEqual([
      0xff810000, 0x00010000, 0x80000000,
    ]);
  });
});

describe('narrowing integers', () => {
  const int = (dtype: SafetensorsTensor['dtype'], array: ArrayBufferView): SafetensorsTensor => ({
    name: 'ids',
    dtype,
    shape: [array.byteLength / (array as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT],
    bytes: bytesOf(array),
  });

  it('keeps values that fit and refuses the first that does not, naming it', () => {
    const fits = toStoredTensor(int('I64', new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n, -1n])), 'f');
    expect([...new Int32Array(fits.data.buffer)]).toEqual([-(2 ** 31), 2 ** 31 - 1, -1]);
    for (const [dtype, array, value] of [
      ['I64', new BigInt64Array([0n, 2n ** 31n]), '2147483648'],
      ['I64', new BigInt64Array([-(2n ** 31n) - 1n]), '-2147483649'],
      ['I64', new BigInt64Array([-(2n ** 63n)]), '-9223372036854775808'],
      ['U64', new BigUint64Array([2n ** 32n]), '4294967296'],
      ['U64', new BigUint64Array([2n ** 31n]), '2147483648'],
      ['U32', new Uint32Array([2 ** 31]), '2147483648'],
    ] as const) {
      const e = failure(() => toStoredTensor(int(dtype, array), 'ids.safetensors'));
      expect(e.data).toMatchObject({ file: 'ids.safetensors', problem: 'dtype', tensor: 'ids', dtype });
      expect(e.message).toContain(value);
      expect(e.message).toContain('“ids.safetensors”');
    }
  });

  it('treats any non-zero BOOL byte as true', () => {
    const t: SafetensorsTensor = { name: 'm', dtype: 'BOOL', shape: [3], bytes: new Uint8Array([0, 2, 255]) };
    expect([...toStoredTensor(t, 'f').data]).toEqual([0, 1, 1]);
  });
});

describe('readSafetensors accepts', () => {
  it('an empty file, null metadata, unknown fields, padding and tensors listed out of offset order', () => {
    expect(readSafetensors(build('{}'), 'f')).toEqual({ metadata: {}, tensors: [] });
    const file = readSafetensors(
      build(
        `${JSON.stringify({
          __metadata__: null,
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8], extra: true },
          a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] },
          z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
        })}    `,
        8,
      ),
      'f',
    );
    expect(file.metadata).toEqual({});
    expect(file.tensors.map((t) => [t.name, t.bytes.byteLength])).toEqual([
      ['a', 4],
      ['z', 0],
      ['b', 4],
    ]);
  });
});

describe('readSafetensors refuses', () => {
  const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({
    dtype,
    shape,
    data_offsets: offsets,
  });
  const one = (info: unknown, data: number | Uint8Array = 4) => build({ t: info }, data);

  it('a length prefix that is cut short or larger than the file (header-length)', () => {
    expectProblem(new Uint8Array(0), 'header-length');
    expectProblem(new Uint8Array(7), 'header-length');
    expectProblem(build('{}', 0, 3n), 'header-length');
    expectProblem(build('{}', 0, BigInt(SAFETENSORS_MAX_HEADER)), 'header-length');
  });

  it('a declared header over 100 MB, without allocating it (header-too-large)', () => {
    for (const n of [BigInt(SAFETENSORS_MAX_HEADER + 1), 2n ** 32n, 2n ** 40n, 2n ** 64n - 1n])
      expect(expectProblem(build('{}', 0, n), 'header-too-large').message).toContain(String(n));
  });

  it('a header that is not a UTF-8 JSON object (header-json)', () => {
    expectProblem(build(''), 'header-json');
    expectProblem(build(' {}'), 'header-json');
    expectProblem(build('\ufeff{}'), 'header-json');
    expectProblem(build('[]'), 'header-json');
    expectProblem(build('{"a":'), 'header-json');
    expectProblem(build('{} x'), 'header-json');
    const bad = build('{"\u00e9":1}');
    bad[10] = 0xff;
    expectProblem(bad, 'header-json');
    expectProblem(build({ t: 5 }), 'header-json', 't');
    expectProblem(build({ t: [1] }), 'header-json', 't');
    expectProblem(build({ __metadata__: 'x' }), 'header-json');
    expectProblem(build({ __metadata__: ['x'] }), 'header-json');
    expectProblem(build({ __metadata__: { version: 3 } }), 'header-json');
  });

  it('dtypes that are unknown, missing or not read by Graft (dtype)', () => {
    for (const dtype of ['F33', 'f32', 'float32', 'F8_E4M3', 'F8_E5M2', 'C64', '']) {
      const e = expectProblem(one(entry(dtype, [4], [0, 4])), 'dtype', 't');
      expect(e.data['dtype']).toBe(dtype);
    }
    expectProblem(one({ shape: [4], data_offsets: [0, 4] }), 'dtype', 't');
    expectProblem(one(entry(4, [4], [0, 4])), 'dtype', 't');
  });

  it('impossible shapes, and shapes whose size does not match the bytes (shape)', () => {
    for (const shape of [
      undefined,
      4,
      [-1],
      [1.5],
      ['4'],
      [null],
      [2 ** 53],
      [1, 1, 1, 1, 1, 1, 1, 1, 4],
      [65536, 65536],
    ])
      expectProblem(one(entry('U8', shape, [0, 4])), 'shape', 't');
    expectProblem(one(entry('F32', [2], [0, 4])), 'shape', 't');
    expectProblem(one(entry('F32', [0, 3], [0, 4])), 'shape', 't');
    expectProblem(one(entry('F64', [1], [0, 4])), 'shape', 't');
  });

  it('offsets that are malformed, past the end, overlapping, with holes or leaving bytes over (offsets)', () => {
    for (const offsets of [
      undefined,
      4,
      [0],
      [0, 4, 8],
      [-4, 0],
      [4, 0],
      [0, 4.5],
      ['0', '4'],
      [0, 2 ** 53 + 2],
    ])
      expectProblem(one(entry('U8', [4], offsets)), 'offsets', 't');
    expectProblem(one(entry('U8', [4], [0, 4]), 3), 'offsets', 't');
    expectProblem(one(entry('U8', [4], [2 ** 40, 2 ** 40 + 4])), 'offsets', 't');
    expectProblem(one(entry('U8', [4], [4, 8]), 8), 'offsets', 't');
    expectProblem(one(entry('U8', [4], [0, 4]), 5), 'offsets', 't');
    expectProblem(build({}, 1), 'offsets');
    const two = (a: number[], b: number[], size: number) =>
      build({ a: entry('F32', [1], a), b: entry('F32', [1], b) }, size);
    const overlap = expectProblem(two([0, 4], [2, 6], 6), 'offsets', 'b');
    expect(overlap.message).toMatch(/overlap/);
    expectProblem(two([0, 4], [0, 4], 4), 'offsets', 'b');
    const hole = expectProblem(two([0, 4], [8, 12], 12), 'offsets', 'b');
    expect(hole.message).toMatch(/belong to no tensor/);
  });

  it('anything that is not a safetensors file in the sniff', () => {
    expect(looksLikeSafetensors(new Uint8Array(0))).toBe(false);
    expect(looksLikeSafetensors(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0]))).toBe(false);
    expect(looksLikeSafetensors(build(' {}'))).toBe(false);
    expect(looksLikeSafetensors(build('{}', 0, 100n))).toBe(false);
    expect(looksLikeSafetensors(build('{}', 0, 2n ** 40n))).toBe(false);
    expect(looksLikeSafetensors(build('{}'))).toBe(true);
  });
});
