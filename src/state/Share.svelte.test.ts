import { strToU8 } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { MANIFEST_FILE } from '../core/bundle/names';
import { writeZip } from '../core/bundle/zip';
import { err, GraftError, ok } from '../core/errors';
import type { VersionId } from '../core/hashing';
import { graphOf, log } from '../core/versions/dag';
import type { Ref, RepoId, Repository, VersionRow } from '../core/versions/types';
import type { ImportReport, ShareServices, WeightsFromFile } from '../core/ports';
import { Share, importSummary, suggestName, type PickedFile } from './Share.svelte';
import { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { Live, LiveModel, Outcome, PendingChange } from './LiveModel.svelte';
import { locale } from './i18n';

const id = (c: string) => c.repeat(64) as VersionId;
const REPO = 'repo-1' as RepoId;

/** The parts of the history and live model that Share uses, in one object; the activity is the real one. */
class FakeWorkspace {
  readonly activity = new Activity();
  versions = $state.raw<VersionRow[]>([]);
  refs = $state.raw<Ref[]>([]);
  repo = $state.raw<Repository | null>(null);
  repoId = $state.raw<RepoId | null>(null);
  live = $state.raw<Live<string> | null>(null);
  selectedId = $state.raw<VersionId | null>(null);

  get selected() {
    return this.versions.find((v) => v.id === this.selectedId) ?? null;
  }
  get graphOrder() {
    const g = graphOf(this.versions);
    return log(g, g.keys());
  }
  get branches() {
    return this.refs.filter((r) => r.kind === 'branch');
  }
  get currentBranch() {
    return this.repo?.head.kind === 'branch' ? this.repo.head.name : null;
  }
  get branchHead() {
    return this.branches.find((b) => b.name === this.currentBranch)?.target ?? null;
  }

  openRepository = vi.fn(async (repoId: RepoId) => {
    this.repoId = repoId;
  });
  createFromModel = vi.fn(async (_name: string, model: string, pending: PendingChange): Promise<Outcome> => {
    this.repoId = 'repo-new' as RepoId;
    this.live = this.#live(model, pending);
    return ok(true);
  });
  replaceLive = vi.fn(async (model: string, pending: PendingChange) => {
    this.live = this.#live(model, pending);
  });
  save = vi.fn(async () => {
    if (this.live) this.live = { ...this.live, base: id('9'), pending: null };
    return ok(undefined);
  });
  select = vi.fn((version: VersionId | null) => {
    this.selectedId = version;
  });
  liveInUse = vi.fn(() => false);

  #live(model: string, pending: PendingChange): Live<string> {
    return {
      repoId: this.repoId as RepoId,
      model,
      summary: SUMMARY,
      layers: [],
      base: null,
      pending,
      kept: {},
      probe: null,
    };
  }
}

const SUMMARY = {
  className: 'Sequential',
  layerCount: 1,
  paramCount: 3,
  inputShape: [null, 2],
  outputShape: [null, 1],
};

function row(c: string, parents: string[], message = `version ${c}`): VersionRow {
  return { id: id(c), repoId: REPO, parents: parents.map(id), message } as unknown as VersionRow;
}

/** main: a ← b ← c; side: a ← d. */
function history(ws: FakeWorkspace) {
  ws.versions = [row('a', []), row('b', ['a']), row('c', ['b']), row('d', ['a'])];
  ws.refs = [
    { repoId: REPO, name: 'main', kind: 'branch', target: id('c'), updatedAt: '' },
    { repoId: REPO, name: 'side', kind: 'branch', target: id('d'), updatedAt: '' },
  ];
  ws.repo = { id: REPO, name: 'Iris', createdAt: '', head: { kind: 'branch', name: 'main' } };
  ws.repoId = REPO;
}

