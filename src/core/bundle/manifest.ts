/**
 * The bundle manifest (graft-bundle.json): its types, and `readManifest`, the one path every manifest
 * read goes through: check the format, migrate older format versions up to the current one, then
 * validate every field of the untrusted JSON. See docs/bundle-format.md.
 */
import { GraftError } from '../errors';
import type { BlobHash, VersionId } from '../hashing';
import type { JsonObject } from '../json';
import { OPTIMIZERS } from '../model/training';
import { attachmentLabel } from '../versions/attachments';
import { refNameProblem } from '../versions/refs';
import {
  CHANGE_KINDS,
  type Head,
  type KeptData,
  type Metrics,
  type ModelSummary,
  type Provenance,
  type RefKind,
  type RepoId,
  type StoredDType,
  type StoredOptimizerState,
  type TensorEntry,
  type Version,
} from '../versions/types';
import { expectedByteLength, validateContent } from '../versions/version';
import { LIMITS } from './limits';
import { Fields, quote } from './untrusted';

export const BUNDLE_FORMAT = 'graft-bundle';
/**
 * 2 added `inputShapes`/`outputShapes` to version summaries (models with several inputs or outputs);
 * 3 added `attachments`: what versions keep beside their content (optimizer state, the data trained on).
 */
export const BUNDLE_FORMAT_VERSION = 3;

export type BundleScope =
  | { readonly kind: 'repository' }
  | { readonly kind: 'branch'; readonly name: string }
  /** Versions reachable from `to` but not from `from`, like git's `from..to`; `from: null` means all. */
  | { readonly kind: 'range'; readonly from: VersionId | null; readonly to: VersionId }
  | { readonly kind: 'version'; readonly id: VersionId }
  /** Exactly these versions (with the refs that point at them), e.g. the intact ones "Verify storage" found. */
  | { readonly kind: 'versions'; readonly ids: readonly VersionId[] };

export interface BundleRef {
  readonly name: string;
  readonly kind: RefKind;
  readonly target: VersionId;
}

export interface BundleBlob {
  readonly hash: BlobHash;
  readonly size: number;
}

/**
 * What one version keeps beside its content, carried with it (format 3). Kept apart from `versions`, whose
 * entries are exactly the hashed `Version` objects: attachments are not part of a version's id.
 */
export interface BundleAttachment {
  readonly version: VersionId;
  /** Always carried when the version keeps one; its tensors' blobs are listed in `blobs`. */
  readonly optimizer?: StoredOptimizerState;
  /** Carried only when the export included data; its blob is listed in `blobs`. */
  readonly data?: KeptData;
}

export interface BundleRepository {
  readonly id: RepoId;
  readonly name: string;
  readonly createdAt: string;
  readonly description?: string;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: typeof BUNDLE_FORMAT_VERSION;
  readonly createdAt: string;
  readonly app: { readonly name: string; readonly version: string };
  readonly repository: BundleRepository;
  readonly scope: BundleScope;
  /** What HEAD was in the exporting repository (as far as the scope holds it). */
  readonly head: Head | null;
  readonly refs: readonly BundleRef[];
  /** Parents before children. Exactly the stored `Version` objects, so each id re-derives from its content. */
  readonly versions: readonly Version[];
  /** Versions' attachments, parents first; absent when none keeps any. */
  readonly attachments?: readonly BundleAttachment[];
  /** Every blob the versions and their attachments use: topologies, tensors and data, each once. */
  readonly blobs: readonly BundleBlob[];
  /** Set on a thin bundle: blobs left out because the receiver holds `basis` and its ancestors. */
  readonly thin?: { readonly basis: readonly VersionId[]; readonly omitted: readonly BlobHash[] };
}

/**
 * Older manifests are lifted one format version at a time; entry `n` turns version `n` into `n + 1`.
 * Never edit an entry once released.
 */
