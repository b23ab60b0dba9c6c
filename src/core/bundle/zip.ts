/**
 * Zip in and out. Writing lays an archive out as pieces, headers made here and each file's data as the
 * caller holds it, so a bundle's weights go from the store into the file without being copied (see
 * `zipParts`); text is deflated with fflate. Reading walks the central directory here, because an
 * untrusted archive has to be checked before fflate inflates anything: entry count, declared sizes
 * against the file's own size (zip bombs), overlapping entries, local headers that disagree with the
 * directory, and a CRC-32 on what comes out. Inflating itself is fflate's streaming `Inflate`, stopped
 * as soon as an entry produces more than it declared. An archive is read whole (`listZip`) or a range at
 * a time (`listZipFrom`, for a picked File): the same checks, in the same order, give the same errors.
 */
import { deflateSync, Inflate } from 'fflate';
import { GraftError, part, type ErrorData, type ErrorPart } from '../errors';
import { readAhead, type ArchiveSource } from './archive';
import { crc32 } from './crc32';
import { quote } from './untrusted';
import { LIMITS } from './limits';

export { crc32, crc32Update } from './crc32';

export interface ZipEntry {
  readonly name: string;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly dataOffset: number;
}

export interface ZipFile {
  readonly name: string;
  readonly data: Uint8Array;
  /** Weights do not compress; storing them keeps a bundle within 1% of its blobs and fast to read. */
  readonly compress: boolean;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DATA_DESCRIPTOR = 0x8;
const INFLATE_CHUNK = 64 * 1024;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;
}

/**
 * A file as the archive holds it: `data` is its bytes (method 0) or their raw DEFLATE (method 8), in
 * whatever form the caller keeps them (bytes, or a Blob that is never read here).
 */
export interface ZipMember<T> {
  readonly name: string;
  readonly method: 0 | 8;
  /** CRC-32 and length of the file's own bytes, before deflating. */
  readonly crc: number;
  readonly size: number;
  readonly data: T;
  /** Length of `data`. */
  readonly compressedSize: number;
}

/** A file made ready for `zipParts`: deflated when asked and when that makes it smaller, else stored. */
export function packZipFile(file: ZipFile): ZipMember<Uint8Array> {
  const crc = crc32(file.data);
  const size = file.data.byteLength;
  if (file.compress) {
    const deflated = deflateSync(file.data, { level: 6 });
    if (deflated.byteLength < size)
      return { name: file.name, method: 8, crc, size, data: deflated, compressedSize: deflated.byteLength };
  }
  return { name: file.name, method: 0, crc, size, data: file.data, compressedSize: size };
}

const FLAG_UTF8 = 0x800;
const VERSION = 20;
const MAX_U32 = 0xffffffff;
const WRITE_LABEL = part('errorPart.this-bundle');

