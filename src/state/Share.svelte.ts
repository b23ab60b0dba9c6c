/**
 * Sharing: bundles of history out and in, and standard TF.js / Keras model files out and in. Holds what
 * the Share panel and the page-wide drop zone show (export options, progress, the last import report, a
 * model waiting for the user to say where it goes); storage and TF.js come in through `ShareServices`.
 */
import type { BundleScope } from '../core/bundle/manifest';
import { standardModelBaseName, type StandardModelFiles } from '../core/bundle/modelJson';
import { BUNDLE_EXTENSION, MANIFEST_FILE } from '../core/bundle/names';
import type { RefImport } from '../core/bundle/refPlan';
import { isZip, listZip } from '../core/bundle/zip';
import { GraftError } from '../core/errors';
import { shortId, type VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import { ancestors, graphOf } from '../core/versions/dag';
import type { ModelSummary, RepoId } from '../core/versions/types';
import type { PendingChange, Workspace } from './Workspace.svelte';
import { t } from './i18n';

export type Progress = (done: number, total: number) => void;

export interface NamedBytes {
  /** The file's name; for files from a dropped folder or a zip, its path inside it. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A file the user picked or dropped: the browser's `File`, or a path-named wrapper of one. */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface BundleExportRequest {
  readonly repoId: RepoId;
  readonly scope: BundleScope;
  /** Versions the receiver already holds: the blobs they and their ancestors use are left out. */
  readonly thinAgainst?: readonly VersionId[];
}

export interface ExportStats {
  readonly versions: number;
  readonly refs: number;
  readonly blobs: number;
  readonly blobBytes: number;
  readonly omittedBlobs: number;
  readonly bundleBytes: number;
}

export interface ExportedBundle {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly stats: ExportStats;
}

export interface ImportReport {
  readonly repository: { readonly id: RepoId; readonly name: string; readonly created: boolean };
  readonly addedVersions: readonly VersionId[];
  readonly existingVersions: readonly VersionId[];
  readonly addedBlobs: number;
  readonly addedBytes: number;
  readonly refs: readonly RefImport[];
  readonly warnings: readonly string[];
}

/** Where model files came from, as the reader found it; recorded in the imported version's provenance. */
export interface ModelSource {
  readonly format: string | null;
  readonly generatedBy: string | null;
  readonly convertedBy: string | null;
  readonly kerasVersion: string | null;
  readonly backend: string | null;
  readonly modelFile: string;
  readonly weightFiles: readonly string[];
  readonly graftVersionId: string | null;
}

export interface ModelFromFiles<M> {
  readonly model: M;
  readonly summary: ModelSummary;
  readonly source: ModelSource;
  readonly warnings: readonly string[];
}

/** What sharing needs from storage, TF.js and the browser, wired in app/shareServices.ts. */
export interface ShareServices<M> {
  exportBundle(request: BundleExportRequest, onProgress: Progress): Promise<ExportedBundle>;
  importBundle(bytes: Uint8Array, onProgress: Progress): Promise<ImportReport>;
  /** A stored version as the two files `tf.io.browserDownloads` writes, named from `baseName`. */
  exportTfjsModel(versionId: VersionId, baseName: string): Promise<StandardModelFiles>;
  /** Checks and loads a TF.js Layers model from its files; the model is the caller's to keep or dispose. */
  readModelFiles(files: readonly NamedBytes[]): Promise<ModelFromFiles<M>>;
  sourceProvenance(source: ModelSource): JsonObject;
  disposeModel(model: M): void;
  /** Hands bytes to the browser as a download named `fileName`. */
  saveFile(bytes: Uint8Array, fileName: string, mime: string): void;
}

/** The scopes the Share panel offers; a chosen set of versions comes from “Verify storage”. */
export type ScopeKind = Exclude<BundleScope['kind'], 'versions'>;
export type ModelDestination = 'repository' | 'version';

export interface TransferProgress {
  readonly task: 'export' | 'import';
  /** In words, for the progress bar's label. */
  readonly phase: string;
  readonly done: number;
  /** 0 while the total is not known yet. */
  readonly total: number;
}

export interface ExportResult {
  readonly fileName: string;
  readonly stats: ExportStats;
  readonly thin: boolean;
}

export interface BundleImportResult {
  readonly fileName: string;
  readonly report: ImportReport;
}

export interface ModelDownload {
  readonly versionId: VersionId;
  readonly files: readonly string[];
  readonly bytes: number;
}

/** A model read from files, waiting for the user to say whether it starts a model or joins this one. */
export interface PendingModelImport<M> extends ModelFromFiles<M> {
  readonly files: readonly string[];
  readonly suggestedName: string;
  readonly suggestedMessage: string;
}

export interface ModelImportChoice {
  readonly destination: ModelDestination;
  /** The new repository's name (destination `repository`). */
  readonly name: string;
  /** The message of the version the import saves. */
  readonly message: string;
}

const MAX_REPO_NAME = 120;
const DEFAULT_MODEL_NAME = 'Imported model';

export class Share<M> {
  readonly #ws: Workspace<M>;
  readonly #s: ShareServices<M>;

  scopeKind = $state<ScopeKind>('repository');
  /** Whether to leave out what the receiver already holds (`thinBasis` and its ancestors). */
  thin = $state(false);
  #branchPick = $state<string | null>(null);
  #rangeFromPick = $state<VersionId | null>(null);
  #rangeToPick = $state<VersionId | null>(null);
  #versionPick = $state<VersionId | null>(null);
  #thinBasisPick = $state<VersionId | null>(null);
  #modelVersionPick = $state<VersionId | null>(null);

  progress = $state.raw<TransferProgress | null>(null);
  lastExport = $state.raw<ExportResult | null>(null);
  lastImport = $state.raw<BundleImportResult | null>(null);
  lastModelDownload = $state.raw<ModelDownload | null>(null);
  pendingModel = $state.raw<PendingModelImport<M> | null>(null);

  /** The version the user is looking at: the selected one, else the live model's, else the branch's. */
  readonly #focusVersion: VersionId | null = $derived.by(
    () => this.#ws.selected?.id ?? this.#known(this.#ws.live?.base ?? null) ?? this.#ws.branchHead,
  );

  constructor(workspace: Workspace<M>, services: ShareServices<M>) {
    this.#ws = workspace;
    this.#s = services;
  }

  // Picks fall back to a sensible default whenever the version or branch they name is not in the open
  // repository (another repository opened, a branch deleted), so the form never offers a stale choice.

  get branch(): string | null {
    const names = this.#ws.branches.map((b) => b.name);
    if (this.#branchPick !== null && names.includes(this.#branchPick)) return this.#branchPick;
    return this.#ws.currentBranch ?? names[0] ?? null;
  }
  set branch(name: string | null) {
    this.#branchPick = name;
  }

  /** The range's exclusive start; null means from the first version. */
  get rangeFrom(): VersionId | null {
    return this.#known(this.#rangeFromPick);
  }
  set rangeFrom(id: VersionId | null) {
    this.#rangeFromPick = id;
  }

  get rangeTo(): VersionId | null {
    return this.#known(this.#rangeToPick) ?? this.#ws.branchHead ?? this.#ws.graphOrder[0]?.id ?? null;
  }
  set rangeTo(id: VersionId | null) {
    this.#rangeToPick = id;
  }

  get version(): VersionId | null {
    return this.#known(this.#versionPick) ?? this.#focusVersion;
  }
  set version(id: VersionId | null) {
    this.#versionPick = id;
  }

  /** A version the receiver holds; by default the parent of the newest exported version. */
  get thinBasis(): VersionId | null {
    const tip = this.#scopeTip;
    const parent = tip ? (this.#ws.versions.find((v) => v.id === tip)?.parents[0] ?? null) : null;
    return this.#known(this.#thinBasisPick) ?? parent;
  }
  set thinBasis(id: VersionId | null) {
    this.#thinBasisPick = id;
  }

  /** The version "Download as TF.js model" writes. */
  get modelVersion(): VersionId | null {
    return this.#known(this.#modelVersionPick) ?? this.#focusVersion;
  }
  set modelVersion(id: VersionId | null) {
    this.#modelVersionPick = id;
  }

  readonly scope: BundleScope | null = $derived.by(() => {
    switch (this.scopeKind) {
      case 'repository':
        return { kind: 'repository' };
      case 'branch':
        return this.branch === null ? null : { kind: 'branch', name: this.branch };
      case 'range':
        return this.rangeTo === null ? null : { kind: 'range', from: this.rangeFrom, to: this.rangeTo };
      case 'version':
        return this.version === null ? null : { kind: 'version', id: this.version };
    }
  });

  readonly #scopeTip: VersionId | null = $derived.by(() => {
    switch (this.scopeKind) {
      case 'repository':
        return this.#ws.branchHead ?? this.#ws.graphOrder[0]?.id ?? null;
      case 'branch':
        return this.#ws.branches.find((b) => b.name === this.branch)?.target ?? null;
      case 'range':
        return this.rangeTo;
      case 'version':
        return this.version;
    }
  });

  /** How many versions each scope would carry, for the options' labels and to catch empty ranges. */
  readonly scopeCounts: Readonly<Record<ScopeKind, number>> = $derived.by(() => {
    const g = graphOf(this.#ws.versions);
    const reach = (ids: Iterable<VersionId>) =>
      ancestors(
        g,
        [...ids].filter((id) => g.has(id)),
      );
    const branchTarget = this.#ws.branches.find((b) => b.name === this.branch)?.target;
    const head = this.#ws.repo?.head;
    const roots = this.#ws.refs.map((r) => r.target);
    if (head?.kind === 'detached') roots.push(head.version);
    const to = this.rangeTo;
    const from = this.rangeFrom;
    const before = from ? reach([from]) : new Set<VersionId>();
    const range = to ? [...reach([to])].filter((id) => !before.has(id)).length : 0;
    return {
      repository: reach(roots).size,
      branch: branchTarget ? reach([branchTarget]).size : 0,
      range,
      version: this.version ? 1 : 0,
    };
  });

  /** Why "Export bundle" cannot run now, in words; null when it can. */
  readonly exportBlocked: string | null = $derived.by(() => {
    if (!this.#ws.repo) return t('share.blocked.noModel');
    if (this.#ws.versions.length === 0) return t('share.blocked.noVersions');
    if (this.scope === null) return t('share.blocked.noScope');
    if (this.scopeCounts[this.scopeKind] === 0)
      return this.scopeKind === 'range' ? t('share.blocked.emptyRange') : t('share.blocked.empty');
    if (this.thin && this.thinBasis === null) return t('share.blocked.noBasis');
    return null;
  });

  readonly busy: boolean = $derived.by(() => this.#ws.busy !== null);

  // ---- export --------------------------------------------------------------------------------------

  exportBundle(): Promise<void> {
    const repoId = this.#ws.repoId;
    const scope = this.scope;
    const basis = this.thin ? this.thinBasis : null;
    if (!repoId || !scope || this.exportBlocked) return Promise.resolve();
    return this.#ws.run(t('share.busy.exporting'), async () => {
      this.lastExport = null;
      this.progress = { task: 'export', phase: t('share.phase.checkingWeights'), done: 0, total: 0 };
      try {
        const out = await this.#s.exportBundle(
          { repoId, scope, ...(basis ? { thinAgainst: [basis] } : {}) },
          (done, total) =>
            (this.progress = {
              task: 'export',
              phase: done < total ? t('share.phase.checkingWeights') : t('share.phase.packing'),
              done,
              total,
            }),
        );
        this.#s.saveFile(out.bytes, out.fileName, 'application/zip');
        this.lastExport = { fileName: out.fileName, stats: out.stats, thin: basis !== null };
      } finally {
        this.progress = null;
      }
    });
  }

  /** Downloads `model.json` + `model.weights.bin` for a stored version, as `tf.io.browserDownloads` would. */
  downloadTfjsModel(versionId: VersionId | null = this.modelVersion): Promise<void> {
    const repo = this.#ws.repo;
    if (!repo || !versionId) return Promise.resolve();
    return this.#ws.run(t('share.busy.preparing'), async () => {
      const files = await this.#s.exportTfjsModel(versionId, standardModelBaseName(repo.name, versionId));
      const json = new TextEncoder().encode(JSON.stringify(files.modelJson));
      this.#s.saveFile(json, files.modelFileName, 'application/json');
      this.#s.saveFile(files.weightsBin, files.weightsFileName, 'application/octet-stream');
      this.lastModelDownload = {
        versionId,
        files: [files.modelFileName, files.weightsFileName],
        bytes: json.byteLength + files.weightsBin.byteLength,
      };
    });
  }

  // ---- import --------------------------------------------------------------------------------------

  /**
   * Files picked or dropped anywhere: one bundle is imported; anything else is read as a TF.js model
   * (model.json with its weight files, or a zip of them) and waits in `pendingModel` for the user's choice.
   */
  importFiles(files: readonly PickedFile[]): Promise<void> {
    return this.#ws.run(t('share.busy.reading'), async () => {
      if (files.length === 0) return;
      const named = await readAll(files);
      const bundles = named.filter(isBundle);
      if (bundles.length > 0 && named.length > 1)
        throw new GraftError(
          'import/invalid-model',
          `${bundles.map((b) => `“${b.name}”`).join(', ')} ${bundles.length === 1 ? 'is a Graft bundle' : 'are Graft bundles'}: import one bundle at a time, on its own. To bring in a TF.js model, pick its model.json with its weight files.`,
        );
      const bundle = bundles[0];
      if (bundle) await this.#importBundle(bundle);
      else await this.#readModel(named);
    });
  }

  /** A file from the "Import bundle…" picker: always treated as a bundle, so a wrong file gets the bundle error. */
  importBundleFile(file: PickedFile): Promise<void> {
    return this.#ws.run(t('share.busy.importingBundle'), async () => {
      const [named] = await readAll([file]);
      if (named) await this.#importBundle(named);
    });
  }

  /** Files from the "Import TF.js / Keras model…" picker. */
  importModelFiles(files: readonly PickedFile[]): Promise<void> {
    return this.#ws.run(t('share.busy.readingModel'), async () => {
      if (files.length > 0) await this.#readModel(await readAll(files));
    });
  }

  async #importBundle(file: NamedBytes): Promise<void> {
    this.lastImport = null;
    this.progress = { task: 'import', phase: t('share.phase.checkingHashes'), done: 0, total: 0 };
    let report: ImportReport;
    try {
      report = await this.#s.importBundle(file.bytes, (done, total) => {
        this.progress = {
          task: 'import',
          phase: done < total ? t('share.phase.checkingHashes') : t('share.phase.writing'),
          done,
          total,
        };
      });
    } finally {
      this.progress = null;
    }
    this.lastImport = { fileName: file.name, report };
    if (this.#ws.repoId !== report.repository.id) await this.#ws.openRepository(report.repository.id);
    this.#ws.say(importSummary(file.name, report));
  }

  async #readModel(files: readonly NamedBytes[]): Promise<void> {
    const read = await this.#s.readModelFiles(files);
    this.cancelModelImport();
    const modelFile = read.source.modelFile;
    const name = suggestName(files, modelFile);
    const madeBy = read.source.generatedBy ? ` (${read.source.generatedBy})` : '';
    this.pendingModel = {
      ...read,
      files: files.map((f) => f.name),
      suggestedName: name,
      suggestedMessage: t('share.suggestedMessage', {
        name: name === DEFAULT_MODEL_NAME ? baseName(modelFile) : name,
        madeBy,
      }),
    };
  }

  /**
   * Saves the pending model as a version, right away: importing files is a deliberate act that already
   * says what the version is, and a model left unsaved would be lost on reload. As a new repository it is
   * that repository's first version on `main`; as a new version it goes on the current branch (or, when
   * the live model came from an older version, on a new branch, as every save does).
   */
  async confirmModelImport(choice: ModelImportChoice): Promise<void> {
    const pending = this.pendingModel;
    if (!pending) return;
    const ws = this.#ws;
    const intoRepo = choice.destination === 'version' ? ws.repo : null;
    if (choice.destination === 'version' && !intoRepo) {
      ws.report(new GraftError('repo/not-found', 'Open a model first, or import this one as a new model.'));
      return;
    }
    // The workspace owns the model from here; the dialog closes while it saves.
    this.pendingModel = null;
    const change: PendingChange = {
      change: 'imported',
      description: `imported from ${pending.source.modelFile}`,
      provenance: { source: this.#s.sourceProvenance(pending.source) },
      metrics: {},
    };
    const name = clip(choice.name.trim() || pending.suggestedName, MAX_REPO_NAME);
    if (intoRepo) await ws.run(t('share.busy.importingModel'), () => ws.replaceLive(pending.model, change));
    else await ws.createFromModel(name, pending.model, change);
    if (ws.live?.model !== pending.model) {
      this.#s.disposeModel(pending.model);
      return;
    }
    await ws.save(choice.message.trim() || pending.suggestedMessage);
    const saved = ws.live?.pending === null ? ws.live.base : null;
    if (ws.lastError || !saved) return;
    const where = intoRepo
      ? t('share.imported.newVersion', { name: intoRepo.name })
      : t('share.imported.newModel', { name });
    ws.say(
      t('share.imported.model', {
        file: baseName(pending.source.modelFile),
        where,
        id: shortId(saved),
        branch: ws.currentBranch ?? 'main',
      }),
    );
  }

  cancelModelImport(): void {
    const pending = this.pendingModel;
    this.pendingModel = null;
    if (pending) this.#s.disposeModel(pending.model);
  }

  dismissImport(): void {
    this.lastImport = null;
  }

  /** `id` when it is a version of the open repository, else null. */
  #known(id: VersionId | null): VersionId | null {
    return id !== null && this.#ws.versions.some((v) => v.id === id) ? id : null;
  }
}