const MIGRATIONS: Readonly<Record<number, (old: Record<string, unknown>) => Record<string, unknown>>> = {
  // Format 2 only added optional summary fields: a format-1 manifest is a valid format-2 one, as it is.
  1: (old) => old,
  // Format 3 only added the optional `attachments`: a format-2 manifest is a format-3 one without any.
  2: (old) => old,
};

const REPO_ID = /^[A-Za-z0-9._-]{1,64}$/;
const STORED_DTYPES: readonly StoredDType[] = ['float32', 'int32', 'bool'];

export function readManifest(json: unknown): BundleManifest {
  const f: Fields = new Fields('error.bundle/manifest-invalid.field');
  const raw = f.object(json, 'the manifest');
  if (raw.format !== BUNDLE_FORMAT) throw new GraftError('error.bundle/manifest-invalid.not-graft');
  const formatVersion = f.integer(raw.formatVersion, 'formatVersion', 1, Number.MAX_SAFE_INTEGER);
  if (formatVersion > BUNDLE_FORMAT_VERSION)
    throw new GraftError('error.bundle/newer-format.version', {
      formatVersion,
      supported: BUNDLE_FORMAT_VERSION,
    });
  let current = raw;
  for (let v = formatVersion; v < BUNDLE_FORMAT_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) f.fail('formatVersion', `${v} is not a format Graft ever wrote`);
    current = step(current);
  }
  return validateCurrent(f, current);
}

const MANIFEST_KEYS = [
  'format',
  'formatVersion',
  'createdAt',
  'app',
  'repository',
  'scope',
  'head',
  'refs',
  'versions',
  'attachments',
  'blobs',
  'thin',
];

function validateCurrent(f: Fields, raw: Record<string, unknown>): BundleManifest {
  f.object(raw, 'the manifest', MANIFEST_KEYS);
  const app = f.object(raw.app, 'app', ['name', 'version']);
  const repository = readRepository(f, raw.repository);
  const versions = f
    .array(raw.versions, 'versions', LIMITS.maxVersions)
    .map((v, i) => readVersion(f, v, `versions[${i}]`, repository.id));
  const ids = new Set<VersionId>();
  for (const v of versions) {
    if (ids.has(v.id)) f.fail('versions', `list version ${v.id} twice`);
    ids.add(v.id);
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: f.date(raw.createdAt, 'createdAt'),
    app: { name: f.string(app.name, 'app.name', 100, 1), version: f.string(app.version, 'app.version', 100) },
    repository,
    scope: readScope(f, raw.scope),
    head: readHead(f, raw.head, ids),
    refs: readRefs(f, raw.refs, ids),
    versions,
    ...(raw.attachments === undefined ? {} : { attachments: readAttachments(f, raw.attachments, ids) }),
    blobs: readBlobs(f, raw.blobs),
    ...(raw.thin === undefined ? {} : { thin: readThin(f, raw.thin) }),
  };
  checkBlobsCoverVersions(f, manifest);
  return manifest;
}

function readRepository(f: Fields, v: unknown): BundleRepository {
  const r = f.object(v, 'repository', ['id', 'name', 'createdAt', 'description']);
  const id = f.string(r.id, 'repository.id', 64, 1);
  if (!REPO_ID.test(id)) f.fail('repository.id', 'may hold only letters, digits, ".", "_" and "-"');
  const name = f.string(r.name, 'repository.name', LIMITS.maxRepoNameLength, 1);
  if (name.trim() !== name || name === '') f.fail('repository.name', 'must not start or end with spaces');
  return {
    id: id as RepoId,
    name,
    createdAt: f.date(r.createdAt, 'repository.createdAt'),
    ...(r.description === undefined
      ? {}
      : { description: f.string(r.description, 'repository.description', LIMITS.maxDescriptionLength) }),
  };
}