/** Zip stores a DOS date and time; taken in UTC so the same content gives the same bytes everywhere. */
function dosDateTime(mtime: Date): { date: number; time: number } {
  const year = Math.min(Math.max(mtime.getUTCFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((mtime.getUTCMonth() + 1) << 5) | mtime.getUTCDate(),
    time: (mtime.getUTCHours() << 11) | (mtime.getUTCMinutes() << 5) | (mtime.getUTCSeconds() >> 1),
  };
}

/**
 * A standard zip (no ZIP64, no data descriptors: every size and CRC up front) as its pieces in order:
 * each local header followed by that member's `data`, then the central directory. Joined, they are the
 * archive; nothing here touches the data, so joining Blobs into a Blob copies no bytes.
 */
export function zipParts<T>(members: readonly ZipMember<T>[], mtime: Date): (Uint8Array<ArrayBuffer> | T)[] {
  const { date, time } = dosDateTime(mtime);
  const encoder = new TextEncoder();
  const parts: (Uint8Array<ArrayBuffer> | T)[] = [];
  const central: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (const m of members) {
    const name = encoder.encode(m.name);
    // Bit 11 says the name is UTF-8; plain ASCII names leave it clear, as most zip tools do.
    const flags = name.length !== m.name.length ? FLAG_UTF8 : 0;
    const local = new Uint8Array(30 + name.length);
    const l = new DataView(local.buffer);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, VERSION, true);
    l.setUint16(6, flags, true);
    l.setUint16(8, m.method, true);
    l.setUint16(10, time, true);
    l.setUint16(12, date, true);
    l.setUint32(14, m.crc, true);
    l.setUint32(18, m.compressedSize, true);
    l.setUint32(22, m.size, true);
    l.setUint16(26, name.length, true);
    local.set(name, 30);
    const entry = new Uint8Array(46 + name.length);
    const c = new DataView(entry.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, VERSION, true);
    c.setUint16(6, VERSION, true);
    entry.set(local.subarray(6, 26), 8);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    entry.set(name, 46);
    parts.push(local, m.data);
    central.push(entry);
    offset += local.length + m.compressedSize;
    if (m.size > MAX_U32 || offset > MAX_U32) tooBigToWrite();
  }
  const cdSize = central.reduce((n, e) => n + e.length, 0);
  if (members.length >= 0xffff || offset + cdSize > MAX_U32) tooBigToWrite();
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, members.length, true);
  e.setUint16(10, members.length, true);
  e.setUint32(12, cdSize, true);
  e.setUint32(16, offset, true);
  parts.push(...central, end);
  return parts;
}

function tooBigToWrite(): never {
  throw new GraftError('error.bundle/too-large.zip', {
    label: WRITE_LABEL,
    problem: zipProblem('zip64', {}),
  });
}

/** Builds a zip in one buffer, with a fixed timestamp, so the same content always gives the same bytes. */
export function writeZip(files: readonly ZipFile[], mtime: Date): Uint8Array<ArrayBuffer> {
  return joinBytes(zipParts(files.map(packZipFile), mtime));
}

export function joinBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** What is wrong with an archive, as a phrase (`errorPart.zip.<what>`) that callers can reuse. */
const zipProblem = (what: string, vars: ErrorData): ErrorPart => ({ part: `errorPart.zip.${what}`, vars });

/** What a message calls the archive: a quoted file name, or a phrase such as “This bundle”. */
export type ZipLabel = string | ErrorPart;

/**
 * Reads little-endian fields of an archive at absolute offsets, out of `bytes`, which hold the archive
 * from `base` on (all of it, or a window read from a File); `total` is the archive's length.
 */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    readonly label: ZipLabel,
    readonly base = 0,
    readonly total = base + bytes.length,
  ) {}

  /** "<label> is damaged or not a zip file: <what>." */
  corrupt(what: string, vars: ErrorData = {}): never {
    throw new GraftError('error.bundle/corrupt.zip', { label: this.label, problem: zipProblem(what, vars) });
  }

  /** "<label> is refused: <what>." (a limit passed) */
  tooLarge(what: string, vars: ErrorData = {}): never {
    throw new GraftError('error.bundle/too-large.zip', {
      label: this.label,
      problem: zipProblem(what, vars),
    });
  }

  u8(at: number): number | undefined {
    return this.bytes[at - this.base];
  }

  u16(at: number): number {
    const i = at - this.base;
    if (i < 0 || i + 2 > this.bytes.length) this.corrupt('header-cut');
    return (this.bytes[i] as number) | ((this.bytes[i + 1] as number) << 8);
  }

  u32(at: number): number {
    return (this.u16(at) | (this.u16(at + 2) << 16)) >>> 0;
  }

  sub(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start - this.base, end - this.base);
  }
}

/** The end record's facts about the central directory. */
interface EndRecord {
  readonly end: number;
  readonly count: number;
  readonly cdOffset: number;
  readonly cdSize: number;
}

