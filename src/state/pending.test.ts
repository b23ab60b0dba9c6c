import { describe, expect, it } from 'vitest';
import type { BlobHash } from '../core/hashing';
import type { DataBlob, OptimizerState } from '../core/ports';
import { mergePending, type PendingChange } from './pending';

const state = (iterations: number): OptimizerState => ({
  optimizer: 'adam',
  learningRate: 0.01,
  iterations,
  epochs: iterations / 10,
  weights: [{ name: 'dense/kernel', shape: [2] }],
  tensors: [],
});
const blob = (c: string): DataBlob => ({ hash: c.repeat(64) as BlobHash, bytes: new Uint8Array([1, 2]) });
const trained = (iterations: number, data?: DataBlob): PendingChange => ({
  change: 'trained',
  description: `trained to step ${iterations}`,
  provenance: { training: { iterations }, dataset: { name: 'Iris' } },
  metrics: { loss: 1 / iterations },
  optimizer: state(iterations),
  ...(data ? { data } : {}),
});
const edited: PendingChange = { change: 'edited', description: 'edited', provenance: {}, metrics: {} };

describe('two unsaved changes in a row', () => {
  it('keep the later run’s optimizer state and data', () => {
    const merged = mergePending(trained(10, blob('a')), trained(20, blob('b')));
    expect(merged.optimizer?.iterations).toBe(20);
    expect(merged.data?.hash).toBe('b'.repeat(64));
  });

  it('drop the state after an edit, which changes the model it was made for, and keep the data', () => {
    const merged = mergePending(trained(10, blob('a')), edited);
    expect(merged.optimizer).toBeUndefined();
    expect(merged.data?.hash).toBe('a'.repeat(64));
    expect(mergePending(merged, trained(20)).optimizer?.iterations).toBe(20);
  });

  it('keep no data when the later run names a data set it could not keep', () => {
    const merged = mergePending(trained(10, blob('a')), trained(20));
    expect(merged.data).toBeUndefined();
    expect(merged.optimizer?.iterations).toBe(20);
  });
});
