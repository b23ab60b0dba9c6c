/** What Graft is doing and what it has to say: the busy indicator, the notice and the error banner. */
import { err, ok, toGraftError, type GraftError, type Result } from '../core/errors';

export class Activity {
  /** What Graft is doing right now, in words; null when idle. */
  busy = $state<string | null>(null);
  /** What the error banner shows; null when there is nothing to show. */
  error = $state.raw<GraftError | null>(null);
  notice = $state<string | null>(null);
  #depth = 0;
  readonly #settled = new Set<() => void>();

  /** Calls `listener` each time an action ends (the live model's tensor count reads it). */
  onSettled(listener: () => void): () => void {
    this.#settled.add(listener);
    return () => this.#settled.delete(listener);
  }

  say(message: string): void {
    this.notice = message;
  }

  /** Shows an error raised outside an action run here (a feature panel's, a live query's). */
  report(e: unknown): void {
    this.error = toGraftError(e);
  }

  dismissError(): void {
    this.error = null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /**
   * Runs an action under the busy indicator; nested actions keep it on until the outermost one ends. A
   * failure is shown in the banner and returned, so the caller decides what happens next.
   */
  async run<T>(label: string, op: () => Promise<T>): Promise<Result<T>> {
    const outer = this.#depth === 0;
    this.#depth++;
    if (outer) this.error = null;
    const previous = this.busy;
    this.busy = label;
    try {
      return ok(await op());
    } catch (e) {
      const error = toGraftError(e);
      this.error = error;
      return err(error);
    } finally {
      this.#depth--;
      this.busy = this.#depth === 0 ? null : previous;
      for (const listener of this.#settled) listener();
    }
  }
}
