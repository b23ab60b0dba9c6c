// What a version keeps beside its content — optimizer state and the data it was trained on — stored,
// read back verified, verified, counted, carried by rollbacks, and dropped by clean-up without losing
// anything else.
import { describe, expect, it } from 'vitest';
import { toHex, type VersionId } from '../core/hashing';
import type { DataBlob, OptimizerState } from '../core/ports';
import { dataBlob, floats, tinyOptimizer, tinySnapshot } from '../core/testVersions';
import type { RepoId } from '../core/versions/types';
import type { DexieVersionStore } from './DexieVersionStore';
import { dumpStore, freshStore, rejects } from './testDb';
import { verifyAll } from './verifyAll';

let clock = Date.parse('2026-05-01T10:00:00.000Z');
const tick = () => new Date((clock += 60_000)).toISOString();

const ADAM = tinyOptimizer(
  { kernel: [0.1, 0.2, 0.3, 0.4], bias: [0.5, 0.6] },
  { kernel: [0.01, 0.02, 0.03, 0.04], bias: [0.05, 0.06] },
);
const CSV = 'sepal,petal,species\n1.5,0.2,setosa\n4.7,1.4,versicolor\n';

interface Save {
  optimizer?: OptimizerState;
  data?: DataBlob;
  branch?: string;
  createdAt?: string;
}

async function save(
  store: DexieVersionStore,
  repoId: RepoId,
  parent: VersionId | null,
  kernel: number[],
  extras: Save = {},
) {
  return store.commit({
    repoId,
    branch: extras.branch ?? 'main',
    parent,
    message: `kernel ${kernel.join(' ')}`,
    change: parent ? 'trained' : 'created',
    snapshot: tinySnapshot(kernel, [0.5, -0.5]),
    provenance: { app: 'graft', dataset: { name: 'iris.csv' } },
    createdAt: extras.createdAt ?? tick(),
    ...(extras.optimizer ? { optimizer: extras.optimizer } : {}),
    ...(extras.data ? { data: extras.data } : {}),
  });
}

async function repoWith(store: DexieVersionStore = freshStore()) {
  const repo = await store.createRepository('Iris');
  return { store, repo };
}

const hexes = (state: OptimizerState | null) =>
  state?.tensors.map((t) => [t.name, t.shape, t.dtype, toHex(t.data as Uint8Array)]);

async function blobOf(store: DexieVersionStore, id: VersionId, tensor: string) {
  const entry = (await store.getAttachments(id)).optimizer?.tensors.find((t) => t.name === tensor);
  if (!entry) throw new Error(`no optimizer tensor ${tensor}`);
  return entry.hash;
}

