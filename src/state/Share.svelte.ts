/**
 * Sharing: bundles of history out and in, and standard TF.js / Keras model files out and in. Holds what
 * the Share panel and the page-wide drop zone show (export options, progress, the last import report, a
 * model waiting for the user to say where it goes); storage and TF.js come in through `ShareServices`.
 */
import type { BundleScope } from '../core/bundle/manifest';
import { standardModelBaseName } from '../core/bundle/modelJson';
import { GraftError, ok, type Result } from '../core/errors';
import { shortId, type VersionId } from '../core/hashing';
import type { WeightsPlan } from '../core/keras/weightsMatch';
import type {
  EarlierImport,
  ExportStats,
  FileDownload,
  ImportReport,
  ModelFromFiles,
  NamedBytes,
  ShareServices,
  WeightsFromFile,
} from '../core/ports';
import { ancestors, graphOf } from '../core/versions/dag';
import type { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { LiveModel, PendingChange } from './LiveModel.svelte';
import { t } from './i18n';
import {
  baseName,
  clip,
  defaultModelName,
  importSummary,
  isBundleFile,
  MAX_REPO_NAME,
  readAll,
  readHead,
  suggestName,
} from './shareFiles';

export { importSummary, suggestName } from './shareFiles';

/** A file the user picked or dropped: the browser's `File`, or a path-named wrapper of one. */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Part of the file, or with no arguments all of it, as a Blob that holds no copy of its bytes. */
  slice(start?: number, end?: number): Blob;
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
  readonly format: ModelFormat;
  readonly versionId: VersionId;
  readonly files: readonly string[];
  readonly bytes: number;
}

/** A model read from files, waiting for the user to say whether it starts a model or joins this one. */
export interface PendingModelImport<M> extends ModelFromFiles<M> {
  readonly files: readonly string[];
  readonly suggestedName: string;
  readonly suggestedMessage: string;
  /** Versions already made from this very file (empty for files that have no single SHA-256). */
  readonly earlier: readonly EarlierImport[];
}

/** A weights file matched against the live model, waiting for the user to load it or not. */
export interface PendingWeightsImport<M> {
  readonly file: WeightsFromFile;
  readonly plan: WeightsPlan;
  /** The live model the plan was made for: loading is refused if another took its place meanwhile. */
  readonly model: M;
  readonly repoName: string;
}

/** The model downloads the Share tab offers, one file format each. */
export type ModelFormat = 'tfjs' | 'keras' | 'safetensors';

export interface ModelImportChoice {
  readonly destination: ModelDestination;
  /** The new repository's name (destination `repository`). */
  readonly name: string;
  /** The message of the version the import saves. */
  readonly message: string;
}

export class Share<M> {
  readonly #activity: Activity;
  readonly #view: History;
  readonly #live: LiveModel<M>;
  readonly #s: ShareServices<M>;

  scopeKind = $state<ScopeKind>('repository');
  /** Whether to leave out what the receiver already holds (`thinBasis` and its ancestors). */
  thin = $state(false);
  /** Whether the bundle carries the data the exported versions were trained on (it leaves with the file). */
  includeData = $state(false);
  /** The kept data's bytes for the scope they were measured for (see `measureData`). */
  #dataBytes = $state.raw<{ readonly key: string; readonly bytes: number } | null>(null);
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
  pendingWeights = $state.raw<PendingWeightsImport<M> | null>(null);

