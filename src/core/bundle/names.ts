/** Names inside a bundle and of the files Graft writes, so a downloaded file says what it holds. */
import { shortId, type VersionId } from '../hashing';
import type { BundleScope } from './manifest';

export const MANIFEST_FILE = 'graft-bundle.json';
export const BUNDLE_EXTENSION = '.graft.zip';

export const blobPath = (hash: string): string => `blobs/${hash}`;
export const versionDir = (id: string): string => `versions/${id}`;
export const modelJsonPath = (id: string): string => `${versionDir(id)}/model.json`;
export const modelCardPath = (id: string): string => `${versionDir(id)}/README.md`;
/** How a version's model.json reaches the shared blobs from its own folder. */
export const blobPathFromModelJson = (hash: string): string => `../../${blobPath(hash)}`;

const MAX_SLUG = 40;

/** Lowercase ASCII words joined by "-", accents dropped; `fallback` when nothing is left. */
export function slug(text: string, fallback: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  return s || fallback;
}

function scopePart(scope: BundleScope): string {
  switch (scope.kind) {
    case 'repository':
      return 'all';
    case 'branch':
      return `branch-${slug(scope.name, 'unnamed')}`;
    case 'range':
      return `range-${scope.from ? shortId(scope.from) : 'start'}-${shortId(scope.to)}`;
    case 'version':
      return 'version';
    case 'versions':
      return `selection-${scope.ids.length}`;
  }
}

/** `<repo-slug>--<scope>--<shortid>[--thin].graft.zip`, the short id being the newest version it holds. */
export function bundleFileName(repoName: string, scope: BundleScope, tip: VersionId, thin: boolean): string {
  const parts = [slug(repoName, 'model'), scopePart(scope), shortId(tip), ...(thin ? ['thin'] : [])];
  return `${parts.join('--')}${BUNDLE_EXTENSION}`;
}
