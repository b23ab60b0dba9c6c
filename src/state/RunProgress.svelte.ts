/**
 * A run's live progress: gathered as fast as the batches come, and written to the reactive fields at most
 * once a frame, so drawing the curves never slows training down.
 */
import type { EpochLogs, TrainProgress } from '../core/model/training';

export class RunProgress {
  readonly #nextFrame: (callback: () => void) => void;

  progress = $state.raw<TrainProgress | null>(null);
  history = $state.raw<readonly EpochLogs[]>([]);
  batchLosses = $state.raw<readonly number[]>([]);

  /** Progress gathered between frames; only `flush` writes it to the reactive fields. */
  #buffer = { progress: null as TrainProgress | null, losses: [] as number[], history: [] as EpochLogs[] };
  #frameRequested = false;

  /** `nextFrame` runs its callback before the next paint (the services' `nextFrame`). */
  constructor(nextFrame: (callback: () => void) => void) {
    this.#nextFrame = nextFrame;
  }

  /** The epochs finished so far, including those not yet drawn. */
  get epochs(): readonly EpochLogs[] {
    return this.#buffer.history;
  }

  reset(): void {
    this.#buffer = { progress: null, losses: [], history: [] };
    this.progress = null;
    this.history = [];
    this.batchLosses = [];
  }

  batch(progress: TrainProgress, loss: number): void {
    this.#buffer.progress = progress;
    this.#buffer.losses.push(loss);
    this.#requestFrame();
  }

  epoch(progress: TrainProgress, logs: EpochLogs): void {
    this.#buffer.history.push(logs);
    this.#buffer.progress = progress;
    this.#requestFrame();
  }

  /** Writes what was gathered now, without waiting for a frame (when the run ends). */
  flush(): void {
    const b = this.#buffer;
    if (b.progress !== this.progress) this.progress = b.progress;
    if (b.losses.length !== this.batchLosses.length) this.batchLosses = b.losses.slice();
    if (b.history.length !== this.history.length) this.history = b.history.slice();
  }

  #requestFrame(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    this.#nextFrame(() => {
      this.#frameRequested = false;
      this.flush();
    });
  }
}
