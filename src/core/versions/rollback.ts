/**
 * The rollback rule: rolling back never deletes or rewrites anything. It adds a new version on top of the
 * current one whose content (topology and weights) is exactly the target's, and records which version it
 * restored. Undoing it is just another rollback, to the version it was made on top of.
 */
import { GraftError } from '../errors';
import { shortId } from '../hashing';
import type { Version, VersionContent } from './types';

export function planRollback(
  current: Version,
  target: Version,
  options: { createdAt: string; app: string; message?: string },
): VersionContent {
  if (current.repoId !== target.repoId) throw new GraftError('error.version/invalid.rollback-other-repo');
  if (current.id === target.id) throw new GraftError('error.version/invalid.rollback-current');
  return {
    repoId: current.repoId,
    parents: [current.id],
    message: options.message ?? `Roll back to ${shortId(target.id)}: ${target.message}`,
    createdAt: options.createdAt,
    change: 'rollback',
    topologyHash: target.topologyHash,
    summary: target.summary,
    tensors: target.tensors,
    provenance: { app: options.app, restoredFrom: target.id, rolledBackFrom: current.id },
    metrics: target.metrics,
    restoredFrom: target.id,
  };
}

/** The version a rollback undoes to ("roll forward"): the one that was current before it. */
export function rollForwardTarget(rollback: Pick<Version, 'change' | 'parents'>): Version['id'] {
  const before = rollback.parents[0];
  if (rollback.change !== 'rollback' || before === undefined)
    throw new GraftError('error.version/invalid.roll-forward');
  return before;
}
