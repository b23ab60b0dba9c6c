/** From a data set to the tensors' contents for training, and the record of it a version keeps. */
import type { JsonObject, JsonValue } from '../json';
import type { DataBlob } from '../ports/storage';
import { dataFingerprint, FINGERPRINT_FORMAT } from './fingerprint';
import { keptFormatOf, keptRefToJson } from './kept';
import {
  applyNormalization,
  computeNormalization,
  normalizationToJson,
  normalizeTargets,
  type NormalizationOptions,
  type NormalizationStats,
} from './normalize';
import { splitIndices, takeRows, type DataPart, type SplitIndices, type SplitOptions } from './split';
import type { Dataset, DatasetSource } from './types';

export type PrepareOptions = SplitOptions & NormalizationOptions;

export interface PreparedData {
  readonly dataset: Dataset;
  readonly split: SplitIndices;
  readonly normalization: NormalizationStats;
  /** Scaled features; for regression, scaled targets when the stats scale them. */
  readonly train: DataPart;
  readonly validation: DataPart;
  /** Of the raw rows and the split: see `dataFingerprint`. */
  readonly fingerprint: string;
}

export async function prepareDataset(dataset: Dataset, options: PrepareOptions): Promise<PreparedData> {
  const split = splitIndices(dataset, options);
  const normalization = computeNormalization(dataset, split.train, options);
  const scale = (part: DataPart): DataPart => ({
    rows: part.rows,
    x: applyNormalization(normalization, part.x, dataset.features),
    y: part.y instanceof Float32Array ? normalizeTargets(normalization, part.y) : part.y,
  });
  return {
    dataset,
    split,
    normalization,
    train: scale(takeRows(dataset, split.train)),
    validation: scale(takeRows(dataset, split.validation)),
    fingerprint: await dataFingerprint(dataset, split),
  };
}

function sourceToJson(source: DatasetSource): JsonObject {
  switch (source.kind) {
    case 'shipped':
      return { kind: source.kind, id: source.id, files: [...source.files] };
    case 'generated':
      return { kind: source.kind, generator: source.generator, params: { ...source.params } };
    case 'csv':
      return {
        kind: source.kind,
        fileName: source.fileName,
        labelColumn: source.labelColumn,
        excludedColumns: [...source.excludedColumns],
        oneHot: source.oneHot.map((c) => ({ column: c.column, values: [...c.values] })),
        droppedRows: source.droppedRows,
        delimiter: source.delimiter,
        hasHeader: source.hasHeader,
        missing: source.missing,
      };
  }
}

/**
 * What a version records about its data (`Provenance.dataset`): where the rows came from, their shape and
 * names, the split, the normalisation to apply to any later input, and the fingerprint of the exact rows.
 * With `kept` (the data's `keptDataOf`, stored beside the version), also which bytes rebuild them: their
 * hash, size and format; a CSV's source holds every option it was read with (restore.ts reads them back).
 */
export function datasetProvenance(prepared: PreparedData, kept: DataBlob | null): JsonObject {
  const { dataset: d, split } = prepared;
  const json: { [key: string]: JsonValue } = {
    id: d.id,
    name: d.name,
    task: d.task,
    source: sourceToJson(d.source),
    rows: d.rows,
    features: d.features,
    featureNames: [...d.featureNames],
    labelName: d.labelName,
    inputShape: [...d.inputShape],
    split: {
      seed: split.seed,
      validationFraction: split.validationFraction,
      stratified: split.stratified,
      trainRows: split.train.length,
      validationRows: split.validation.length,
    },
    normalization: normalizationToJson(prepared.normalization),
    fingerprint: prepared.fingerprint,
    fingerprintFormat: FINGERPRINT_FORMAT,
  };
  if (d.classNames) json['classNames'] = [...d.classNames];
  if (d.credit !== undefined) json['credit'] = d.credit;
  const format = keptFormatOf(d);
  if (kept && format)
    json['kept'] = keptRefToJson({ hash: kept.hash, byteLength: kept.bytes.byteLength, format });
  return json;
}
