/** What the data picker needs from the page to get data, implemented by app/datasetSource.ts. */
import type { CsvTable, CsvToDatasetOptions } from './csv';
import type { Dataset, GeneratorKind, GeneratorParams, ShippedDatasetId, TextFile } from './types';

export interface DatasetLoader {
  /** Fetches and parses a data set shipped with the page; `data/not-found` when it cannot be fetched. */
  loadShipped(id: ShippedDatasetId, signal?: AbortSignal): Promise<Dataset>;
  /** Reads a CSV file into a table, so the user can pick its label column before it becomes a data set. */
  readCsv(file: TextFile): Promise<CsvTable>;
  /** A table read by `readCsv`, as a data set. */
  csvToDataset(table: CsvTable, options: CsvToDatasetOptions): Dataset;
  generate(kind: GeneratorKind, params?: Partial<GeneratorParams>): Dataset;
}
