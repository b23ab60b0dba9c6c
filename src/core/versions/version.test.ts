import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import type { VersionId } from '../hashing';
import { contentOf } from '../testVersions';
import { checkVersionId, makeVersion, validateContent, versionIdOf } from './version';

describe('version ids are content addresses', () => {
  it('gives equal content the same id and any change a new one', async () => {
    const a = await contentOf([]);
    expect(await versionIdOf(a)).toBe(await versionIdOf({ ...a }));
    expect(await versionIdOf(a)).not.toBe(await versionIdOf({ ...a, message: 'other' }));
    expect(await versionIdOf(a)).not.toBe(await versionIdOf({ ...a, metrics: { accuracy: 0.5 } }));
    expect(await versionIdOf(a)).not.toBe(
      await versionIdOf({ ...a, tensors: [{ ...a.tensors[0]!, hash: 'b'.repeat(64) as never }] }),
    );
  });
  it('detects a tampered row', async () => {
    const v = await makeVersion(await contentOf([]));
    expect(await checkVersionId(v)).toBe(true);
    expect(await checkVersionId({ ...v, message: 'rewritten' })).toBe(false);
  });
});

describe('validation refuses versions that could not be rebuilt', () => {
  const cases: [string, (c: Awaited<ReturnType<typeof contentOf>>) => object, RegExp][] = [
    [
      'a byte length that disagrees with the shape',
      (c) => ({ tensors: [{ ...c.tensors[0], byteLength: 12 }] }),
      /holds 12 bytes but its shape needs 8/,
    ],
    [
      'a duplicate weight name',
      (c) => ({ tensors: [c.tensors[0], c.tensors[0]] }),
      /two weights are both named "w"/,
    ],
    ['a negative dimension', (c) => ({ tensors: [{ ...c.tensors[0], shape: [-2] }] }), /shape \[-2\]/],
    ['a non-hash parent', () => ({ parents: ['nope'] }), /parent "nope"/],
    ['an unknown change kind', () => ({ change: 'magic' }), /unknown kind of change/],
    ['a bad date', () => ({ createdAt: 'yesterday' }), /not a date/],
    ['a NaN metric', () => ({ metrics: { loss: NaN } }), /metric "loss"/],
    ['a rollback that restores nothing', () => ({ change: 'rollback' }), /must name the version/],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, async () => {
      const c = await contentOf([]);
      const bad = { ...c, ...change(c) } as typeof c;
      expect(() => validateContent(bad)).toThrow(message);
      try {
        validateContent(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(GraftError);
        expect((e as GraftError).code).toBe('version/invalid');
      }
    });
  }
  it('accepts a good version', async () => {
    const c = await contentOf(['f'.repeat(64) as VersionId]);
    expect(() => validateContent(c)).not.toThrow();
  });
});
