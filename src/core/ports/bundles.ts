/**
 * Bundles of history out of the store and back in: what storage/bundles.ts implements and the Share
 * feature and "Verify storage" ask for (see core/bundle for the format itself).
 */
import type { VersionId } from '../hashing';
import type { BundleScope } from '../bundle/manifest';
import type { RefImport } from '../bundle/refPlan';
import type { RepoId } from '../versions/types';

export type { Progress } from '../bundle/read';

export interface BundleExportRequest {
  readonly repoId: RepoId;
  readonly scope: BundleScope;
  /** Versions the receiver already holds: the blobs they and their ancestors use are left out. */
  readonly thinAgainst?: readonly VersionId[];
  /**
   * Also pack the data the exported versions were trained on (off by default: the data leaves with the
   * file). Optimizer states are always packed.
   */
  readonly includeData?: boolean;
}

export interface ExportStats {
  readonly versions: number;
  readonly refs: number;
  /** Distinct blobs packed, and their bytes. */
  readonly blobs: number;
  readonly blobBytes: number;
  /** Blobs a thin bundle leaves out. */
  readonly omittedBlobs: number;
  /** Bytes of kept data the scope's versions have: packed when `includeData`, else left out. */
  readonly dataBytes: number;
  /** Whether that data was packed. */
  readonly includesData: boolean;
  readonly bundleBytes: number;
}

export interface ExportedBundle {
  /**
   * The .graft.zip. A Blob, not bytes: its weights are the stored Blobs themselves, joined without a
   * copy, so a bundle of any size costs no memory of its own until it is saved or read.
   */
  readonly file: Blob;
  readonly fileName: string;
  readonly stats: ExportStats;
}

export interface ImportReport {
  readonly repository: { readonly id: RepoId; readonly name: string; readonly created: boolean };
  readonly addedVersions: readonly VersionId[];
  readonly existingVersions: readonly VersionId[];
  readonly addedBlobs: number;
  readonly addedBytes: number;
  readonly refs: readonly RefImport[];
  readonly warnings: readonly string[];
}
