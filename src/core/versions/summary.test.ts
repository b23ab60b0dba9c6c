import { describe, expect, it } from 'vitest';
import { contentOf } from '../testVersions';
import { inputShapesOf, outputShapesOf, summaryShapes } from './summary';
import type { ModelSummary } from './types';
import { versionIdOf } from './version';

describe('model summaries', () => {
  it('lists every input and output only for a model with several', () => {
    expect(summaryShapes([[null, 4]], [[null, 1]])).toEqual({
      inputShape: [null, 4],
      outputShape: [null, 1],
    });
    expect(
      summaryShapes(
        [
          [null, null, 81],
          [null, 4],
        ],
        [[null, 3]],
      ),
    ).toEqual({
      inputShape: [null, null, 81],
      outputShape: [null, 3],
      inputShapes: [
        [null, null, 81],
        [null, 4],
      ],
    });
    expect(summaryShapes([], [])).toEqual({ inputShape: null, outputShape: null });
  });

  it('gives a one-input model the summary, and so the version id, it had before the lists existed', async () => {
    const before: ModelSummary = {
      className: 'Sequential',
      layerCount: 1,
      paramCount: 2,
      inputShape: [null, 2],
      outputShape: [null, 1],
    };
    const now: ModelSummary = { ...before, ...summaryShapes([[null, 2]], [[null, 1]]) };
    expect(await versionIdOf(await contentOf([], { summary: now }))).toBe(
      await versionIdOf(await contentOf([], { summary: before })),
    );
  });

  it('reads the inputs and outputs of old and new summaries alike', () => {
    const old: ModelSummary = {
      className: 'M',
      layerCount: 1,
      paramCount: 0,
      inputShape: [null, 2],
      outputShape: null,
    };
    expect(inputShapesOf(old)).toEqual([[null, 2]]);
    expect(outputShapesOf(old)).toEqual([]);
    const multi: ModelSummary = {
      ...old,
      ...summaryShapes(
        [[null, 2]],
        [
          [null, 3],
          [null, 1],
        ],
      ),
    };
    expect(inputShapesOf(multi)).toEqual([[null, 2]]);
    expect(outputShapesOf(multi)).toEqual([
      [null, 3],
      [null, 1],
    ]);
  });
});
