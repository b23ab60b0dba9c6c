import { describe, expect, it } from 'vitest';
import { createLayer, insertLayer, moveLayer, updateLayer } from '../core/model/edit';
import type { ModelSpec } from '../core/model/spec';
import { DIGITS_CNN_SPEC, SEED_SPEC } from '../core/model/templates';
import { adaptedSpec, Builder, describeSpecChanges, EDIT_SEED, summarizeChanges } from './Builder.svelte';
import { DataSelection } from './DataSelection.svelte';
import { FakeWorkspace, fakeModel, fakeServices } from './testWorkspace.svelte';

const noTraining = () => Promise.reject(new Error('not in these tests'));

function setup(spec: ModelSpec = SEED_SPEC) {
  const model = fakeModel(spec, 7);
  const ws = new FakeWorkspace(model);
  const { services } = fakeServices(noTraining);
  const data = new DataSelection(ws.activity, services.datasets);
  return { ws, model, builder: new Builder(ws.activity, ws.asHistory(), ws.asLive(), services, data) };
}

describe('describeSpecChanges', () => {
  it('names every kind of change a user can make', () => {
    let next = insertLayer(SEED_SPEC, createLayer('Dense', SEED_SPEC, 1, 'new'), 1);
    next = updateLayer(next, 'hidden', { units: 32, name: 'h' });
    next = updateLayer(next, 'output', { trainable: false });
    next = { ...next, inputShape: [64] };
    expect(describeSpecChanges(SEED_SPEC, next)).toEqual([
      'set the input to [64] (was [100])',
      'added Dense layer “dense_1” (32 units, relu)',
      'renamed “hidden” to “h”',
      'changed units of “h” from 64 to 32',
      'froze “output”',
    ]);
  });

  it('reports removals and moves', () => {
    const moved = moveLayer(DIGITS_CNN_SPEC, 'pool', -1);
    expect(describeSpecChanges(DIGITS_CNN_SPEC, moved)).toEqual(['moved “pool”', 'moved “conv”']);
    const removed = { ...DIGITS_CNN_SPEC, layers: DIGITS_CNN_SPEC.layers.filter((l) => l.id !== 'pool') };
    expect(describeSpecChanges(DIGITS_CNN_SPEC, removed)).toEqual(['removed MaxPooling2D layer “pool”']);
    expect(describeSpecChanges(SEED_SPEC, SEED_SPEC)).toEqual([]);
  });

  it('sums up long lists for the save form', () => {
    expect(summarizeChanges(['a', 'b'])).toBe('a, b');
    expect(summarizeChanges(['a', 'b', 'c', 'd', 'e'])).toBe('a, b, c and 2 more changes');
  });
});

describe('adaptedSpec', () => {
  it('gives the seed model the digits’ 64 inputs and leaves its 10 outputs', () => {
    const fit = { name: 'Digits', features: 64, outputs: null, task: 'classification' as const };
    expect(adaptedSpec(SEED_SPEC, fit)?.inputShape).toEqual([64]);
    expect(adaptedSpec({ ...SEED_SPEC, inputShape: [64] }, fit)).toBeNull();
  });

  it('sets the output units and activation a task needs', () => {
    const binary = adaptedSpec(SEED_SPEC, { name: 'x', features: 3, outputs: 2, task: 'classification' });
    expect(binary?.layers[1]).toMatchObject({ units: 2, activation: 'softmax' });
    const regression = adaptedSpec(SEED_SPEC, { name: 'x', features: 3, outputs: 1, task: 'regression' });
    expect(regression?.layers[1]).toMatchObject({ units: 1, activation: 'linear' });
  });
});

