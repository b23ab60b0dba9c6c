import { describe, expect, it } from 'vitest';
import { isGraftError, type ErrorCode } from '../errors';
import { hashBlob, type BlobHash } from '../hashing';
import { contentOf, floats, TEST_REPO } from '../testVersions';
import { summaryShapes } from '../versions/summary';
import { makeVersion } from '../versions/version';
import { BUNDLE_FORMAT_VERSION, readManifest, type BundleManifest } from './manifest';
import { mdText, modelCard } from './modelCard';
import { bundleFileName, slug } from './names';
import { buildManifest } from './write';

async function sample(): Promise<BundleManifest> {
  const v1 = await makeVersion(await contentOf([], { message: 'first' }));
  const v2 = await makeVersion(
    await contentOf([v1.id], { message: 'second', createdAt: '2026-01-02T00:00:00.000Z' }, floats([3, 4])),
  );
  const sizes = new Map<BlobHash, number>([
    [v1.topologyHash, 100],
    [v1.tensors[0]!.hash, 8],
    [v2.tensors[0]!.hash, 8],
  ]);
  return buildManifest({
    createdAt: '2026-01-03T00:00:00.000Z',
    app: { name: 'graft', version: '0.1.0' },
    repository: { id: TEST_REPO, name: 'Test', createdAt: '2026-01-01T00:00:00.000Z' },
    scope: { kind: 'repository' },
    head: { kind: 'branch', name: 'main' },
    refs: [{ name: 'main', kind: 'branch', target: v2.id }],
    versions: [v1, v2],
    blobSizes: sizes,
    thin: { basis: [v1.id], omitted: new Set([v1.tensors[0]!.hash]) },
  });
}

/** The manifest as it travels: through JSON text, so nothing but JSON survives. */
const viaJson = (m: unknown): unknown => JSON.parse(JSON.stringify(m));