function services(overrides: Partial<ShareServices<string>> = {}): ShareServices<string> {
  return {
    exportBundle: vi.fn(async (_request, onProgress) => {
      onProgress(5, 10);
      onProgress(10, 10);
      const stats = {
        versions: 3,
        refs: 1,
        blobs: 4,
        blobBytes: 10,
        omittedBlobs: 0,
        dataBytes: 0,
        includesData: false,
        bundleBytes: 12,
      };
      return { file: new Blob([new Uint8Array([1])]), fileName: 'iris--all--cccccccc.graft.zip', stats };
    }),
    bundleDataBytes: vi.fn(async (request) => (request.scope.kind === 'version' ? 0 : 4096)),
    importBundle: vi.fn(async () => REPORT),
    exportTfjsModel: vi.fn(async (_id, base) => ({
      modelJson: { modelTopology: {}, format: 'layers-model', weightsManifest: [] } as never,
      weightsBin: new Uint8Array(8),
      modelFileName: `${base}.json`,
      weightsFileName: `${base}.weights.bin`,
    })),
    readModelFiles: vi.fn(async (files) => ({
      model: 'tf-model',
      summary: SUMMARY,
      source: {
        format: 'layers-model',
        generatedBy: 'keras v2.2.4',
        convertedBy: null,
        kerasVersion: '2.2.4',
        backend: 'tensorflow',
        modelFile: files[0]?.name ?? '',
        weightFiles: [],
        graftVersionId: null,
      },
      warnings: [],
    })),
    planWeights: vi.fn(() => ({ matches: [], keptWeights: [], unusedTensors: [] })),
    applyWeights: vi.fn(() => 0),
    findImports: vi.fn(async () => []),
    exportKeras: vi.fn(async (_id, base) => ({ bytes: new Uint8Array(16), fileName: `${base}.keras` })),
    exportSafetensors: vi.fn(async (_id, base) => ({
      bytes: new Uint8Array(24),
      fileName: `${base}.safetensors`,
    })),
    sourceProvenance: (source) => ({ kind: 'tfjs-layers-files', modelFile: source.modelFile }),
    disposeModel: vi.fn(),
    saveFile: vi.fn(),
    ...overrides,
  };
}

const REPORT: ImportReport = {
  repository: { id: 'repo-2' as RepoId, name: 'Other', created: true },
  addedVersions: [id('e')],
  existingVersions: [],
  addedBlobs: 2,
  addedBytes: 40,
  refs: [{ name: 'main', kind: 'branch', target: id('e'), action: 'created' }],
  warnings: [],
};

const file = (name: string, bytes: Uint8Array = new Uint8Array([1, 2, 3])): PickedFile => ({
  name,
  size: bytes.byteLength,
  arrayBuffer: async () => bytes.slice().buffer,
  slice: (start, end) => new Blob([bytes.slice()]).slice(start, end),
});

function setup(overrides: Partial<ShareServices<string>> = {}) {
  const ws = new FakeWorkspace();
  const s = services(overrides);
  const share = new Share(ws.activity, ws as unknown as History, ws as unknown as LiveModel<string>, s);
  return { ws, s, share };
}

