/**
 * Hostile safetensors files: valid files (one from the Python package, some from our writer) are mutated
 * many times with a seeded generator. Every case must end in a clean read whose tensors all lie inside the
 * file, or a GraftError 'import/safetensors-invalid', quickly. GRAFT_FUZZ_SEED=<n> reruns one seed;
 * the seed and counts are printed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isGraftError } from '../../src/core/errors';
import {
  SAFETENSORS_MAX_HEADER,
  readSafetensors,
  toStoredTensor,
  writeSafetensors,
} from '../../src/core/keras/safetensors';
import { Rng } from './testFuzz';

const SEED = Number(process.env.GRAFT_FUZZ_SEED ?? 20260301) >>> 0;
const CASES = Number(process.env.GRAFT_FUZZ_SAFETENSORS_CASES ?? 3000);
/** Far above what a few hundred bytes take to read; a case this slow is a hang in the making. */
const CASE_LIMIT_MS = 250;
const SIZES: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2 };
const sizeOf = (dtype: string) => SIZES[dtype] ?? (['F64', 'I64', 'U64'].includes(dtype) ? 8 : 4);

function sources(): { name: string; bytes: Uint8Array }[] {
  const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
  return [
    {
      name: 'numpy',
      bytes: new Uint8Array(
        readFileSync(new URL('../../src/core/keras/testdata/numpy.safetensors', import.meta.url)),
      ),
    },
    {
      name: 'graft',
      bytes: writeSafetensors(
        [
          { name: 'dense/kernel', dtype: 'float32', shape: [2, 2], data: f32(1, -2, 3.5, 0) },
          { name: 'dense/bias', dtype: 'float32', shape: [2], data: f32(0.25, -0) },
          { name: 'steps', dtype: 'int32', shape: [], data: new Uint8Array(new Int32Array([7]).buffer) },
          { name: 'mask', dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
          { name: 'none', dtype: 'float32', shape: [0], data: new Uint8Array(0) },
        ],
        { format: 'graft' },
      ),
    },
    { name: 'empty', bytes: writeSafetensors([], {}) },
  ];
}

const u64 = (bytes: Uint8Array, value: bigint) =>
  new DataView(bytes.buffer, bytes.byteOffset, 8).setBigUint64(0, value, true);
const headerLength = (bytes: Uint8Array) =>
  Number(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true));

