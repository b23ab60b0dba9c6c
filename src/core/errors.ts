/** Typed errors: every failure a user can meet has a code, words they can act on, and its cause. */
import ERROR_TEXT from '../locales/errors.en.json';

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

/** Every message an error can carry: a key of the error catalogue, `error.<code>` or `error.<code>.<what>`. */
export type ErrorKey = keyof typeof ERROR_TEXT & `error.${string}`;

/** The code a key belongs to: `error.bundle/corrupt.zip` → `bundle/corrupt`. */
type CodeOf<K extends string> = K extends `error.${infer C}.${string}`
  ? C
  : K extends `error.${infer C}`
    ? C
    : never;

/** A phrase from the error catalogue (`errorPart.*`): a word a message takes, such as which data set. */
export type ErrorPartKey = keyof typeof ERROR_TEXT & `errorPart.${string}`;

/**
 * A phrase inside an error's message, worded in the message's language: a catalogue key with values of
 * its own. Phrases from the UI's catalogue (a layer problem, `model.problem.*`) carry their English as
 * `en`, since core does not read that catalogue.
 */
export interface ErrorPart {
  readonly part: string;
  readonly vars?: ErrorData;
  readonly en?: string;
}
export const part = (key: ErrorPartKey): ErrorPart => ({ part: key });

/** Whether a data value is a phrase to word, rather than a value to show as it is. */
export function isErrorPart(v: unknown): v is ErrorPart {
  return typeof v === 'object' && v !== null && typeof (v as { part?: unknown }).part === 'string';
}

/**
 * The data an error carries; `{name}` in its message is filled from the string and number values, and
 * from `ErrorPart`s (worded from the catalogue).
 */
export type ErrorData = Readonly<Record<string, unknown>>;

/** What crosses a worker boundary (structured clone drops an Error's own fields and its class). */
export interface GraftErrorJSON {
  readonly code: ErrorCode;
  readonly key: ErrorKey;
  readonly data: Record<string, unknown>;
}

// Codes contain no '.', so the code is everything between `error.` and the next dot. Typed so that a
// catalogue key naming a code that does not exist fails to compile here.
export const codeOf = (key: ErrorKey): ErrorCode =>
  key.slice('error.'.length).split('.')[0] as CodeOf<ErrorKey>;

const englishPart = (p: ErrorPart): string =>
  p.en ?? fillMessage((ERROR_TEXT as Record<string, string>)[p.part] ?? p.part, messageVars(p.vars ?? {}));

/**
 * The values `{name}` placeholders take from `data`: strings, numbers (as `String` writes them, so the
 * English reads as a template literal would) and phrases worded by `word` (by default in English).
 */
export function messageVars(
  data: ErrorData,
  word: (p: ErrorPart) => string = englishPart,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number') vars[name] = String(v);
    else if (isErrorPart(v)) vars[name] = word(v);
  }
  return vars;
}

/** `text` with each `{name}` replaced from `vars`; an unknown name stays as written. */
export function fillMessage(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/**
 * A failure a user can meet: a code to branch on, the catalogue key of its message and the data that
 * fills it (plus the cause). `.message` is the English text, for logs and tests; the UI words the key in
 * the active language (ui/common/format.ts `formatError`), so the error itself holds no sentence.
 */
export class GraftError extends Error {
  override readonly name = 'GraftError';
  readonly code: ErrorCode;
  readonly key: ErrorKey;
  readonly data: ErrorData;

  constructor(key: ErrorKey, data: ErrorData = {}, options: { cause?: unknown } = {}) {
    super(
      fillMessage(ERROR_TEXT[key], messageVars(data)),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = codeOf(key);
    this.key = key;
    this.data = data;
  }

  /** The error as plain data that survives `postMessage`; data that cannot be cloned keeps its words. */
  toJSON(): GraftErrorJSON {
    let data: Record<string, unknown>;
    try {
      data = structuredClone({ ...this.data });
    } catch {
      data = Object.fromEntries(
        Object.entries(this.data).filter(
          ([, v]) => ['string', 'number', 'boolean'].includes(typeof v) || isErrorPart(v),
        ),
      );
    }
    return { code: this.code, key: this.key, data };
  }

  static fromJSON(j: GraftErrorJSON): GraftError {
    // A key this build's catalogue lacks (a worker from another version of Graft) still keeps its code.
    if (!(j.key in ERROR_TEXT)) return new GraftError(`error.${j.code}` as ErrorKey, j.data);
    return new GraftError(j.key, j.data);
  }
}

export function isGraftError(e: unknown, code?: ErrorCode): e is GraftError {
  return e instanceof GraftError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a GraftError so the UI always has a code and a sentence to show; the
 *  foreign message is kept as data (`detail`), worded inside the catalogue's sentence. */
export function toGraftError(e: unknown): GraftError {
  if (e instanceof GraftError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new GraftError('error.internal.unexpected', { detail }, { cause: e });
}

export type Result<T, E = GraftError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
