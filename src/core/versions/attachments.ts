/**
 * What a version keeps beside its content (types.ts's `VersionAttachments`) seen as blobs: the one list
 * that storing, verifying, counting, collecting and bundling them all go through.
 */
import type { BlobHash } from '../hashing';
import type { VersionAttachments } from './types';

export type AttachmentKind = 'optimizer' | 'data';

export interface AttachmentBlob {
  readonly hash: BlobHash;
  readonly byteLength: number;
  readonly attachment: AttachmentKind;
  /** The optimizer tensor's name; '' for the data. */
  readonly name: string;
}

/** Every blob the attachments use, optimizer tensors first, in their order (a hash may repeat). */
export function attachmentBlobs(a: VersionAttachments | undefined): AttachmentBlob[] {
  if (!a) return [];
  const out: AttachmentBlob[] = (a.optimizer?.tensors ?? []).map((t) => ({
    hash: t.hash,
    byteLength: t.byteLength,
    attachment: 'optimizer',
    name: t.name,
  }));
  if (a.data) out.push({ hash: a.data.hash, byteLength: a.data.byteLength, attachment: 'data', name: '' });
  return out;
}

/** How a problem with an attachment's blob is named in reports: `optimizer: dense/kernel/m`, or `data`. */
export function attachmentLabel(b: Pick<AttachmentBlob, 'attachment' | 'name'>): string {
  return b.attachment === 'data' ? 'data' : `optimizer: ${b.name}`;
}

export function hasAttachments(a: VersionAttachments | undefined): a is VersionAttachments {
  return a?.optimizer !== undefined || a?.data !== undefined;
}
