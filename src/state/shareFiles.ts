/** Files picked or dropped for the Share feature: reading them, telling bundles apart, naming what they hold. */
import { BUNDLE_EXTENSION, MANIFEST_FILE } from '../core/bundle/names';
import { blobSource } from '../core/bundle/archive';
import { isZip, listZipFrom } from '../core/bundle/zip';
import { GraftError, isGraftError } from '../core/errors';
import type { ImportReport, NamedBytes } from '../core/ports';
import type { PickedFile } from './Share.svelte';
import { t } from './i18n';

export const MAX_REPO_NAME = 120;
/** The name of a model whose files say nothing better, in the active language. */
export const defaultModelName = (): string => t('share.model.defaultName');

export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max).trimEnd() : text);

const unreadable = (file: PickedFile, cause: unknown) =>
  new GraftError('error.import/invalid-model.unreadable-file', { file: file.name }, { cause });

export async function readAll(files: readonly PickedFile[]): Promise<NamedBytes[]> {
  return Promise.all(
    files.map(async (f) => {
      try {
        return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
      } catch (e) {
        throw unreadable(f, e);
      }
    }),
  );
}

/** Enough of a file's start to tell a zip. */
const HEAD_BYTES = 4;

/** A file's first bytes, which also show it can still be read (it may have moved since it was picked). */
export async function readHead(file: PickedFile): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  } catch (e) {
    throw unreadable(file, e);
  }
}

/**
 * A Graft bundle by its name, or a zip whose directory lists the bundle manifest: told from the file's
 * first bytes and its zip directory, without reading the rest.
 */
export async function isBundleFile(file: PickedFile): Promise<boolean> {
  const head = await readHead(file);
  if (file.name.toLowerCase().endsWith(BUNDLE_EXTENSION)) return true;
  if (!isZip(head)) return false;
  try {
    return (await listZipFrom(blobSource(file), file.name, () => false)).entries.has(MANIFEST_FILE);
  } catch (e) {
    // Not readable as a zip here: the model reader names the problem.
    if (isGraftError(e)) return false;
    throw unreadable(file, e);
  }
}

/**
 * Names Keras and TF.js give every model unless told otherwise ("model", "sequential_2", "functional"),
 * and the stems of the files they write ("model.json", "model.h5"): they say nothing about this model.
 */
const GENERIC_NAME = /^(model|sequential|functional|keras_model|tfjs_model|web_model)([_-]?\d+)?$/i;

/**
 * A repository name for a model read from files: the model's own name (`modelName`, from its topology),
 * else the model file's name ("my_net.json" → "my_net"), else the folder it came in, else the zip's name,
 * passing over the generic names Keras and TF.js give everything; else a translated "Imported model".
 */
export function suggestName(
  files: readonly NamedBytes[],
  modelFile: string,
  modelName: string | null = null,
): string {
  const stem = (name: string) => baseName(name).replace(/(\.graft)?\.[a-z0-9]{1,10}$/i, '');
  const zip = files.find((f) => isZip(f.bytes));
  const candidates = [modelName ?? '', stem(modelFile), ...modelFile.split('/').slice(0, -1).reverse()];
  if (zip) candidates.push(stem(zip.name));
  const name = candidates.map((c) => c.trim()).find((c) => c && !GENERIC_NAME.test(c));
  return clip(name ?? defaultModelName(), MAX_REPO_NAME);
}

/** One line for the notice banner; the Share panel shows the full report. */
export function importSummary(fileName: string, report: ImportReport): string {
  const added = report.addedVersions.length;
  const existing = report.existingVersions.length;
  const renamed = report.refs.filter((r) => r.action === 'renamed').length;
  const changedRefs = report.refs.filter((r) => r.action !== 'unchanged').length;
  const what = t(report.repository.created ? 'share.summary.newModel' : 'share.summary.repo', {
    name: report.repository.name,
  });
  if (added === 0 && changedRefs === 0)
    return t('share.summary.nothing', { file: fileName, count: existing });
  return [
    t('share.summary.added', { file: fileName, what, count: added }),
    existing ? t('share.summary.existing', { count: existing }) : '',
    renamed ? t('share.summary.renamed', { count: renamed }) : '',
    report.warnings.length ? t('share.summary.warnings', { count: report.warnings.length }) : '',
    t('share.summary.details'),
  ].join('');
}
