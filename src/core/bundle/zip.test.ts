import { strToU8, Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isGraftError, type ErrorCode } from '../errors';
import { bytesSource, type ArchiveSource } from './archive';
import { LIMITS } from './limits';
import {
  crc32,
  crc32Update,
  isZip,
  listZip,
  listZipFrom,
  readZipEntry,
  readZipEntryFrom,
  writeZip,
  zipParts,
  type ZipMember,
} from './zip';

function codeOf(f: () => unknown): ErrorCode {
  try {
    f();
  } catch (e) {
    if (isGraftError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a GraftError');
}

const readAll = (zip: Uint8Array) =>
  Object.fromEntries(
    [...listZip(zip, 'test').values()].map((e) => [
      e.name,
      new TextDecoder().decode(readZipEntry(zip, e, 'test', { checkCrc: true })),
    ]),
  );

/** What streaming writers (and many tools) produce: local headers without sizes, a descriptor after the data. */
function streamedZip(files: Record<string, string>): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    chunks.push(chunk);
  });
  for (const [name, text] of Object.entries(files)) {
    const file = name.endsWith('.txt') ? new ZipDeflate(name, { level: 9 }) : new ZipPassThrough(name);
    zip.add(file);
    file.push(strToU8(text), true);
  }
  zip.end();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('zip', () => {
  it('reads back what it writes, stored and deflated, byte for byte', () => {
    const weights = new Uint8Array(1000).map((_, i) => (i * 37) % 256);
    const zip = writeZip(
      [
        { name: 'a.json', data: strToU8('{"x": 1}'.repeat(100)), compress: true },
        { name: 'blobs/w', data: weights, compress: false },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(isZip(zip)).toBe(true);
    const entries = listZip(zip, 'test');
    expect(entries.get('blobs/w')).toMatchObject({ method: 0, size: 1000, compressedSize: 1000 });
    expect(entries.get('a.json')?.method).toBe(8);
    expect(readZipEntry(zip, entries.get('blobs/w')!, 'test', { checkCrc: true })).toEqual(weights);
    expect(readAll(zip)['a.json']).toBe('{"x": 1}'.repeat(100));
  });

  it('gives the same bytes for the same content', () => {
    const make = () =>
      writeZip([{ name: 'a', data: strToU8('same'), compress: true }], new Date('2026-01-01'));
    expect(make()).toEqual(make());
  });

  it('reads zips whose sizes follow the data (data descriptors)', () => {
    expect(readAll(streamedZip({ 'notes.txt': 'hello '.repeat(50), 'raw.bin': 'abc' }))).toEqual({
      'notes.txt': 'hello '.repeat(50),
      'raw.bin': 'abc',
    });
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(strToU8('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('computes the same CRC-32 as the bit-at-a-time definition, at any length, offset and split', () => {
    const bitwise = (bytes: Uint8Array) => {
      let c = 0xffffffff;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    let seed = 7;
    const data = new Uint8Array(1000).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const [from, to] of [
      [0, 0],
      [0, 15],
      [0, 16],
      [0, 17],
      [3, 35],
      [1, 1000],
      [5, 517],
    ] as const) {
      const view = data.subarray(from, to);
      expect(crc32(view), `${from}..${to}`).toBe(bitwise(view));
      const mid = from + ((to - from) >> 1) + 1;
      expect(
        crc32Update(crc32(data.subarray(from, Math.min(mid, to))), data.subarray(Math.min(mid, to), to)),
      ).toBe(bitwise(view));
    }
  });

  it('lays an archive out as pieces whose data it never reads, the same bytes joined as written whole', async () => {
    const weights = new Uint8Array(4096).map((_, i) => (i * 131) % 251);
    const text = strToU8('{"a": "b"}'.repeat(40));
    const mtime = new Date('2026-03-04T05:06:08Z');
    const whole = writeZip(
      [
        { name: 'graft-bundle.json', data: text, compress: true },
        { name: 'blobs/w', data: weights, compress: false },
      ],
      mtime,
    );
    const entries = listZip(whole, 'test');
    const json = entries.get('graft-bundle.json')!;
    const members: ZipMember<Blob | Uint8Array>[] = [
      {
        name: 'graft-bundle.json',
        method: 8,
        crc: crc32(text),
        size: text.length,
        data: whole.subarray(json.dataOffset, json.dataOffset + json.compressedSize),
        compressedSize: json.compressedSize,
      },
      // The weights as a Blob, as storage passes a stored blob: only its size and CRC are needed.
      {
        name: 'blobs/w',
        method: 0,
        crc: crc32(weights),
        size: 4096,
        data: new Blob([weights]),
        compressedSize: 4096,
      },
    ];
    const parts = zipParts(members, mtime);
    expect(parts.filter((p) => p instanceof Blob)).toHaveLength(1);
    expect(new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer())).toEqual(whole);
    expect(readZipEntry(whole, entries.get('blobs/w')!, 'test', { checkCrc: true })).toEqual(weights);
  });

  it('stores what deflate cannot shrink, and marks non-ASCII names as UTF-8', () => {
    let seed = 11;
    const noise = new Uint8Array(2000).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const zip = writeZip(
      [
        { name: 'noise.bin', data: noise, compress: true },
        { name: 'modèle/数据.csv', data: strToU8('a,b\n'.repeat(100)), compress: true },
      ],
      new Date('2026-01-01T00:00:00Z'),
    );
    const entries = listZip(zip, 'test');
    expect(entries.get('noise.bin')?.method).toBe(0);
    const named = entries.get('modèle/数据.csv');
    expect(named?.method).toBe(8);
    const central = zip.length - 22 - (46 + strToU8('modèle/数据.csv').length);
    expect(new DataView(zip.buffer).getUint16(central + 8, true) & 0x800).toBe(0x800);
    expect(new DataView(zip.buffer).getUint16(6, true) & 0x800).toBe(0);
  });

  it('refuses to write what only ZIP64 could hold, instead of wrapping offsets around', () => {
    const huge: ZipMember<null> = {
      name: 'big',
      method: 0,
      crc: 0,
      size: 2 ** 32,
      data: null,
      compressedSize: 2 ** 32,
    };
    expect(codeOf(() => zipParts([huge], new Date(0)))).toBe('bundle/too-large');
    const many = Array.from({ length: 0xffff }, (_, i): ZipMember<null> => ({
      ...huge,
      name: `f${i}`,
      size: 0,
      compressedSize: 0,
    }));
    expect(codeOf(() => zipParts(many, new Date(0)))).toBe('bundle/too-large');
    expect(zipParts(many.slice(1), new Date(0)).length).toBe(2 * (0xffff - 1) + 0xffff - 1 + 1);
  });

  it('stops inflating as soon as an entry outgrows the size it declares', () => {
    // 8 MiB of zeros deflate to about 8 KB, a ratio DEFLATE can reach, so the honest entry is listed.
    const bomb = zipSync({ 'zeros.bin': new Uint8Array(8 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(20_000);
    expect(listZip(bomb, 'test').get('zeros.bin')?.size).toBe(8 * 1024 * 1024);
    const lying = bomb.slice();
    const view = new DataView(lying.buffer);
    const central = lying.length - 22 - (46 + 'zeros.bin'.length);
    view.setUint32(central + 24, 1024, true);
    view.setUint32(30 - 8, 1024, true);
    expect(codeOf(() => readAll(lying))).toBe('bundle/too-large');
  });

  it('refuses entries that overlap, a classic of zip bombs', () => {
    const zip = zipSync({ a: strToU8('aaaa'), b: strToU8('bbbb') }, { level: 0 });
    const view = new DataView(zip.buffer);
    const cd = view.getUint32(zip.length - 22 + 16, true);
    const second = cd + 46 + 1;
    view.setUint32(second + 42, 0, true); // b's directory entry points at a's header
    expect(codeOf(() => listZip(zip, 'test'))).toBe('bundle/corrupt');
  });

  it('refuses an archive whose end record is missing or garbled', () => {
    const zip = zipSync({ a: strToU8('a') });
    expect(codeOf(() => listZip(zip.slice(0, -1), 'test'))).toBe('bundle/corrupt');
    const garbled = zip.slice();
    garbled[garbled.length - 22 + 10] = 9; // entry count
    expect(codeOf(() => listZip(garbled, 'test'))).toBe('bundle/corrupt');
    expect(codeOf(() => listZip(strToU8('PK\x05\x06'), 'test'))).toBe('bundle/corrupt');
  });

  /** A source that counts what is read of it. */
  const counted = (bytes: Uint8Array) => {
    const inner = bytesSource(bytes);
    const reads: [number, number][] = [];
    const source: ArchiveSource = {
      size: inner.size,
      read: (start, end) => {
        reads.push([start, Math.min(end, bytes.length)]);
        return inner.read(start, end);
      },
    };
    return { source, reads };
  };
  /** What listing gives, or the error it refuses with, either way. */
  const outcome = async (list: () => unknown) => {
    try {
      return { entries: [...((await list()) as Map<string, unknown>).entries()] };
    } catch (e) {
      if (!isGraftError(e)) throw e;
      return { code: e.code, message: e.message };
    }
  };
  const withComment = (zip: Uint8Array, comment: string) => {
    const text = strToU8(comment);
    const out = new Uint8Array(zip.length + text.length);
    out.set(zip);
    out.set(text, zip.length);
    new DataView(out.buffer).setUint16(zip.length - 2, text.length, true);
    return out;
  };

  it('lists and reads an archive a range at a time exactly as one held whole', async () => {
    const zips = [
      writeZip(
        [
          { name: 'a.json', data: strToU8('{"x": 1}'.repeat(100)), compress: true },
          { name: 'blobs/w', data: new Uint8Array(70_000).map((_, i) => i % 251), compress: false },
          { name: 'b.txt', data: strToU8('b'), compress: false },
        ],
        new Date('2026-01-01T00:00:00Z'),
      ),
      streamedZip({ 'notes.txt': 'hello '.repeat(50), 'raw.bin': 'abc' }),
      withComment(zipSync({ a: strToU8('aaaa'), 'b/c': strToU8('c'.repeat(300)) }), 'a comment PK\x05\x06'),
    ];
    for (const zip of zips) {
      const whole = listZip(zip, 'test');
      const { entries, source } = await listZipFrom(bytesSource(zip), 'test', (f) => f.compressedSize < 1000);
      expect([...entries]).toEqual([...whole]);
      for (const e of whole.values())
        expect(await readZipEntryFrom(source, e, 'test', { checkCrc: true })).toEqual(
          readZipEntry(zip, e, 'test', { checkCrc: true }),
        );
    }
  });

  it('lists a bundle past the 2 GiB a buffer can hold when read a range at a time, up to what a zip can address', async () => {
    /** An archive of `parts`, where a number stands for that many zero bytes that are never held. */
    const sparse = (parts: readonly (Uint8Array | number)[]): ArchiveSource => {
      const spans = parts.map((p) => (typeof p === 'number' ? p : p.length));
      const size = spans.reduce((n, x) => n + x, 0);
      return {
        size,
        read: async (start, end) => {
          const out = new Uint8Array(Math.min(end, size) - start);
          let at = 0;
          parts.forEach((p, i) => {
            const from = Math.max(start, at);
            const to = Math.min(end, at + (spans[i] as number));
            if (from < to && typeof p !== 'number') out.set(p.subarray(from - at, to - at), from - start);
            at += spans[i] as number;
          });
          return out;
        },
      };
    };
    // Three weights of 0.9 GiB (one file may hold 1 GiB): 2.7 GiB in all.
    const big = 966_367_641;
    const stored = (name: string, size: number, crc = 0): ZipMember<number> => ({
      name,
      method: 0,
      crc,
      size,
      data: size,
      compressedSize: size,
    });
    const members = [
      stored('small.txt', 2, crc32(new Uint8Array(2))),
      stored('big-1.bin', big),
      stored('big-2.bin', big),
      stored('big-3.bin', big),
      stored('after.txt', 2, crc32(new Uint8Array(2))),
    ];
    const parts = zipParts(members, new Date('2026-01-01T00:00:00Z'));
    const { entries } = await listZipFrom(sparse(parts), 'test', () => false);
    expect([...entries.keys()]).toEqual(['small.txt', 'big-1.bin', 'big-2.bin', 'big-3.bin', 'after.txt']);
    const huge = 3 * big;
    expect(entries.get('after.txt')?.dataOffset).toBeGreaterThan(huge);
    // Held in one buffer, a zip is still bounded by what a browser can allocate.
    expect(LIMITS.maxArchiveBytes).toBeLessThan(huge);
    // Past 4 GiB a zip needs ZIP64, which Graft neither writes nor reads.
    const e = await listZipFrom(sparse([new Uint8Array(22), 4.5 * 1024 ** 3]), 'test', () => false).catch(
      (x: unknown) => x,
    );
    expect(isGraftError(e) && e.code).toBe('bundle/too-large');
  });

  it('refuses every damage to a zip read a range at a time as it refuses it held whole', async () => {
    const zip = withComment(
      zipSync({ a: strToU8('aaaa'), 'b/c': strToU8('c'.repeat(300)) }, { level: 0 }),
      'z',
    );
    const cases: Uint8Array[] = [];
    for (let at = 0; at < zip.length; at++) {
      for (const flip of [0x01, 0x80]) {
        const damaged = zip.slice();
        damaged[at] = (damaged[at] as number) ^ flip;
        cases.push(damaged);
      }
      cases.push(zip.slice(0, at));
    }
    const seen = new Set<string>();
    for (const damaged of cases) {
      const whole = await outcome(() => listZip(damaged, 'test'));
      // Reading every file's bytes ahead, or only the headers.
      for (const wanted of [true, false]) {
        const ranged = await outcome(
          async () => (await listZipFrom(bytesSource(damaged), 'test', () => wanted)).entries,
        );
        expect(ranged).toEqual(whole);
      }
      seen.add(whole.code ?? 'listed');
    }
    expect([...seen].sort()).toEqual(['bundle/corrupt', 'listed']);
  });

  it('reads a File’s directory, headers and small files in a few reads, and its large files not at all', async () => {
    const large = new Uint8Array(100_000).map((_, i) => i % 253);
    const zip = writeZip(
      [
        ...Array.from({ length: 300 }, (_, i) => ({
          name: `v/${i}.json`,
          data: strToU8(`{"i": ${i}}`),
          compress: true,
        })),
        ...[1, 2, 3].flatMap((k) => [
          { name: `blobs/large${k}`, data: large.map((x) => x ^ k), compress: false },
          { name: `blobs/small${k}`, data: strToU8('s'.repeat(k * 10)), compress: false },
        ]),
      ],
      new Date(0),
    );
    const { source, reads } = counted(zip);
    const { entries, source: ahead } = await listZipFrom(
      source,
      'test',
      (f) => f.compressedSize <= 32 * 1024,
    );
    expect(entries.size).toBe(306);
    for (const [name, e] of entries)
      if (!name.includes('large')) await readZipEntryFrom(ahead, e, 'test', { checkCrc: true });
    // The end record, the directory, the text and small files with the headers around them, three headers.
    expect(reads.length).toBeLessThanOrEqual(8);
    // All but the large files' bytes, the end record twice (alone first, then with the directory).
    const read = reads.reduce((n, [s, e]) => n + e - s, 0);
    expect(read).toBe(zip.length - 3 * large.length + 22);
  });
});