describe('optimizer state and data kept with a version', () => {
  it('keeps them beside the version, outside its id, and reads them back byte for byte', async () => {
    const a = await repoWith();
    const data = await dataBlob(CSV);
    const at = tick();
    const kept = await save(a.store, a.repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data, createdAt: at });
    // The same save without them, in another browser, is the same version.
    const b = await repoWith();
    await b.store.db.repositories.update(b.repo.id, { id: a.repo.id });
    const bare = await save(b.store, a.repo.id, null, [1, 2, 3, 4], { createdAt: at });
    expect(bare.version.id).toBe(kept.version.id);
    expect(kept.version.totalBytes).toBe(bare.version.totalBytes);

    const id = kept.version.id;
    const { optimizer, data: keptData } = await a.store.getAttachments(id);
    expect(optimizer).toMatchObject({
      optimizer: 'adam',
      learningRate: 0.01,
      iterations: 8,
      epochs: 2,
      weights: ADAM.weights,
    });
    expect(optimizer?.tensors.map((t) => [t.name, t.byteLength])).toEqual([
      ['dense/kernel/m', 16],
      ['dense/kernel/v', 16],
      ['dense/bias/m', 8],
      ['dense/bias/v', 8],
    ]);
    expect(keptData).toEqual({ hash: data.hash, byteLength: data.bytes.byteLength });

    const loaded = await a.store.loadOptimizerState(id);
    const { tensors: _t, ...meta } = ADAM;
    expect(loaded).toMatchObject(meta);
    expect(hexes(loaded)).toEqual(hexes(ADAM));
    expect(new TextDecoder().decode((await a.store.loadData(id)) as Uint8Array)).toBe(CSV);

    const kinds = Object.fromEntries((await a.store.db.blobs.toArray()).map((r) => [r.hash, r.kind]));
    expect(optimizer?.tensors.map((t) => kinds[t.hash])).toEqual([
      'optimizer',
      'optimizer',
      'optimizer',
      'optimizer',
    ]);
    expect(kinds[data.hash]).toBe('data');
    expect(kept.blobsWritten).toBe(1 + 2 + 4 + 1);
  });

  it('says a version made without them keeps none', async () => {
    const { store, repo } = await repoWith();
    const { version } = await save(store, repo.id, null, [1, 2, 3, 4]);
    expect(await store.getAttachments(version.id)).toEqual({});
    expect(await store.loadOptimizerState(version.id)).toBeNull();
    expect(await store.loadData(version.id)).toBeNull();
    expect((await rejects(store.getAttachments('f'.repeat(64) as VersionId))).code).toBe('storage/not-found');
  });

  it('a version saved again (same content, same time) keeps what it kept and gains what it lacked', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const at = tick();
    const first = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, createdAt: at });
    const again = await save(store, repo.id, null, [1, 2, 3, 4], { data, createdAt: at });
    expect(again.version.id).toBe(first.version.id);
    const kept = await store.getAttachments(first.version.id);
    expect(kept.optimizer?.iterations).toBe(8);
    expect(kept.data?.hash).toBe(data.hash);
  });

  it('stores identical optimizer tensors and data once, however many versions keep them', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const v1 = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data });
    const v2 = await save(store, repo.id, v1.version.id, [2, 2, 3, 4], { optimizer: ADAM, data });
    // Only the new kernel is new.
    expect([v2.blobsWritten, v2.bytesWritten]).toEqual([1, 16]);
    expect(await store.db.blobs.count()).toBe(1 + 3 + 4 + 1);
    // Equal moments inside one state share a blob, and each still reads into a buffer of its own.
    const same = tinyOptimizer(
      { kernel: [7, 7, 7, 7], bias: [7, 7] },
      { kernel: [7, 7, 7, 7], bias: [7, 7] },
    );
    const v3 = await save(store, repo.id, v2.version.id, [3, 2, 3, 4], { optimizer: same });
    expect(v3.blobsWritten).toBe(1 + 2);
    const loaded = await store.loadOptimizerState(v3.version.id);
    expect(hexes(loaded)).toEqual(hexes(same));
    const [m, v] = loaded?.tensors ?? [];
    expect(m?.data?.buffer).not.toBe(v?.data?.buffer);
  });

  it('refuses data whose bytes do not match its hash, and an optimizer tensor its shape does not fit, writing nothing', async () => {
    const { store, repo } = await repoWith();
    const before = await dumpStore(store);
    const data = {
      ...(await dataBlob(CSV)),
      bytes: new TextEncoder().encode('other') as Uint8Array<ArrayBuffer>,
    };
    const e = await rejects(save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data }));
    expect(e.key).toBe('error.internal.data-changed');
    const short = { ...ADAM, tensors: [{ ...ADAM.tensors[0]!, data: floats([1, 2, 3]) }] };
    const f = await rejects(save(store, repo.id, null, [1, 2, 3, 4], { optimizer: short }));
    expect(f.key).toBe('error.internal.optimizer-size');
    expect(f.data).toMatchObject({ tensor: 'dense/kernel/m', bytes: 12, expected: 16 });
    expect(await dumpStore(store)).toBe(before);
  });

  it('needs room for them too: a save whose optimizer state and data do not fit is refused whole', async () => {
    const data = await dataBlob(CSV);
    const room = { usage: 0, quota: 1_000_000 };
    const store = freshStore(undefined, undefined, { estimate: async () => room });
    const { repo } = await repoWith(store);
    const topology = new TextEncoder().encode(
      JSON.stringify(tinySnapshot([1, 2, 3, 4], [0.5, -0.5]).topology),
    );
    const needed = topology.byteLength + 24 + 48 + data.bytes.byteLength;
    room.usage = room.quota - needed + 1;
    const before = await dumpStore(store);
    const e = await rejects(save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data }));
    expect(e.key).toBe('error.storage/quota-exceeded.needs-save');
    expect(e.data.neededBytes).toBe(needed);
    expect(await dumpStore(store)).toBe(before);
    room.usage -= 1;
    await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data });
  });

  it('verify re-hashes them: a damaged optimizer tensor or missing data is named, its read refused, the weights still open', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const { version } = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data });
    expect(await store.verify(version.id)).toMatchObject({ ok: true, checkedBlobs: 8, problems: [] });

    const m = await blobOf(store, version.id, 'dense/kernel/m');
    await store.db.blobs.update(m, { data: new Blob([floats([0.1, 0.2, 0.3, 0.5])]) });
    await store.db.blobs.delete(data.hash);
    const report = await store.verify(version.id);
    expect(report.ok).toBe(false);
    expect(report.idMatches).toBe(true);
    expect(report.problems).toEqual([
      { hash: m, tensor: 'optimizer: dense/kernel/m', problem: 'corrupt', attachment: 'optimizer' },
      { hash: data.hash, tensor: 'data', problem: 'missing', attachment: 'data' },
    ]);
    const opt = await rejects(store.loadOptimizerState(version.id));
    expect([opt.code, opt.key, opt.data.tensor]).toEqual([
      'storage/blob-corrupt',
      'error.storage/blob-corrupt.optimizer',
      'optimizer: dense/kernel/m',
    ]);
    const lost = await rejects(store.loadData(version.id));
    expect([lost.code, lost.key]).toEqual(['storage/blob-missing', 'error.storage/blob-missing.data']);
    expect((await store.load(version.id)).tensors).toHaveLength(2);

    // "Verify storage" sees the same, on the version that keeps them.
    const check = await verifyAll(store);
    expect(check?.ok).toBe(false);
    expect(check?.repositories[0]?.damaged.map((d) => [d.id, d.problems])).toEqual([
      [
        version.id,
        [
          { hash: m, tensor: 'optimizer: dense/kernel/m', problem: 'corrupt', attachment: 'optimizer' },
          { hash: data.hash, tensor: 'data', problem: 'missing', attachment: 'data' },
        ],
      ],
    ]);
  });

  it('a damaged data blob fails verify and its read, naming the data', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const { version } = await save(store, repo.id, null, [1, 2, 3, 4], { data });
    await store.db.blobs.update(data.hash, { data: new Blob([CSV.replace('setosa', 'SETOSA')]) });
    expect((await store.verify(version.id)).problems).toEqual([
      { hash: data.hash, tensor: 'data', problem: 'corrupt', attachment: 'data' },
    ]);
    expect((await rejects(store.loadData(version.id))).key).toBe('error.storage/blob-corrupt.data');
    expect(await store.loadOptimizerState(version.id)).toBeNull();
  });

  it('keepData attaches data again, checking its hash; nothing is written for wrong bytes or an unknown version', async () => {
    const { store, repo } = await repoWith();
    const { version } = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM });
    const data = await dataBlob(CSV);
    const before = await dumpStore(store);
    const wrong = { hash: data.hash, bytes: new TextEncoder().encode('x') as Uint8Array<ArrayBuffer> };
    expect((await rejects(store.keepData(version.id, wrong))).key).toBe('error.internal.data-changed');
    expect((await rejects(store.keepData('e'.repeat(64) as VersionId, data))).code).toBe('storage/not-found');
    expect(await dumpStore(store)).toBe(before);

    await store.keepData(version.id, data);
    await store.keepData(version.id, data);
    expect((await store.getAttachments(version.id)).data).toEqual({
      hash: data.hash,
      byteLength: data.bytes.byteLength,
    });
    expect((await store.getAttachments(version.id)).optimizer?.iterations).toBe(8);
    expect(new TextDecoder().decode((await store.loadData(version.id)) as Uint8Array)).toBe(CSV);
    expect(await store.db.blobs.count()).toBe(3 + 4 + 1);
  });

  it('a rollback keeps its target’s optimizer state and data', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const v1 = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data });
    await save(store, repo.id, v1.version.id, [2, 2, 3, 4]);
    const back = await store.rollback(repo.id, v1.version.id);
    expect(back.blobsWritten).toBe(0);
    expect(await store.getAttachments(back.version.id)).toEqual(await store.getAttachments(v1.version.id));
    expect(hexes(await store.loadOptimizerState(back.version.id))).toEqual(hexes(ADAM));
  });

  it('usage counts their bytes once; a version’s totalBytes stays its weights', async () => {
    const { store, repo } = await repoWith();
    const data = await dataBlob(CSV);
    const v1 = await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: ADAM, data });
    await save(store, repo.id, v1.version.id, [2, 2, 3, 4], { optimizer: ADAM, data });
    const topology = (await store.db.blobs.get(v1.version.topologyHash))!.size;
    const expected = topology + (16 + 16 + 8) + (16 + 16 + 8 + 8) + data.bytes.byteLength;
    expect(await store.usage(repo.id)).toEqual({ blobs: 1 + 3 + 4 + 1, bytes: expected, versions: 2 });
    expect(await store.usage()).toEqual({ blobs: 1 + 3 + 4 + 1, bytes: expected, versions: 2 });
    expect((await store.listVersions(repo.id)).map((r) => r.totalBytes)).toEqual([24, 24]);
  });
});