/** A file as the central directory lists it, before its local header is read. */
interface Listed {
  readonly name: string;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localStart: number;
  readonly nameBytes: Uint8Array;
  /** The directory's extra field length: the local header's is usually the same. */
  readonly extraLength: number;
}

/** The end record, with no more than 22 + 65 535 bytes before the archive's end in `r`. */
const END_SEARCH = 22 + 0xffff;

/**
 * Lists a zip's files from its central directory, refusing anything that could make reading it
 * unbounded or ambiguous. Nothing is inflated here.
 */
export function listZip(bytes: Uint8Array, label: ZipLabel): Map<string, ZipEntry> {
  const r = new Reader(bytes, label);
  checkArchiveSize(r, bytes.length, LIMITS.maxArchiveBytes);
  const dir = readEnd(r);
  const listed = readDirectory(r, dir, LIMITS.maxUnpackedBytes);
  return checkLocals(
    r,
    listed.map((l) => localEntry(r, l, dir)),
    listed,
  );
}

/**
 * `listZip` for an archive read a range at a time: the end record and directory from its tail, then each
 * file's local header — and, where `wanted` says so, its data — in few joined reads. The source it gives
 * back serves those reads from memory; read the wanted files through it.
 */
export async function listZipFrom(
  source: ArchiveSource,
  label: ZipLabel,
  wanted: (file: {
    readonly name: string;
    readonly method: 0 | 8;
    readonly compressedSize: number;
  }) => boolean,
): Promise<{ entries: Map<string, ZipEntry>; source: ArchiveSource }> {
  const { size } = source;
  // Read a range at a time, an archive is bounded by what a zip can address, not by one buffer's size.
  checkArchiveSize(new Reader(new Uint8Array(0), label), size, LIMITS.maxStreamedArchiveBytes);
  const tail = await readTail(source, label);
  const dir = readEnd(tail);
  // From the directory to the end, as `listZip` sees it: a directory entry that runs on reads what follows.
  const cd =
    dir.cdOffset >= tail.base
      ? tail
      : new Reader(await source.read(dir.cdOffset, size), label, dir.cdOffset, size);
  const listed = readDirectory(cd, dir, LIMITS.maxStreamedArchiveBytes);
  const ahead = await readAhead(
    source,
    listed.map((l) => ({
      start: l.localStart,
      end: l.localStart + 30 + l.nameBytes.length + (wanted(l) ? l.extraLength + l.compressedSize : 0),
    })),
  );
  const entries: ZipEntry[] = [];
  for (const l of listed) {
    const at = l.localStart;
    const header = new Reader(await ahead.read(at, at + 30 + l.nameBytes.length), label, at, size);
    entries.push(localEntry(header, l, dir));
  }
  return { entries: checkLocals(tail, entries, listed), source: ahead };
}

/** The archive's end, where `findEnd` looks for the end record. */
async function readTail(source: ArchiveSource, label: ZipLabel): Promise<Reader> {
  const { size } = source;
  // A zip without a comment (as every bundle is) ends with its 22-byte end record, which `findEnd` tries
  // first: one small read finds it.
  if (size >= 22) {
    const last = new Reader(await source.read(size - 22, size), label, size - 22, size);
    if (last.u32(size - 22) === SIG_END && last.u16(size - 2) === 0) return last;
  }
  const start = Math.max(0, size - END_SEARCH);
  return new Reader(await source.read(start, size), label, start, size);
}

function checkArchiveSize(r: Reader, size: number, max: number): void {
  if (size > max) r.tooLarge('archive-bytes', { bytes: size, max });
}

function readEnd(r: Reader): EndRecord {
  const end = findEnd(r);
  if (r.u16(end + 4) !== 0 || r.u16(end + 6) !== 0) r.corrupt('multi-disk');
  const count = r.u16(end + 10);
  const cdSize = r.u32(end + 12);
  const cdOffset = r.u32(end + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) r.tooLarge('zip64');
  if (r.u16(end + 8) !== count) r.corrupt('counts');
  if (count > LIMITS.maxEntries) r.tooLarge('entries', { count, max: LIMITS.maxEntries });
  if (cdOffset + cdSize > end) r.corrupt('directory-outside');
  return { end, count, cdOffset, cdSize };
}

