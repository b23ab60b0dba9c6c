/**
 * The ML runtime's contract: backends, starting models, live models to snapshots and back, and what the
 * workspace shows of a model — implemented on TF.js in ml/ and wired in app/compose.ts. The live model type
 * `M` stays opaque, so state never touches TF.js.
 */
import type { ModelSummary } from '../versions/types';
import type { LoadedVersion, ModelSnapshot } from './snapshot';

export type BackendChoice = 'webgl' | 'cpu';

export interface BackendInfo {
  readonly active: string;
  readonly requested: BackendChoice;
  /** Set when the requested backend could not start and Graft fell back. */
  readonly fallbackReason?: string;
}

export interface ModelTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Names of the data sets the template suits, for the New model dialog. */
  readonly datasets?: readonly string[];
  /** Ids of those data sets, in the same order, so the dialog can show their translated names. */
  readonly datasetIds?: readonly string[];
}

/** A model's behaviour in one line: its output on a fixed, seeded input, and a hash of those bytes. */
export interface ProbeResult {
  readonly rows: number;
  readonly outputs: Float32Array<ArrayBuffer>;
  /** SHA-256 of the output bytes: equal only when every output bit is equal. */
  readonly fingerprint: string;
}

/** A layer as the architecture table shows it. */
export interface LayerInfo {
  readonly name: string;
  readonly className: string;
  readonly outputShape: string;
  readonly params: number;
  readonly trainable: boolean;
}

export interface MlServices<M> {
  readonly templates: readonly ModelTemplate[];
  startBackend(choice: BackendChoice): Promise<BackendInfo>;
  /** Switches backend and rebuilds `model` there from its own weights. */
  moveToBackend(model: M, choice: BackendChoice): Promise<{ model: M; backend: BackendInfo }>;
  createFromTemplate(id: string): M;
  snapshot(model: M): Promise<ModelSnapshot>;
  materialize(loaded: LoadedVersion): Promise<M>;
  summarize(model: M): ModelSummary;
  describeLayers(model: M): LayerInfo[];
  probe(model: M): Promise<ProbeResult>;
  dispose(model: M): void;
  environment(): { backend: string; tfjsVersion: string; userAgent: string };
  tensorCount(): number;
}
