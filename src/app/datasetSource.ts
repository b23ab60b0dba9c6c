/** The browser side of data: fetching the shipped files from the page's own origin and reading uploads. */
import {
  MAX_CSV_BYTES,
  generateDataset as generate,
  parseCsvBytes,
  parseShippedDataset,
  shippedDatasetInfo,
  tableToDataset,
  type CsvParseOptions,
  type CsvTable,
  type CsvToDatasetOptions,
  type Dataset,
  type DatasetLoader,
  type GeneratorKind,
  type GeneratorParams,
  type ShippedDatasetId,
  type TextFile,
} from '../core/data';
import { GraftError } from '../core/errors';

export interface FetchOptions {
  readonly signal?: AbortSignal;
  /** Tests pass their own; the page uses the global one. */
  readonly fetch?: typeof fetch;
  /** Defaults to Vite's `BASE_URL`, so the app works from any sub-path and offline. */
  readonly baseUrl?: string;
}

export function datasetUrl(file: string, baseUrl: string = import.meta.env.BASE_URL): string {
  return `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}datasets/${file}`;
}

export async function loadShippedDataset(id: ShippedDatasetId, options: FetchOptions = {}): Promise<Dataset> {
  const info = shippedDatasetInfo(id);
  if (info === undefined) throw new GraftError('error.data/not-found.shipped-set', { id });
  const texts = await Promise.all(
    info.files.map(async (file) => {
      const bytes = await fetchBytes(datasetUrl(file, options.baseUrl), info.name, options);
      return file.endsWith('.gz') ? gunzipText(bytes, file) : new TextDecoder().decode(bytes);
    }),
  );
  return parseShippedDataset(id, texts);
}

async function fetchBytes(
  url: string,
  name: string,
  options: FetchOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const notFound = (why: string, cause?: unknown): GraftError =>
    new GraftError('error.data/not-found.shipped-load', { url, name, why }, { cause });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, options.signal ? { signal: options.signal } : {});
  } catch (e) {
    // Cancelling is not an error: let the caller see the abort as such.
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw notFound(e instanceof Error ? e.message : String(e), e);
  }
  if (!response.ok) throw notFound(`HTTP ${response.status}`);
  // Hosts that fall back to index.html for unknown paths answer a missing file with 200 and a web page.
  if ((response.headers.get('content-type') ?? '').includes('text/html')) {
    throw notFound('the server sent a web page instead of the data');
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw notFound(e instanceof Error ? e.message : String(e), e);
  }
}

/**
 * Gunzips with the browser's own `DecompressionStream`. Some servers (Vite's dev server among them) send
 * `.gz` files with `Content-Encoding: gzip`, and then `fetch` has already decompressed them: bytes without
 * the gzip magic number are taken to be the text itself.
 */
export async function gunzipText(bytes: Uint8Array<ArrayBuffer>, file = 'file'): Promise<string> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return new TextDecoder().decode(bytes);
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return await new Response(stream).text();
  } catch (e) {
    throw new GraftError('error.data/parse.decompress', { file }, { cause: e });
  }
}

/** Reads an uploaded file into a table (keeping its bytes), refusing a file too large to hold before reading it. */
export async function readCsvFile(file: TextFile, options: CsvParseOptions = {}): Promise<CsvTable> {
  if (file.size > MAX_CSV_BYTES) {
    const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`;
    throw new GraftError('error.data/invalid.csv-too-large', {
      bytes: file.size,
      file: file.name,
      size: mb(file.size),
      max: mb(MAX_CSV_BYTES),
    });
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    throw new GraftError(
      'error.data/not-found.unreadable-file',
      { file: file.name, detail: e instanceof Error ? e.message : String(e) },
      { cause: e },
    );
  }
  return parseCsvBytes(bytes, options);
}

export type LoadCsvOptions = Omit<CsvToDatasetOptions, 'fileName'> & { readonly parse?: CsvParseOptions };

export async function loadCsvFile(file: TextFile, options: LoadCsvOptions): Promise<Dataset> {
  const table = await readCsvFile(file, options.parse);
  return tableToDataset(table, { ...options, fileName: file.name });
}

export function generateDataset(kind: GeneratorKind, params: Partial<GeneratorParams> = {}): Dataset {
  return generate(kind, params);
}

/** What the data picker is handed (see `DatasetLoader`). */
export const datasetLoader: DatasetLoader = {
  loadShipped: (id, signal) => loadShippedDataset(id, signal ? { signal } : {}),
  readCsv: (file) => readCsvFile(file),
  csvToDataset: (table, options) => tableToDataset(table, options),
  generate: generateDataset,
};