describe('Share: export', () => {
  it('exports the chosen scope, downloads it under its own name and clears the progress', async () => {
    const { ws, s, share } = setup();
    history(ws);
    share.scopeKind = 'branch';
    share.branch = 'side';
    expect(share.scope).toEqual({ kind: 'branch', name: 'side' });
    expect(share.scopeCounts.branch).toBe(2);
    const seen: (number | undefined)[] = [];
    const file = new Blob([new Uint8Array([1])]);
    vi.mocked(s.exportBundle).mockImplementationOnce(async (_r, onProgress) => {
      onProgress(1, 4);
      seen.push(share.progress?.done);
      return { file, fileName: 'x.graft.zip', stats: {} as never };
    });
    await share.exportBundle();
    expect(s.exportBundle).toHaveBeenCalledWith(
      { repoId: REPO, scope: { kind: 'branch', name: 'side' } },
      expect.any(Function),
    );
    expect(seen).toEqual([1]);
    expect(s.saveFile).toHaveBeenCalledWith(file, 'x.graft.zip', 'application/zip');
    // The very Blob exported (Blobs with no own properties would compare equal).
    expect(vi.mocked(s.saveFile).mock.calls.at(-1)?.[0]).toBe(file);
    expect(share.progress).toBeNull();
    expect(share.lastExport?.fileName).toBe('x.graft.zip');
  });

  it('leaves the data out unless asked, and measures what including it adds for the chosen scope', async () => {
    const { ws, s, share } = setup();
    history(ws);
    expect(share.includeData).toBe(false);
    expect(share.dataBytes).toBeNull();
    await share.measureData();
    expect(share.dataBytes).toBe(4096);
    share.scopeKind = 'version';
    expect(share.dataBytes).toBeNull(); // measured for another scope
    await share.measureData();
    expect(share.dataBytes).toBe(0);
    share.scopeKind = 'repository';
    await share.exportBundle();
    expect(vi.mocked(s.exportBundle).mock.calls[0]?.[0]).not.toHaveProperty('includeData');
    share.includeData = true;
    await share.exportBundle();
    expect(vi.mocked(s.exportBundle).mock.calls[1]?.[0]).toMatchObject({ includeData: true });
  });

  it('counts a range like git from..to and refuses an empty one', () => {
    const { ws, share } = setup();
    history(ws);
    share.scopeKind = 'range';
    expect(share.rangeTo).toBe(id('c'));
    expect(share.scopeCounts.range).toBe(3);
    share.rangeFrom = id('a');
    expect(share.scopeCounts.range).toBe(2);
    share.rangeFrom = id('c');
    expect(share.exportBlocked).toMatch(/holds no versions/);
  });

  it('makes a thin bundle against the parent of the newest exported version by default', async () => {
    const { ws, s, share } = setup();
    history(ws);
    share.thin = true;
    expect(share.thinBasis).toBe(id('b'));
    await share.exportBundle();
    expect(vi.mocked(s.exportBundle).mock.calls[0]?.[0]).toMatchObject({ thinAgainst: [id('b')] });
  });

  it('falls back to defaults when a picked version or branch leaves the repository', () => {
    const { ws, share } = setup();
    history(ws);
    share.version = id('d');
    share.branch = 'side';
    ws.versions = ws.versions.filter((v) => v.id !== id('d'));
    ws.refs = ws.refs.filter((r) => r.name !== 'side');
    expect(share.version).toBe(id('c'));
    expect(share.branch).toBe('main');
  });

  it('downloads a version as the two files tf.io.browserDownloads writes', async () => {
    const { ws, s, share } = setup();
    history(ws);
    await share.downloadTfjsModel(id('b'));
    expect(s.exportTfjsModel).toHaveBeenCalledWith(id('b'), 'iris-bbbbbbbb');
    const saved = vi.mocked(s.saveFile).mock.calls.map(([, name, mime]) => [name, mime]);
    expect(saved).toEqual([
      ['iris-bbbbbbbb.json', 'application/json'],
      ['iris-bbbbbbbb.weights.bin', 'application/octet-stream'],
    ]);
  });
});

