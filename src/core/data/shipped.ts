/** The real data sets that ship in `public/datasets/`: what they are, who made them, and how to read them. */
import { GraftError } from '../errors';
import type { ClassificationDataset, Dataset, RegressionDataset, ShippedDatasetId, Task } from './types';

/** The models that suit a data set, for the model builder to offer as starting points. */
export type SuggestedModel = 'mlp' | 'cnn';

export interface ShippedDatasetInfo {
  readonly id: ShippedDatasetId;
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  readonly rows: number;
  readonly features: number;
  /** Class count for classification. */
  readonly classes?: number;
  /** Paths relative to the `datasets/` folder; a `.gz` file is gzip-compressed text. */
  readonly files: readonly string[];
  /** The original description, shipped beside the data. */
  readonly descriptionFile: string;
  readonly inputShape: readonly number[];
  readonly suggestedModels: readonly SuggestedModel[];
  readonly credit: string;
  readonly sourceUrl: string;
}

const UCI = 'UCI Machine Learning Repository, CC BY 4.0';

export const SHIPPED_DATASETS: readonly ShippedDatasetInfo[] = [
  {
    id: 'digits',
    name: 'Handwritten digits (8×8)',
    description: '1,797 images of handwritten digits 0–9, each 8×8 pixels with values 0–16.',
    task: 'classification',
    rows: 1797,
    features: 64,
    classes: 10,
    files: ['digits.csv.gz'],
    descriptionFile: 'digits.rst',
    inputShape: [8, 8, 1],
    suggestedModels: ['mlp', 'cnn'],
    credit: `Optical Recognition of Handwritten Digits (test set), E. Alpaydin and C. Kaynak (1998). ${UCI}.`,
    sourceUrl: 'https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits',
  },
  {
    id: 'iris',
    name: 'Iris flowers',
    description: '150 flowers of three iris species, measured by sepal and petal length and width.',
    task: 'classification',
    rows: 150,
    features: 4,
    classes: 3,
    files: ['iris.csv'],
    descriptionFile: 'iris.rst',
    inputShape: [4],
    suggestedModels: ['mlp'],
    credit: `Iris, R. A. Fisher (1936), donated by M. Marshall (1988). ${UCI}.`,
    sourceUrl: 'https://archive.ics.uci.edu/dataset/53/iris',
  },
  {
    id: 'wine',
    name: 'Wine',
    description: '178 wines from three cultivars in one Italian region, by 13 chemical measurements.',
    task: 'classification',
    rows: 178,
    features: 13,
    classes: 3,
    files: ['wine_data.csv'],
    descriptionFile: 'wine_data.rst',
    inputShape: [13],
    suggestedModels: ['mlp'],
    credit: `Wine recognition, M. Forina et al., PARVUS; Lichman, M. (2013). ${UCI}.`,
    sourceUrl: 'https://archive.ics.uci.edu/ml/machine-learning-databases/wine/wine.data',
  },
  {
    id: 'breast-cancer',
    name: 'Breast cancer (Wisconsin diagnostic)',
    description: '569 breast mass samples, malignant or benign, by 30 features of the cell nuclei.',
    task: 'classification',
    rows: 569,
    features: 30,
    classes: 2,
    files: ['breast_cancer.csv'],
    descriptionFile: 'breast_cancer.rst',
    inputShape: [30],
    suggestedModels: ['mlp'],
    credit: `Breast Cancer Wisconsin (Diagnostic), W. H. Wolberg, W. N. Street and O. L. Mangasarian (1995). ${UCI}.`,
    sourceUrl: 'https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic',
  },
  {
    id: 'diabetes',
    name: 'Diabetes progression',
    description:
      '442 diabetes patients: age, sex, BMI, blood pressure and six blood serum measurements, and how far the disease progressed a year later.',
    task: 'regression',
    rows: 442,
    features: 10,
    files: ['diabetes_data_raw.csv.gz', 'diabetes_target.csv.gz'],
    descriptionFile: 'diabetes.rst',
    inputShape: [10],
    suggestedModels: ['mlp'],
    credit:
      'Diabetes, B. Efron, T. Hastie, I. Johnstone and R. Tibshirani, "Least Angle Regression", Annals of Statistics (2004), as distributed with scikit-learn.',
    sourceUrl: 'https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html',
  },
];

