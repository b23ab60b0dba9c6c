/** Making a version: validate its content and derive its id from its canonical JSON. */
import { GraftError } from '../errors';
import { hashJson, isHash, type VersionId } from '../hashing';
import {
  BYTES_PER_ELEMENT,
  CHANGE_KINDS,
  type TensorEntry,
  type Version,
  type VersionContent,
} from './types';

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function expectedByteLength(t: Pick<TensorEntry, 'shape' | 'dtype'>): number {
  return elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype];
}

/** Throws `version/invalid` naming the first thing wrong; a version that passes can be stored and rebuilt. */
export function validateContent(c: VersionContent): void {
  const bad = (why: string): never => {
    throw new GraftError('error.version/invalid.content', { why });
  };
  if (!CHANGE_KINDS.includes(c.change)) bad(`unknown kind of change "${String(c.change)}"`);
  if (Number.isNaN(Date.parse(c.createdAt))) bad(`"${c.createdAt}" is not a date`);
  if (new Set(c.parents).size !== c.parents.length) bad('a parent is listed twice');
  for (const p of c.parents) if (!isHash(p)) bad(`parent "${p}" is not a version id`);
  if (!isHash(c.topologyHash)) bad('its topology has no valid hash');
  const names = new Set<string>();
  for (const t of c.tensors) {
    if (names.has(t.name)) bad(`two weights are both named "${t.name}"`);
    names.add(t.name);
    if (!isHash(t.hash)) bad(`weight "${t.name}" has no valid hash`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      bad(`weight "${t.name}" has shape [${t.shape.join(', ')}]`);
    if (!(t.dtype in BYTES_PER_ELEMENT)) bad(`weight "${t.name}" has unsupported dtype ${t.dtype}`);
    if (t.byteLength !== expectedByteLength(t))
      bad(`weight "${t.name}" holds ${t.byteLength} bytes but its shape needs ${expectedByteLength(t)}`);
  }
  for (const [k, v] of Object.entries(c.metrics))
    if (!Number.isFinite(v)) bad(`metric "${k}" is not a finite number`);
  if (c.change === 'rollback' && c.restoredFrom === undefined)
    bad('a rollback must name the version it restores');
}

/** The id of a version is the SHA-256 of its canonical content: equal content, equal id; any change, new id. */
export async function versionIdOf(c: VersionContent): Promise<VersionId> {
  return (await hashJson(c)) as VersionId;
}

export async function makeVersion(c: VersionContent): Promise<Version> {
  validateContent(c);
  return { ...c, id: await versionIdOf(c) };
}

/** Re-derives a stored version's id; a mismatch means the row was altered or corrupted. */
export async function checkVersionId(v: Version): Promise<boolean> {
  const { id, ...content } = v;
  return (await versionIdOf(content)) === id;
}
