import { describe, expect, it } from 'vitest';
import type { BlobHash } from '../hashing';
import { attachmentBlobs, attachmentLabel, hasAttachments } from './attachments';

const h = (c: string) => c.repeat(64) as BlobHash;

describe('a version’s attachments as blobs', () => {
  it('lists optimizer tensors in order, then the data, each named as reports name it', () => {
    const blobs = attachmentBlobs({
      optimizer: {
        optimizer: 'sgd',
        learningRate: 0.1,
        iterations: 3,
        epochs: 1,
        weights: [{ name: 'd/kernel', shape: [2] }],
        tensors: [
          { name: 'd/kernel/momentum', shape: [2], dtype: 'float32', hash: h('a'), byteLength: 8 },
          { name: 'iter', shape: [], dtype: 'float32', hash: h('b'), byteLength: 4 },
        ],
      },
      data: { hash: h('c'), byteLength: 120 },
    });
    expect(blobs.map((b) => [b.hash[0], b.byteLength, attachmentLabel(b)])).toEqual([
      ['a', 8, 'optimizer: d/kernel/momentum'],
      ['b', 4, 'optimizer: iter'],
      ['c', 120, 'data'],
    ]);
    expect(attachmentBlobs(undefined)).toEqual([]);
    expect(attachmentBlobs({})).toEqual([]);
  });

  it('knows when a version keeps nothing beside its content', () => {
    expect(hasAttachments(undefined)).toBe(false);
    expect(hasAttachments({})).toBe(false);
    expect(hasAttachments({ data: { hash: h('c'), byteLength: 0 } })).toBe(true);
  });
});
