/** Choosing the TF.js backend: WebGL by default, the CPU on request or when WebGL is missing. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import { GraftError } from '../core/errors';
import type { BackendChoice, BackendInfo } from '../core/ports';

export async function startBackend(requested: BackendChoice): Promise<BackendInfo> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(requested);
    await tf.ready();
  } catch {
    ok = false;
  }
  if (ok && tf.getBackend() === requested) return { active: requested, requested };
  if (requested === 'cpu')
    throw new GraftError('ml/backend-unavailable', 'The CPU backend of TF.js could not start.');
  const fell = await tf.setBackend('cpu');
  await tf.ready();
  if (!fell)
    throw new GraftError('ml/backend-unavailable', 'Neither WebGL nor the CPU backend of TF.js could start.');
  return {
    active: tf.getBackend(),
    requested,
    fallbackReason:
      'WebGL is not available in this browser, so models run on the CPU (slower, same results).',
  };
}

export function activeBackend(): string {
  return tf.getBackend();
}

export const TFJS_VERSION: string = tf.version.tfjs;
