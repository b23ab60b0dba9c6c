/** Safetensors (Hugging Face's weight format) in and out: a strict reader for untrusted files, and a writer. */
import { GraftError, type ErrorData, type ErrorKey } from '../errors';
import { quote } from '../bundle/untrusted';
import { ELEMENT_SIZES, toStoredElements, type ElementDType } from './elements';
import { headerLengthWords, SAFETENSORS_MAX_HEADER } from './sniff';

export { looksLikeSafetensors, SAFETENSORS_MAX_HEADER } from './sniff';

/** The spec's dtypes that Graft reads (and converts, where it stores them differently). */
export type SafetensorsDType = ElementDType;

export type SafetensorsProblem =
  'header-length' | 'header-too-large' | 'header-json' | 'dtype' | 'offsets' | 'shape';

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** A view into the file's bytes, no copy. */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly metadata: Readonly<Record<string, string>>;
  /** In file order (by offset). */
  readonly tensors: readonly SafetensorsTensor[];
}

export type StoredSafetensorsDType = 'float32' | 'int32' | 'bool';

export interface SafetensorsInput {
  readonly name: string;
  readonly dtype: StoredSafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

const DTYPE_SIZES = ELEMENT_SIZES;

/** In the spec (or newer versions of it) but with no exact float32 or int32 form Graft could store. */
const UNREAD_DTYPES: readonly string[] = [
  'F8_E5M2',
  'F8_E4M3',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
];

const WRITTEN_DTYPES: Readonly<Record<StoredSafetensorsDType, SafetensorsDType>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

/** Graft's own limit on tensor rank; also what keeps one crafted shape from being a megabyte of dims. */
const MAX_DIMS = 8;
/** Above this no tensor fits in a browser's memory; checked before any size is multiplied further. */
const MAX_ELEMENTS = 2 ** 31;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const BRACE = 0x7b;
const SPACE = 0x20;

type Subject = { tensor?: string; dtype?: string };

type SafetensorsKey = ErrorKey & `error.import/safetensors-invalid.${string}`;

/** Throws `key` (its message names the file as `{name}`), with `problem` and `subject` in its data. */
function invalid(
  file: string,
  problem: SafetensorsProblem,
  key: SafetensorsKey,
  values: ErrorData = {},
  subject: Subject = {},
): never {
  throw new GraftError(key, { ...values, file, name: quote(file), problem, ...subject });
}

/** The u64 header length as [low 32 bits, high 32 bits], so no precision is lost before it is checked. */
interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
  readonly index: number;
}

/**
 * Parses a whole safetensors file and checks it as strictly as the reference implementation: header
 * length and size, a JSON object header, known dtypes, sane shapes, and offsets that tile the data
 * buffer exactly (ordered, no holes, no overlaps, nothing left over). Tensors are views into `bytes`.
 * Throws `import/safetensors-invalid` naming the file, the tensor and the problem.
 */
export function readSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.length < 8)
    invalid(file, 'header-length', 'error.import/safetensors-invalid.header-length.short', {
      bytes: bytes.length,
    });
  const [n, high] = headerLengthWords(bytes);
  if (high !== 0 || n > SAFETENSORS_MAX_HEADER) {
    const declared = (BigInt(high) << 32n) | BigInt(n);
    invalid(file, 'header-too-large', 'error.import/safetensors-invalid.header-too-large.declared', {
      declared: String(declared),
      max: SAFETENSORS_MAX_HEADER,
    });
  }
  if (n > bytes.length - 8)
    invalid(file, 'header-length', 'error.import/safetensors-invalid.header-length.truncated', {
      declared: n,
      follow: bytes.length - 8,
    });
  const header = parseHeader(bytes.subarray(8, 8 + n), file);
  const data = bytes.subarray(8 + n);

  let metadata: Readonly<Record<string, string>> = Object.freeze({});
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = readMetadata(value, file);
    else entries.push(readEntry(name, value, entries.length, data.length, file));
  }

  // The reference implementation sorts by offsets too: writers order tensors by dtype, not by name.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || a.index - b.index);
  let at = 0;
  let previous: Entry | null = null;
  for (const e of entries) {
    if (previous && e.begin < at)
      invalid(
        file,
        'offsets',
        'error.import/safetensors-invalid.offsets.overlap',
        {
          quoted: quote(e.name),
          begin: e.begin,
          end: e.end,
          previous: quote(previous.name),
          previousBegin: previous.begin,
          previousEnd: previous.end,
        },
        { tensor: e.name },
      );
    if (e.begin > at)
      invalid(
        file,
        'offsets',
        'error.import/safetensors-invalid.offsets.gap',
        { from: at, to: e.begin, quoted: quote(e.name) },
        { tensor: e.name },
      );
    at = e.end;
    previous = e;
  }
  if (at !== data.length)
    invalid(
      file,
      'offsets',
      previous
        ? 'error.import/safetensors-invalid.offsets.tail-after'
        : 'error.import/safetensors-invalid.offsets.tail',
      {
        left: data.length - at,
        at,
        total: data.length,
        ...(previous ? { quoted: quote(previous.name) } : {}),
      },
      previous ? { tensor: previous.name } : {},
    );

  return {
    metadata,
    tensors: entries.map((e) => ({
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      bytes: data.subarray(e.begin, e.end),
    })),
  };
}

