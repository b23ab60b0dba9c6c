/**
 * The files of a drop, folders included: a dropped model folder (model.json beside its weight files)
 * arrives as one directory entry, read here into files named by their path inside the drop.
 */
import type { PickedFile } from '../../state/Share.svelte';

/** Enough for any model's shards; a drop of a whole disk folder stops here instead of reading it all. */
const MAX_FILES = 2_000;
const MAX_DEPTH = 4;

/** Must run inside the drop handler: the browser empties `dataTransfer` once the event is over. */
export function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of data.items) {
    if (item.kind !== 'file') continue;
    // A DataTransfer built by a script has no entries; its files are read directly.
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...data.files);
  return collect(entries, loose);
}

async function collect(entries: readonly FileSystemEntry[], loose: readonly File[]): Promise<PickedFile[]> {
  const out: PickedFile[] = [...loose];
  for (const entry of entries) await walk(entry, 0, out);
  return out;
}

async function walk(entry: FileSystemEntry, depth: number, out: PickedFile[]): Promise<void> {
  if (out.length >= MAX_FILES) return;
  if (isFile(entry)) {
    const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject));
    const path = entry.fullPath.replace(/^\/+/, '') || file.name;
    out.push({
      name: path,
      size: file.size,
      arrayBuffer: () => file.arrayBuffer(),
      slice: (start, end) => file.slice(start, end),
    });
    return;
  }
  if (!isDirectory(entry) || depth >= MAX_DEPTH) return;
  const reader = entry.createReader();
  // readEntries hands out a directory in batches until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, depth + 1, out);
  }
}

const isFile = (e: FileSystemEntry): e is FileSystemFileEntry => e.isFile;
const isDirectory = (e: FileSystemEntry): e is FileSystemDirectoryEntry => e.isDirectory;