describe('Share: import', () => {
  it('imports a dropped bundle, opens its repository and keeps the report', async () => {
    const { ws, s, share } = setup();
    history(ws);
    await share.importFiles([file('iris.graft.zip')]);
    expect(s.importBundle).toHaveBeenCalledOnce();
    expect(ws.openRepository).toHaveBeenCalledWith('repo-2');
    expect(share.lastImport?.fileName).toBe('iris.graft.zip');
    expect(ws.activity.notice).toMatch(
      /^Imported iris\.graft\.zip into a new model, “Other”: 1 version added/,
    );
  });

  it('tells a bundle by its zip directory and hands the file over without reading it whole', async () => {
    const zip = writeZip(
      [
        { name: MANIFEST_FILE, data: strToU8('{}'), compress: true },
        { name: 'blobs/x', data: new Uint8Array(50_000), compress: false },
      ],
      new Date(0),
    );
    const { s, share } = setup();
    const read: number[] = [];
    const shared: PickedFile = {
      ...file('shared-with-me.zip', zip),
      arrayBuffer: () => Promise.reject(new Error('read whole')),
      slice: (start, end) => {
        const part = new Blob([zip]).slice(start, end);
        read.push(part.size);
        return part;
      },
    };
    await share.importFiles([shared]);
    expect(s.importBundle).toHaveBeenCalledOnce();
    const handed = vi.mocked(s.importBundle).mock.calls[0]![0];
    expect(handed).toBeInstanceOf(Blob);
    expect(handed.size).toBe(zip.length);
    // The head, the end record, the directory and the headers: all before the import, a few hundred bytes.
    expect(read.slice(0, -1).reduce((n, r) => n + r, 0)).toBeLessThan(500);
    expect(read.at(-1)).toBe(zip.length);
  });

  it('refuses a file that can no longer be read as such, importing nothing', async () => {
    const { ws, s, share } = setup();
    const gone: PickedFile = {
      ...file('iris.graft.zip'),
      slice: () =>
        ({ arrayBuffer: () => Promise.reject(new DOMException('gone', 'NotReadableError')) }) as Blob,
    };
    await share.importBundleFile(gone);
    expect(ws.activity.error?.code).toBe('import/invalid-model');
    expect(ws.activity.error?.message).toMatch(/“iris\.graft\.zip” could not be read/);
    await share.importFiles([gone]);
    expect(ws.activity.error?.message).toMatch(/“iris\.graft\.zip” could not be read/);
    expect(s.importBundle).not.toHaveBeenCalled();
  });

  it('refuses a bundle dropped together with other files, importing nothing', async () => {
    const { ws, s, share } = setup();
    await share.importFiles([file('a.graft.zip'), file('model.json')]);
    expect(s.importBundle).not.toHaveBeenCalled();
    expect(s.readModelFiles).not.toHaveBeenCalled();
    expect(ws.activity.error?.message).toMatch(/import one bundle at a time/);
  });

  it('shows a bundle error in the workspace and keeps no report', async () => {
    const error = new GraftError('error.bundle/hash-mismatch.blob', { blob: '0123', short: '0123' });
    const { ws, share } = setup({ importBundle: vi.fn(async () => Promise.reject(error)) });
    await share.importBundleFile(file('bad.graft.zip'));
    expect(ws.activity.error).toBe(error);
    expect(share.lastImport).toBeNull();
    expect(share.progress).toBeNull();
  });

  it('holds model files until the user chooses, then saves them as a new model', async () => {
    const { ws, s, share } = setup();
    await share.importFiles([file('abalone/model.json'), file('abalone/weights.bin')]);
    expect(share.pendingModel?.suggestedName).toBe('abalone');
    expect(share.pendingModel?.suggestedMessage).toBe('Imported abalone (keras v2.2.4)');
    await share.confirmModelImport({ destination: 'repository', name: '  ', message: '' });
    expect(share.pendingModel).toBeNull();
    expect(ws.createFromModel).toHaveBeenCalledWith('abalone', 'tf-model', {
      change: 'imported',
      description: 'imported from abalone/model.json',
      provenance: { source: { kind: 'tfjs-layers-files', modelFile: 'abalone/model.json' } },
      metrics: {},
    });
    expect(ws.save).toHaveBeenCalledWith('Imported abalone (keras v2.2.4)');
    expect(s.disposeModel).not.toHaveBeenCalled();
    expect(ws.activity.notice).toMatch(/as a new model, “abalone”: version 99999999/);
  });

  it('adds model files as a version of the open repository', async () => {
    const { ws, share } = setup();
    history(ws);
    await share.importModelFiles([file('model.json')]);
    await share.confirmModelImport({ destination: 'version', name: '', message: 'Keras weights' });
    expect(ws.replaceLive).toHaveBeenCalledOnce();
    expect(ws.save).toHaveBeenCalledWith('Keras weights');
    expect(ws.activity.notice).toMatch(/as a new version of “Iris”/);
  });

  it('disposes a model the user cancels, or that never became live', async () => {
    const { ws, s, share } = setup();
    await share.importModelFiles([file('model.json')]);
    share.cancelModelImport();
    expect(s.disposeModel).toHaveBeenCalledWith('tf-model');

    ws.createFromModel.mockImplementationOnce(async () => {
      const error = new GraftError('error.repo/invalid-name.empty');
      ws.activity.report(error);
      return err(error);
    });
    await share.importModelFiles([file('model.json')]);
    await share.confirmModelImport({ destination: 'repository', name: 'x', message: '' });
    expect(s.disposeModel).toHaveBeenCalledTimes(2);
    expect(ws.save).not.toHaveBeenCalled();
  });
});