/** A JSON value from the header in a message: on one line and cut short, since it can be anything. */
function shown(value: unknown): string {
  const text = String(JSON.stringify(value));
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function parseHeader(bytes: Uint8Array, file: string): Record<string, unknown> {
  const notJson = (key: SafetensorsKey, values: ErrorData = {}): never =>
    invalid(file, 'header-json', key, values);
  // Checked on the raw byte, before decoding: a UTF-8 byte-order mark or leading spaces are refused too.
  if (bytes[0] !== BRACE) notJson('error.import/safetensors-invalid.header-json.no-brace');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return notJson('error.import/safetensors-invalid.header-json.not-utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return notJson('error.import/safetensors-invalid.header-json.not-json', {
      detail: e instanceof Error ? e.message : String(e),
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    notJson('error.import/safetensors-invalid.header-json.not-object');
  return value as Record<string, unknown>;
}

function readMetadata(value: unknown, file: string): Readonly<Record<string, string>> {
  // The reference implementation reads `"__metadata__": null` as no metadata.
  if (value === null) return Object.freeze({});
  if (typeof value !== 'object' || Array.isArray(value))
    invalid(file, 'header-json', 'error.import/safetensors-invalid.header-json.metadata');
  const pairs = Object.entries(value as Record<string, unknown>);
  for (const [key, v] of pairs)
    if (typeof v !== 'string')
      invalid(file, 'header-json', 'error.import/safetensors-invalid.header-json.metadata-entry', {
        entry: quote(key),
      });
  // fromEntries defines own properties, so a key named "__proto__" stays a plain entry.
  return Object.freeze(Object.fromEntries(pairs) as Record<string, string>);
}

function readEntry(name: string, value: unknown, index: number, dataLength: number, file: string): Entry {
  const t = quote(name);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(
      file,
      'header-json',
      'error.import/safetensors-invalid.header-json.tensor',
      { quoted: t },
      { tensor: name },
    );
  const info = value as Record<string, unknown>;

  const rawDtype = info['dtype'];
  if (typeof rawDtype !== 'string')
    invalid(
      file,
      'dtype',
      'error.import/safetensors-invalid.dtype.missing',
      { quoted: t },
      { tensor: name, dtype: rawDtype === undefined ? '' : shown(rawDtype) },
    );
  if (!Object.hasOwn(DTYPE_SIZES, rawDtype)) {
    const known = UNREAD_DTYPES.includes(rawDtype);
    invalid(
      file,
      'dtype',
      known
        ? 'error.import/safetensors-invalid.dtype.inexact'
        : 'error.import/safetensors-invalid.dtype.unknown',
      { quoted: t, type: known ? rawDtype : quote(rawDtype) },
      { tensor: name, dtype: rawDtype },
    );
  }
  const dtype = rawDtype as SafetensorsDType;

  const rawShape = info['shape'];
  const badShape = (why: string): never =>
    invalid(
      file,
      'shape',
      'error.import/safetensors-invalid.shape.why',
      { quoted: t, why },
      { tensor: name, dtype },
    );
  if (!Array.isArray(rawShape)) return badShape('has no shape (a list of dimension sizes)');
  if (rawShape.length > MAX_DIMS)
    badShape(`has ${rawShape.length} dimensions; Graft reads at most ${MAX_DIMS}`);
  let elements = 1;
  for (const d of rawShape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      badShape(`has shape ${shown(rawShape)}, which holds something other than a whole number ≥ 0`);
    elements *= d;
    if (elements > MAX_ELEMENTS)
      badShape(`has shape ${shown(rawShape)}, more than ${MAX_ELEMENTS} elements in one tensor`);
  }
  const shape = Object.freeze((rawShape as number[]).slice());

  const offsets = info['data_offsets'];
  const badOffsets = (why: string): never =>
    invalid(
      file,
      'offsets',
      'error.import/safetensors-invalid.offsets.why',
      { quoted: t, why },
      { tensor: name, dtype },
    );
  if (!Array.isArray(offsets) || offsets.length !== 2)
    return badOffsets('are not given (“data_offsets” must be a list of a start and an end)');
  const [begin, end] = offsets as unknown[];
  if (
    typeof begin !== 'number' ||
    typeof end !== 'number' ||
    !Number.isSafeInteger(begin) ||
    !Number.isSafeInteger(end) ||
    begin < 0 ||
    end < begin
  )
    return badOffsets(`are ${shown(offsets)}, not a start and an end with 0 ≤ start ≤ end`);
  if (end > dataLength)
    badOffsets(
      `(${begin}…${end}) lie past the end of the file, whose data holds ${dataLength} bytes (is it truncated?)`,
    );
  const size = DTYPE_SIZES[dtype];
  if (end - begin !== elements * size)
    badShape(
      `has shape [${shape.join(', ')}] of ${dtype}, which takes ${elements * size} bytes, but its offsets (${begin}…${end}) give it ${end - begin}`,
    );
  return { name, dtype, shape, begin, end, index };
}

/**
 * A tensor's values in a dtype Graft stores (float32, int32, bool): see `toStoredElements`. A value too wide
 * for int32 stops the import, naming the tensor and the element.
 */
export function toStoredTensor(
  t: SafetensorsTensor,
  fileName: string,
): { dtype: StoredSafetensorsDType; data: Uint8Array<ArrayBuffer>; convertedFrom: SafetensorsDType | null } {
  return toStoredElements(t.dtype, t.bytes, (i, value) =>
    invalid(
      fileName,
      'dtype',
      'error.import/safetensors-invalid.dtype.int-range',
      {
        quoted: quote(t.name),
        type: t.dtype,
        index: i,
        value: String(value),
        min: INT32_MIN,
        max: INT32_MAX,
      },
      { tensor: t.name, dtype: t.dtype },
    ),
  );
}

/**
 * A safetensors file with the tensors in the given order, their bytes copied unchanged (Graft's stored
 * bytes are little-endian, as the format is). As the Python package does, the header is padded with spaces
 * so the data starts 8-byte aligned, and `__metadata__` comes first (left out when empty).
 */
export function writeSafetensors(
  tensors: readonly SafetensorsInput[],
  metadata: Readonly<Record<string, string>>,
): Uint8Array<ArrayBuffer> {
  const bug = (why: string): never => {
    throw new GraftError('error.internal.safetensors-write', { why });
  };
  // Built by hand, not with JSON.stringify on an object: JS objects put integer-like keys ("0") first.
  const parts: string[] = [];
  const metaPairs = Object.entries(metadata);
  if (metaPairs.length) {
    for (const [k, v] of metaPairs) if (typeof v !== 'string') bug(`metadata ${quote(k)} is not text`);
    parts.push(
      `"__metadata__":{${metaPairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
    );
  }
  const names = new Set<string>(['__metadata__']);
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) bug(`the tensor name ${quote(t.name)} is used twice (or is reserved)`);
    names.add(t.name);
    const dtype = WRITTEN_DTYPES[t.dtype];
    let elements = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) bug(`tensor ${quote(t.name)} has shape [${t.shape.join(', ')}]`);
      elements *= d;
    }
    if (t.data.byteLength !== elements * DTYPE_SIZES[dtype])
      bug(
        `tensor ${quote(t.name)} has ${t.data.byteLength} bytes, but shape [${t.shape.join(', ')}] of ${dtype} takes ${elements * DTYPE_SIZES[dtype]}`,
      );
    const info = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > SAFETENSORS_MAX_HEADER)
    bug(`its header would take ${headerLength} bytes, more than readers accept (${SAFETENSORS_MAX_HEADER})`);
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(SPACE, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

/** What a Graft `.safetensors` export records in `__metadata__`, besides the tensors. */
export const GRAFT_SAFETENSORS_FORMAT = 'tf';

/**
 * One stored version's weights as a `.safetensors` file: every tensor under its TF.js/Keras name, in the
 * version's order, bytes exactly as stored. `format` is the safetensors convention for TensorFlow/Keras
 * layouts (kernels are `[in, out]`); the `graft.*` entries say which version and topology they came from.
 */
export function versionSafetensors(loaded: {
  readonly version: { readonly id: string; readonly topologyHash: string };
  readonly tensors: readonly {
    readonly entry: {
      readonly name: string;
      readonly shape: readonly number[];
      readonly dtype: StoredSafetensorsDType;
    };
    readonly data: ArrayBuffer | Uint8Array;
  }[];
}): Uint8Array<ArrayBuffer> {
  return writeSafetensors(
    loaded.tensors.map((t) => ({
      name: t.entry.name,
      dtype: t.entry.dtype,
      shape: t.entry.shape,
      data: t.data instanceof Uint8Array ? t.data : new Uint8Array(t.data),
    })),
    {
      format: GRAFT_SAFETENSORS_FORMAT,
      'graft.version': loaded.version.id,
      'graft.topology': loaded.version.topologyHash,
    },
  );
}