function readScope(f: Fields, v: unknown): BundleScope {
  const s = f.object(v, 'scope');
  const kind = f.oneOf(s.kind, 'scope.kind', [
    'repository',
    'branch',
    'range',
    'version',
    'versions',
  ] as const);
  switch (kind) {
    case 'repository':
      f.object(s, 'scope', ['kind']);
      return { kind };
    case 'branch':
      f.object(s, 'scope', ['kind', 'name']);
      return { kind, name: readRefName(f, s.name, 'scope.name') };
    case 'range':
      f.object(s, 'scope', ['kind', 'from', 'to']);
      return {
        kind,
        from: s.from === null ? null : f.hash<VersionId>(s.from, 'scope.from'),
        to: f.hash<VersionId>(s.to, 'scope.to'),
      };
    case 'version':
      f.object(s, 'scope', ['kind', 'id']);
      return { kind, id: f.hash<VersionId>(s.id, 'scope.id') };
    case 'versions':
      f.object(s, 'scope', ['kind', 'ids']);
      return {
        kind,
        ids: f
          .array(s.ids, 'scope.ids', LIMITS.maxVersions)
          .map((id, i) => f.hash<VersionId>(id, `scope.ids[${i}]`)),
      };
  }
}

function readRefName(f: Fields, v: unknown, path: string): string {
  const name = f.string(v, path, LIMITS.maxNameLength, 1);
  const problem = refNameProblem(name);
  if (problem) f.fail(path, `is not a usable branch or tag name (${problem})`);
  return name;
}

function readHead(f: Fields, v: unknown, ids: ReadonlySet<VersionId>): Head | null {
  if (v === null) return null;
  const h = f.object(v, 'head');
  const kind = f.oneOf(h.kind, 'head.kind', ['branch', 'detached'] as const);
  if (kind === 'branch') {
    f.object(h, 'head', ['kind', 'name']);
    return { kind, name: readRefName(f, h.name, 'head.name') };
  }
  f.object(h, 'head', ['kind', 'version']);
  const version = f.hash<VersionId>(h.version, 'head.version');
  if (!ids.has(version)) f.fail('head.version', 'is not one of the bundle’s versions');
  return { kind, version };
}

function readRefs(f: Fields, v: unknown, ids: ReadonlySet<VersionId>): BundleRef[] {
  const names = new Set<string>();
  return f.array(v, 'refs', LIMITS.maxRefs).map((item, i) => {
    const path = `refs[${i}]`;
    const r = f.object(item, path, ['name', 'kind', 'target']);
    const name = readRefName(f, r.name, `${path}.name`);
    if (names.has(name)) f.fail(`${path}.name`, `repeats the name ${quote(name)}`);
    names.add(name);
    const target = f.hash<VersionId>(r.target, `${path}.target`);
    if (!ids.has(target)) f.fail(`${path}.target`, 'is not one of the bundle’s versions');
    return { name, kind: f.oneOf(r.kind, `${path}.kind`, ['branch', 'tag'] as const), target };
  });
}

function readBlobs(f: Fields, v: unknown): BundleBlob[] {
  const seen = new Set<string>();
  return f.array(v, 'blobs', LIMITS.maxBlobs).map((item, i) => {
    const b = f.object(item, `blobs[${i}]`, ['hash', 'size']);
    const hash = f.hash<BlobHash>(b.hash, `blobs[${i}].hash`);
    if (seen.has(hash)) f.fail(`blobs[${i}].hash`, 'lists a blob twice');
    seen.add(hash);
    return { hash, size: f.integer(b.size, `blobs[${i}].size`, 0, LIMITS.maxBlobBytes) };
  });
}

function readThin(f: Fields, v: unknown): NonNullable<BundleManifest['thin']> {
  const t = f.object(v, 'thin', ['basis', 'omitted']);
  return {
    basis: f
      .array(t.basis, 'thin.basis', LIMITS.maxThinBasis)
      .map((h, i) => f.hash<VersionId>(h, `thin.basis[${i}]`)),
    omitted: f
      .array(t.omitted, 'thin.omitted', LIMITS.maxBlobs)
      .map((h, i) => f.hash<BlobHash>(h, `thin.omitted[${i}]`)),
  };
}

const VERSION_KEYS = [
  'id',
  'repoId',
  'parents',
  'message',
  'createdAt',
  'change',
  'topologyHash',
  'summary',
  'tensors',
  'provenance',
  'metrics',
  'restoredFrom',
];

