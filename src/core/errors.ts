/** Typed errors: every failure a user can meet has a code, words they can act on, and its cause. */

export type ErrorCode =
  | 'storage/quota-exceeded'
  | 'storage/blob-missing'
  | 'storage/blob-corrupt'
  | 'storage/not-found'
  | 'storage/conflict'
  | 'storage/blocked'
  | 'storage/version-changed'
  | 'storage/failed'
  | 'version/invalid'
  | 'version/has-children'
  | 'ref/invalid-name'
  | 'ref/exists'
  | 'ref/not-found'
  | 'ref/in-use'
  | 'repo/not-found'
  | 'repo/invalid-name'
  | 'ml/backend-unavailable'
  | 'ml/model-invalid'
  | 'ml/weights-mismatch'
  | 'bundle/corrupt'
  | 'bundle/too-large'
  | 'bundle/manifest-invalid'
  | 'bundle/hash-mismatch'
  | 'bundle/size-mismatch'
  | 'bundle/missing-parent'
  | 'bundle/newer-format'
  | 'bundle/missing-file'
  | 'bundle/extra-file'
  | 'import/graph-model'
  | 'import/unknown-layer'
  | 'import/invalid-model'
  | 'import/weights-missing'
  | 'import/weights-mismatch'
  | 'import/absurd-shape'
  | 'import/hdf5-invalid'
  | 'import/safetensors-invalid'
  | 'import/keras-invalid'
  | 'import/unsupported-layer'
  | 'import/too-large'
  | 'import/weights-no-match'
  | 'import/weights-need-model'
  | 'export/keras-unsupported'
  | 'data/parse'
  | 'data/invalid'
  | 'data/too-many-classes'
  | 'data/single-class'
  | 'data/not-found'
  | 'model/invalid-layer'
  | 'model/invalid-stack'
  | 'train/nan-loss'
  | 'train/invalid-config'
  | 'train/busy'
  | 'train/worker-failed'
  | 'diff/incompatible'
  | 'internal';

export class GraftError extends Error {
  override readonly name = 'GraftError';
  readonly code: ErrorCode;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; data?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data ?? {};
  }
}

export function isGraftError(e: unknown, code?: ErrorCode): e is GraftError {
  return e instanceof GraftError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a GraftError so the UI always has a code and a sentence to show. */
export function toGraftError(e: unknown): GraftError {
  if (e instanceof GraftError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new GraftError('internal', `Something went wrong: ${message}`, { cause: e });
}

export type Result<T, E = GraftError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
