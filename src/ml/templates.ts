/** Starting models a user can pick. The seed example comes first. */
import type * as tf from '@tensorflow/tfjs';
import { createSeedModel } from './seedModel';

export interface TemplateDef {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly create: () => tf.LayersModel;
}

export const TEMPLATES: readonly TemplateDef[] = [
  {
    id: 'seed-mlp',
    name: 'Seed MLP (100 → 64 → 10)',
    description: 'Input 100 → Dense 64 relu → Dense 10 softmax: the network from Graft’s founding example.',
    create: () => createSeedModel(),
  },
];
