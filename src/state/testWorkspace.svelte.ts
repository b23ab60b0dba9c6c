/**
 * Test doubles for the builder's and trainer's state tests: a workspace holding a live model in runes,
 * and TrainingServices over a "model" that is plain data (a spec and one number array per layer), so the
 * state's logic runs in Node without TF.js or IndexedDB.
 */
import { GraftError, type Result } from '../core/errors';
import type { VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import { analyzeSpec } from '../core/model/analyze';
import { planCarryOver } from '../core/model/carryOver';
import type { OptimizedWeight } from '../core/model/optimizerState';
import type { LayerSpec, ModelSpec } from '../core/model/spec';
import type { RepoId, Version } from '../core/versions/types';
import type { CheckpointRequest, OptimizerState, TrainingServices } from '../core/ports';
import type { VersionReader } from '../core/ports';
import { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { KeptBeside, Live, LiveModel, PendingChange } from './LiveModel.svelte';
import { mergePending } from './pending';

export interface FakeModel {
  readonly spec: ModelSpec;
  /** Layer name → its weights, as one flat list. */
  readonly weights: Map<string, number[]>;
  disposed: boolean;
}

export const FAKE_REPO = 'repo-1' as RepoId;

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The Keras topology TF.js would write for `spec`: what `specFromTopology` reads back. */
export function topologyOfSpec(spec: ModelSpec): JsonObject {
  const layers = spec.layers.map((layer: LayerSpec, i) => {
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(layer)) {
      if (key === 'id' || key === 'kind') continue;
      config[key === 'targetShape' ? 'target_shape' : snake(key)] = value;
    }
    if (i === 0) config['batch_input_shape'] = [null, ...spec.inputShape];
    return { class_name: layer.kind, config };
  });
  return { class_name: 'Sequential', config: { name: spec.name, layers } } as unknown as JsonObject;
}

export function fakeModel(spec: ModelSpec, fill = 0): FakeModel {
  const analysis = analyzeSpec(spec);
  const weights = new Map<string, number[]>();
  spec.layers.forEach((layer, i) => {
    const count = analysis.layers[i]?.params ?? 0;
    if (count > 0) weights.set(layer.name, new Array<number>(count).fill(fill));
  });
  return { spec, weights, disposed: false };
}

/** The real Activity, noting every busy label it shows, in order. */
export class RecordingActivity extends Activity {
  readonly busyLabels: string[] = [];

  override run<T>(label: string, op: () => Promise<T>): Promise<Result<T>> {
    this.busyLabels.push(label);
    return super.run(label, op);
  }
}

/**
 * The parts of the app's state the builder and trainer use — the history's open repository, the live
 * model, stored versions — in one object with the live model in runes; the activity is the real one.
 */
export class FakeWorkspace {
  readonly activity = new RecordingActivity();
  live = $state.raw<Live<FakeModel> | null>(null);
  repoId = $state.raw<RepoId | null>(FAKE_REPO);
  backend = { active: 'cpu', requested: 'cpu' as const };
  readonly stored = new Map<VersionId, Version>();
  /** The history's rows: every stored version. */
  get versions(): Version[] {
    return [...this.stored.values()];
  }
  readonly replaced: { model: FakeModel; pending: PendingChange }[] = [];
  /** Optimizer states kept beside stored versions, as the store would give them back. */
  readonly keptStates = new Map<VersionId, OptimizerState>();
  /** The versions whose optimizer state was read, in order. */
  readonly statesRead: VersionId[] = [];

  /** `kept`: the optimizer state `base` keeps, as a save would have stored it. */
  constructor(model: FakeModel | null, base: VersionId | null = null, kept?: OptimizerState) {
    if (base && kept) this.keptStates.set(base, kept);
    if (model) this.live = this.#liveOf(model, base, null, this.#keptOf(base));
  }

  #keptOf(base: VersionId | null): KeptBeside {
    const state = base ? this.keptStates.get(base) : undefined;
    return state ? { optimizer: state } : {};
  }

  #liveOf(
    model: FakeModel,
    base: VersionId | null,
    pending: PendingChange | null,
    kept: KeptBeside,
  ): Live<FakeModel> {
    const analysis = analyzeSpec(model.spec);
    return {
      repoId: FAKE_REPO,
      model,
      summary: {
        className: 'Sequential',
        layerCount: model.spec.layers.length,
        paramCount: analysis.totalParams ?? 0,
        inputShape: [null, ...model.spec.inputShape],
        outputShape: analysis.outputShape ? [null, ...analysis.outputShape] : null,
      },
      layers: [],
      base,
      pending,
      kept,
      probe: null,
    };
  }

  async replaceLive(model: FakeModel, pending: PendingChange): Promise<void> {
    const live = this.live;
    if (live && live.model !== model) live.model.disposed = true;
    this.replaced.push({ model, pending });
    this.live = this.#liveOf(
      model,
      live?.base ?? null,
      mergePending(live?.pending ?? null, pending),
      live?.kept ?? {},
    );
  }

  /** Saves the live model as version `id`, keeping its pending optimizer state beside it, as the store would. */
  saveAs(id: VersionId): void {
    const live = this.live;
    if (!live) return;
    this.keptStates.delete(id);
    if (live.pending?.optimizer) this.keptStates.set(id, live.pending.optimizer);
    this.live = this.#liveOf(live.model, id, null, this.#keptOf(id));
  }

  async optimizerState(): Promise<OptimizerState | null> {
    const live = this.live;
    if (!live) return null;
    if (live.pending) return live.pending.optimizer ?? null;
    if (!live.base) return null;
    this.statesRead.push(live.base);
    return this.keptStates.get(live.base) ?? null;
  }

  select(): void {}

  async getVersion(id: VersionId): Promise<Version> {
    const v = this.stored.get(id);
    if (!v) throw new GraftError('error.storage/not-found');
    return v;
  }

  async materialize(id: VersionId): Promise<FakeModel> {
    const v = await this.getVersion(id);
    const spec = v.provenance['spec'] as ModelSpec;
    return fakeModel(spec, 1);
  }

  /** This object as the history a feature takes: its open repository and versions. */
  asHistory(): History {
    return this as unknown as History;
  }

  /** This object as the live model a feature takes. */
  asLive(): LiveModel<FakeModel> {
    return this as unknown as LiveModel<FakeModel>;
  }

  /** This object as the store's reads a feature takes. */
  asReader(): VersionReader {
    return this as unknown as VersionReader;
  }
}

