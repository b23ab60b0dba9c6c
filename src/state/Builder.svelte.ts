/**
 * The model builder: the live model read back as a spec, the user's edits to it, and applying them as a
 * new live model that keeps the trained weights of every layer the edit left intact.
 */
import { err, GraftError, ok, toGraftError, type Result } from '../core/errors';
import { isJsonObject } from '../core/json';
import { analyzeSpec, formatShape, specProblemPart, type SpecAnalysis } from '../core/model/analyze';
import { planCarryOver, type CarryOverDecision, type CarryOverReport } from '../core/model/carryOver';
import { setInputShape, updateLayer } from '../core/model/edit';
import { graphFromSpec, graphFromTopology, type LayerGraph } from '../core/model/graph';
import type { LayerSpec, ModelSpec } from '../core/model/spec';
import { specFromTopology } from '../core/model/topology';
import type { DataSelection } from './DataSelection.svelte';
import { locale, t } from './i18n';
import type { TrainingServices } from '../core/ports';
import type { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { LiveModel } from './LiveModel.svelte';

/** Seed of the initialisers of layers an edit adds or reshapes; recorded with the edit. */
export const EDIT_SEED = 42;

/** The last edit applied, for the carry-over report. */
export interface AppliedEdit<M> {
  /** The model the edit made; the report is shown while it is live. */
  readonly model: M;
  readonly description: string;
  readonly report: CarryOverReport;
}

/** What a data set asks of a model's ends: values per example in, and units out (null: any). */
export interface DataFit {
  readonly name: string;
  readonly features: number;
  readonly outputs: number | null;
  readonly task: 'classification' | 'regression';
}

const IGNORED_KEYS = new Set(['id', 'kind', 'name', 'trainable']);

/** The editor's label keys for options whose name differs from the option's key. */
const FIELD_LABEL: Readonly<Record<string, string>> = { kernelSize: 'kernel', poolSize: 'pool' };

/** An option's name in a sentence: "kernel size" in English, the editor's label in other languages. */
function words(key: string): string {
  const label = `model.field.${FIELD_LABEL[key] ?? key}`;
  if (locale.lang !== 'en' && locale.has(label)) return t(label);
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function show(value: unknown): string {
  if (Array.isArray(value)) return formatShape(value as number[]);
  return typeof value === 'string' ? value : String(value);
}

/** A new layer's main options, as a user would say them: "64 units, relu". */
function layerGist(layer: LayerSpec): string {
  switch (layer.kind) {
    case 'Dense':
    case 'LSTM':
      return t('builder.gist.units', { count: layer.units, activation: layer.activation });
    case 'Conv2D':
      return t('builder.gist.filters', { count: layer.filters, kernel: layer.kernelSize.join('×') });
    case 'MaxPooling2D':
      return ` (${layer.poolSize.join('×')})`;
    case 'Dropout':
      return t('builder.gist.rate', { rate: String(layer.rate) });
    case 'Reshape':
      return t('builder.gist.reshape', { shape: formatShape(layer.targetShape) });
    default:
      return '';
  }
}

/** What changed from `from` to `to`, one phrase per change, in the order a reader would check them. */
export function describeSpecChanges(from: ModelSpec, to: ModelSpec): string[] {
  const out: string[] = [];
  if (formatShape(from.inputShape) !== formatShape(to.inputShape))
    out.push(
      t('builder.change.input', { shape: formatShape(to.inputShape), was: formatShape(from.inputShape) }),
    );
  const before = new Map(from.layers.map((l) => [l.id, l]));
  const after = new Map(to.layers.map((l) => [l.id, l]));
  for (const layer of to.layers)
    if (!before.has(layer.id))
      out.push(t('builder.change.added', { kind: layer.kind, name: layer.name, gist: layerGist(layer) }));
  for (const layer of from.layers)
    if (!after.has(layer.id)) out.push(t('builder.change.removed', { kind: layer.kind, name: layer.name }));

  const keptBefore = from.layers.filter((l) => after.has(l.id)).map((l) => l.id);
  const keptAfter = to.layers.filter((l) => before.has(l.id)).map((l) => l.id);
  keptAfter.forEach((id, i) => {
    if (keptBefore[i] !== id) out.push(t('builder.change.moved', { name: after.get(id)?.name ?? id }));
  });

  for (const layer of to.layers) {
    const old = before.get(layer.id);
    if (!old) continue;
    if (old.name !== layer.name) out.push(t('builder.change.renamed', { old: old.name, name: layer.name }));
    if (old.trainable !== layer.trainable)
      out.push(t(layer.trainable ? 'builder.change.unfroze' : 'builder.change.froze', { name: layer.name }));
    const a = old as unknown as Record<string, unknown>;
    const b = layer as unknown as Record<string, unknown>;
    for (const key of Object.keys(b)) {
      if (IGNORED_KEYS.has(key) || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
      out.push(
        t('builder.change.option', {
          option: words(key),
          name: layer.name,
          from: show(a[key]),
          to: show(b[key]),
        }),
      );
    }
  }
  return out;
}

/** The changes as one phrase for the save form: the first few, then how many more. */
export function summarizeChanges(changes: readonly string[]): string {
  if (changes.length <= 3) return changes.join(t('builder.change.separator'));
  return t('builder.change.more', {
    changes: changes.slice(0, 3).join(t('builder.change.separator')),
    count: changes.length - 3,
  });
}

const product = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/**
 * `spec` with its input taking `fit.features` values per example and, where its last layer is Dense, as
 * many outputs as the data needs. Null when nothing needs to change. The result may still be invalid (a
 * Reshape that no longer fits, say): applying it then names the layer at fault.
 */
export function adaptedSpec(spec: ModelSpec, fit: DataFit): ModelSpec | null {
  let next = spec;
  if (product(spec.inputShape) !== fit.features) next = setInputShape(next, [fit.features]);
  const last: LayerSpec | undefined = next.layers[next.layers.length - 1];
  if (fit.outputs !== null && last?.kind === 'Dense' && last.units !== fit.outputs) {
    const activation =
      fit.task === 'regression' ? 'linear' : fit.outputs === 1 ? 'sigmoid' : ('softmax' as const);
    next = updateLayer(next, last.id, { units: fit.outputs, activation });
  }
  return next === spec ? null : next;
}

export class Builder<M> {
  readonly #activity: Activity;
  readonly #history: History;
  readonly #live: LiveModel<M>;
  readonly #svc: TrainingServices<M>;
  readonly #data: DataSelection;
  /** The user's unapplied edits, and the live model they were made on: a new live model discards them. */
  #edit = $state.raw<{ readonly model: M; readonly spec: ModelSpec } | null>(null);

  lastApplied = $state.raw<AppliedEdit<M> | null>(null);

  /** The live model's topology, read once per live model. */
  readonly topology = $derived.by(() => {
    const live = this.#live.live;
    return live ? this.#svc.topologyOf(live.model) : null;
  });

  /** The live model as a spec, or why the builder cannot edit it. */
  readonly source: Result<ModelSpec> | null = $derived.by(() => {
    const topology = this.topology;
    if (!topology) return null;
    const wrapped = topology['model_config'];
    const className = (isJsonObject(wrapped) ? wrapped : topology)['class_name'];
    if (className === 'Model' || className === 'Functional')
      return err(new GraftError('error.model/invalid-stack.functional'));
    try {
      return specFromTopology(topology);
    } catch (e) {
      return err(toGraftError(e));
    }
  });
  readonly spec: ModelSpec | null = $derived(this.source?.ok ? this.source.value : null);
  /** Why the builder cannot edit the live model (the UI words it with formatError); null when it can. */
  readonly readOnlyError: GraftError | null = $derived(
    this.source && !this.source.ok ? this.source.error : null,
  );
  /** The same in English, for logs and tests. */
  readonly readOnlyReason: string | null = $derived(this.readOnlyError?.message ?? null);

  readonly draft: ModelSpec | null = $derived.by(() =>
    this.#edit && this.#edit.model === this.#live.live?.model ? this.#edit.spec : this.spec,
  );
  readonly analysis: SpecAnalysis | null = $derived(this.draft ? analyzeSpec(this.draft) : null);
  readonly changes: readonly string[] = $derived(
    this.spec && this.draft && this.draft !== this.spec ? describeSpecChanges(this.spec, this.draft) : [],
  );
  readonly dirty: boolean = $derived(this.changes.length > 0);
  /** Which layers would keep their trained weights if the draft were applied now. */
  readonly plan: readonly CarryOverDecision[] = $derived(
    this.spec && this.draft && this.dirty && this.analysis?.ok ? planCarryOver(this.spec, this.draft) : [],
  );
  readonly canApply: boolean = $derived.by(
    () =>
      this.dirty &&
      this.analysis?.ok === true &&
      this.#activity.busy === null &&
      this.#live.live !== null &&
      this.#live.live.repoId === this.#history.repoId,
  );
  /** The layer graph to draw: the draft as it is edited, or the stored topology of a model the builder cannot edit. */
  readonly graph: LayerGraph | null = $derived.by(() => {
    if (this.draft && this.analysis) return graphFromSpec(this.draft, this.analysis);
    const live = this.#live.live;
    return this.topology && live ? graphFromTopology(this.topology, live.layers) : null;
  });
  /** The input shape the chosen data gives, for the editor to offer; null with no data chosen. */
  readonly inputShapeHint: readonly number[] | null = $derived.by(() => {
    const dataset = this.#data.dataset;
    return dataset ? [dataset.features] : null;
  });
  /** The report of the last edit, while the model it made is live. */
  readonly report: AppliedEdit<M> | null = $derived.by(() =>
    this.lastApplied && this.lastApplied.model === this.#live.live?.model ? this.lastApplied : null,
  );

  /** `data` is the app's one data selection, chosen on the Train tab. */
  constructor(
    activity: Activity,
    history: History,
    live: LiveModel<M>,
    services: TrainingServices<M>,
    data: DataSelection,
  ) {
    this.#activity = activity;
    this.#history = history;
    this.#live = live;
    this.#svc = services;
    this.#data = data;
  }

  edit(spec: ModelSpec): void {
    const live = this.#live.live;
    if (!live || !this.spec) return;
    this.#edit = { model: live.model, spec };
  }

  discard(): void {
    this.#edit = null;
  }

  /** Builds the draft and makes it the live model, carrying over every layer's weights that still fit. */
  apply(): Promise<Result<void>> {
    const from = this.spec;
    const to = this.draft;
    if (!from || !to || !this.dirty) return Promise.resolve(ok(undefined));
    return this.#activity.run(t('builder.busy.apply'), () =>
      this.#replace(from, to, summarizeChanges(describeSpecChanges(from, to))),
    );
  }

  /** Whether `adapt(fit)` has something to change. */
  canAdapt(fit: DataFit): boolean {
    return this.spec !== null && adaptedSpec(this.spec, fit) !== null;
  }

  /** Changes the live model's input (and, where it can, its output) to fit a data set, as one edit. */
  adapt(fit: DataFit): Promise<Result<void>> {
    return this.#activity.run(t('builder.busy.adapt'), async () => {
      const from = this.spec;
      if (!from) throw this.readOnlyError ?? new GraftError('error.model/invalid-stack.no-model');
      const to = adaptedSpec(from, fit);
      if (!to) return;
      const changes = describeSpecChanges(from, to);
      await this.#replace(
        from,
        to,
        t('builder.change.adapted', { data: fit.name, changes: summarizeChanges(changes) }),
      );
    });
  }

  async #replace(from: ModelSpec, to: ModelSpec, description: string): Promise<void> {
    const live = this.#live.live;
    if (!live) throw new GraftError('error.repo/not-found.open-first');
    const problem = analyzeSpec(to).problems[0];
    if (problem)
      throw new GraftError(`error.${problem.code}.spec-fix`, { problem: specProblemPart(problem, to) });
    const model = this.#svc.build(to, EDIT_SEED);
    let report: CarryOverReport;
    try {
      report = this.#svc.carryOver(live.model, model, from, to);
    } catch (e) {
      this.#svc.dispose(model);
      throw e;
    }
    await this.#live.replaceLive(model, {
      change: 'edited',
      description,
      provenance: {
        edit: {
          changes: describeSpecChanges(from, to),
          kept: [...report.kept],
          initialised: report.initialised.map((i) => ({ name: i.name, reason: i.reason })),
          seed: EDIT_SEED,
        },
      },
      metrics: {},
    });
    this.#edit = null;
    this.lastApplied = { model, description, report };
  }
}
