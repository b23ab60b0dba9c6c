/** Starting models a user can pick: every model template, built from its spec. The seed example comes first. */
import type * as tf from '@tensorflow/tfjs';
import { GENERATORS, SHIPPED_DATASETS } from '../core/data';
import { MODEL_TEMPLATES } from '../core/model/templates';
import type { ModelTemplate } from '../core/ports';
import { buildModel } from './build';

/** Templates are always built from this seed, so the seed template gives exactly the founding example's model. */
export const TEMPLATE_SEED = 42;

/** A template as the New model dialog lists it, and how to build it. */
export interface TemplateDef extends ModelTemplate {
  readonly datasets: readonly string[];
  readonly datasetIds: readonly string[];
  readonly create: () => tf.LayersModel;
}

function datasetName(id: string): string {
  return SHIPPED_DATASETS.find((d) => d.id === id)?.name ?? GENERATORS.find((g) => g.kind === id)?.name ?? id;
}

export const TEMPLATES: readonly TemplateDef[] = MODEL_TEMPLATES.map((t) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  datasets: t.datasets.map(datasetName),
  datasetIds: t.datasets,
  create: () => buildModel(t.spec, { seed: TEMPLATE_SEED }),
}));
