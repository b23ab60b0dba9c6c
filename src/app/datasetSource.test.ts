import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SHIPPED_DATASETS } from '../core/data';
import { GraftError } from '../core/errors';
import {
  datasetLoader,
  datasetUrl,
  gunzipText,
  loadCsvFile,
  loadShippedDataset,
  readCsvFile,
} from './datasetSource';

const PUBLIC = new URL('../../public/', import.meta.url);

/** Serves `public/` the way a static host does; `decoded` imitates a host that sets Content-Encoding. */
function staticHost(options: { decoded?: boolean; status?: number; html?: boolean } = {}) {
  const requested: string[] = [];
  const fetcher = async (input: RequestInfo | URL): Promise<Response> => {
    const url = String(input);
    requested.push(url);
    if (options.status) return new Response('nope', { status: options.status });
    if (options.html) return new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } });
    let bytes: Uint8Array = readFileSync(new URL(url.replace(/^\//, ''), PUBLIC));
    if (options.decoded && url.endsWith('.gz')) bytes = gunzipSync(bytes);
    return new Response(new Uint8Array(bytes), { headers: { 'content-type': 'application/octet-stream' } });
  };
  return { fetch: fetcher as typeof fetch, requested };
}

async function rejection(p: Promise<unknown>): Promise<GraftError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GraftError);
    return e as GraftError;
  }
  throw new Error('expected a rejection');
}

describe('loadShippedDataset', () => {
  it('fetches every shipped data set from the page origin and gunzips in the browser way', async () => {
    const host = staticHost();
    for (const info of SHIPPED_DATASETS) {
      const d = await loadShippedDataset(info.id, { fetch: host.fetch });
      expect(d.rows).toBe(info.rows);
      expect(d.features).toBe(info.features);
    }
    expect(host.requested).toContain('/datasets/digits.csv.gz');
    expect(host.requested.every((u) => u.startsWith('/datasets/'))).toBe(true);
  });

  it('reads .gz files a server already decompressed (Content-Encoding: gzip)', async () => {
    const d = await loadShippedDataset('diabetes', { fetch: staticHost({ decoded: true }).fetch });
    expect(d.rows).toBe(442);
  });

  it('respects the base URL the app is served under', () => {
    expect(datasetUrl('iris.csv', '/graft/')).toBe('/graft/datasets/iris.csv');
    expect(datasetUrl('iris.csv', './')).toBe('./datasets/iris.csv');
    expect(datasetUrl('iris.csv', '/sub')).toBe('/sub/datasets/iris.csv');
    expect(datasetUrl('iris.csv')).toBe(`${import.meta.env.BASE_URL}datasets/iris.csv`);
  });

  it('says data/not-found, with what to do, when the file cannot be fetched', async () => {
    const e404 = await rejection(loadShippedDataset('iris', { fetch: staticHost({ status: 404 }).fetch }));
    expect(e404.code).toBe('data/not-found');
    expect(e404.message).toMatch(
      /Could not load the “Iris flowers” data set \(\/datasets\/iris\.csv: HTTP 404\)/,
    );
    expect(e404.message).toMatch(/reload the page/);
    const html = await rejection(loadShippedDataset('iris', { fetch: staticHost({ html: true }).fetch }));
    expect(html.code).toBe('data/not-found');
    expect(html.message).toMatch(/web page instead of the data/);
    const offline = await rejection(
      loadShippedDataset('iris', {
        fetch: (async () => {
          throw new TypeError('Failed to fetch');
        }) as typeof fetch,
      }),
    );
    expect(offline.code).toBe('data/not-found');
    expect(offline.message).toMatch(/Failed to fetch/);
  });

  it('lets a cancel through as an abort, not as an error to show', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborting = (async (_: unknown, init?: RequestInit) => {
      init?.signal?.throwIfAborted();
      return new Response('');
    }) as typeof fetch;
    await expect(
      loadShippedDataset('iris', { fetch: aborting, signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('gunzipText', () => {
  it('refuses damaged gzip data with data/parse', async () => {
    const e = await rejection(gunzipText(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), 'digits.csv.gz'));
    expect(e.code).toBe('data/parse');
    expect(e.message).toMatch(/digits\.csv\.gz is damaged/);
  });
});

describe('CSV files', () => {
  it('reads an uploaded file and builds the data set named after it', async () => {
    const file = new File(['a,b,label\n1,2,x\n3,4,y\n'], 'toys.csv', { type: 'text/csv' });
    const table = await readCsvFile(file);
    expect(table.header).toEqual(['a', 'b', 'label']);
    const d = await loadCsvFile(file, { labelColumn: 'label' });
    expect(d.id).toBe('csv:toys.csv');
    expect(d.name).toBe('toys');
    expect(d.classNames).toEqual(['x', 'y']);
    expect(datasetLoader.csvToDataset(await datasetLoader.readCsv(file), { labelColumn: 2 }).rows).toBe(2);
  });

  it('refuses a file too large before reading it', async () => {
    let read = false;
    const huge = {
      name: 'huge.csv',
      size: 80 * 1024 * 1024,
      arrayBuffer: async () => {
        read = true;
        return new ArrayBuffer(0);
      },
    };
    const e = await rejection(readCsvFile(huge));
    expect(e.code).toBe('data/invalid');
    expect(e.message).toBe(
      'huge.csv is 80 MB; Graft reads CSV files of up to 50 MB. Upload a sample of the rows.',
    );
    expect(read).toBe(false);
  });

  it('says so when the file cannot be read', async () => {
    const gone = {
      name: 'gone.csv',
      size: 10,
      arrayBuffer: () => Promise.reject(new Error('NotReadableError')),
    };
    const e = await rejection(readCsvFile(gone));
    expect(e.code).toBe('data/not-found');
    expect(e.message).toMatch(/Could not read gone\.csv: NotReadableError\. Choose the file again\./);
  });

  it('generates through the same loader the picker gets', () => {
    expect(datasetLoader.generate('spirals', { n: 20 }).rows).toBe(20);
  });
});