describe('names and summaries', () => {
  const bytes = (name: string) => ({ name, bytes: new Uint8Array([1]) });
  it('names a model after its own name, its file, its folder or its zip, passing over generic names', () => {
    // The model's own name (Keras's config.name) comes first, unless Keras made it up.
    expect(suggestName([bytes('model.json')], 'model.json', 'sentiment_lstm')).toBe('sentiment_lstm');
    expect(suggestName([bytes('mnist/model.json')], 'mnist/model.json', 'sequential')).toBe('mnist');
    for (const generic of ['model', 'model_1', 'sequential_2', 'functional', 'Functional_12', 'web_model'])
      expect(suggestName([bytes('model.json')], 'model.json', generic), generic).toBe('Imported model');
    // Then the model file's own name, whatever its extension.
    expect(suggestName([bytes('my_net.json')], 'my_net.json', 'functional')).toBe('my_net');
    expect(suggestName([bytes('digits.json')], 'digits.json')).toBe('digits');
    expect(suggestName([bytes('classifier.h5')], 'classifier.h5', null)).toBe('classifier');
    // Then the nearest folder that says something, then the zip.
    expect(suggestName([bytes('model.h5')], 'model.h5')).toBe('Imported model');
    expect(suggestName([bytes('x')], 'runs/mnist/tfjs_model/model.json')).toBe('mnist');
    const zip = { name: 'reviews.zip', bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04]) };
    expect(suggestName([zip], 'model.json', 'model_3')).toBe('reviews');
  });

  it('names a model with nothing to go by in the active language', () => {
    locale.lang = 'zh-CN';
    try {
      expect(suggestName([bytes('model.json')], 'model.json')).toBe('导入的模型');
    } finally {
      locale.lang = 'en';
    }
  });

  it('suggests the name the files give, and says where they came from in the message', async () => {
    const { share } = setup({
      readModelFiles: vi.fn(async (files) => ({
        model: 'tf-model',
        summary: SUMMARY,
        source: {
          format: 'layers-model',
          generatedBy: 'keras v2.15.0',
          convertedBy: null,
          kerasVersion: '2.15.0',
          backend: 'tensorflow',
          modelFile: files[0]?.name ?? '',
          weightFiles: [],
          graftVersionId: null,
          modelName: 'review_scorer',
        },
        warnings: [],
      })),
    });
    await share.importFiles([file('model.json'), file('weights.bin')]);
    expect(share.pendingModel?.suggestedName).toBe('review_scorer');
    expect(share.pendingModel?.suggestedMessage).toBe('Imported review_scorer (keras v2.15.0)');
    share.cancelModelImport();
    const { share: plain } = setup();
    await plain.importFiles([file('model.json'), file('weights.bin')]);
    expect(plain.pendingModel?.suggestedName).toBe('Imported model');
    expect(plain.pendingModel?.suggestedMessage).toBe('Imported model.json (keras v2.2.4)');
  });

  it('says when a second import changed nothing', () => {
    const again: ImportReport = {
      ...REPORT,
      repository: { ...REPORT.repository, created: false },
      addedVersions: [],
      existingVersions: [id('e')],
      refs: [{ ...REPORT.refs[0]!, action: 'unchanged' }],
    };
    expect(importSummary('x.graft.zip', again)).toBe(
      'Nothing to import from x.graft.zip: its one version and every branch and tag were already here.',
    );
  });
});

const PLAN = {
  matches: [
    { weight: 'dense/kernel', tensor: 'layers/dense/vars/0', rule: 'path' as const, shape: [4, 2] },
    { weight: 'dense/bias', tensor: 'layers/dense/vars/1', rule: 'path' as const, shape: [2] },
  ],
  keptWeights: [],
  unusedTensors: [],
};

/** A live model "live" with nothing unsaved, at version c (main's head in `history`). */
const savedLive = (): Live<string> => ({
  repoId: REPO,
  model: 'live',
  summary: SUMMARY,
  layers: [],
  base: id('c'),
  pending: null,
  kept: {},
  probe: null,
});

function weightsFile(overrides: Partial<WeightsFromFile> = {}): WeightsFromFile {
  return {
    kind: 'weights',
    handle: 'weights-handle',
    fileName: 'iris.weights.h5',
    format: 'weights-h5',
    sha256: 'ab'.repeat(32),
    kerasVersion: '3.15.1',
    tensorCount: 2,
    converted: ['float16'],
    skipped: [],
    warnings: [],
    ...overrides,
  };
}

