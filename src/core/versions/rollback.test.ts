import { describe, expect, it } from 'vitest';
import { floats, contentOf } from '../testVersions';
import { planRollback, rollForwardTarget } from './rollback';
import { makeVersion } from './version';

describe('rollback never rewrites history', () => {
  it('adds a version on top of the current one with the target content', async () => {
    const v1 = await makeVersion(await contentOf([], { message: 'one' }, floats([1, 1])));
    const v2 = await makeVersion(
      await contentOf([v1.id], { message: 'two', change: 'trained' }, floats([2, 2])),
    );
    const plan = planRollback(v2, v1, { createdAt: '2026-01-02T00:00:00.000Z', app: 'graft' });
    expect(plan.parents).toEqual([v2.id]);
    expect(plan.tensors).toEqual(v1.tensors);
    expect(plan.topologyHash).toBe(v1.topologyHash);
    expect(plan.change).toBe('rollback');
    expect(plan.restoredFrom).toBe(v1.id);
    expect(plan.message).toContain('one');
    const rb = await makeVersion(plan);
    expect(rb.id).not.toBe(v1.id);
    expect(rb.id).not.toBe(v2.id);
    // Undo: roll forward to what was current before the rollback.
    expect(rollForwardTarget(rb)).toBe(v2.id);
    const forward = planRollback(rb, v2, { createdAt: '2026-01-03T00:00:00.000Z', app: 'graft' });
    expect(forward.tensors).toEqual(v2.tensors);
    expect(forward.parents).toEqual([rb.id]);
  });
  it('refuses a rollback to the current version or across repositories', async () => {
    const v1 = await makeVersion(await contentOf([]));
    expect(() => planRollback(v1, v1, { createdAt: '2026-01-02T00:00:00.000Z', app: 'graft' })).toThrow(
      /already the current/,
    );
    const other = { ...v1, repoId: 'other' as never };
    expect(() => planRollback(v1, other, { createdAt: '2026-01-02T00:00:00.000Z', app: 'graft' })).toThrow(
      /own repository/,
    );
  });
  it('only rolls forward from a rollback', async () => {
    const v1 = await makeVersion(await contentOf([]));
    expect(() => rollForwardTarget(v1)).toThrow(/Only a rollback/);
  });
});