export interface FakeServiceLog {
  checkpoints: CheckpointRequest<FakeModel>[];
  deleted: VersionId[];
  frames: (() => void)[];
}

/** The weights an optimizer would update: each trainable layer's one list, as `<layer>/kernel`. */
export function fakeTrainable(model: FakeModel): OptimizedWeight[] {
  return model.spec.layers.flatMap((layer) => {
    const values = model.weights.get(layer.name);
    return values && layer.trainable !== false
      ? [{ name: `${layer.name}/kernel`, shape: [values.length] }]
      : [];
  });
}

/**
 * An optimizer state as a trainer would leave it on `model` after `iterations` steps and `epochs` epochs:
 * one moment per trainable weight, every value the step count, so tests can tell states apart.
 */
export function fakeOptimizerState(
  model: FakeModel,
  meta: Pick<OptimizerState, 'optimizer' | 'learningRate' | 'iterations' | 'epochs'>,
): OptimizerState {
  const weights = fakeTrainable(model);
  return {
    ...meta,
    weights,
    tensors: weights.map((w) => ({
      name: `${w.name}/m`,
      shape: w.shape,
      dtype: 'float32' as const,
      data: new Uint8Array(new Float32Array(w.shape[0] ?? 0).fill(meta.iterations).buffer),
    })),
  };
}

/** TrainingServices over FakeModel; `train` is the test's to give. */
export function fakeServices(
  train: TrainingServices<FakeModel>['train'],
  overrides: Partial<TrainingServices<FakeModel>> = {},
): { services: TrainingServices<FakeModel>; log: FakeServiceLog } {
  const log: FakeServiceLog = { checkpoints: [], deleted: [], frames: [] };
  let saved = 0;
  const services: TrainingServices<FakeModel> = {
    datasets: {
      loadShipped: () => Promise.reject(new GraftError('error.data/not-found')),
      readCsv: () => Promise.reject(new GraftError('error.data/not-found')),
      csvToDataset: () => {
        throw new GraftError('error.data/invalid');
      },
      generate: () => {
        throw new GraftError('error.data/invalid');
      },
    },
    topologyOf: (model) => topologyOfSpec(model.spec),
    build: (spec) => fakeModel(spec),
    carryOver(from, to, fromSpec, toSpec) {
      const kept: string[] = [];
      const initialised: { name: string; reason: string }[] = [];
      for (const d of planCarryOver(fromSpec, toSpec)) {
        const source = d.from === null ? undefined : from.weights.get(d.from);
        if (d.action === 'keep' && source) {
          to.weights.set(d.name, [...source]);
          kept.push(d.name);
        } else initialised.push({ name: d.name, reason: d.reason });
      }
      return { kept, initialised };
    },
    trainableWeights: fakeTrainable,
    holdWeights(model) {
      const copy = new Map([...model.weights].map(([k, v]) => [k, [...v]]));
      return {
        restore: () => {
          for (const [k, v] of copy) model.weights.set(k, [...v]);
        },
        dispose: () => copy.clear(),
      };
    },
    train,
    evaluate: async (_model, x) => ({
      rows: x.shape[0] ?? 0,
      loss: 0.5,
      lossName: 'categoricalCrossentropy',
      accuracy: 0.75,
    }),
    predict: async (model, x) => {
      const rows = x.shape[0] ?? 0;
      const units = analyzeSpec(model.spec).outputShape?.[0] ?? 1;
      // Each output is the row's first scaled input, so tests can see which scaling was applied.
      const values = new Float32Array(rows * units);
      for (let r = 0; r < rows; r++)
        values.fill(x.values[r * (x.shape[1] ?? 1)] ?? 0, r * units, (r + 1) * units);
      return { values, shape: [rows, units] };
    },
    dispose: (model) => {
      model.disposed = true;
    },
    async commitCheckpoint(request) {
      log.checkpoints.push(request);
      return { id: `${String(++saved).padStart(64, '0')}` as VersionId, branch: request.branch };
    },
    async deleteCheckpoint(_repo, _branch, id) {
      log.deleted.push(id);
    },
    nextFrame: (callback) => {
      log.frames.push(callback);
    },
    ...overrides,
  };
  return { services, log };
}

/** Runs the frames requested so far, as the browser would before its next paint. */
export function runFrames(log: FakeServiceLog): number {
  const frames = log.frames.splice(0);
  frames.forEach((f) => f());
  return frames.length;
}
