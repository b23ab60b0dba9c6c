/**
 * Limits on untrusted bundles and model files. A file that goes past one is refused with a message that
 * names the limit, before anything large is allocated. They are generous for real models and histories
 * (a 1 GiB tensor, 10 000 versions) and small against what a crafted file could ask for.
 */
export const LIMITS = {
  /** A whole model zip, read into memory (as a browser can hold one buffer). */
  maxArchiveBytes: 2 * 1024 ** 3,
  /**
   * A bundle read from its file a range at a time, and what it unpacks to: the most a zip without ZIP64
   * can address, which is what Graft writes (an export refuses more), so every bundle Graft writes opens.
   */
  maxStreamedArchiveBytes: 0xffffffff,
  /** Files inside one zip. */
  maxEntries: 100_000,
  /** Uncompressed bytes of all entries together. */
  maxUnpackedBytes: 2 * 1024 ** 3,
  /** DEFLATE cannot expand more than 1032:1, so a larger declared ratio is a lie (or a zip bomb). */
  maxDeflateRatio: 1032,
  /**
   * A whole archive may unpack to this many bytes plus `maxOverallRatio` times its own size. Real weights
   * hardly compress, so only a bomb (a small file that inflates to gigabytes of zeros) goes past it.
   */
  freeUnpackedBytes: 64 * 1024 ** 2,
  maxOverallRatio: 100,
  /** graft-bundle.json and model.json. */
  maxManifestBytes: 64 * 1024 ** 2,
  maxJsonDepth: 64,
  maxJsonNodes: 5_000_000,
  maxVersions: 10_000,
  maxRefs: 10_000,
  maxBlobs: 200_000,
  maxTensorsPerVersion: 10_000,
  maxParents: 16,
  maxDims: 8,
  /** Inputs, and outputs, of one model in a version's summary. */
  maxModelInputs: 1_000,
  /** 2^28 float32 elements: one tensor of at most 1 GiB. */
  maxTensorElements: 2 ** 28,
  maxBlobBytes: 1024 ** 3,
  maxMetrics: 1_000,
  maxStringLength: 100_000,
  maxMessageLength: 100_000,
  maxNameLength: 1_000,
  maxRepoNameLength: 120,
  maxDescriptionLength: 100_000,
  maxThinBasis: 1_000,
} as const;
