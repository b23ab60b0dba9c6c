/**
 * A part of the app that is loaded after the first paint (the ML runtime and the features built on it):
 * its value once here, for the views to show, and the one load in flight, for the actions that need it.
 */
export class Lazy<T> {
  /** The loaded value; null until it is here. */
  value = $state.raw<T | null>(null);
  /** True after a load failed, until the next try. */
  failed = $state(false);
  #pending: Promise<T> | null = null;
  readonly #load: () => Promise<T>;

  constructor(load: () => Promise<T>) {
    this.#load = load;
  }

  /** Starts loading, once: every caller gets the same value. A failed load is tried again on the next call. */
  load(): Promise<T> {
    if (this.#pending) return this.#pending;
    this.failed = false;
    this.#pending = this.#load().then(
      (value) => {
        this.value = value;
        this.failed = false;
        return value;
      },
      (e: unknown) => {
        this.#pending = null;
        this.failed = true;
        throw e;
      },
    );
    return this.#pending;
  }
}
