/**
 * A stored version's weights as one `.safetensors` file, every tensor verified on the way out. Its own
 * module so that the app loads the safetensors writer only when someone asks for one.
 */
import type { VersionId } from '../core/hashing';
import { versionSafetensors } from '../core/keras/safetensors';
import type { DexieVersionStore } from './DexieVersionStore';
import { guard } from './errors';

export function exportSafetensors(
  store: DexieVersionStore,
  versionId: VersionId,
): Promise<Uint8Array<ArrayBuffer>> {
  return guard(async () => versionSafetensors(await store.load(versionId)));
}
