/**
 * What Graft's fuzzers share: a seeded generator, JSON paths, damage to JSON text, a zip writer that
 * writes what no real zip library would, and a deadline per case. Each fuzzer keeps its own inputs,
 * mutations specific to its format and assertions.
 */
import { deflateSync, strToU8 } from 'fflate';
import { crc32 } from '../../src/core/bundle/zip';
import { mulberry32 } from '../../src/core/random';

/** A seeded generator (mulberry32): a failing case is found again from the seed it prints. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  byte(): number {
    return this.int(256);
  }
}

export const concat = (parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// ---- JSON ----------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into `value`, the root's (`[]`) first. */
export function paths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

/** Damage to JSON text itself: tokens JSON.parse turns into Infinity, cut text, bad UTF-8, depth. */
export function mutateText(rng: Rng, text: string): { bytes: Uint8Array<ArrayBuffer>; how: string } {
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
  switch (rng.int(5)) {
    case 0: {
      const m = numbers.length ? rng.pick(numbers) : null;
      const token = rng.pick(['1e999', '-1e999', 'NaN', 'Infinity', '1e-999', '99999999999999999999999']);
      if (!m) return { bytes: strToU8(token), how: `text is ${token}` };
      return {
        bytes: strToU8(text.slice(0, m.index) + token + text.slice(m.index + m[0].length)),
        how: `number → ${token}`,
      };
    }
    case 1:
      return { bytes: strToU8(text.slice(0, rng.int(text.length))), how: 'cut text' };
    case 2: {
      const b = strToU8(text);
      b[rng.int(b.length)] = rng.pick([0xff, 0xc0, 0x80, 0]);
      return { bytes: b, how: 'bad UTF-8 byte' };
    }
    case 3:
      return { bytes: strToU8(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), how: 'nested 100 000 deep' };
    default: {
      const at = rng.int(text.length);
      return {
        bytes: strToU8(text.slice(0, at) + rng.pick(['{', '}', '"', ',', ']']) + text.slice(at)),
        how: 'stray token',
      };
    }
  }
}

// ---- zips, byte by byte --------------------------------------------------------------------------

export interface RawEntry {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: 0 | 8;
  readonly crc?: number;
  readonly declaredSize?: number;
  readonly declaredCompressed?: number;
  readonly localSize?: number;
  /** The compressed bytes, when already known (deflating large bombs once saves seconds). */
  readonly body?: Uint8Array;
}

/** A minimal zip writer for crafting what fflate would never write: duplicates, lying headers, bombs. */
export function rawZip(entries: readonly RawEntry[]): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = strToU8(e.name);
    const method = e.method ?? 0;
    const body = e.body ?? (method === 8 ? deflateSync(e.data) : e.data);
    const crc = e.crc ?? crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const csize = e.declaredCompressed ?? body.length;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, method, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, csize, true);
    local.setUint32(22, e.localSize ?? size, true);
    local.setUint16(26, name.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(10, method, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, csize, true);
    cd.setUint32(24, size, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(42, offset, true);
    chunks.push(new Uint8Array(local.buffer), name, body);
    central.push(new Uint8Array(cd.buffer), name);
    offset += 30 + name.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  return concat([...chunks, ...central, new Uint8Array(end.buffer)]);
}

// ---- deadlines -----------------------------------------------------------------------------------

/** `p`, or a "hang" error once `ms` have passed: a case that never settles fails by name. */
export function withTimeout<T>(p: Promise<T>, label: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${label} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
