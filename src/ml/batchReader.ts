/** Reads a run's batch losses back in groups, without stalling training, and reports them in order. */
import * as tf from '@tensorflow/tfjs';
import type { TrainingCallbacks } from '../core/ports';

export interface PendingBatch {
  readonly epoch: number;
  readonly batch: number;
  readonly size: number;
  readonly outs: tf.Scalar[];
}

export interface EpochTotals {
  seen: number;
  lossSum: number;
  accSum: number;
  batches: number;
}

/**
 * Collects each batch's loss tensors and reads them back in groups, one asynchronous read per group,
 * awaited one group later so the GPU never idles waiting for the CPU to look at a number.
 */
export class BatchReader {
  #pending: PendingBatch[] = [];
  #inFlight: Promise<void> | null = null;
  // A failed read is kept here and rethrown when awaited: a rejected promise left unawaited for a whole
  // interval would be reported as unhandled.
  #failure: { error: unknown } | null = null;
  #totals: EpochTotals = { seen: 0, lossSum: 0, accSum: 0, batches: 0 };
  nonFinite: { epoch: number; batch: number; loss: number } | null = null;

  constructor(
    private readonly batches: number,
    private readonly hasAcc: boolean,
    private readonly onBatch: TrainingCallbacks['onBatch'],
  ) {}

  add(batch: PendingBatch): void {
    this.#pending.push(batch);
  }

  /** Starts reading what has been trained since the last call, and waits for the previous read. */
  async flush(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    const previous = this.#inFlight;
    // After the read in flight, so batches are still reported in order.
    const read = () => this.#read(group);
    this.#inFlight =
      group.length === 0
        ? null
        : (previous ? previous.then(read) : read()).catch((error: unknown) => {
            this.#failure ??= { error };
          });
    await previous;
    if (this.#failure) throw this.#failure.error;
  }

  /**
   * Starts reading what has been trained since the last read, unless that read is still in flight: the
   * loop never waits for the GPU inside an epoch (on WebGL a read waits for every queued batch, and
   * waiting for it once per yield left the GPU idle while the CPU queued nothing).
   */
  poll(): void {
    if (this.#failure) throw this.#failure.error;
    if (this.#inFlight !== null || this.#pending.length === 0) return;
    const group = this.#pending;
    this.#pending = [];
    const read: Promise<void> = this.#read(group)
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        if (this.#inFlight === read) this.#inFlight = null;
      });
    this.#inFlight = read;
  }

  /** Waits until every batch trained so far has been read and reported. */
  async drain(): Promise<void> {
    await this.flush();
    await this.flush();
  }

  takeEpochTotals(): EpochTotals {
    const t = this.#totals;
    this.#totals = { seen: 0, lossSum: 0, accSum: 0, batches: 0 };
    return t;
  }

  /** Releases every tensor still held, after any read in flight has finished with its own. */
  async dispose(): Promise<void> {
    for (const p of this.#pending) tf.dispose(p.outs);
    this.#pending = [];
    await this.#inFlight;
  }

  async #read(group: PendingBatch[]): Promise<void> {
    // Padded to a power of two: on WebGL every distinct count is a shader of its own, compiled in a
    // blocking call the first time it comes up, so free counts meant a compile every few reads.
    const stacked = tf.tidy(() => {
      const outs: tf.Tensor[] = group.flatMap((g) => g.outs);
      const size = 2 ** Math.ceil(Math.log2(Math.max(1, outs.length)));
      if (size > outs.length) {
        const zero = tf.scalar(0);
        while (outs.length < size) outs.push(zero);
      }
      return tf.stack(outs);
    });
    for (const g of group) tf.dispose(g.outs);
    let values: Float32Array;
    try {
      values = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
    let k = 0;
    for (const g of group) {
      const loss = values[k] as number;
      const acc = this.hasAcc ? (values[k + 1] as number) : undefined;
      k += g.outs.length;
      if (!Number.isFinite(loss) && this.nonFinite === null)
        this.nonFinite = { epoch: g.epoch, batch: g.batch, loss };
      if (this.nonFinite !== null) continue;
      this.#totals.seen += g.size;
      this.#totals.batches += 1;
      this.#totals.lossSum += loss * g.size;
      if (acc !== undefined) this.#totals.accSum += acc * g.size;
      this.onBatch?.(g.epoch, g.batch, this.batches, acc === undefined ? { loss } : { loss, acc });
    }
  }
}
