// A bundle manifest's `attachments` (format 3): what versions keep beside their content, validated like
// every other field of an untrusted manifest.
import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import { hashBlob, type BlobHash } from '../hashing';
import { contentOf, floats, TEST_REPO } from '../testVersions';
import { makeVersion } from '../versions/version';
import { BUNDLE_FORMAT_VERSION, readManifest, type BundleManifest } from './manifest';
import { modelCard } from './modelCard';
import { allBlobsOf, buildManifest } from './write';

async function sample(): Promise<BundleManifest> {
  const v1 = await makeVersion(await contentOf([], { message: 'first' }));
  const v2 = await makeVersion(
    await contentOf([v1.id], { message: 'second', createdAt: '2026-01-02T00:00:00.000Z' }, floats([3, 4])),
  );
  const m = floats([0.1, 0.2]);
  const v = floats([0.3, 0.4]);
  const data = new TextEncoder().encode('a,b\n1,2\n');
  const optimizer = {
    optimizer: 'adam' as const,
    learningRate: 0.01,
    iterations: 12,
    epochs: 3,
    weights: [{ name: 'w', shape: [2] }],
    tensors: [
      { name: 'w/m', shape: [2], dtype: 'float32' as const, hash: await hashBlob(m), byteLength: 8 },
      { name: 'w/v', shape: [2], dtype: 'float32' as const, hash: await hashBlob(v), byteLength: 8 },
    ],
  };
  const attachments = [
    { version: v2.id, optimizer, data: { hash: await hashBlob(data), byteLength: data.byteLength } },
  ];
  const sizes = new Map<BlobHash, number>([[v1.topologyHash, 100]]);
  for (const h of allBlobsOf([v1, v2], attachments)) if (!sizes.has(h)) sizes.set(h, 8);
  sizes.set(attachments[0]!.data.hash, data.byteLength);
  return buildManifest({
    createdAt: '2026-01-03T00:00:00.000Z',
    app: { name: 'graft', version: '0.1.0' },
    repository: { id: TEST_REPO, name: 'Test', createdAt: '2026-01-01T00:00:00.000Z' },
    scope: { kind: 'repository' },
    head: { kind: 'branch', name: 'main' },
    refs: [{ name: 'main', kind: 'branch', target: v2.id }],
    versions: [v1, v2],
    attachments,
    blobSizes: sizes,
  });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const viaJson = (m: unknown): Json => JSON.parse(JSON.stringify(m));

/** The message `readManifest` refuses the edited manifest with; fails when it reads it. */
function refusal(m: Json, edit: (m: Json) => void): string {
  const copy = viaJson(m);
  edit(copy);
  try {
    readManifest(copy);
  } catch (e) {
    if (isGraftError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected the manifest to be refused');
}

describe('bundle attachments', () => {
  it('reads back what buildManifest writes, blobs listed once with the versions’ own', async () => {
    const m = await sample();
    expect(m.formatVersion).toBe(3);
    expect(BUNDLE_FORMAT_VERSION).toBe(3);
    expect(m.blobs).toHaveLength(1 + 2 + 2 + 1);
    expect(readManifest(viaJson(m))).toEqual(m);
    // Versions are exactly the hashed Version objects: nothing about attachments is inside them.
    expect(Object.keys(viaJson(m).versions[1])).not.toContain('attachments');
  });

  it('reads a format-2 manifest as one whose versions keep nothing beside their content', async () => {
    const m = viaJson(await sample());
    delete m.attachments;
    m.blobs = m.blobs.slice(0, 3);
    const read = readManifest({ ...m, formatVersion: 2 });
    expect(read.formatVersion).toBe(3);
    expect(read.attachments).toBeUndefined();
  });

  it('refuses attachments of bad shape, unknown optimizers, bad hashes and unlisted blobs, naming the field', async () => {
    const m = viaJson(await sample());
    const cases: [string, (m: Json) => void, string][] = [
      ['not a list', (x) => (x.attachments = {}), 'attachments must be a list'],
      [
        'a stranger',
        (x) => (x.attachments[0].version = 'b'.repeat(64)),
        'attachments[0].version is not one of',
      ],
      [
        'twice',
        (x) => x.attachments.push(x.attachments[0]),
        'attachments[1].version has its attachments listed twice',
      ],
      ['empty', (x) => (x.attachments[0] = { version: x.attachments[0].version }), 'carries neither'],
      [
        'an unknown field',
        (x) => (x.attachments[0].extra = 1),
        'attachments[0] has an unknown field “extra”',
      ],
      [
        'an unknown optimizer',
        (x) => (x.attachments[0].optimizer.optimizer = 'lion'),
        'attachments[0].optimizer.optimizer must be one of adam, sgd, rmsprop, adagrad',
      ],
      [
        'a negative step count',
        (x) => (x.attachments[0].optimizer.iterations = -1),
        'attachments[0].optimizer.iterations is -1',
      ],
      [
        'a learning rate that is not a number',
        (x) => (x.attachments[0].optimizer.learningRate = 'fast'),
        'attachments[0].optimizer.learningRate must be a finite number',
      ],
      [
        'a weight shape that is not one',
        (x) => (x.attachments[0].optimizer.weights[0].shape = [2, -1]),
        'attachments[0].optimizer.weights[0].shape[1]',
      ],
      [
        'a tensor hash that is not one',
        (x) => (x.attachments[0].optimizer.tensors[1].hash = 'nope'),
        'attachments[0].optimizer.tensors[1].hash must be a SHA-256',
      ],
      [
        'a tensor named twice',
        (x) => (x.attachments[0].optimizer.tensors[1].name = 'w/m'),
        'attachments[0].optimizer.tensors[1].name repeats',
      ],
      [
        'a data hash that is not one',
        (x) => (x.attachments[0].data.hash = 'ABC'),
        'attachments[0].data.hash must be a SHA-256',
      ],
      [
        'a data size that is not one',
        (x) => (x.attachments[0].data.byteLength = 1.5),
        'attachments[0].data.byteLength must be a whole number',
      ],
      [
        'an unlisted optimizer blob',
        (x) => x.blobs.splice(3, 1),
        'does not list the blob of “optimizer: w/m”',
      ],
      ['an unlisted data blob', (x) => x.blobs.pop(), 'does not list the data of version'],
    ];
    for (const [what, edit, message] of cases) {
      const text = refusal(m, edit);
      expect(text, what).toContain(message);
      expect(text.startsWith('bundle/'), what).toBe(true);
    }
  });

  it('refuses sizes that disagree: a tensor with its shape, a blob with its tensor or data', async () => {
    const m = viaJson(await sample());
    expect(refusal(m, (x) => (x.attachments[0].optimizer.tensors[0].byteLength = 12))).toMatch(
      /^bundle\/size-mismatch: .*“optimizer: w\/m” has shape \[2\]/,
    );
    expect(refusal(m, (x) => (x.blobs[3].size = 12))).toMatch(/^bundle\/size-mismatch: .*“optimizer: w\/m”/);
    expect(refusal(m, (x) => (x.attachments[0].data.byteLength = 3))).toMatch(
      /^bundle\/size-mismatch: In the bundle, the data kept with version/,
    );
  });

  it('tells people reading the bundle what is kept beside a version', async () => {
    const m = await sample();
    const [v1, v2] = m.versions;
    const kept = m.attachments?.[0];
    const card = modelCard(v2!, {
      repositoryName: 'Test',
      topology: {},
      ...(kept ? { attachments: kept } : {}),
    });
    expect(card).toContain(
      '- **Optimizer state**: Adam (learning rate 0.01) after 12 steps over 3 epochs; 2 tensors, 16 bytes',
    );
    expect(card).toContain(`- **Training data**: 8 bytes, \`../../blobs/${kept?.data?.hash}\``);
    expect(modelCard(v1!, { repositoryName: 'Test', topology: {} })).not.toContain('Kept beside');
  });
});
