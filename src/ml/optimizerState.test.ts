/**
 * An optimizer's state out of and into TF.js: its tensors' names, the values of slots no step has made
 * yet, taking back what was put in bit for bit, and refusing a state that does not fit.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateLayer } from '../core/model/edit';
import { planContinue } from '../core/model/optimizerState';
import { OPTIMIZERS, type OptimizerName, type TrainConfig } from '../core/model/training';
import type { OptimizerState, TensorData } from '../core/ports';
import { buildModel } from './build';
import { makeOptimizer, optimizerStateOf, restoreOptimizerState, trainableWeightsOf } from './optimizerState';
import {
  caught,
  rebuilt,
  stateContents,
  throughBytes,
  TOY,
  TOY_CONFIG,
  weightBits,
  xor,
} from './testTraining';
import { train } from './train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 128 rows in batches of 16: 8 steps an epoch.
const DATA = xor(128);
const CONFIG: TrainConfig = { ...TOY_CONFIG, epochs: 1 };
const TOY_WEIGHTS = ['hidden_1', 'hidden_2', 'output'].flatMap((l) => [`${l}/kernel`, `${l}/bias`]);

/** The state `optimizer` leaves after `epochs` epochs of TOY on DATA. */
async function trainedState(optimizer: OptimizerName, epochs = 1): Promise<OptimizerState> {
  const model = buildModel(TOY, { seed: 3 });
  const outcome = await train(model, DATA, { ...CONFIG, optimizer, epochs }, {}, { yieldEvery: 0 });
  model.dispose();
  return outcome.optimizer;
}

const f32 = (t: TensorData | undefined) =>
  Array.from(new Float32Array((t?.data ?? new Uint8Array()).slice().buffer));

