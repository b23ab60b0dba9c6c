import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import type { VersionId } from '../hashing';
import { placeSave, type PlacementState } from './placement';

const id = (c: string) => c.repeat(64) as VersionId;
const SAVED = { change: 'trained', message: 'more epochs' } as const;
const onMain = (target: VersionId | null, extra: PlacementState['refs'] = []): PlacementState => ({
  head: { kind: 'branch', name: 'main' },
  refs: [...(target ? [{ name: 'main', kind: 'branch' as const, target }] : []), ...extra],
});

describe('a save of the live model goes where HEAD is', () => {
  it('moves the current branch when the save builds on its head', () => {
    const p = placeSave(
      onMain(id('a')),
      { kind: 'head', seen: { branch: 'main', target: id('a') } },
      id('a'),
      SAVED,
    );
    expect(p).toEqual({
      branch: 'main',
      create: null,
      from: id('a'),
      moveHead: false,
      reason: { code: 'saved', change: 'trained', message: 'more epochs' },
      branchedOff: false,
    });
  });

  it('starts the first version of an empty branch', () => {
    const p = placeSave(onMain(null), { kind: 'head', seen: { branch: 'main', target: null } }, null, SAVED);
    expect(p).toMatchObject({
      branch: 'main',
      create: null,
      from: null,
      moveHead: false,
      branchedOff: false,
    });
  });

  it('forks onto a free name, created at the older version, when the save builds on an older version', () => {
    const state = onMain(id('b'), [{ name: 'main-2', kind: 'tag', target: id('a') }]);
    const p = placeSave(state, { kind: 'head', seen: { branch: 'main', target: id('b') } }, id('a'), SAVED);
    expect(p).toEqual({
      branch: 'main-3',
      create: { at: id('a'), reason: { code: 'saved-on-older' } },
      from: id('a'),
      moveHead: true,
      reason: { code: 'saved', change: 'trained', message: 'more epochs' },
      branchedOff: true,
    });
  });

  it('forks from a detached HEAD onto a new branch named “branch”', () => {
    const state: PlacementState = {
      head: { kind: 'detached', version: id('a') },
      refs: onMain(id('b')).refs,
    };
    const p = placeSave(state, { kind: 'head' }, id('a'), SAVED);
    expect(p).toMatchObject({ branch: 'branch', create: { at: id('a') }, moveHead: true, branchedOff: true });
  });

  it('keeps both lines when another tab moved the branch after this tab looked', () => {
    const p = placeSave(
      onMain(id('c')),
      { kind: 'head', seen: { branch: 'main', target: id('b') } },
      id('b'),
      SAVED,
    );
    expect(p).toEqual({
      branch: 'main-2',
      create: null,
      from: null,
      moveHead: true,
      reason: { code: 'saved-conflict', branch: 'main' },
      branchedOff: false,
      conflict: { requestedBranch: 'main', theirHead: id('c') },
    });
  });

  it('stays on the branch the tab saw when another tab’s save moved HEAD to its own fork meanwhile', () => {
    const state: PlacementState = {
      head: { kind: 'branch', name: 'main-2' },
      refs: [...onMain(id('c')).refs, { name: 'main-2', kind: 'branch', target: id('d') }],
    };
    const p = placeSave(state, { kind: 'head', seen: { branch: 'main', target: id('b') } }, id('b'), SAVED);
    expect(p).toMatchObject({
      branch: 'main-3',
      moveHead: true,
      conflict: { requestedBranch: 'main', theirHead: id('c') },
    });
  });

  it('keeps both lines when another tab saved the first version of a new model meanwhile', () => {
    const p = placeSave(onMain(id('c')), { kind: 'head' }, null, SAVED);
    expect(p).toMatchObject({ branch: 'main-2', conflict: { requestedBranch: 'main', theirHead: id('c') } });
  });

  it('refuses to move a tag that HEAD names', () => {
    const state: PlacementState = {
      head: { kind: 'branch', name: 'best' },
      refs: [{ name: 'best', kind: 'tag', target: id('a') }],
    };
    expect(() => placeSave(state, { kind: 'head' }, id('a'), SAVED)).toThrow(/is a tag/);
  });
});

describe('a named branch', () => {
  it('moves when it still points at the parent, and forks without moving HEAD when it does not', () => {
    expect(placeSave(onMain(id('a')), { kind: 'branch', name: 'main' }, id('a'), SAVED)).toMatchObject({
      branch: 'main',
      moveHead: false,
    });
    expect(placeSave(onMain(id('b')), { kind: 'branch', name: 'main' }, id('a'), SAVED)).toMatchObject({
      branch: 'main-2',
      moveHead: false,
      conflict: { requestedBranch: 'main', theirHead: id('b') },
    });
  });
});

describe('a checkpoint', () => {
  it('gets its side branch, created at the parent; HEAD stays', () => {
    const p = placeSave(onMain(id('a')), { kind: 'checkpoint', name: 'run-1/epoch-1' }, id('a'), SAVED);
    expect(p).toEqual({
      branch: 'run-1/epoch-1',
      create: { at: id('a'), reason: { code: 'checkpoint' } },
      from: id('a'),
      moveHead: false,
      reason: { code: 'saved', change: 'trained', message: 'more epochs' },
      branchedOff: false,
    });
  });

  it('refuses a name already taken, and a name git would refuse', () => {
    const taken = () => placeSave(onMain(id('a')), { kind: 'checkpoint', name: 'main' }, id('a'), SAVED);
    expect(taken).toThrow(/already exists/);
    try {
      placeSave(onMain(id('a')), { kind: 'checkpoint', name: 'bad name' }, id('a'), SAVED);
      expect.unreachable();
    } catch (e) {
      expect(isGraftError(e, 'ref/invalid-name')).toBe(true);
    }
  });
});