function readVersion(f: Fields, v: unknown, path: string, repoId: RepoId): Version {
  const o = f.object(v, path, VERSION_KEYS);
  if (o.repoId !== repoId) f.fail(`${path}.repoId`, 'is not the bundle’s repository');
  const version: Version = {
    id: f.hash<VersionId>(o.id, `${path}.id`),
    repoId,
    parents: f
      .array(o.parents, `${path}.parents`, LIMITS.maxParents)
      .map((p, i) => f.hash<VersionId>(p, `${path}.parents[${i}]`)),
    message: f.string(o.message, `${path}.message`, LIMITS.maxMessageLength),
    createdAt: f.date(o.createdAt, `${path}.createdAt`),
    change: f.oneOf(o.change, `${path}.change`, CHANGE_KINDS),
    topologyHash: f.hash<BlobHash>(o.topologyHash, `${path}.topologyHash`),
    summary: readSummary(f, o.summary, `${path}.summary`),
    tensors: f
      .array(o.tensors, `${path}.tensors`, LIMITS.maxTensorsPerVersion)
      .map((t, i) => readTensor(f, t, `${path}.tensors[${i}]`)),
    provenance: readProvenance(f, o.provenance, `${path}.provenance`),
    metrics: readMetrics(f, o.metrics, `${path}.metrics`),
    ...(o.restoredFrom === undefined
      ? {}
      : { restoredFrom: f.hash<VersionId>(o.restoredFrom, `${path}.restoredFrom`) }),
  };
  try {
    validateContent(version);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    f.fail(path, `is invalid: ${why.replace(/^This version cannot be saved: /, '').replace(/\.$/, '')}`);
  }
  return version;
}

function readSummary(f: Fields, v: unknown, path: string): ModelSummary {
  const s = f.object(v, path, [
    'className',
    'layerCount',
    'paramCount',
    'inputShape',
    'outputShape',
    'inputShapes',
    'outputShapes',
  ]);
  const dims = (x: unknown, p: string) =>
    f
      .array(x, p, LIMITS.maxDims)
      .map((d, i) => (d === null ? null : f.integer(d, `${p}[${i}]`, 0, Number.MAX_SAFE_INTEGER)));
  const shape = (x: unknown, p: string) => (x === null ? null : dims(x, p));
  const summary: ModelSummary = {
    className: f.string(s.className, `${path}.className`, LIMITS.maxNameLength),
    layerCount: f.integer(s.layerCount, `${path}.layerCount`, 0, Number.MAX_SAFE_INTEGER),
    paramCount: f.integer(s.paramCount, `${path}.paramCount`, 0, Number.MAX_SAFE_INTEGER),
    inputShape: shape(s.inputShape, `${path}.inputShape`),
    outputShape: shape(s.outputShape, `${path}.outputShape`),
  };
  // Format 2: every input's and output's shape, written only for a model with several, the first being
  // `inputShape`/`outputShape` — one model, one summary, one version id.
  const several = (key: 'inputShapes' | 'outputShapes', first: readonly (number | null)[] | null) => {
    const p = `${path}.${key}`;
    const list = f.array(s[key], p, LIMITS.maxModelInputs).map((d, i) => dims(d, `${p}[${i}]`));
    if (list.length < 2) f.fail(p, 'must list at least two shapes (a single one is given alone)');
    if (JSON.stringify(list[0]) !== JSON.stringify(first))
      f.fail(`${p}[0]`, `must be the same as ${key.slice(0, -1)}`);
    return list;
  };
  return {
    ...summary,
    ...(s.inputShapes === undefined ? {} : { inputShapes: several('inputShapes', summary.inputShape) }),
    ...(s.outputShapes === undefined ? {} : { outputShapes: several('outputShapes', summary.outputShape) }),
  };
}

