/** Building a bundle's manifest and zip from versions, refs and blobs already read and verified. */
import type { BlobHash, VersionId } from '../hashing';
import type { JsonObject } from '../json';
import { attachmentBlobs } from '../versions/attachments';
import type { Head, Version } from '../versions/types';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  type BundleAttachment,
  type BundleManifest,
  type BundleRef,
  type BundleRepository,
  type BundleScope,
} from './manifest';
import { modelCard } from './modelCard';
import { bundleModelJson } from './modelJson';
import { MANIFEST_FILE, blobPath, blobPathFromModelJson, modelCardPath, modelJsonPath } from './names';
import { crc32, joinBytes, packZipFile, zipParts, type ZipFile, type ZipMember } from './zip';

export interface ManifestInput {
  readonly createdAt: string;
  readonly app: { readonly name: string; readonly version: string };
  readonly repository: BundleRepository;
  readonly scope: BundleScope;
  readonly head: Head | null;
  readonly refs: readonly BundleRef[];
  /** Parents before children. */
  readonly versions: readonly Version[];
  /** What the versions keep beside their content and the bundle carries, parents first. */
  readonly attachments?: readonly BundleAttachment[];
  /** Size of every blob the versions and attachments use. */
  readonly blobSizes: ReadonlyMap<BlobHash, number>;
  readonly thin?: { readonly basis: readonly VersionId[]; readonly omitted: ReadonlySet<BlobHash> };
}

/** Every blob the versions use, topology first, each once, in the order versions use them. */
export function blobsOf(versions: readonly Version[]): BlobHash[] {
  const out = new Set<BlobHash>();
  for (const v of versions) {
    out.add(v.topologyHash);
    for (const t of v.tensors) out.add(t.hash);
  }
  return [...out];
}

/** Every blob the versions and then their attachments use, each once: what a bundle of them lists. */
export function allBlobsOf(
  versions: readonly Version[],
  attachments: readonly BundleAttachment[] = [],
): BlobHash[] {
  const out = new Set(blobsOf(versions));
  for (const a of attachments) for (const b of attachmentBlobs(a)) out.add(b.hash);
  return [...out];
}

export function buildManifest(input: ManifestInput): BundleManifest {
  const attachments = input.attachments ?? [];
  const blobs = allBlobsOf(input.versions, attachments).map((hash) => ({
    hash,
    size: input.blobSizes.get(hash) ?? 0,
  }));
  const omitted = input.thin ? blobs.map((b) => b.hash).filter((h) => input.thin?.omitted.has(h)) : [];
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: input.createdAt,
    app: input.app,
    repository: input.repository,
    scope: input.scope,
    head: input.head,
    refs: input.refs,
    versions: input.versions,
    ...(attachments.length ? { attachments } : {}),
    blobs,
    ...(input.thin ? { thin: { basis: [...input.thin.basis], omitted } } : {}),
  };
}

export interface BundleText {
  readonly manifest: BundleManifest;
  /** The topology of every version, parsed. */
  readonly topologies: ReadonlyMap<BlobHash, JsonObject>;
}

export interface BundleContent extends BundleText {
  /** The bytes of every blob the bundle carries (all but the omitted ones). */
  readonly blobs: ReadonlyMap<BlobHash, Uint8Array>;
}

/** A blob as a bundle packs it: its bytes in whatever form the caller holds them, with their CRC-32. */
export interface PackedBlob<T> {
  readonly data: T;
  readonly size: number;
  readonly crc: number;
}

const encode = (text: string) => new TextEncoder().encode(text);

/**
 * The bundle's zip as pieces in order (see `zipParts`): the manifest and each version's model.json and
 * README deflated, then every blob the bundle carries, stored — weights hardly deflate, and stored they
 * pass from the store to the file as they are.
 */
export function bundleParts<T>(
  text: BundleText,
  blobs: ReadonlyMap<BlobHash, PackedBlob<T>>,
): (Uint8Array | T)[] {
  const { manifest, topologies } = text;
  const files: ZipFile[] = [
    { name: MANIFEST_FILE, data: encode(JSON.stringify(manifest, null, 2)), compress: true },
  ];
  const kept = new Map((manifest.attachments ?? []).map((a) => [a.version, a]));
  for (const v of manifest.versions) {
    const topology = topologies.get(v.topologyHash) as JsonObject;
    const attachments = kept.get(v.id);
    const modelJson = bundleModelJson(v, topology, blobPathFromModelJson);
    files.push(
      { name: modelJsonPath(v.id), data: encode(JSON.stringify(modelJson)), compress: true },
      {
        name: modelCardPath(v.id),
        data: encode(
          modelCard(v, {
            repositoryName: manifest.repository.name,
            topology,
            ...(attachments ? { attachments } : {}),
          }),
        ),
        compress: true,
      },
    );
  }
  const members: ZipMember<Uint8Array | T>[] = files.map(packZipFile);
  const omitted = new Set(manifest.thin?.omitted ?? []);
  for (const b of manifest.blobs) {
    if (omitted.has(b.hash)) continue;
    const packed = blobs.get(b.hash) as PackedBlob<T>;
    members.push({
      name: blobPath(b.hash),
      method: 0,
      crc: packed.crc,
      size: packed.size,
      data: packed.data,
      compressedSize: packed.size,
    });
  }
  return zipParts(members, new Date(manifest.createdAt));
}

/** The whole bundle in one buffer, for blobs already in memory. */
export function writeBundle(content: BundleContent): Uint8Array<ArrayBuffer> {
  const packed = new Map<BlobHash, PackedBlob<Uint8Array>>();
  for (const [hash, data] of content.blobs)
    packed.set(hash, { data, size: data.byteLength, crc: crc32(data) });
  return joinBytes(bundleParts<Uint8Array>(content, packed));
}