describe('clean-up of optimizer state and kept data', () => {
  /**
   * main: v1 → v2 (tag best) → v5 → v4 (head), experiment: v1 → v3 (head). Every version keeps an optimizer
   * state; v1's bias moment equals v4's. v1 and v2 keep data D, v5 and v4 keep data E, v3 none.
   */
  async function cluttered() {
    const { store, repo } = await repoWith();
    const D = await dataBlob(CSV);
    const E = await dataBlob(`${CSV}6.3,2.5,virginica\n`);
    const adam = (n: number, biasM = [n + 0.5, n + 0.6]) =>
      tinyOptimizer(
        { kernel: [n, n + 0.1, n + 0.2, n + 0.3], bias: biasM },
        { kernel: [n, n, n, n + 1], bias: [n, n + 2] },
      );
    const v1 = (await save(store, repo.id, null, [1, 2, 3, 4], { optimizer: adam(10, [0.5, 0.5]), data: D }))
      .version.id;
    const v2 = (await save(store, repo.id, v1, [2, 2, 3, 4], { optimizer: adam(20), data: D })).version.id;
    await store.setRef(repo.id, 'best', 'tag', v2);
    await store.setRef(repo.id, 'experiment', 'branch', v1);
    const v3 = (await save(store, repo.id, v1, [9, 9, 9, 9], { optimizer: adam(30), branch: 'experiment' }))
      .version.id;
    const v5 = (await save(store, repo.id, v2, [5, 2, 3, 4], { optimizer: adam(50), data: E })).version.id;
    const v4 = (await save(store, repo.id, v5, [3, 2, 3, 4], { optimizer: adam(40, [0.5, 0.5]), data: E }))
      .version.id;
    return { store, repo, v1, v2, v3, v4, v5, D, E };
  }

  it('keeps every attachment’s blobs in an ordinary GC, and reports no extras', async () => {
    const { store, v1 } = await cluttered();
    const report = await store.gc({ dryRun: false });
    expect(report).toEqual({ dryRun: false, versions: [], blobs: 0, bytes: 0 });
    expect(hexes(await store.loadOptimizerState(v1))).toHaveLength(4);
  });

  it('drops them from versions that are neither a branch head nor tagged; the preview is exactly what the run frees', async () => {
    const h = await cluttered();
    const { store, repo } = h;
    const ids = (await store.listVersions(repo.id)).map((r) => r.id);
    const kept = {
      v2: await store.getAttachments(h.v2),
      v3: await store.getAttachments(h.v3),
      v4: await store.getAttachments(h.v4),
    };
    const before = await store.usage();

    const preview = await store.gc({ dryRun: true, dropExtras: true });
    // Dry: nothing changed.
    expect((await store.getAttachments(h.v1)).optimizer).toBeDefined();
    expect(await store.usage()).toEqual(before);
    const done = await store.gc({ dryRun: false, dropExtras: true });
    expect({ ...preview, dryRun: false }).toEqual(done);
    // v1 loses 3 optimizer tensors of its own (its bias moment is v4's too), v5 all 4; D and E stay (v2 and
    // v4 keep them).
    expect(done).toEqual({
      dryRun: false,
      versions: [],
      blobs: 3 + 4,
      bytes: 16 + 16 + 8 + (16 + 16 + 8 + 8),
      extras: { versions: [h.v1, h.v5].sort(), optimizerStates: 2, dataSets: 2, bytes: 88 },
    });
    const after = await store.usage();
    expect([before.blobs - after.blobs, before.bytes - after.bytes]).toEqual([done.blobs, done.bytes]);

    expect(await store.getAttachments(h.v1)).toEqual({});
    expect(await store.getAttachments(h.v5)).toEqual({});
    expect(await store.getAttachments(h.v2)).toEqual(kept.v2);
    expect(await store.getAttachments(h.v3)).toEqual(kept.v3);
    expect(await store.getAttachments(h.v4)).toEqual(kept.v4);
    expect(new TextDecoder().decode((await store.loadData(h.v2)) as Uint8Array)).toBe(CSV);
    expect(await store.loadOptimizerState(h.v4)).not.toBeNull();
    // Nothing else is lost: every version is still there under its id, intact.
    expect((await store.listVersions(repo.id)).map((r) => r.id)).toEqual(ids);
    for (const id of ids) {
      expect((await store.verify(id)).ok).toBe(true);
      expect((await store.load(id)).tensors).toHaveLength(2);
    }
    expect((await verifyAll(store))?.ok).toBe(true);
    // A second clean-up has nothing left to do.
    expect(await store.gc({ dryRun: true, dropExtras: true })).toEqual({
      dryRun: true,
      versions: [],
      blobs: 0,
      bytes: 0,
      extras: { versions: [], optimizerStates: 0, dataSets: 0, bytes: 0 },
    });
  });

  it('keeps the extras of the version a detached HEAD looks at', async () => {
    const h = await cluttered();
    await h.store.setHead(h.repo.id, { kind: 'detached', version: h.v1 });
    const report = await h.store.gc({ dryRun: false, dropExtras: true });
    expect(report.extras?.versions).toEqual([h.v5]);
    expect((await h.store.getAttachments(h.v1)).data).toEqual({
      hash: h.D.hash,
      byteLength: h.D.bytes.byteLength,
    });
  });

  it('collects the blobs of a deleted version’s attachments, but not those another version keeps', async () => {
    const h = await cluttered();
    await h.store.deleteVersion(h.v4);
    const report = await h.store.gc({ dryRun: false });
    // v4's kernel (its weights) and its optimizer tensors but the shared bias moment; E stays with v5.
    expect(report.blobs).toBe(1 + 3);
    expect((await h.store.getAttachments(h.v5)).data?.hash).toBe(h.E.hash);
    expect(await h.store.loadOptimizerState(h.v1)).not.toBeNull();
  });
});