describe('Share: Keras files', () => {
  it('previews a weights file against the live model, then loads it as unsaved work', async () => {
    const { ws, s, share } = setup({
      readModelFiles: vi.fn(async () => weightsFile()),
      planWeights: vi.fn(() => PLAN),
      applyWeights: vi.fn(() => 2),
    });
    history(ws);
    ws.live = savedLive();
    await share.importModelFiles([file('iris.weights.h5')]);
    expect(s.planWeights).toHaveBeenCalledWith('live', expect.objectContaining({ handle: 'weights-handle' }));
    expect(s.applyWeights).not.toHaveBeenCalled();
    expect(share.pendingWeights?.plan).toBe(PLAN);
    await share.confirmWeightsImport();
    expect(s.applyWeights).toHaveBeenCalledWith('live', expect.anything(), PLAN);
    expect(ws.replaceLive).toHaveBeenCalledWith('live', {
      change: 'imported',
      description: 'loaded 2 weights from iris.weights.h5',
      provenance: {
        weights: {
          kind: 'weights-file',
          format: 'weights-h5',
          file: 'iris.weights.h5',
          sha256: 'ab'.repeat(32),
          kerasVersion: '3.15.1',
          loaded: 2,
          kept: [],
          converted: ['float16'],
        },
      },
      metrics: {},
    });
    expect(ws.save).not.toHaveBeenCalled();
    expect(ws.activity.notice).toBe(
      'Loaded 2 weights from iris.weights.h5 into the live model. Save a version to keep them.',
    );
  });

  it('needs a live model for weights, and refuses a file none of whose tensors fit', async () => {
    const { ws, share } = setup({ readModelFiles: vi.fn(async () => weightsFile()) });
    await share.importModelFiles([file('iris.weights.h5')]);
    expect(ws.activity.error?.code).toBe('import/weights-need-model');
    expect(share.pendingWeights).toBeNull();

    history(ws);
    ws.live = savedLive();
    await share.importModelFiles([file('iris.weights.h5')]);
    expect(ws.activity.error?.code).toBe('import/weights-no-match');
    expect(share.pendingWeights).toBeNull();
  });

  it('does not load weights into a model that is training, or that was replaced meanwhile', async () => {
    const { ws, s, share } = setup({
      readModelFiles: vi.fn(async () => weightsFile()),
      planWeights: vi.fn(() => PLAN),
    });
    history(ws);
    ws.live = savedLive();
    await share.importModelFiles([file('iris.weights.h5')]);
    ws.liveInUse.mockReturnValueOnce(true);
    await share.confirmWeightsImport();
    expect(ws.activity.error?.code).toBe('train/busy');
    await share.importModelFiles([file('iris.weights.h5')]);
    ws.live = { ...ws.live, model: 'other' };
    await share.confirmWeightsImport();
    expect(ws.activity.error?.code).toBe('import/weights-need-model');
    expect(s.applyWeights).not.toHaveBeenCalled();
  });

  it('adds nothing when the same file is imported into the model that already has it', async () => {
    const keras = {
      kind: 'model' as const,
      model: 'tf-model',
      summary: SUMMARY,
      source: {
        format: 'h5',
        generatedBy: null,
        convertedBy: null,
        kerasVersion: '3.15.1',
        backend: 'tensorflow',
        modelFile: 'model.h5',
        weightFiles: [],
        graftVersionId: null,
        sha256: 'cd'.repeat(32),
      },
      warnings: [],
    };
    const earlier = { repoId: REPO, repoName: 'Iris', versionId: id('b') };
    const { ws, s, share } = setup({
      readModelFiles: vi.fn(async () => keras),
      findImports: vi.fn(async () => [earlier]),
    });
    history(ws);
    await share.importModelFiles([file('model.h5')]);
    expect(s.findImports).toHaveBeenCalledWith('cd'.repeat(32));
    expect(share.pendingModel?.earlier).toEqual([earlier]);
    await share.confirmModelImport({ destination: 'version', name: '', message: '' });
    expect(ws.replaceLive).not.toHaveBeenCalled();
    expect(ws.save).not.toHaveBeenCalled();
    expect(s.disposeModel).toHaveBeenCalledWith('tf-model');
    expect(ws.selectedId).toBe(id('b'));
    expect(ws.activity.notice).toBe(
      'model.h5 is already version bbbbbbbb of “Iris”; importing it again adds nothing.',
    );
  });

  it('downloads a version as .keras and as .safetensors, named like the TF.js download', async () => {
    const { ws, s, share } = setup();
    history(ws);
    await share.downloadKeras(id('b'));
    await share.downloadSafetensors(id('b'));
    expect(s.exportKeras).toHaveBeenCalledWith(id('b'), 'iris-bbbbbbbb');
    expect(vi.mocked(s.saveFile).mock.calls.map(([, name, mime]) => [name, mime])).toEqual([
      ['iris-bbbbbbbb.keras', 'application/zip'],
      ['iris-bbbbbbbb.safetensors', 'application/octet-stream'],
    ]);
    expect(share.lastModelDownload).toEqual({
      format: 'safetensors',
      versionId: id('b'),
      files: ['iris-bbbbbbbb.safetensors'],
      bytes: 24,
    });
  });
});