function readAttachments(f: Fields, v: unknown, ids: ReadonlySet<VersionId>): BundleAttachment[] {
  const seen = new Set<VersionId>();
  return f.array(v, 'attachments', LIMITS.maxVersions).map((item, i) => {
    const path = `attachments[${i}]`;
    const a = f.object(item, path, ['version', 'optimizer', 'data']);
    const version = f.hash<VersionId>(a.version, `${path}.version`);
    if (!ids.has(version)) f.fail(`${path}.version`, 'is not one of the bundle’s versions');
    if (seen.has(version)) f.fail(`${path}.version`, 'has its attachments listed twice');
    seen.add(version);
    if (a.optimizer === undefined && a.data === undefined)
      f.fail(path, 'carries neither an optimizer state nor data');
    return {
      version,
      ...(a.optimizer === undefined ? {} : { optimizer: readOptimizer(f, a.optimizer, `${path}.optimizer`) }),
      ...(a.data === undefined ? {} : { data: readKeptData(f, a.data, `${path}.data`) }),
    };
  });
}

function readOptimizer(f: Fields, v: unknown, path: string): StoredOptimizerState {
  const o = f.object(v, path, ['optimizer', 'learningRate', 'iterations', 'epochs', 'weights', 'tensors']);
  const learningRate = f.number(o.learningRate, `${path}.learningRate`);
  if (learningRate < 0) f.fail(`${path}.learningRate`, 'must not be negative');
  const weights = f.array(o.weights, `${path}.weights`, LIMITS.maxTensorsPerVersion).map((w, i) => {
    const p = `${path}.weights[${i}]`;
    const weight = f.object(w, p, ['name', 'shape']);
    return {
      name: f.string(weight.name, `${p}.name`, LIMITS.maxNameLength, 1),
      shape: f.shape(weight.shape, `${p}.shape`),
    };
  });
  const names = new Set<string>();
  const tensors = f.array(o.tensors, `${path}.tensors`, LIMITS.maxTensorsPerVersion).map((t, i) => {
    const p = `${path}.tensors[${i}]`;
    const entry = readTensor(f, t, p, (name) => attachmentLabel({ attachment: 'optimizer', name }));
    if (names.has(entry.name)) f.fail(`${p}.name`, `repeats the name ${quote(entry.name)}`);
    names.add(entry.name);
    return entry;
  });
  return {
    optimizer: f.oneOf(o.optimizer, `${path}.optimizer`, OPTIMIZERS),
    learningRate,
    iterations: f.integer(o.iterations, `${path}.iterations`, 0, Number.MAX_SAFE_INTEGER),
    epochs: f.integer(o.epochs, `${path}.epochs`, 0, Number.MAX_SAFE_INTEGER),
    weights,
    tensors,
  };
}

function readKeptData(f: Fields, v: unknown, path: string): KeptData {
  const d = f.object(v, path, ['hash', 'byteLength']);
  return {
    hash: f.hash<BlobHash>(d.hash, `${path}.hash`),
    byteLength: f.integer(d.byteLength, `${path}.byteLength`, 0, LIMITS.maxBlobBytes),
  };
}

function readTensor(
  f: Fields,
  v: unknown,
  path: string,
  label: (name: string) => string = (name) => name,
): TensorEntry {
  const t = f.object(v, path, ['name', 'shape', 'dtype', 'hash', 'byteLength']);
  const entry: TensorEntry = {
    name: f.string(t.name, `${path}.name`, LIMITS.maxNameLength, 1),
    shape: f.shape(t.shape, `${path}.shape`),
    dtype: f.oneOf(t.dtype, `${path}.dtype`, STORED_DTYPES),
    hash: f.hash<BlobHash>(t.hash, `${path}.hash`),
    byteLength: f.integer(t.byteLength, `${path}.byteLength`, 0, LIMITS.maxBlobBytes),
  };
  if (entry.byteLength !== expectedByteLength(entry))
    throw new GraftError('error.bundle/size-mismatch.weight-claim', {
      path,
      weight: quote(label(entry.name)),
      shape: entry.shape.join(', '),
      expected: expectedByteLength(entry),
      dtype: entry.dtype,
      claimed: entry.byteLength,
    });
  return entry;
}