export function shippedDatasetInfo(id: string): ShippedDatasetInfo | undefined {
  return SHIPPED_DATASETS.find((d) => d.id === id);
}

// scikit-learn's names for the columns, which the files themselves do not carry.
const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const WINE_FEATURES = [
  'alcohol',
  'malic acid',
  'ash',
  'alcalinity of ash',
  'magnesium',
  'total phenols',
  'flavanoids',
  'nonflavanoid phenols',
  'proanthocyanins',
  'color intensity',
  'hue',
  'OD280/OD315 of diluted wines',
  'proline',
];
const CANCER_MEASURES = [
  'radius',
  'texture',
  'perimeter',
  'area',
  'smoothness',
  'compactness',
  'concavity',
  'concave points',
  'symmetry',
  'fractal dimension',
];
const CANCER_FEATURES = [
  ...CANCER_MEASURES.map((m) => `mean ${m}`),
  ...CANCER_MEASURES.map((m) => `${m} error`),
  ...CANCER_MEASURES.map((m) => `worst ${m}`),
];
const DIABETES_FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const DIGIT_FEATURES = Array.from({ length: 64 }, (_, i) => `pixel ${Math.floor(i / 8)},${i % 8}`);

/** Parses the files of a shipped data set, given as text in the order of `info.files`. */
export function parseShippedDataset(id: ShippedDatasetId, texts: readonly string[]): Dataset {
  const info = shippedDatasetInfo(id);
  if (info === undefined) throw new GraftError('error.data/not-found.shipped-set', { id });
  const text = (i: number): string => {
    const t = texts[i];
    const file = info.files[i] ?? '';
    if (t === undefined) throw new GraftError('error.data/not-found.shipped-file', { file, name: info.name });
    return t;
  };
  switch (id) {
    case 'digits':
      return parseDigitsCsv(text(0), info);
    case 'iris':
      return parseSklearnCsv(text(0), info, IRIS_FEATURES);
    case 'wine':
      return parseSklearnCsv(text(0), info, WINE_FEATURES);
    case 'breast-cancer':
      return parseSklearnCsv(text(0), info, CANCER_FEATURES);
    case 'diabetes':
      return parseDiabetes(text(0), text(1), info);
  }
}

/**
 * scikit-learn's CSV layout: a first line `rows,features,class names…`, then one row per line with the
 * features and, last, the class index.
 */
export function parseSklearnCsv(
  text: string,
  info: ShippedDatasetInfo,
  featureNames: readonly string[],
): ClassificationDataset {
  const file = info.files[0] ?? info.id;
  const lines = dataLines(text);
  const head = lines[0];
  if (head === undefined) throw new GraftError('error.data/parse.shipped-empty', { file });
  const [rowsText, featuresText, ...classNames] = head.text.split(',').map((s) => s.trim());
  const rows = Number(rowsText);
  const features = Number(featuresText);
  if (!Number.isInteger(rows) || !Number.isInteger(features) || rows <= 0 || features <= 0) {
    throw new GraftError('error.data/parse.shipped-head', { file, head: head.text });
  }
  if (featureNames.length !== features) {
    throw new GraftError('error.data/parse.shipped-features', {
      file,
      features,
      name: info.name,
      expected: featureNames.length,
    });
  }
  if (lines.length - 1 !== rows) {
    throw new GraftError('error.data/parse.shipped-rows', { file, rows, holds: lines.length - 1 });
  }
  const body = lines.slice(1);
  const { x, labels } = numericMatrix(body, ',', features + 1, file, features);
  return classification(info, featureNames, classNames, x, labels, body);
}

