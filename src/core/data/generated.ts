/** Small synthetic data sets, the same for the same parameters in every browser: made from a seeded PRNG. */
import { GraftError } from '../errors';
import { mulberry32 } from '../random';
import type { Dataset, GeneratorKind, GeneratorParams, Task } from './types';

export interface GeneratorInfo {
  readonly kind: GeneratorKind;
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  readonly defaults: GeneratorParams;
}

export const GENERATORS: readonly GeneratorInfo[] = [
  {
    kind: 'xor',
    name: 'XOR',
    description:
      'Points in a square; the class is whether x and y have different signs. Not linearly separable.',
    task: 'classification',
    defaults: { n: 400, noise: 0.1, seed: 1 },
  },
  {
    kind: 'spirals',
    name: 'Two spirals',
    description: 'Two interleaved spirals, one per class: hard for a small network.',
    task: 'classification',
    defaults: { n: 400, noise: 0.05, seed: 1 },
  },
  {
    kind: 'circles',
    name: 'Circles',
    description: 'A small circle inside a large one, one per class, with noise.',
    task: 'classification',
    defaults: { n: 400, noise: 0.1, seed: 1 },
  },
  {
    kind: 'sine',
    name: 'Noisy sine',
    description: 'y = sin(x) plus Gaussian noise, for x in [−π, π]: regression with one feature.',
    task: 'regression',
    defaults: { n: 200, noise: 0.1, seed: 1 },
  },
];

export const GENERATOR_LIMITS = { minRows: 4, maxRows: 100_000, maxNoise: 2 } as const;

export function generatorInfo(kind: string): GeneratorInfo | undefined {
  return GENERATORS.find((g) => g.kind === kind);
}

/** Parameters not given take the generator's defaults. */
export function generateDataset(kind: GeneratorKind, params: Partial<GeneratorParams> = {}): Dataset {
  const info = generatorInfo(kind);
  if (info === undefined) throw new GraftError('error.data/not-found.generated-set', { kind });
  const p: GeneratorParams = { ...info.defaults, ...params };
  checkParams(p);
  const next = mulberry32(p.seed);
  const gauss = (): number => {
    // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const base = {
    id: `generated:${kind}`,
    name: info.name,
    source: { kind: 'generated' as const, generator: kind, params: p },
  };
  const x = new Float32Array(p.n * (kind === 'sine' ? 1 : 2));

  if (kind === 'sine') {
    const y = new Float32Array(p.n);
    for (let i = 0; i < p.n; i++) {
      const t = (next() * 2 - 1) * Math.PI;
      x[i] = t;
      y[i] = Math.sin(t) + p.noise * gauss();
    }
    return {
      ...base,
      task: 'regression',
      featureNames: ['x'],
      labelName: 'y',
      x,
      y,
      rows: p.n,
      features: 1,
      inputShape: [1],
    };
  }

  const y = new Int32Array(p.n);
  const half = Math.ceil(p.n / 2);
  for (let i = 0; i < p.n; i++) {
    let px: number;
    let py: number;
    // Classes alternate row by row, so both show in the first rows of a preview and stay balanced.
    const label = i % 2;
    if (kind === 'xor') {
      px = next() * 2 - 1;
      const sign = (px < 0 ? -1 : 1) * (label === 1 ? -1 : 1);
      py = sign * next();
    } else {
      const k = Math.floor(i / 2) / half;
      if (kind === 'spirals') {
        const angle = k * 3.5 * Math.PI + label * Math.PI;
        px = k * Math.sin(angle);
        py = k * Math.cos(angle);
      } else {
        const angle = next() * 2 * Math.PI;
        const radius = label === 0 ? 0.5 : 1;
        px = radius * Math.cos(angle);
        py = radius * Math.sin(angle);
      }
    }
    x[2 * i] = px + p.noise * gauss();
    x[2 * i + 1] = py + p.noise * gauss();
    y[i] = label;
  }
  const classNames =
    kind === 'xor'
      ? ['same sign', 'different signs']
      : kind === 'spirals'
        ? ['spiral A', 'spiral B']
        : ['inner', 'outer'];
  return {
    ...base,
    task: 'classification',
    featureNames: ['x', 'y'],
    classNames,
    labelName: 'class',
    x,
    y,
    rows: p.n,
    features: 2,
    inputShape: [2],
  };
}

function checkParams(p: GeneratorParams): void {
  const { minRows, maxRows, maxNoise } = GENERATOR_LIMITS;
  if (!Number.isInteger(p.n) || p.n < minRows || p.n > maxRows) {
    throw new GraftError('error.data/invalid.generator-points', {
      param: 'n',
      value: p.n,
      min: minRows,
      max: maxRows.toLocaleString('en'),
    });
  }
  if (!Number.isFinite(p.noise) || p.noise < 0 || p.noise > maxNoise) {
    throw new GraftError('error.data/invalid.generator-noise', {
      param: 'noise',
      value: p.noise,
      max: maxNoise,
    });
  }
  if (!Number.isSafeInteger(p.seed)) {
    throw new GraftError('error.data/invalid.generator-seed', { param: 'seed', value: p.seed });
  }
}