describe('optimizer state', () => {
  it('names its tensors after the model weights, slot kind by slot kind, after the step count', async () => {
    const names = async (optimizer: OptimizerName) =>
      (await trainedState(optimizer)).tensors.map((t) => `${t.name}:${t.dtype}[${t.shape.join(',')}]`);
    const slots = (kind: string) =>
      ['hidden_1/kernel:float32[2,16]', 'hidden_1/bias:float32[16]']
        .concat(['hidden_2/kernel:float32[16,16]', 'hidden_2/bias:float32[16]'])
        .concat(['output/kernel:float32[16,2]', 'output/bias:float32[2]'])
        .map((s) => s.replace(':', `/${kind}:`));
    expect(await names('adam')).toEqual([
      'iterations:int32[]',
      'accBeta1:float32[]',
      'accBeta2:float32[]',
      ...slots('m'),
      ...slots('v'),
    ]);
    expect(await names('rmsprop')).toEqual(['iterations:int32[]', ...slots('rms'), ...slots('momentum')]);
    expect(await names('adagrad')).toEqual(['iterations:int32[]', ...slots('accumulator')]);
    expect(await names('sgd')).toEqual(['iterations:int32[]']);
    const state = await trainedState('adam');
    expect(state).toMatchObject({ optimizer: 'adam', learningRate: 0.05, iterations: 8, epochs: 1 });
    expect(state.weights.map((w) => w.name)).toEqual(TOY_WEIGHTS);
    expect(new Int32Array(state.tensors[0]?.data?.slice().buffer ?? new ArrayBuffer(0))).toEqual(
      Int32Array.of(8),
    );
  });

  it.each(OPTIMIZERS)(
    '%s: a state taken before any step holds what the first step would create, and continues like afresh',
    async (optimizer) => {
      const model = buildModel(TOY, { seed: 3 });
      const initial = weightBits(model);
      const stopped = await train(model, DATA, { ...CONFIG, optimizer }, { shouldStop: () => true });
      expect(weightBits(model)).toEqual(initial);
      const state = stopped.optimizer;
      expect(state).toMatchObject({ iterations: 0, epochs: 0 });
      const byName = new Map(state.tensors.map((t) => [t.name, t]));
      const fill = optimizer === 'adagrad' ? Math.fround(0.1) : 0;
      for (const t of state.tensors.filter((t) => t.name.includes('/')))
        expect(new Set(f32(t))).toEqual(new Set([fill]));
      if (optimizer === 'adam') {
        expect(f32(byName.get('accBeta1'))).toEqual([Math.fround(0.9)]);
        expect(f32(byName.get('accBeta2'))).toEqual([Math.fround(0.999)]);
      }
      const continued = await train(model, DATA, { ...CONFIG, optimizer }, {}, { yieldEvery: 0 }, state);
      const fresh = buildModel(TOY, { seed: 3 });
      const afresh = await train(fresh, DATA, { ...CONFIG, optimizer }, {}, { yieldEvery: 0 });
      expect(weightBits(model)).toEqual(weightBits(fresh));
      expect(await stateContents(continued.optimizer)).toEqual(await stateContents(afresh.optimizer));
      model.dispose();
      fresh.dispose();
    },
  );

  it.each(OPTIMIZERS)(
    '%s: a state put into a fresh optimizer comes out again bit for bit, with no tensor left over',
    async (optimizer) => {
      // After 8 steps TF.js's setWeights alone would leave Adam's beta1 power off by one bit.
      const state = await throughBytes(await trainedState(optimizer));
      const model = buildModel(TOY, { seed: 3 });
      const before = tf.memory().numTensors;
      const fresh = makeOptimizer(optimizer, 0.05);
      await restoreOptimizerState(fresh, optimizer, trainableWeightsOf(model), state);
      const again = await optimizerStateOf(fresh, optimizer, 0.05, trainableWeightsOf(model), 1);
      fresh.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(await stateContents(again)).toEqual(await stateContents(state));
      model.dispose();
    },
  );

  it('keeps slots by the model’s weight names, whatever TF.js calls its variables in a rebuilt model', async () => {
    const model = buildModel(TOY, { seed: 3 });
    const copy = await rebuilt(model);
    const variableNames = (m: tf.LayersModel) =>
      m.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    // TF.js gave the rebuilt model's variables new names; the model's weight names are the same.
    expect(variableNames(copy)).not.toEqual(variableNames(model));
    expect(trainableWeightsOf(copy)).toEqual(trainableWeightsOf(model));
    model.dispose();
    copy.dispose();
  });

  it('lists the trainable weights as the run saw them, so planContinue can tell when a state fits', async () => {
    const frozen = updateLayer(TOY, 'hidden_1', { trainable: false });
    const model = buildModel(frozen, { seed: 3 });
    const weights = trainableWeightsOf(model);
    expect(weights.map((w) => w.name)).toEqual(TOY_WEIGHTS.slice(2));
    expect(weights[0]).toEqual({ name: 'hidden_2/kernel', shape: [16, 16] });
    const outcome = await train(model, DATA, CONFIG, {}, { yieldEvery: 0 });
    expect(outcome.optimizer.weights).toEqual(weights);
    expect(planContinue(outcome.optimizer, CONFIG, weights)).toEqual({
      kind: 'continue',
      firstEpoch: 1,
      iterations: 8,
    });
    const unfrozen = buildModel(TOY, { seed: 3 });
    expect(planContinue(outcome.optimizer, CONFIG, trainableWeightsOf(unfrozen))).toEqual({
      kind: 'afresh',
      reason: 'other-weights',
    });
    model.dispose();
    unfrozen.dispose();
  });

  it('refuses a state that does not fit, before changing anything', async () => {
    const state = await trainedState('adam');
    const other = buildModel(updateLayer(TOY, 'output', { trainable: false }), { seed: 3 });
    const frozen = (await train(other, DATA, CONFIG, {}, { yieldEvery: 0 })).optimizer;
    other.dispose();
    const model = buildModel(TOY, { seed: 3 });
    const initial = weightBits(model);
    const before = tf.memory().numTensors;
    const refusal = async (resume: OptimizerState, config: TrainConfig = CONFIG) => {
      const error = await caught(train(model, DATA, config, {}, { yieldEvery: 0 }, resume));
      expect(weightBits(model)).toEqual(initial);
      expect(tf.memory().numTensors).toBe(before);
      return [error.code, error.message];
    };
    const without = (name: string) => ({ ...state, tensors: state.tensors.filter((t) => t.name !== name) });
    const m = state.tensors.find((t) => t.name === 'output/bias/m') as TensorData;

    expect(await refusal(state, { ...CONFIG, optimizer: 'rmsprop' })).toEqual([
      'ml/weights-mismatch',
      "The kept optimizer state is Adam's but this run uses RMSprop; start the optimizer afresh.",
    ]);
    expect((await refusal(frozen))[1]).toBe(
      'The kept optimizer state was made for other trainable weights than this model has; start the optimizer afresh.',
    );
    const tensorMisfit = (name: string) => [
      'ml/weights-mismatch',
      `The kept optimizer state does not fit this model: its tensor "${name}" is missing, extra or the wrong size. Start the optimizer afresh.`,
    ];
    expect(await refusal(without('output/bias/m'))).toEqual(tensorMisfit('output/bias/m'));
    expect(await refusal(without('accBeta2'))).toEqual(tensorMisfit('accBeta2'));
    expect(await refusal({ ...state, tensors: [...state.tensors, { ...m, name: 'output/bias/x' }] })).toEqual(
      tensorMisfit('output/bias/x'),
    );
    const short = { ...m, data: m.data?.slice(0, 4) };
    expect(await refusal({ ...state, tensors: state.tensors.map((t) => (t === m ? short : t)) })).toEqual(
      tensorMisfit('output/bias/m'),
    );
    expect(await refusal({ ...state, iterations: 7 })).toEqual(tensorMisfit('iterations'));
    model.dispose();
  });
});