function codeOf(f: () => unknown): ErrorCode {
  try {
    f();
  } catch (e) {
    if (isGraftError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a GraftError');
}

describe('readManifest', () => {
  it('reads back what buildManifest writes, exactly', async () => {
    const m = await sample();
    expect(m.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    expect(m.blobs).toHaveLength(3);
    expect(m.thin?.omitted).toHaveLength(1);
    expect(readManifest(viaJson(m))).toEqual(m);
  });

  it('refuses what is not a Graft manifest, and formats from the future', async () => {
    const m = viaJson(await sample()) as Record<string, unknown>;
    expect(codeOf(() => readManifest(null))).toBe('bundle/manifest-invalid');
    expect(codeOf(() => readManifest({ ...m, format: 'graft' }))).toBe('bundle/manifest-invalid');
    expect(codeOf(() => readManifest({ ...m, formatVersion: BUNDLE_FORMAT_VERSION + 1 }))).toBe(
      'bundle/newer-format',
    );
    expect(codeOf(() => readManifest({ ...m, formatVersion: 1.5 }))).toBe('bundle/manifest-invalid');
  });

  it('names the exact field that is wrong', async () => {
    const m = viaJson(await sample()) as { versions: { tensors: { name: unknown }[] }[] };
    m.versions[1]!.tensors[0]!.name = 7;
    expect(() => readManifest(m)).toThrow('versions[1].tensors[0].name must be text');
  });

  it('reads a format-1 manifest, whose summaries know one input and one output, as it was written', async () => {
    const m = viaJson(await sample()) as Record<string, unknown>;
    const read = readManifest({ ...m, formatVersion: 1 });
    expect(read.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    expect(read.versions).toEqual((await sample()).versions);
    expect(read.versions[0]!.summary).not.toHaveProperty('inputShapes');
  });

  it('reads every input and output of a model with several, and checks them like the rest', async () => {
    const shapes = summaryShapes(
      [
        [null, null, 81],
        [null, 4],
      ],
      [
        [null, 3],
        [null, 1],
      ],
    );
    const v = await makeVersion(
      await contentOf([], { summary: { className: 'Functional', layerCount: 6, paramCount: 99, ...shapes } }),
    );
    const base = viaJson(await sample()) as { versions: unknown[] };
    const withSummary = (summary: Record<string, unknown>) => {
      const m = viaJson(base) as { versions: { summary: Record<string, unknown> }[] };
      m.versions[0]!.summary = summary;
      return m;
    };
    const good = viaJson(v.summary) as Record<string, unknown>;
    expect(readManifest(withSummary(good)).versions[0]!.summary).toEqual(v.summary);

    const bad: [string, Record<string, unknown>, string][] = [
      ['one shape listed', { ...good, outputShapes: [[null, 3]] }, 'outputShapes must list at least two'],
      [
        'a first shape that is not outputShape',
        {
          ...good,
          outputShapes: [
            [null, 1],
            [null, 3],
          ],
        },
        'outputShapes[0]',
      ],
      [
        'a shape that is not one',
        { ...good, inputShapes: [[null, null, 81], 'x'] },
        'inputShapes[1] must be a list',
      ],
      [
        'a negative dimension',
        {
          ...good,
          inputShapes: [
            [null, null, 81],
            [null, -4],
          ],
        },
        'inputShapes[1][1]',
      ],
      ['not a list', { ...good, inputShapes: 7 }, 'inputShapes must be a list'],
    ];
    for (const [what, summary, message] of bad)
      expect(() => readManifest(withSummary(summary)), what).toThrow(message);
  });

  it('refuses thin lists that name blobs the manifest does not list', async () => {
    const m = viaJson(await sample()) as { thin: { omitted: string[] } };
    m.thin.omitted.push(await hashBlob(floats([9])));
    expect(codeOf(() => readManifest(m))).toBe('bundle/manifest-invalid');
  });
});

describe('model cards and names', () => {
  it('renders names and messages as text, never as markup', () => {
    expect(mdText('<img src=x onerror=alert(1)> *bold* [link](http://x) | cell')).toBe(
      '\\<img src=x onerror=alert(1)\\> \\*bold\\* \\[link\\](http://x) \\| cell',
    );
    expect(mdText('# not a heading')).toBe('\\# not a heading');
    expect(mdText('1. not a list')).toBe('1\\. not a list');
  });

  it('describes a version for people reading the bundle without Graft', async () => {
    const m = await sample();
    const v = m.versions[1]!;
    const card = modelCard(
      { ...v, message: 'Tuned <script>\nsecond line', metrics: { accuracy: 0.93 } },
      { repositoryName: 'Test', topology: { class_name: 'Sequential', config: { layers: [] } } },
    );
    expect(card).toContain('> Tuned \\<script\\>\n> second line');
    expect(card).toContain(`| Parents | \`${m.versions[0]!.id}\` |`);
    expect(card).toContain('| accuracy | 0.93 |');
    expect(card).toContain('| w | [2] | float32 | 8 |');
  });

  it('gives every input and output of a model, with only the first dimension as the batch', async () => {
    const v = await makeVersion(
      await contentOf([], {
        summary: {
          className: 'Functional',
          layerCount: 6,
          paramCount: 99,
          ...summaryShapes(
            [
              [null, null, 81],
              [null, 4],
            ],
            [
              [null, 3],
              [null, 1],
            ],
          ),
        },
      }),
    );
    const card = modelCard(v, { repositoryName: 'Test', topology: {} });
    expect(card).toContain(
      'Functional with 6 layers and 99 parameters; inputs [batch, any, 81] and [batch, 4], outputs [batch, 3] and [batch, 1].',
    );
    const one = (await sample()).versions[0]!;
    expect(modelCard(one, { repositoryName: 'Test', topology: {} })).toContain(
      'input [batch, 2], output [batch, 1].',
    );
  });

  it('names files after what they hold', () => {
    const tip = 'ab'.repeat(32) as never;
    expect(slug('  Modèle Ñandú (v2)!  ', 'model')).toBe('modele-nandu-v2');
    expect(slug('模型', 'model')).toBe('model');
    expect(bundleFileName('My Net', { kind: 'branch', name: 'feature/x' }, tip, false)).toBe(
      'my-net--branch-feature-x--abababab.graft.zip',
    );
    expect(bundleFileName('My Net', { kind: 'version', id: tip }, tip, true)).toBe(
      'my-net--version--abababab--thin.graft.zip',
    );
  });
});
