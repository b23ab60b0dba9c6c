/** The one place that turns IndexedDB and Dexie failures into Graft's typed errors. */
import Dexie from 'dexie';
import { GraftError, isGraftError } from '../core/errors';

function names(e: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 6; depth++) {
    const obj = cur as { name?: unknown; inner?: unknown; cause?: unknown };
    if (typeof obj.name === 'string') out.push(obj.name);
    cur = obj.inner ?? obj.cause;
  }
  return out;
}

export function mapStorageError(e: unknown): GraftError {
  if (isGraftError(e)) return e;
  const all = names(e);
  if (all.includes('QuotaExceededError') || all.includes(Dexie.errnames.QuotaExceeded)) {
    return new GraftError('error.storage/quota-exceeded.nothing-saved', {}, { cause: e });
  }
  if (all.includes('VersionError') || all.includes(Dexie.errnames.Version)) {
    return new GraftError('error.storage/version-changed.other-tab', {}, { cause: e });
  }
  if (all.includes('DatabaseClosedError') || all.includes('InvalidStateError')) {
    return new GraftError('error.storage/blocked.closed', {}, { cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new GraftError('error.storage/failed.refused', { detail: message }, { cause: e });
}

export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw mapStorageError(e);
  }
}
