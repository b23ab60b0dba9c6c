/**
 * Where a save goes: the one decision every commit path takes (a save of the live model, a training
 * checkpoint, a rollback), pure so it can be tested alone. The store reads HEAD and the refs inside the
 * commit's transaction, asks this function, and carries out what it returns in that same transaction:
 * a branch created, a ref moved, HEAD moved.
 */
import { GraftError } from '../errors';
import type { VersionId } from '../hashing';
import { assertRefName, freeRefName } from './refs';
import type { ChangeKind, Head, RefKind, RefReason } from './types';

/** Where the caller wants the new version. */
export type SaveTarget =
  /**
   * Where HEAD is: its branch, or a new branch when HEAD is detached or the save builds on an older
   * version than the branch's. `seen` is HEAD's branch and that branch's head as the saving tab read them
   * before it started: the save goes on that branch even if another tab moved HEAD since, and forks
   * instead of overwriting if the branch itself moved.
   */
  | {
      readonly kind: 'head';
      readonly seen?: { readonly branch: string | null; readonly target: VersionId | null };
    }
  /** A named branch; a fork when it no longer points at the save's parent. HEAD stays. */
  | { readonly kind: 'branch'; readonly name: string }
  /** A training run's side branch: created at the parent when new; HEAD stays. */
  | { readonly kind: 'checkpoint'; readonly name: string };

/** The repository as stored, inside the commit's transaction. */
export interface PlacementState {
  readonly head: Head;
  readonly refs: readonly { readonly name: string; readonly kind: RefKind; readonly target: VersionId }[];
}

export interface Placement {
  /** The branch that will point at the new version. */
  readonly branch: string;
  /** A branch created at the parent before the move, so the ref log shows where the new line began. */
  readonly create: { readonly at: VersionId; readonly reason: RefReason } | null;
  /** The branch's target before the move (the ref log's `from`); null for a branch the save starts. */
  readonly from: VersionId | null;
  /** HEAD names `branch` afterwards. */
  readonly moveHead: boolean;
  /** Why the branch moves to the new version. */
  readonly reason: RefReason;
  /** The save started a new line because it built on an older version (or on a detached HEAD). */
  readonly branchedOff: boolean;
  /** Set when the requested branch moved while saving: the version went to `branch` instead. */
  readonly conflict?: { readonly requestedBranch: string; readonly theirHead: VersionId | null };
}

/** The default name for a line started from a detached HEAD. */
export const DETACHED_BRANCH = 'branch';

export function placeSave(
  state: PlacementState,
  target: SaveTarget,
  parent: VersionId | null,
  saved: { readonly change: ChangeKind; readonly message: string },
): Placement {
  const taken = new Set(state.refs.map((r) => r.name));
  const refOf = (name: string) => state.refs.find((r) => r.name === name);
  const commitReason: RefReason = { code: 'saved', change: saved.change, message: saved.message };
  const branchTarget = (name: string): VersionId | null => {
    const ref = refOf(name);
    if (ref && ref.kind !== 'branch')
      throw new GraftError('ref/exists', `"${name}" is a tag, not a branch; a save cannot move it.`);
    return ref?.target ?? null;
  };
  const conflictFork = (requested: string, theirHead: VersionId | null, moveHead: boolean): Placement => ({
    branch: freeRefName(requested, taken),
    create: null,
    from: null,
    moveHead,
    reason: { code: 'saved-conflict', branch: requested },
    branchedOff: false,
    conflict: { requestedBranch: requested, theirHead },
  });
  const olderFork = (base: string): Placement => {
    const branch = freeRefName(base, taken);
    return {
      branch,
      create: parent ? { at: parent, reason: { code: 'saved-on-older' } } : null,
      from: parent,
      moveHead: true,
      reason: commitReason,
      branchedOff: true,
    };
  };
  const move = (branch: string, from: VersionId | null, moveHead = false): Placement => ({
    branch,
    create: null,
    from,
    moveHead,
    reason: commitReason,
    branchedOff: false,
  });

  switch (target.kind) {
    case 'head': {
      // The branch HEAD named when the tab looked: another tab may have moved HEAD itself since.
      const seen = target.seen;
      const name = seen ? seen.branch : state.head.kind === 'branch' ? state.head.name : null;
      if (name === null) return olderFork(DETACHED_BRANCH);
      assertRefName(name);
      const current = branchTarget(name);
      // The branch moved between the tab's look and this transaction: keep both lines, never overwrite theirs.
      if (seen && seen.target !== current) return conflictFork(name, current, true);
      if (current === parent) return move(name, current);
      if (parent !== null) return olderFork(name);
      return conflictFork(name, current, true);
    }
    case 'branch': {
      assertRefName(target.name);
      const current = branchTarget(target.name);
      return current === parent ? move(target.name, current) : conflictFork(target.name, current, false);
    }
    case 'checkpoint': {
      assertRefName(target.name);
      const ref = refOf(target.name);
      if (ref)
        throw new GraftError(
          'ref/exists',
          `A ${ref.kind} named "${target.name}" already exists; pick another name.`,
        );
      return {
        branch: target.name,
        create: parent ? { at: parent, reason: { code: 'checkpoint' } } : null,
        from: parent,
        moveHead: false,
        reason: commitReason,
        branchedOff: false,
      };
    }
  }
}
