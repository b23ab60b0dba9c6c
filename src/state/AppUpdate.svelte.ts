/**
 * Whether a newer build of Graft is installed and waiting, and applying it when the person asks. The
 * service worker that delivers builds is wired in by src/app/main.ts; this class knows nothing of it, only
 * the function that activates the waiting build and the one that reloads the page.
 */
export type ApplyUpdate = () => Promise<void>;

/** 'waiting': a new build is ready for this tab. 'elsewhere': another tab switched to it, this tab still
 *  runs the old one. */
export type UpdateState = 'none' | 'waiting' | 'elsewhere';

export class AppUpdate {
  #state = $state<UpdateState>('none');
  #dismissed = $state(false);
  #updating = $state(false);
  #failed = $state(false);
  #apply: ApplyUpdate | null = null;
  readonly #reloadPage: () => void;

  constructor(reloadPage: () => void) {
    this.#reloadPage = reloadPage;
  }

  get state(): UpdateState {
    return this.#state;
  }

  /** The banner is shown: there is news and the person has not put it off. */
  get visible(): boolean {
    return this.#state !== 'none' && !this.#dismissed;
  }

  /** This tab asked for the new build and is waiting for it to take over. */
  get updating(): boolean {
    return this.#updating;
  }

  /** The last attempt to update did not go through; the old build keeps running. */
  get failed(): boolean {
    return this.#failed;
  }

  /** The service worker says a new build is installed; `apply` activates it. */
  offer(apply: ApplyUpdate): void {
    this.#apply = apply;
    this.#state = 'waiting';
    this.#dismissed = false;
    this.#failed = false;
  }

  /** Not now: the new build stays waiting and is used the next time Graft is opened. */
  dismiss(): void {
    this.#dismissed = true;
  }

  /** Asks the waiting build to take over; `tookOver` then reloads the page. In a tab that another tab has
   *  already updated, reloads at once. */
  async reload(): Promise<void> {
    if (this.#state === 'elsewhere') {
      this.#reloadPage();
      return;
    }
    const apply = this.#apply;
    if (this.#state !== 'waiting' || apply === null || this.#updating) return;
    this.#updating = true;
    this.#failed = false;
    try {
      await apply();
    } catch {
      this.#failed = true;
      this.#updating = false;
    }
  }

  /** The new build now serves this page. Only the tab that asked reloads by itself: another tab may hold
   *  unsaved work, so it is told and reloads when its person chooses. */
  tookOver(): void {
    if (this.#updating) {
      this.#reloadPage();
      return;
    }
    this.#state = 'elsewhere';
    this.#dismissed = false;
  }
}
