/** Builders shared by unit tests: small, valid versions without TF.js. */
import { hashBlob, type BlobHash, type VersionId } from './hashing';
import type { ModelSnapshot } from './ports';
import type { RepoId, VersionContent } from './versions/types';

export const TEST_REPO = 'repo-1' as RepoId;
export const FAKE_TOPOLOGY_HASH = 'a'.repeat(64) as BlobHash;

export function floats(values: number[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** A tiny "model": one dense layer with the given kernel and bias values. */
export function tinySnapshot(kernel: number[], bias: number[], layerName = 'dense'): ModelSnapshot {
  return {
    topology: {
      class_name: 'Sequential',
      config: { name: 'tiny', layers: [{ class_name: 'Dense', config: { name: layerName } }] },
    },
    summary: {
      className: 'Sequential',
      layerCount: 1,
      paramCount: kernel.length + bias.length,
      inputShape: [null, kernel.length / bias.length],
      outputShape: [null, bias.length],
    },
    tensors: [
      {
        name: `${layerName}/kernel`,
        shape: [kernel.length / bias.length, bias.length],
        dtype: 'float32',
        data: floats(kernel),
      },
      { name: `${layerName}/bias`, shape: [bias.length], dtype: 'float32', data: floats(bias) },
    ],
  };
}

export async function contentOf(
  parents: VersionId[],
  overrides: Partial<VersionContent> = {},
  bytes: Uint8Array<ArrayBuffer> = floats([1, 2]),
): Promise<VersionContent> {
  return {
    repoId: TEST_REPO,
    parents,
    message: 'test',
    createdAt: '2026-01-01T00:00:00.000Z',
    change: 'created',
    topologyHash: FAKE_TOPOLOGY_HASH,
    summary: {
      className: 'Sequential',
      layerCount: 1,
      paramCount: 2,
      inputShape: [null, 2],
      outputShape: [null, 1],
    },
    tensors: [{ name: 'w', shape: [2], dtype: 'float32', hash: await hashBlob(bytes), byteLength: 8 }],
    provenance: { app: 'graft' },
    metrics: {},
    ...overrides,
  };
}