describe('Builder', () => {
  it('reads the live model back as a spec and draws it', () => {
    const { builder } = setup();
    expect(builder.spec?.layers.map((l) => l.name)).toEqual(['hidden', 'output']);
    expect(builder.readOnlyReason).toBeNull();
    expect(builder.dirty).toBe(false);
    expect(builder.graph?.nodes.map((n) => n.name)).toEqual(['input', 'hidden', 'output']);
  });

  it('refuses to apply an invalid draft and says which layer is wrong', () => {
    const { builder } = setup();
    const spec = builder.spec as ModelSpec;
    builder.edit(updateLayer(spec, 'hidden', { units: 0 }));
    expect(builder.dirty).toBe(true);
    expect(builder.analysis?.ok).toBe(false);
    expect(builder.analysis?.problems[0]?.message).toMatch(
      /^Layer 1 \(Dense\): units must be a positive integer/,
    );
    expect(builder.canApply).toBe(false);
  });

  it('applies an added layer as an edit that keeps the unchanged layers’ weights', async () => {
    const { ws, builder, model } = setup();
    const spec = builder.spec as ModelSpec;
    const added = createLayer('Dense', spec, 1, 'added');
    builder.edit(updateLayer(insertLayer(spec, added, 1), 'added', { units: 64 }));
    expect(builder.plan.map((d) => [d.name, d.action])).toEqual([
      ['hidden', 'keep'],
      ['dense_1', 'initialise'],
      ['output', 'keep'],
    ]);
    expect(builder.canApply).toBe(true);
    await builder.apply();

    expect(ws.activity.error).toBeNull();
    const [{ model: next, pending }] = ws.replaced as [(typeof ws.replaced)[number]];
    expect(pending.change).toBe('edited');
    expect(pending.description).toBe('added Dense layer “dense_1” (64 units, relu)');
    expect(pending.provenance['edit']).toEqual({
      changes: ['added Dense layer “dense_1” (64 units, relu)'],
      kept: ['hidden', 'output'],
      initialised: [{ name: 'dense_1', reason: 'new layer' }],
      seed: EDIT_SEED,
    });
    expect(next.weights.get('hidden')).toEqual(model.weights.get('hidden'));
    expect(next.weights.get('dense_1')?.every((w) => w === 0)).toBe(true);
    expect(model.disposed).toBe(true);
    // The new live model is what the builder now shows, with nothing left to apply.
    expect(builder.spec?.layers.map((l) => l.name)).toEqual(['hidden', 'dense_1', 'output']);
    expect(builder.dirty).toBe(false);
    expect(builder.report?.report.kept).toEqual(['hidden', 'output']);
  });

  it('freezes a layer in the model it builds', async () => {
    const { ws, builder } = setup();
    builder.edit(updateLayer(builder.spec as ModelSpec, 'hidden', { trainable: false }));
    await builder.apply();
    expect(ws.replaced[0]?.model.spec.layers[0]?.trainable).toBe(false);
    expect(ws.replaced[0]?.pending.description).toBe('froze “hidden”');
    expect(builder.spec?.layers[0]?.trainable).toBe(false);
  });

  it('drops a draft when the live model changes under it', async () => {
    const { ws, builder } = setup();
    builder.edit(updateLayer(builder.spec as ModelSpec, 'hidden', { units: 8 }));
    expect(builder.dirty).toBe(true);
    await ws.replaceLive(fakeModel(SEED_SPEC), {
      change: 'trained',
      description: 't',
      provenance: {},
      metrics: {},
    });
    expect(builder.dirty).toBe(false);
  });

  it('adapts the seed model to the digits in one edit', async () => {
    const { ws, builder } = setup();
    const fit = { name: 'Digits', features: 64, outputs: null, task: 'classification' as const };
    expect(builder.canAdapt(fit)).toBe(true);
    await builder.adapt(fit);
    const pending = ws.replaced[0]?.pending;
    expect(pending?.description).toBe('adapted to Digits: set the input to [64] (was [100])');
    expect(pending?.provenance['edit']).toMatchObject({
      kept: ['output'],
      initialised: [{ name: 'hidden', reason: 'kernel changes shape from [100, 64] to [64, 64]' }],
    });
    expect(builder.canAdapt(fit)).toBe(false);
  });

  it('shows a model it cannot edit read-only, with the reason', () => {
    const ws = new FakeWorkspace(fakeModel(SEED_SPEC));
    const { services } = fakeServices(noTraining, {
      topologyOf: () => ({ class_name: 'Functional', config: { layers: [] } }),
    });
    const builder = new Builder(
      ws.activity,
      ws.asHistory(),
      ws.asLive(),
      services,
      new DataSelection(ws.activity, services.datasets),
    );
    expect(builder.spec).toBeNull();
    expect(builder.readOnlyReason).toMatch(/^It is a functional model/);
    builder.edit(SEED_SPEC);
    expect(builder.dirty).toBe(false);
  });
});