const PROVENANCE_STRINGS = ['app', 'backend', 'tfjsVersion', 'userAgent'];
const PROVENANCE_OBJECTS = ['training', 'dataset', 'source'];

function readProvenance(f: Fields, v: unknown, path: string): Provenance {
  const p = f.json(v, path);
  f.string(p.app, `${path}.app`, LIMITS.maxNameLength, 1);
  for (const key of PROVENANCE_STRINGS)
    if (p[key] !== undefined) f.string(p[key], `${path}.${key}`, LIMITS.maxNameLength);
  for (const key of PROVENANCE_OBJECTS) if (p[key] !== undefined) f.json(p[key], `${path}.${key}`);
  if (p.wallTimeMs !== undefined) f.number(p.wallTimeMs, `${path}.wallTimeMs`);
  return p as JsonObject & Provenance;
}

function readMetrics(f: Fields, v: unknown, path: string): Metrics {
  const m = f.object(v, path);
  const entries = Object.entries(m);
  if (entries.length > LIMITS.maxMetrics) f.fail(path, `has more than ${LIMITS.maxMetrics} metrics`);
  for (const [k, value] of entries) {
    f.string(k, `${path} key`, LIMITS.maxNameLength, 1);
    f.number(value, `${path}.${k}`);
  }
  return m as Metrics;
}

/**
 * Every blob a version or its attachments use is listed once with its size, every listed blob is used,
 * and each tensor's (and the data's) byte length agrees with the size listed for its blob.
 */
function checkBlobsCoverVersions(f: Fields, m: BundleManifest): void {
  const sizes = new Map(m.blobs.map((b) => [b.hash, b.size]));
  const used = new Set<BlobHash>();
  for (const v of m.versions) {
    if (!sizes.has(v.topologyHash))
      f.fail('blobs', `does not list the topology ${v.topologyHash} of version ${v.id}`);
    used.add(v.topologyHash);
    for (const t of v.tensors) {
      const size = sizes.get(t.hash);
      if (size === undefined) f.fail('blobs', `does not list the blob of weight ${quote(t.name)}`);
      if (size !== t.byteLength)
        throw new GraftError('error.bundle/size-mismatch.blob-listed', {
          weight: quote(t.name),
          version: v.id.slice(0, 8),
          bytes: t.byteLength,
          blob: t.hash.slice(0, 12),
          size,
        });
      used.add(t.hash);
    }
  }
  for (const a of m.attachments ?? []) {
    for (const t of a.optimizer?.tensors ?? []) {
      const size = sizes.get(t.hash);
      const what = quote(attachmentLabel({ attachment: 'optimizer', name: t.name }));
      if (size === undefined) f.fail('blobs', `does not list the blob of ${what}`);
      if (size !== t.byteLength)
        throw new GraftError('error.bundle/size-mismatch.blob-listed', {
          weight: what,
          version: a.version.slice(0, 8),
          bytes: t.byteLength,
          blob: t.hash.slice(0, 12),
          size,
        });
      used.add(t.hash);
    }
    if (a.data) {
      const size = sizes.get(a.data.hash);
      if (size === undefined) f.fail('blobs', `does not list the data of version ${a.version}`);
      if (size !== a.data.byteLength)
        throw new GraftError('error.bundle/size-mismatch.data-listed', {
          version: a.version.slice(0, 8),
          bytes: a.data.byteLength,
          blob: a.data.hash.slice(0, 12),
          size,
        });
      used.add(a.data.hash);
    }
  }
  for (const b of m.blobs) if (!used.has(b.hash)) f.fail('blobs', `lists ${b.hash}, which no version uses`);
  const omitted = new Set<BlobHash>();
  for (const h of m.thin?.omitted ?? []) {
    if (!sizes.has(h)) f.fail('thin.omitted', `names ${h}, which is not in blobs`);
    if (omitted.has(h)) f.fail('thin.omitted', `names ${h} twice`);
    omitted.add(h);
  }
}
