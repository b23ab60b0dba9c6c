import { describe, expect, it } from 'vitest';
import type { Preferences } from '../core/ports';
import { Tour, TOUR_KEY, TOUR_STEPS, type TourFacts } from './Tour.svelte';

const EMPTY: TourFacts = {
  ready: true,
  repositories: 0,
  tab: null,
  live: null,
  versions: 0,
  savedLayersMax: 0,
  rollbacks: 0,
  selected: false,
  selectedOlder: false,
  editing: false,
  dataset: false,
  trainRun: null,
  comparing: 0,
  exported: null,
};

function memory(initial: Record<string, string> = {}): Preferences & { data: Record<string, string> } {
  const data = { ...initial };
  return { data, get: (k) => data[k] ?? null, set: (k, v) => void (data[k] = v) };
}

/** The states a person passes through on the guided walk, one per step, each the step's evidence. */
function walk(): TourFacts[] {
  const created = {
    ...EMPTY,
    repositories: 1,
    tab: 'model',
    live: { saved: false, pending: 'created', layers: 2 },
  };
  const saved = {
    ...created,
    live: { saved: true, pending: null, layers: 2 },
    versions: 1,
    savedLayersMax: 2,
    selected: true,
  };
  const run = {};
  const trained = {
    ...saved,
    tab: 'train',
    dataset: true,
    trainRun: run,
    live: { saved: true, pending: 'trained', layers: 2 },
  };
  const updated = {
    ...trained,
    tab: 'model',
    versions: 2,
    savedLayersMax: 3,
    live: { saved: true, pending: null, layers: 3 },
  };
  const compared = { ...updated, tab: 'compare', comparing: 2 };
  const rolledBack = { ...compared, versions: 3, rollbacks: 1 };
  const exported = { ...rolledBack, tab: 'share', exported: {} };
  return [created, saved, trained, updated, compared, rolledBack, exported];
}

describe('Tour', () => {
  it('starts by itself on an empty Graft and advances one step for each thing the app shows done', () => {
    const mem = memory();
    const tour = new Tour(mem);
    tour.observe({ ...EMPTY, ready: false });
    expect(tour.status).toBe('new');
    tour.observe(EMPTY);
    expect(tour.step).toBe('create');
    expect(tour.anchors.map((a) => a.anchor)).toEqual(['create', 'new-model']);

    const states = walk();
    states.forEach((facts, i) => {
      expect(tour.step).toBe(TOUR_STEPS[i]);
      tour.observe(facts);
    });
    expect(tour.step).toBeNull();
    expect(tour.status).toBe('done');
    expect(tour.celebrating).toBe(true);
    expect(JSON.parse(mem.data[TOUR_KEY] ?? '{}')).toEqual({ status: 'done', step: TOUR_STEPS.length });
    tour.close();
    expect(tour.showing).toBe(false);
  });

  it('does not advance on state that does not show the step done', () => {
    const tour = new Tour(memory());
    tour.observe(EMPTY);
    const [created, saved] = walk();
    tour.observe(created!);
    tour.observe({ ...created!, tab: 'train' }); // looking around is not saving
    expect(tour.step).toBe('save');
    tour.observe(saved!);
    expect(tour.step).toBe('train');
    // A run that finished before this step began does not count; a new one does.
    const old = {};
    const t = new Tour(memory({ [TOUR_KEY]: JSON.stringify({ status: 'skipped', step: 2 }) }));
    t.observe({ ...saved!, trainRun: old });
    t.resume();
    expect(t.step).toBe('train');
    t.observe({ ...saved!, trainRun: old, tab: 'train' });
    expect(t.step).toBe('train');
    expect(t.anchors.map((a) => a.anchor)).toEqual(['train-data', 'tab-train']);
    t.observe({ ...saved!, trainRun: old, tab: 'train', dataset: true });
    expect(t.anchors.map((a) => a.anchor)).toEqual(['train-adapt', 'train-run', 'tab-train']);
    t.observe({ ...saved!, trainRun: {}, tab: 'train', dataset: true });
    expect(t.step).toBe('update');
  });

  it('update ends only when a saved version has more layers than before, and points at each control in turn', () => {
    const tour = new Tour(memory());
    tour.observe(EMPTY);
    const [created, saved, trained] = walk();
    for (const f of [created!, saved!, trained!]) tour.observe(f);
    expect(tour.step).toBe('update');
    expect(tour.anchors[0]?.anchor).toBe('add-layer');
    tour.observe({ ...trained!, editing: true });
    expect(tour.anchors[0]?.anchor).toBe('apply');
    tour.observe({ ...trained!, live: { saved: true, pending: 'edited', layers: 3 } });
    expect(tour.anchors[0]).toEqual({ anchor: 'save', hint: 'tour.update.save' });
    expect(tour.step).toBe('update');
    tour.observe({ ...trained!, versions: 2, savedLayersMax: 3 });
    expect(tour.step).toBe('compare');
  });

  it('rollback points at the history until an older version is selected', () => {
    const tour = new Tour(memory({ [TOUR_KEY]: JSON.stringify({ status: 'skipped', step: 5 }) }));
    const facts = walk()[4]!;
    tour.observe(facts);
    expect(tour.step).toBeNull();
    tour.resume();
    expect(tour.step).toBe('rollback');
    expect(tour.anchors[0]?.anchor).toBe('history-list');
    tour.observe({ ...facts, selectedOlder: true });
    expect(tour.anchors[0]?.anchor).toBe('history-rollback');
  });

  it('skip stops it and is remembered; resume goes on from the same step, restart from the first', () => {
    const mem = memory();
    const tour = new Tour(mem);
    tour.observe(EMPTY);
    const [created, saved] = walk();
    tour.observe(created!);
    tour.skip();
    expect(tour.showing).toBe(false);
    expect(tour.canResume).toBe(true);
    tour.observe(saved!); // skipped: nothing advances
    expect(JSON.parse(mem.data[TOUR_KEY] ?? '{}')).toEqual({ status: 'skipped', step: 1 });

    // A reload: the skipped tour does not start again by itself, even on an empty Graft.
    const again = new Tour(mem);
    again.observe(EMPTY);
    expect(again.status).toBe('skipped');
    again.resume();
    expect(again.step).toBe('save');
    again.skip();
    again.restart();
    expect(again.step).toBe('create');
    expect(again.index).toBe(0);
  });

  it('a finished tour does not start again, and a populated Graft never starts it by itself', () => {
    const done = new Tour(memory({ [TOUR_KEY]: JSON.stringify({ status: 'done', step: 7 }) }));
    done.observe(EMPTY);
    expect(done.showing).toBe(false);
    expect(done.canResume).toBe(false);
    const returning = new Tour(memory());
    returning.observe({ ...EMPTY, repositories: 2 });
    expect(returning.status).toBe('new');
    returning.observe({ ...EMPTY, repositories: 0 });
    expect(returning.status).toBe('active');
  });

  it('a running tour resumes after a reload at its step; damaged memory is ignored', () => {
    const tour = new Tour(memory({ [TOUR_KEY]: JSON.stringify({ status: 'active', step: 3 }) }));
    expect(tour.step).toBe('update');
    for (const text of ['{', '"x"', JSON.stringify({ status: 'weird', step: 2 })]) {
      expect(new Tour(memory({ [TOUR_KEY]: text })).status).toBe('new');
    }
    expect(new Tour(memory({ [TOUR_KEY]: JSON.stringify({ status: 'active', step: 99 }) })).index).toBe(7);
  });
});
