/**
 * Blobs read back once before they are written. Chromium keeps Blobs in 500 MiB of memory and moves older
 * ones to disk as that fills; a Blob it cannot place is made broken, and reading it throws
 * NotReadableError. In a private or guest window nothing goes to disk — IndexedDB's own blobs live in that
 * memory too — and IndexedDB stores a broken Blob without complaint: the save looks done, and its version
 * can never be read again. (In a normal window the same happens for a moment when Blobs are made faster
 * than they move to disk; IndexedDB then refuses the write.)
 */
import { GraftError } from '../core/errors';
import { formatBytes } from '../core/units';

/** Refuses, before anything is written, Blobs the browser could not hold. */
export async function assertReadable(blobs: readonly Blob[]): Promise<void> {
  const broken = await Promise.all(
    blobs.map(async (blob) => {
      try {
        // The last byte is enough: a blob the browser could not hold refuses every read of it.
        await blob.slice(-1).arrayBuffer();
        return false;
      } catch (e) {
        if (e instanceof DOMException && e.name === 'NotReadableError') return true;
        throw e;
      }
    }),
  );
  if (!broken.includes(true)) return;
  const needed = blobs.reduce((n, b) => n + b.size, 0);
  throw new GraftError('error.storage/quota-exceeded.in-memory', { needed: formatBytes(needed) });
}
