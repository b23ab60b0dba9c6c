/** Builders shared by unit tests: small, valid versions without TF.js. */
import { hashBlob, type BlobHash, type VersionId } from './hashing';
import type { DataBlob, ModelSnapshot, OptimizerState } from './ports';
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

/**
 * Adam's state for `tinySnapshot`'s two weights (2 × 2 kernel, 2 biases): first and second moments, each
 * from the values given, after `iterations` steps over `epochs` epochs.
 */
export function tinyOptimizer(
  m: { kernel: number[]; bias: number[] },
  v: { kernel: number[]; bias: number[] },
  progress: { iterations: number; epochs: number } = { iterations: 8, epochs: 2 },
  layerName = 'dense',
): OptimizerState {
  const kernelShape = [m.kernel.length / m.bias.length, m.bias.length];
  const tensor = (name: string, shape: number[], values: number[]) => ({
    name,
    shape,
    dtype: 'float32' as const,
    data: floats(values),
  });
  return {
    optimizer: 'adam',
    learningRate: 0.01,
    ...progress,
    weights: [
      { name: `${layerName}/kernel`, shape: kernelShape },
      { name: `${layerName}/bias`, shape: [m.bias.length] },
    ],
    tensors: [
      tensor(`${layerName}/kernel/m`, kernelShape, m.kernel),
      tensor(`${layerName}/kernel/v`, kernelShape, v.kernel),
      tensor(`${layerName}/bias/m`, [m.bias.length], m.bias),
      tensor(`${layerName}/bias/v`, [v.bias.length], v.bias),
    ],
  };
}

/** A data set's bytes, as a version keeps them. */
export async function dataBlob(text: string): Promise<DataBlob> {
  const bytes = new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
  return { hash: await hashBlob(bytes), bytes };
}