function findEnd(r: Reader): number {
  const last = r.total - 22;
  if (last < 0) r.corrupt('too-short');
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (r.u8(at) === 0x50 && r.u8(at + 1) === 0x4b && r.u32(at) === SIG_END) {
      if (at + 22 + r.u16(at + 20) === r.total) return at;
    }
  }
  return r.corrupt('no-end');
}

/** Every file the directory lists, in its order: names once each, sizes within the limits. */
function readDirectory(r: Reader, dir: EndRecord, maxUnpacked: number): Listed[] {
  const names = new Set<string>();
  const out: Listed[] = [];
  let unpacked = 0;
  let at = dir.cdOffset;
  for (let i = 0; i < dir.count; i++) {
    const { listed, next } = readCentral(r, at);
    at = next;
    if (names.has(listed.name)) r.corrupt('duplicate', { file: quote(listed.name) });
    names.add(listed.name);
    unpacked += listed.size;
    if (unpacked > maxUnpacked) r.tooLarge('unpacked', { max: maxUnpacked });
    out.push(listed);
  }
  if (at !== dir.cdOffset + dir.cdSize) r.corrupt('directory-size');
  const allowed = LIMITS.freeUnpackedBytes + LIMITS.maxOverallRatio * r.total;
  if (unpacked > allowed) r.tooLarge('ratio', { bytes: r.total, unpacked });
  return out;
}

function readCentral(r: Reader, at: number): { listed: Listed; next: number } {
  if (r.u32(at) !== SIG_CENTRAL) r.corrupt('directory-damaged');
  const flags = r.u16(at + 8);
  const method = r.u16(at + 10);
  const crc = r.u32(at + 16);
  const compressedSize = r.u32(at + 20);
  const size = r.u32(at + 24);
  const nameLength = r.u16(at + 28);
  const extraLength = r.u16(at + 30);
  const next = at + 46 + nameLength + extraLength + r.u16(at + 32);
  const localStart = r.u32(at + 42);
  if (next > r.total) r.corrupt('directory-cut');
  const nameBytes = r.sub(at + 46, at + 46 + nameLength);
  const name = decodeName(r, nameBytes);
  if (flags & FLAG_ENCRYPTED) r.corrupt('encrypted', { file: quote(name) });
  if (method !== 0 && method !== 8) r.corrupt('method', { file: quote(name), method });
  if (method === 0 && compressedSize !== size) r.corrupt('stored-sizes', { file: quote(name) });
  if (size > LIMITS.maxBlobBytes)
    r.tooLarge('file-bytes', { file: quote(name), size, max: LIMITS.maxBlobBytes });
  if (method === 8 && size > compressedSize * LIMITS.maxDeflateRatio + 1024)
    r.tooLarge('deflate-ratio', { file: quote(name), size, compressedSize });
  return {
    listed: { name, method, crc, compressedSize, size, localStart, nameBytes, extraLength },
    next,
  };
}

/** The file's local header, which must agree with the directory; `r` holds it from `l.localStart` on. */
function localEntry(r: Reader, l: Listed, dir: EndRecord): ZipEntry {
  const { name, localStart, nameBytes, crc, compressedSize, size } = l;
  if (r.u32(localStart) !== SIG_LOCAL) r.corrupt('no-local-header', { file: quote(name) });
  const localNameLength = r.u16(localStart + 26);
  const dataOffset = localStart + 30 + localNameLength + r.u16(localStart + 28);
  if (
    localNameLength !== nameBytes.length ||
    !sameBytes(r.sub(localStart + 30, localStart + 30 + localNameLength), nameBytes)
  )
    r.corrupt('local-name', { file: quote(name) });
  if (!(r.u16(localStart + 6) & FLAG_DATA_DESCRIPTOR)) {
    if (
      r.u32(localStart + 14) !== crc ||
      r.u32(localStart + 18) !== compressedSize ||
      r.u32(localStart + 22) !== size
    )
      r.corrupt('local-sizes', { file: quote(name) });
  }
  if (dataOffset + compressedSize > dir.cdOffset) r.corrupt('past-end', { file: quote(name) });
  return { name, method: l.method, crc, compressedSize, size, dataOffset };
}

