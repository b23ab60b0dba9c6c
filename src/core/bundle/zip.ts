/**
 * Zip in and out. Writing lays an archive out as pieces, headers made here and each file's data as the
 * caller holds it, so a bundle's weights go from the store into the file without being copied (see
 * `zipParts`); text is deflated with fflate. Reading walks the central directory here, because an
 * untrusted archive has to be checked before fflate inflates anything: entry count, declared sizes
 * against the file's own size (zip bombs), overlapping entries, local headers that disagree with the
 * directory, and a CRC-32 on what comes out. Inflating itself is fflate's streaming `Inflate`, stopped
 * as soon as an entry produces more than it declared.
 */
import { deflateSync, Inflate } from 'fflate';
import { GraftError, part, type ErrorData, type ErrorPart } from '../errors';
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

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    readonly label: ZipLabel,
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

  u16(at: number): number {
    if (at < 0 || at + 2 > this.bytes.length) this.corrupt('header-cut');
    return (this.bytes[at] as number) | ((this.bytes[at + 1] as number) << 8);
  }

  u32(at: number): number {
    return (this.u16(at) | (this.u16(at + 2) << 16)) >>> 0;
  }
}

/**
 * Lists a zip's files from its central directory, refusing anything that could make reading it
 * unbounded or ambiguous. Nothing is inflated here.
 */
export function listZip(bytes: Uint8Array, label: ZipLabel): Map<string, ZipEntry> {
  const r = new Reader(bytes, label);
  if (bytes.length > LIMITS.maxArchiveBytes)
    r.tooLarge('archive-bytes', { bytes: bytes.length, max: LIMITS.maxArchiveBytes });
  const end = findEnd(r);
  if (r.u16(end + 4) !== 0 || r.u16(end + 6) !== 0) r.corrupt('multi-disk');
  const count = r.u16(end + 10);
  const cdSize = r.u32(end + 12);
  const cdOffset = r.u32(end + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) r.tooLarge('zip64');
  if (r.u16(end + 8) !== count) r.corrupt('counts');
  if (count > LIMITS.maxEntries) r.tooLarge('entries', { count, max: LIMITS.maxEntries });
  if (cdOffset + cdSize > end) r.corrupt('directory-outside');

  const entries = new Map<string, ZipEntry>();
  const spans: [number, number][] = [];
  let unpacked = 0;
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    const { entry, next, localStart } = readCentral(r, at, cdOffset);
    at = next;
    if (entries.has(entry.name)) r.corrupt('duplicate', { file: quote(entry.name) });
    unpacked += entry.size;
    if (unpacked > LIMITS.maxUnpackedBytes) r.tooLarge('unpacked', { max: LIMITS.maxUnpackedBytes });
    entries.set(entry.name, entry);
    spans.push([localStart, entry.dataOffset + entry.compressedSize]);
  }
  if (at !== cdOffset + cdSize) r.corrupt('directory-size');
  const allowed = LIMITS.freeUnpackedBytes + LIMITS.maxOverallRatio * bytes.length;
  if (unpacked > allowed) r.tooLarge('ratio', { bytes: bytes.length, unpacked });
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++)
    if ((spans[i] as [number, number])[0] < (spans[i - 1] as [number, number])[1]) r.corrupt('overlap');
  return entries;
}

function findEnd(r: Reader): number {
  const { bytes } = r;
  const last = bytes.length - 22;
  if (last < 0) r.corrupt('too-short');
  for (let at = last; at >= 0 && at >= last - 0xffff; at--) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && r.u32(at) === SIG_END) {
      if (at + 22 + r.u16(at + 20) === bytes.length) return at;
    }
  }
  return r.corrupt('no-end');
}

function readCentral(
  r: Reader,
  at: number,
  cdOffset: number,
): { entry: ZipEntry; next: number; localStart: number } {
  if (r.u32(at) !== SIG_CENTRAL) r.corrupt('directory-damaged');
  const flags = r.u16(at + 8);
  const method = r.u16(at + 10);
  const crc = r.u32(at + 16);
  const compressedSize = r.u32(at + 20);
  const size = r.u32(at + 24);
  const nameLength = r.u16(at + 28);
  const next = at + 46 + nameLength + r.u16(at + 30) + r.u16(at + 32);
  const localStart = r.u32(at + 42);
  if (next > r.bytes.length) r.corrupt('directory-cut');
  const nameBytes = r.bytes.subarray(at + 46, at + 46 + nameLength);
  const name = decodeName(r, nameBytes);
  if (flags & FLAG_ENCRYPTED) r.corrupt('encrypted', { file: quote(name) });
  if (method !== 0 && method !== 8) r.corrupt('method', { file: quote(name), method });
  if (method === 0 && compressedSize !== size) r.corrupt('stored-sizes', { file: quote(name) });
  if (size > LIMITS.maxBlobBytes)
    r.tooLarge('file-bytes', { file: quote(name), size, max: LIMITS.maxBlobBytes });
  if (method === 8 && size > compressedSize * LIMITS.maxDeflateRatio + 1024)
    r.tooLarge('deflate-ratio', { file: quote(name), size, compressedSize });

  if (r.u32(localStart) !== SIG_LOCAL) r.corrupt('no-local-header', { file: quote(name) });
  const localNameLength = r.u16(localStart + 26);
  const dataOffset = localStart + 30 + localNameLength + r.u16(localStart + 28);
  const localName = r.bytes.subarray(localStart + 30, localStart + 30 + localNameLength);
  if (!sameBytes(localName, nameBytes)) r.corrupt('local-name', { file: quote(name) });
  if (!(r.u16(localStart + 6) & FLAG_DATA_DESCRIPTOR)) {
    if (
      r.u32(localStart + 14) !== crc ||
      r.u32(localStart + 18) !== compressedSize ||
      r.u32(localStart + 22) !== size
    )
      r.corrupt('local-sizes', { file: quote(name) });
  }
  if (dataOffset + compressedSize > cdOffset) r.corrupt('past-end', { file: quote(name) });
  return {
    entry: { name, method: method as 0 | 8, crc, compressedSize, size, dataOffset },
    next,
    localStart,
  };
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
  const r = new Reader(bytes, label);
  const raw = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  const out = entry.method === 0 ? raw : inflateBounded(r, raw, entry);
  if (options.checkCrc && crc32(out) !== entry.crc) r.corrupt('checksum', { file: quote(entry.name) });
  return out as Uint8Array<ArrayBuffer>;
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