/** The digits file: no header, 64 pixel values then the digit on each line. */
export function parseDigitsCsv(text: string, info: ShippedDatasetInfo): ClassificationDataset {
  const file = info.files[0] ?? info.id;
  const lines = dataLines(text);
  const { x, labels } = numericMatrix(lines, ',', 65, file, 64);
  const classNames = Array.from({ length: 10 }, (_, i) => String(i));
  return classification(info, DIGIT_FEATURES, classNames, x, labels, lines);
}

/** The diabetes data: space-separated features, no header, and the target one value a line in its own file. */
export function parseDiabetes(
  dataText: string,
  targetText: string,
  info: ShippedDatasetInfo,
): RegressionDataset {
  const [dataFile = 'data', targetFile = 'target'] = info.files;
  const lines = dataLines(dataText);
  const { x } = numericMatrix(lines, /\s+/, 10, dataFile, 10);
  const targets = dataLines(targetText);
  if (targets.length !== lines.length) {
    throw new GraftError('error.data/parse.shipped-targets', {
      targetFile,
      targets: targets.length,
      rows: lines.length,
      dataFile,
    });
  }
  const { x: y } = numericMatrix(targets, /\s+/, 1, targetFile, 1);
  return {
    id: info.id,
    name: info.name,
    task: 'regression',
    featureNames: DIABETES_FEATURES,
    labelName: 'disease progression',
    x,
    y,
    rows: lines.length,
    features: 10,
    inputShape: info.inputShape,
    source: { kind: 'shipped', id: info.id, files: info.files },
    credit: info.credit,
  };
}

function classification(
  info: ShippedDatasetInfo,
  featureNames: readonly string[],
  classNames: readonly string[],
  x: Float32Array<ArrayBuffer>,
  labels: Float32Array<ArrayBuffer>,
  lines: readonly Line[],
): ClassificationDataset {
  const file = info.files[0] ?? info.id;
  const rows = lines.length;
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const v = labels[r] ?? NaN;
    if (!Number.isInteger(v) || v < 0 || v >= classNames.length) {
      throw new GraftError('error.data/parse.shipped-class', {
        file,
        row: lines[r]?.number ?? 0,
        value: v,
        classes: classNames.length,
      });
    }
    y[r] = v;
  }
  return {
    id: info.id,
    name: info.name,
    task: 'classification',
    featureNames,
    classNames,
    labelName: 'class',
    x,
    y,
    rows,
    features: featureNames.length,
    inputShape: info.inputShape,
    source: { kind: 'shipped', id: info.id, files: info.files },
    credit: info.credit,
  };
}

interface Line {
  readonly text: string;
  /** 1-based line number in the file. */
  readonly number: number;
}

function dataLines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const t = raw.trim();
    if (t !== '') out.push({ text: t, number: i + 1 });
  });
  return out;
}

/**
 * Reads lines of numbers into a features matrix; with `features` less than `width`, the last column comes
 * back apart as the labels.
 */
function numericMatrix(
  lines: readonly Line[],
  separator: string | RegExp,
  width: number,
  file: string,
  features: number,
): { x: Float32Array<ArrayBuffer>; labels: Float32Array<ArrayBuffer> } {
  const x = new Float32Array(lines.length * features);
  const labels = new Float32Array(lines.length);
  lines.forEach((line, r) => {
    const cells = line.text.split(separator);
    if (cells.length !== width) {
      throw new GraftError('error.data/parse.shipped-width', {
        file,
        row: line.number,
        values: cells.length,
        expected: width,
      });
    }
    cells.forEach((cell, c) => {
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) {
        throw new GraftError('error.data/parse.shipped-number', {
          file,
          row: line.number,
          column: c + 1,
          value: cell,
        });
      }
      if (c < features) x[r * features + c] = v;
      else labels[r] = v;
    });
  });
  return { x, labels };
}