  /** The version the user is looking at: the selected one, else the live model's, else the branch's. */
  readonly #focusVersion: VersionId | null = $derived.by(
    () => this.#view.selected?.id ?? this.#known(this.#live.live?.base ?? null) ?? this.#view.branchHead,
  );

  constructor(activity: Activity, history: History, live: LiveModel<M>, services: ShareServices<M>) {
    this.#activity = activity;
    this.#view = history;
    this.#live = live;
    this.#s = services;
  }

  // Picks fall back to a sensible default whenever the version or branch they name is not in the open
  // repository (another repository opened, a branch deleted), so the form never offers a stale choice.

  get branch(): string | null {
    const names = this.#view.branches.map((b) => b.name);
    if (this.#branchPick !== null && names.includes(this.#branchPick)) return this.#branchPick;
    return this.#view.currentBranch ?? names[0] ?? null;
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
    return this.#known(this.#rangeToPick) ?? this.#view.branchHead ?? this.#view.graphOrder[0]?.id ?? null;
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
    const parent = tip ? (this.#view.versions.find((v) => v.id === tip)?.parents[0] ?? null) : null;
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
        return this.#view.branchHead ?? this.#view.graphOrder[0]?.id ?? null;
      case 'branch':
        return this.#view.branches.find((b) => b.name === this.branch)?.target ?? null;
      case 'range':
        return this.rangeTo;
      case 'version':
        return this.version;
    }
  });

  /** How many versions each scope would carry, for the options' labels and to catch empty ranges. */
  readonly scopeCounts: Readonly<Record<ScopeKind, number>> = $derived.by(() => {
    const g = graphOf(this.#view.versions);
    const reach = (ids: Iterable<VersionId>) =>
      ancestors(
        g,
        [...ids].filter((id) => g.has(id)),
      );
    const branchTarget = this.#view.branches.find((b) => b.name === this.branch)?.target;
    const head = this.#view.repo?.head;
    const roots = this.#view.refs.map((r) => r.target);
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
    if (!this.#view.repo) return t('share.blocked.noModel');
    if (this.#view.versions.length === 0) return t('share.blocked.noVersions');
    if (this.scope === null) return t('share.blocked.noScope');
    if (this.scopeCounts[this.scopeKind] === 0)
      return this.scopeKind === 'range' ? t('share.blocked.emptyRange') : t('share.blocked.empty');
    if (this.thin && this.thinBasis === null) return t('share.blocked.noBasis');
    return null;
  });

  readonly busy: boolean = $derived.by(() => this.#activity.busy !== null);

  // ---- export --------------------------------------------------------------------------------------

  /** The bytes of kept data the chosen scope's versions have, what "include the data" adds; null until measured. */
  get dataBytes(): number | null {
    const measured = this.#dataBytes;
    return measured && measured.key === this.#scopeKey ? measured.bytes : null;
  }

  get #scopeKey(): string | null {
    const repoId = this.#view.repoId;
    return repoId && this.scope ? JSON.stringify([repoId, this.scope]) : null;
  }

  /** Measures `dataBytes` for the scope chosen now (the Share panel asks whenever the scope changes). */
  async measureData(): Promise<void> {
    const repoId = this.#view.repoId;
    const scope = this.scope;
    const key = this.#scopeKey;
    if (!repoId || !scope || !key) return;
    try {
      const bytes = await this.#s.bundleDataBytes({ repoId, scope });
      // An answer for a scope chosen before the current one is not kept.
      if (key === this.#scopeKey) this.#dataBytes = { key, bytes };
    } catch (e) {
      this.#activity.report(e);
    }
  }

  exportBundle(): Promise<Result<void>> {
    const repoId = this.#view.repoId;
    const scope = this.scope;
    const basis = this.thin ? this.thinBasis : null;
    if (!repoId || !scope || this.exportBlocked) return Promise.resolve(ok(undefined));
    return this.#activity.run(t('share.busy.exporting'), async () => {
      this.lastExport = null;
      this.progress = { task: 'export', phase: t('share.phase.checkingWeights'), done: 0, total: 0 };
      try {
        const out = await this.#s.exportBundle(
          {
            repoId,
            scope,
            ...(basis ? { thinAgainst: [basis] } : {}),
            ...(this.includeData ? { includeData: true } : {}),
          },
          (done, total) =>
            (this.progress = {
              task: 'export',
              phase: done < total ? t('share.phase.checkingWeights') : t('share.phase.packing'),
              done,
              total,
            }),
        );
        this.#s.saveFile(out.file, out.fileName, 'application/zip');
        this.lastExport = { fileName: out.fileName, stats: out.stats, thin: basis !== null };
      } finally {
        this.progress = null;
      }
    });
  }

  /**
   * Downloads a stored version as `<model>-<id>.json` + `<model>-<id>.weights.bin`, as
   * `tf.io.browserDownloads('downloads://<model>-<id>')` would: names of their own, so a browser never renames
   * one download of several (which would break the .json's reference to its weights file).
   */
  downloadTfjsModel(versionId: VersionId | null = this.modelVersion): Promise<Result<void>> {
    const repo = this.#view.repo;
    if (!repo || !versionId) return Promise.resolve(ok(undefined));
    return this.#activity.run(t('share.busy.preparing'), async () => {
      const files = await this.#s.exportTfjsModel(versionId, standardModelBaseName(repo.name, versionId));
      const json = new TextEncoder().encode(JSON.stringify(files.modelJson));
      this.#s.saveFile(json, files.modelFileName, 'application/json');
      this.#s.saveFile(files.weightsBin, files.weightsFileName, 'application/octet-stream');
      this.lastModelDownload = {
        format: 'tfjs',
        versionId,
        files: [files.modelFileName, files.weightsFileName],
        bytes: json.byteLength + files.weightsBin.byteLength,
      };
    });
  }

  /** Downloads a stored version as a Keras 3 `.keras` file (`keras.saving.load_model` opens it). */
  downloadKeras(versionId: VersionId | null = this.modelVersion): Promise<Result<void>> {
    return this.#downloadOne(
      'keras',
      versionId,
      (id, base) => this.#s.exportKeras(id, base),
      'application/zip',
    );
  }

  /** Downloads a stored version's weights as a `.safetensors` file. */
  downloadSafetensors(versionId: VersionId | null = this.modelVersion): Promise<Result<void>> {
    return this.#downloadOne(
      'safetensors',
      versionId,
      (id, base) => this.#s.exportSafetensors(id, base),
      'application/octet-stream',
    );
  }

  #downloadOne(
    format: ModelFormat,
    versionId: VersionId | null,
    make: (id: VersionId, baseName: string) => Promise<FileDownload>,
    mime: string,
  ): Promise<Result<void>> {
    const repo = this.#view.repo;
    if (!repo || !versionId) return Promise.resolve(ok(undefined));
    return this.#activity.run(t('share.busy.preparing'), async () => {
      const out = await make(versionId, standardModelBaseName(repo.name, versionId));
      this.#s.saveFile(out.bytes, out.fileName, mime);
      this.lastModelDownload = { format, versionId, files: [out.fileName], bytes: out.bytes.byteLength };
    });
  }

  // ---- import --------------------------------------------------------------------------------------

  /**
   * Files picked or dropped anywhere: one bundle is imported; anything else is read as a TF.js model
   * (model.json with its weight files, or a zip of them) and waits in `pendingModel` for the user's choice.
   */
  importFiles(files: readonly PickedFile[]): Promise<Result<void>> {
    return this.#activity.run(t('share.busy.reading'), async () => {
      if (files.length === 0) return;
      // Told apart by their first and last bytes: a bundle is imported from the file, never read whole.
      const sniffed = await Promise.all(files.map(isBundleFile));
      const bundles = files.filter((_, i) => sniffed[i]);
      if (bundles.length > 0 && files.length > 1)
        throw new GraftError(
          bundles.length === 1
            ? 'error.import/invalid-model.bundle-with-others'
            : 'error.import/invalid-model.bundles-with-others',
          { names: bundles.map((b) => `“${b.name}”`).join(', ') },
        );
      const bundle = bundles[0];
      if (bundle) await this.#importBundle(bundle);
      else await this.#readModel(await readAll(files));
    });
  }

  /** A file from the "Import bundle…" picker: always treated as a bundle, so a wrong file gets the bundle error. */
  importBundleFile(file: PickedFile): Promise<Result<void>> {
    return this.#activity.run(t('share.busy.importingBundle'), async () => {
      await readHead(file);
      await this.#importBundle(file);
    });
  }

  /** Files from the "Import a model or weights…" picker. */
  importModelFiles(files: readonly PickedFile[]): Promise<Result<void>> {
    return this.#activity.run(t('share.busy.readingModel'), async () => {
      if (files.length > 0) await this.#readModel(await readAll(files));
    });
  }

  async #importBundle(file: PickedFile): Promise<void> {
    this.lastImport = null;
    this.progress = { task: 'import', phase: t('share.phase.checkingHashes'), done: 0, total: 0 };
    let report: ImportReport;
    try {
      report = await this.#s.importBundle(file.slice(), (done, total) => {
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
    if (this.#view.repoId !== report.repository.id) await this.#live.openRepository(report.repository.id);
    this.#activity.say(importSummary(file.name, report));
  }

  async #readModel(files: readonly NamedBytes[]): Promise<void> {
    const read = await this.#s.readModelFiles(files);
    if (read.kind === 'weights') return this.#planWeights(read);
    this.cancelModelImport();
    this.cancelWeightsImport();
    const sha256 = read.source.sha256 ?? null;
    const earlier = sha256 ? await this.#s.findImports(sha256) : [];
    const modelFile = read.source.modelFile;
    const name = suggestName(files, modelFile, read.source.modelName ?? null);
    const madeBy = read.source.generatedBy ? ` (${read.source.generatedBy})` : '';
    this.pendingModel = {
      ...read,
      earlier,
      files: files.map((f) => f.name),
      suggestedName: name,
      suggestedMessage: t('share.suggestedMessage', {
        name: name === defaultModelName() ? baseName(modelFile) : name,
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
    const intoRepo = choice.destination === 'version' ? this.#view.repo : null;
    if (choice.destination === 'version' && !intoRepo) {
      this.#activity.report(new GraftError('error.repo/not-found.open-first-or-new'));
      return;
    }
    // The same file again adds nothing: its version is already here.
    const here = intoRepo ? pending.earlier.find((e) => e.repoId === intoRepo.id) : undefined;
    if (here) {
      this.cancelModelImport();
      this.#view.select(here.versionId);
      this.#activity.say(
        t('share.imported.already', {
          file: baseName(pending.source.modelFile),
          id: shortId(here.versionId),
          name: here.repoName,
        }),
      );
      return;
    }
    // The workspace owns the model from here; the dialog closes while it saves.
    this.pendingModel = null;
    const change: PendingChange = {
      change: 'imported',
      description: `imported from ${pending.source.modelFile}`,
      provenance: {
        source: {
          ...this.#s.sourceProvenance(pending.source),
          ...(pending.notes?.length ? { notes: pending.notes.map((n) => ({ ...n })) } : {}),
        },
      },
      metrics: {},
    };
    const name = clip(choice.name.trim() || pending.suggestedName, MAX_REPO_NAME);
    if (intoRepo)
      await this.#activity.run(t('share.busy.importingModel'), () =>
        this.#live.replaceLive(pending.model, change),
      );
    else await this.#live.createFromModel(name, pending.model, change);
    if (this.#live.live?.model !== pending.model) {
      this.#s.disposeModel(pending.model);
      return;
    }
    const outcome = await this.#live.save(choice.message.trim() || pending.suggestedMessage);
    const saved = this.#live.live?.pending === null ? this.#live.live.base : null;
    if (!outcome.ok || !saved) return;
    const where = intoRepo
      ? t('share.imported.newVersion', { name: intoRepo.name })
      : t('share.imported.newModel', { name });
    this.#activity.say(
      t('share.imported.model', {
        file: baseName(pending.source.modelFile),
        where,
        id: shortId(saved),
        branch: this.#view.currentBranch ?? 'main',
      }),
    );
  }

  /** Opens the version an earlier import of the same file made, instead of importing it again. */
  async openEarlierImport(earlier: EarlierImport): Promise<void> {
    this.cancelModelImport();
    if (this.#view.repoId !== earlier.repoId) await this.#live.openRepository(earlier.repoId);
    this.#view.select(earlier.versionId);
  }

  /** Matches a weights-only file against the live model; the preview waits in `pendingWeights`. */
  async #planWeights(file: WeightsFromFile): Promise<void> {
    const live = this.#live.live;
    const repo = this.#view.repo;
    if (!live || !repo || live.repoId !== repo.id)
      throw new GraftError('error.import/weights-need-model', { file: file.fileName });
    const plan = this.#s.planWeights(live.model, file);
    if (plan.matches.length === 0)
      throw new GraftError('error.import/weights-no-match.tensors', {
        file: file.fileName,
        tensors: file.tensorCount,
      });
    this.cancelModelImport();
    this.pendingWeights = { file, plan, model: live.model, repoName: repo.name };
  }

  /**
   * Loads the previewed weights into the live model, which then has unsaved work, as after training: the
   * user saves it as a version, or discards it.
   */
  confirmWeightsImport(): Promise<Result<void>> {
    const pending = this.pendingWeights;
    if (!pending) return Promise.resolve(ok(undefined));
    this.pendingWeights = null;
    return this.#activity.run(t('share.busy.loadingWeights'), async () => {
      const live = this.#live.live;
      if (!live || live.model !== pending.model)
        throw new GraftError('error.import/weights-need-model.changed', { file: pending.file.fileName });
      if (this.#live.liveInUse()) throw new GraftError('error.train/busy.load-weights');
      const count = this.#s.applyWeights(live.model, pending.file, pending.plan);
      const f = pending.file;
      await this.#live.replaceLive(live.model, {
        change: 'imported',
        description: `loaded ${count} weights from ${f.fileName}`,
        provenance: {
          weights: {
            kind: 'weights-file',
            format: f.format,
            file: f.fileName,
            sha256: f.sha256,
            kerasVersion: f.kerasVersion,
            loaded: count,
            kept: pending.plan.keptWeights.map((k) => k.weight),
            converted: [...f.converted],
          },
        },
        metrics: {},
      });
      this.#activity.say(t('share.weights.loaded', { count, file: f.fileName }));
    });
  }

  cancelWeightsImport(): void {
    this.pendingWeights = null;
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
    return id !== null && this.#view.versions.some((v) => v.id === id) ? id : null;
  }
}