/** Rewrites the header as JSON (`edit` changes the parsed object) and fixes the length prefix. */
function rewrite(
  bytes: Uint8Array,
  edit: (header: Record<string, Record<string, unknown>>) => void,
): Uint8Array {
  const n = headerLength(bytes);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    Record<string, unknown>
  >;
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  u64(out, BigInt(json.length));
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

const LIES: Record<string, (rng: Rng, dataLength: number, info: Record<string, unknown>) => unknown> = {
  offsets: (rng, size, info) => {
    const [b, e] = info['data_offsets'] as [number, number];
    return rng.pick<unknown>([
      [0, e - b],
      [b + 1, e + 1],
      [b, size + 1 + rng.int(64)],
      [size, size + (e - b)],
      [e, b],
      [-1, e],
      [b, e + 0.5],
      [2 ** 60, 2 ** 60 + (e - b)],
      [b, 2 ** 53 + 1],
      [1e308, 1e308],
      [String(b), String(e)],
      [b],
      null,
    ]);
  },
  shape: (rng, _size, info) => {
    const shape = info['shape'] as number[];
    return rng.pick<unknown>([
      [...shape, 2],
      shape.map((d) => d * 2),
      [2 ** 40],
      [2 ** 31, 2],
      [-1],
      [1.5],
      ['4'],
      [1, 1, 1, 1, 1, 1, 1, 1, 1],
      [],
      [0],
      [1e308],
      4,
      null,
    ]);
  },
  dtype: (rng) =>
    rng.pick<unknown>([
      'F32',
      'I32',
      'F16',
      'BF16',
      'F64',
      'I64',
      'U8',
      'BOOL',
      'F8_E4M3',
      'f32',
      'Q4',
      '',
      7,
      null,
    ]),
};

/** One mutation of a valid file, labelled for a failure message. */
function mutate(rng: Rng, bytes: Uint8Array): { how: string; bytes: Uint8Array } {
  const copy = bytes.slice();
  const n = headerLength(bytes);
  const flip = (from: number, to: number) => {
    if (to <= from) return copy;
    const at = from + rng.int(to - from);
    copy[at] = (copy[at] as number) ^ (1 + rng.int(255));
    return copy;
  };
  switch (rng.int(11)) {
    case 0:
      return { how: 'flip a length byte', bytes: flip(0, 8) };
    case 1: {
      const times = 1 + rng.int(3);
      for (let i = 0; i < times; i++) flip(8, 8 + n);
      return { how: `flip ${times} header bytes`, bytes: copy };
    }
    case 2:
      return { how: 'flip a data byte', bytes: flip(8 + n, bytes.length) };
    case 3: {
      const at = rng.int(bytes.length);
      return { how: `truncate at ${at}`, bytes: bytes.slice(0, at) };
    }
    case 4: {
      const extra = 1 + rng.int(16);
      const out = new Uint8Array(bytes.length + extra);
      out.set(bytes);
      for (let i = bytes.length; i < out.length; i++) out[i] = rng.byte();
      return { how: `append ${extra} bytes`, bytes: out };
    }
    case 5: {
      const declared = rng.pick([
        BigInt(SAFETENSORS_MAX_HEADER + 1 + rng.int(1000)),
        2n ** 32n + BigInt(rng.int(1000)),
        2n ** 63n,
        2n ** 64n - 1n,
      ]);
      u64(copy, declared);
      return { how: `declare a header of ${declared} bytes`, bytes: copy };
    }
    case 6: {
      copy[8] = rng.pick([0x20, 0x5b, 0x22, 0x00, 0xef, 0x7d, rng.byte() | 0x80]);
      return { how: `header starts with 0x${(copy[8] as number).toString(16)}`, bytes: copy };
    }
    case 7: {
      const declared = bytes.length - 8 + 1 + rng.int(1 << 20);
      u64(copy, BigInt(declared));
      return { how: `declare a header of ${declared} bytes, past the end`, bytes: copy };
    }
    case 8: {
      const declared = rng.int(n);
      u64(copy, BigInt(declared));
      return { how: `declare a header of ${declared} bytes, too short`, bytes: copy };
    }
    default: {
      const lie = rng.pick(Object.keys(LIES));
      let how = `rewrite ${lie}`;
      const out = rewrite(bytes, (header) => {
        const names = Object.keys(header).filter((k) => k !== '__metadata__');
        if (!names.length || rng.int(8) === 0) {
          header['__metadata__'] = rng.pick<Record<string, unknown>>([{ v: 3 }, { ok: 'yes' }]);
          how = 'rewrite __metadata__';
          return;
        }
        const name = rng.pick(names);
        const info = header[name] as Record<string, unknown>;
        if (rng.int(5) === 0) {
          // A consistent lie: shape and offsets agree, so only the overlap and range checks can catch it.
          const [b, e] = info['data_offsets'] as [number, number];
          const size = sizeOf(String(info['dtype']));
          const k = 1 + rng.int(4);
          const earlier = rng.int(2) === 0;
          info['shape'] = [(e - b) / size + k];
          info['data_offsets'] = earlier ? [b - k * size, e] : [b, e + k * size];
          how = `grow “${name}” by ${k} elements ${earlier ? 'backwards' : 'forwards'}`;
          return;
        }
        const field = lie === 'offsets' ? 'data_offsets' : lie;
        const value = (LIES[lie] as (typeof LIES)[string])(rng, bytes.length - 8 - n, info);
        how += ` of “${name}” to ${JSON.stringify(value)}`;
        if (value === null) delete info[field];
        else info[field] = value;
      });
      return { how, bytes: out };
    }
  }
}

/** A clean read must give tensors inside the file, of the size their shape says, that do not overlap. */
function checkClean(
  input: Uint8Array,
  tensors: ReturnType<typeof readSafetensors>['tensors'],
): string | null {
  const spans: [number, number][] = [];
  for (const t of tensors) {
    const start = t.bytes.byteOffset - input.byteOffset;
    if (t.bytes.buffer !== input.buffer) return `${t.name} is not a view into the file`;
    if (start < 8 || start + t.bytes.byteLength > input.byteLength) return `${t.name} lies outside the file`;
    if (t.bytes.byteLength !== t.shape.reduce((a, b) => a * b, 1) * sizeOf(t.dtype))
      return `${t.name} has ${t.bytes.byteLength} bytes for shape [${t.shape.join(', ')}] of ${t.dtype}`;
    spans.push([start, start + t.bytes.byteLength]);
    try {
      const stored = toStoredTensor(t, 'fuzz.safetensors');
      const each = stored.dtype === 'bool' ? 1 : 4;
      if (stored.data.byteLength !== (t.bytes.byteLength / sizeOf(t.dtype)) * each)
        return `${t.name} converts to ${stored.data.byteLength} bytes`;
    } catch (e) {
      if (!isGraftError(e, 'import/safetensors-invalid') || e.data['problem'] !== 'dtype')
        return `converting ${t.name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if ((spans[i] as [number, number])[0] < (spans[i - 1] as [number, number])[1])
      return 'two tensors overlap';
  return null;
}

describe('hostile safetensors files', () => {
  it(`${CASES} mutations end in a clean read or import/safetensors-invalid`, () => {
    const started = performance.now();
    const rng = new Rng(SEED ^ 0x5afe7e45);
    const valid = sources();
    const failures: string[] = [];
    const problems = new Map<string, number>();
    let clean = 0;
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const source = rng.pick(valid);
      const m = mutate(rng, source.bytes);
      const label = `case ${i} (${source.name}, ${m.how})`;
      const t0 = performance.now();
      try {
        const file = readSafetensors(m.bytes, 'fuzz.safetensors');
        const wrong = checkClean(m.bytes, file.tensors);
        if (wrong) failures.push(`${label}: ${wrong}`);
        else clean++;
      } catch (e) {
        if (!isGraftError(e, 'import/safetensors-invalid'))
          failures.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        else {
          const problem = String(e.data['problem']);
          problems.set(problem, (problems.get(problem) ?? 0) + 1);
        }
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > CASE_LIMIT_MS) failures.push(`${label}: took ${ms.toFixed(0)} ms`);
    }
    const counts = [...problems]
      .sort((a, b) => b[1] - a[1])
      .map(([p, k]) => `${p} ${k}`)
      .join(', ');
    console.log(
      `fuzz safetensors: seed ${SEED}, ${CASES} cases in ${((performance.now() - started) / 1000).toFixed(2)} s ` +
        `(slowest ${slowest.toFixed(1)} ms), ${clean} read cleanly, refused: ${counts}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(clean).toBeGreaterThan(0);
    expect([...problems.keys()].sort()).toEqual(
      ['dtype', 'header-json', 'header-length', 'header-too-large', 'offsets', 'shape'].sort(),
    );
    expect(clean + [...problems.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
  }, 20_000);
});