// ---- helpers ----------------------------------------------------------------------------------------

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max).trimEnd() : text);

async function readAll(files: readonly PickedFile[]): Promise<NamedBytes[]> {
  return Promise.all(
    files.map(async (f) => {
      try {
        return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
      } catch (e) {
        throw new GraftError(
          'import/invalid-model',
          `“${f.name}” could not be read. It may have been moved or deleted since it was picked; pick it again.`,
          { cause: e },
        );
      }
    }),
  );
}

/** A Graft bundle by its name, or a zip whose directory lists the bundle manifest. */
function isBundle(file: NamedBytes): boolean {
  if (file.name.toLowerCase().endsWith(BUNDLE_EXTENSION)) return true;
  if (!isZip(file.bytes)) return false;
  try {
    return listZip(file.bytes, file.name).has(MANIFEST_FILE);
  } catch {
    return false; // not readable as a zip here; the model reader names the problem
  }
}

/**
 * A repository name from the files: the folder they came in, the zip's name, or model.json's own name
 * when it is not the generic "model".
 */
export function suggestName(files: readonly NamedBytes[], modelFile: string): string {
  const stem = (name: string) => baseName(name).replace(/(\.graft)?\.(zip|json)$/i, '');
  const folder = modelFile.split('/').slice(-2, -1)[0];
  const zip = files.find((f) => isZip(f.bytes));
  const own = stem(modelFile);
  const name =
    (folder && folder.trim()) ||
    (zip && stem(zip.name)) ||
    (own && !/^model$/i.test(own) ? own : '') ||
    DEFAULT_MODEL_NAME;
  return clip(name.trim(), MAX_REPO_NAME);
}

/** One line for the notice banner; the Share panel shows the full report. */
export function importSummary(fileName: string, report: ImportReport): string {
  const added = report.addedVersions.length;
  const existing = report.existingVersions.length;
  const renamed = report.refs.filter((r) => r.action === 'renamed').length;
  const changedRefs = report.refs.filter((r) => r.action !== 'unchanged').length;
  const what = t(report.repository.created ? 'share.summary.newModel' : 'share.summary.repo', {
    name: report.repository.name,
  });
  if (added === 0 && changedRefs === 0)
    return t('share.summary.nothing', { file: fileName, count: existing });
  return [
    t('share.summary.added', { file: fileName, what, count: added }),
    existing ? t('share.summary.existing', { count: existing }) : '',
    renamed ? t('share.summary.renamed', { count: renamed }) : '',
    report.warnings.length ? t('share.summary.warnings', { count: report.warnings.length }) : '',
    t('share.summary.details'),
  ].join('');
}
