/** The data a model trains on: a dense row-major matrix of features and one label per row. */

export type Task = 'classification' | 'regression';

export type ShippedDatasetId = 'digits' | 'iris' | 'wine' | 'breast-cancer' | 'diabetes';
export type GeneratorKind = 'xor' | 'spirals' | 'circles' | 'sine';

export interface GeneratorParams {
  /** Number of rows. */
  readonly n: number;
  /** Standard deviation of the Gaussian noise added to each point (for the sine, to the target). */
  readonly noise: number;
  readonly seed: number;
}

export type Delimiter = ',' | ';' | '\t';

/** What a missing cell does: stop the upload with the row and column, or leave its row out. */
export type MissingValues = 'error' | 'drop-rows';

/** How a text column of an uploaded CSV became features: one 0/1 feature per value, in this order. */
export interface OneHotColumn {
  readonly column: string;
  readonly values: readonly string[];
}

/** Where the rows came from: enough to load or regenerate the same data again. */
export type DatasetSource =
  | { readonly kind: 'shipped'; readonly id: ShippedDatasetId; readonly files: readonly string[] }
  | { readonly kind: 'generated'; readonly generator: GeneratorKind; readonly params: GeneratorParams }
  | {
      readonly kind: 'csv';
      readonly fileName: string;
      readonly labelColumn: string;
      readonly excludedColumns: readonly string[];
      readonly oneHot: readonly OneHotColumn[];
      /** Rows left out because a value was missing (only when the user chose to drop them). */
      readonly droppedRows: number;
      /** How the file was read, detected or chosen: with `bytes`, what reads the same rows again. */
      readonly delimiter: Delimiter;
      readonly hasHeader: boolean;
      readonly missing: MissingValues;
      /** The file as it was read, kept with every version trained on it (see kept.ts). */
      readonly bytes: Uint8Array<ArrayBuffer>;
    };

interface DatasetBase {
  /** Stable across loads of the same data: `iris`, `generated:xor`, `csv:houses.csv`. */
  readonly id: string;
  readonly name: string;
  readonly featureNames: readonly string[];
  /** The label column's name: the class, or the regression target. */
  readonly labelName: string;
  /** rows × features, row-major. */
  readonly x: Float32Array<ArrayBuffer>;
  readonly rows: number;
  readonly features: number;
  /**
   * The natural shape of one example, without the batch dimension: `[8, 8, 1]` for the digit images (what
   * a CNN takes), `[features]` otherwise. Rows are stored flat, so any model reshapes them for free.
   */
  readonly inputShape: readonly number[];
  readonly source: DatasetSource;
  /** Who made the data and under which terms; shown wherever the data set is. */
  readonly credit?: string;
}

export interface ClassificationDataset extends DatasetBase {
  readonly task: 'classification';
  /** `classNames[y[i]]` is the class of row i. */
  readonly classNames: readonly string[];
  readonly y: Int32Array<ArrayBuffer>;
}

export interface RegressionDataset extends DatasetBase {
  readonly task: 'regression';
  readonly classNames?: undefined;
  readonly y: Float32Array<ArrayBuffer>;
}

export type Dataset = ClassificationDataset | RegressionDataset;

/**
 * The smallest part of a browser `File` that loading a CSV needs, so Node tests can pass their own. Its
 * bytes are read as they are (not as text), because they are what a version keeps.
 */
export interface TextFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
