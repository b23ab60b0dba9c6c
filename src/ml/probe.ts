/** A model's behaviour in one line: its output on a fixed, seeded input, and a hash of those bytes. */
import * as tf from '@tensorflow/tfjs';
import { sha256Hex } from '../core/hashing';
import type { ProbeResult } from '../core/ports';
import { probeValues } from '../core/random';

export const PROBE_ROWS = 4;

export async function probeModel(model: tf.LayersModel, rows = PROBE_ROWS): Promise<ProbeResult> {
  const shape = model.inputs[0]?.shape.slice(1) ?? [];
  if (shape.some((d) => d === null))
    throw new Error('The model has a variable input size; it cannot be probed.');
  const per = (shape as number[]).reduce((n, d) => n * d, 1);
  const input = tf.tensor(probeValues(rows * per), [rows, ...(shape as number[])]);
  try {
    const out = model.predict(input) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(out) ? out[0] : out;
    const data = new Float32Array((await first!.data()) as Float32Array);
    tf.dispose(out);
    return { rows, outputs: data, fingerprint: await sha256Hex(data) };
  } finally {
    input.dispose();
  }
}