/** No two files' bytes overlap (a classic of zip bombs); the entries by name. */
function checkLocals(
  r: Reader,
  entries: readonly ZipEntry[],
  listed: readonly Listed[],
): Map<string, ZipEntry> {
  const spans = entries.map((e, i) => [(listed[i] as Listed).localStart, e.dataOffset + e.compressedSize]);
  spans.sort((a, b) => (a[0] as number) - (b[0] as number));
  for (let i = 1; i < spans.length; i++)
    if (((spans[i] as number[])[0] as number) < ((spans[i - 1] as number[])[1] as number))
      r.corrupt('overlap');
  return new Map(entries.map((e) => [e.name, e]));
}

function decodeName(r: Reader, bytes: Uint8Array): string {
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return r.corrupt('name-text');
  }
  if (name.length === 0) r.corrupt('no-name');
  return name;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One entry's bytes. Stored entries are views into `bytes` (no copy). Deflated ones are inflated in
 * chunks into a buffer of the declared size, and refused the moment they would overflow it.
 */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  label: ZipLabel,
  options: { checkCrc: boolean },
): Uint8Array<ArrayBuffer> {
  return unpack(
    bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize),
    entry,
    label,
    options,
  );
}

/** `readZipEntry` for an archive read a range at a time. */
export async function readZipEntryFrom(
  source: ArchiveSource,
  entry: ZipEntry,
  label: ZipLabel,
  options: { checkCrc: boolean },
): Promise<Uint8Array<ArrayBuffer>> {
  const raw = await source.read(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  return unpack(raw, entry, label, options);
}

function unpack(
  raw: Uint8Array,
  entry: ZipEntry,
  label: ZipLabel,
  options: { checkCrc: boolean },
): Uint8Array<ArrayBuffer> {
  const r = new Reader(raw, label);
  // `listZip` checked the entry lies inside the archive; only a source cut short gives fewer bytes.
  if (raw.length !== entry.compressedSize) r.corrupt('header-cut');
  const out = entry.method === 0 ? raw : inflateBounded(r, raw, entry);
  if (options.checkCrc && crc32(out) !== entry.crc) r.corrupt('checksum', { file: quote(entry.name) });
  return out as Uint8Array<ArrayBuffer>;
}

/** The CRC-32 the directory records for a file did not come out of its bytes. */
export function wrongChecksum(entry: ZipEntry, label: ZipLabel): never {
  return new Reader(new Uint8Array(0), label).corrupt('checksum', { file: quote(entry.name) });
}
function inflateBounded(r: Reader, raw: Uint8Array, entry: ZipEntry): Uint8Array {
  const out = new Uint8Array(entry.size);
  let written = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > out.length)
      r.tooLarge('inflates', { file: quote(entry.name), size: entry.size });
    out.set(chunk, written);
    written += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < raw.length || at === 0; at += INFLATE_CHUNK) {
      const last = at + INFLATE_CHUNK >= raw.length;
      inflater.push(raw.subarray(at, at + INFLATE_CHUNK), last);
      if (last) break;
    }
  } catch (e) {
    if (e instanceof GraftError) throw e;
    r.corrupt('inflate', { file: quote(entry.name), detail: e instanceof Error ? e.message : String(e) });
  }
  if (!ended || written !== entry.size)
    r.corrupt('written', { file: quote(entry.name), written, size: entry.size });
  return out;
}
