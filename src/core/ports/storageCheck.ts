/**
 * "Verify storage": the report storage/verifyAll.ts produces and the state and UI show, and what
 * state/StorageCheck.svelte.ts needs to run a check and export what is intact.
 */
import type { VersionId } from '../hashing';
import type { RefKind, RepoId } from '../versions/types';
import type { ShareServices } from './share';
import type { BlobProblem } from './storage';

export interface VerifyAllProgress {
  readonly doneBlobs: number;
  readonly totalBlobs: number;
  readonly doneBytes: number;
  readonly totalBytes: number;
}

export interface DamagedVersion {
  readonly id: VersionId;
  readonly message: string;
  readonly createdAt: string;
  /** Blobs of this version that are missing, altered or of the wrong size. */
  readonly problems: readonly BlobProblem[];
  /** False when the version's record no longer hashes to its id (its metadata was altered). */
  readonly idMatches: boolean;
  /** False when the version's tensor list is gone, so its weights cannot be found at all. */
  readonly manifestPresent: boolean;
  /** Parents this version names that are no longer stored: its history is broken there. */
  readonly missingParents: readonly VersionId[];
}

export interface AffectedRef {
  readonly name: string;
  readonly kind: RefKind;
  readonly target: VersionId;
  /** The version the ref points at is itself damaged (or not stored at all). */
  readonly tipDamaged: boolean;
  /** Damaged versions in the ref's history, its own version included. */
  readonly damagedInHistory: number;
}

export interface RepositoryCheck {
  readonly id: RepoId;
  readonly name: string;
  readonly versions: number;
  readonly damaged: readonly DamagedVersion[];
  readonly affectedRefs: readonly AffectedRef[];
  /**
   * Versions a branch, tag or HEAD reaches that are intact and whose every ancestor is intact, parents
   * first: a bundle of exactly these imports anywhere.
   */
  readonly exportable: readonly VersionId[];
  /** Intact versions left out of `exportable` because they build on a damaged one. */
  readonly intactOnDamaged: readonly VersionId[];
}

export interface StorageCheckReport {
  readonly checkedAt: string;
  readonly repositories: readonly RepositoryCheck[];
  readonly checkedBlobs: number;
  readonly checkedBytes: number;
  readonly damagedBlobs: number;
  readonly ok: boolean;
}

export interface VerifyAllOptions {
  readonly onProgress?: (p: VerifyAllProgress) => void;
  /** Checked between blobs; when aborted, `verifyAll` resolves to null. */
  readonly signal?: AbortSignal;
}

export interface StorageCheckServices extends Pick<ShareServices<unknown>, 'exportBundle' | 'saveFile'> {
  /** Re-hashes everything stored; null when `signal` aborted the check. */
  verifyAll(
    onProgress: (p: VerifyAllProgress) => void,
    signal: AbortSignal,
  ): Promise<StorageCheckReport | null>;
}
