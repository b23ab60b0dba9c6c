import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { hdf5 } from '../../src/formats/hdf5';
import { readKerasFile } from '../../src/ml/kerasFiles';

it('debug', async () => {
  await tf.setBackend('cpu');
  const bytes = new Uint8Array(readFileSync('/work/shared/fixtures/keras/seed-model.h5'));
  const at = Number(process.env.AT);
  new DataView(bytes.buffer).setBigUint64(at, BigInt(process.env.V ?? 2 ** 32 + 7), true);
  console.log('start', at);
  const h5 = await hdf5.open(bytes, 'x.h5');
  console.log('opened');
  const walk = (g: any, d = 0): void => { for (const k of g.keys) { console.log('get', g.path, k); const c = g.get(k); console.log(' '.repeat(d), k, c?.kind, c?.shape); if (c?.kind === 'group') walk(c, d + 1); } };
  walk(h5.root);
  h5.close();
  try { await readKerasFile({ name: 'x.h5', bytes }, hdf5, 'hdf5'); console.log('ok'); } catch (e) { console.log('err', String(e)); }
});
