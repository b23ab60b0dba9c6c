/** Which layer a stored weight belongs to, from TF.js weight names such as `dense_Dense1/kernel`. */

/**
 * Resolves weight names to layer names. A plain `startsWith(layer)` would give `dense_Dense10/kernel` to
 * `dense_Dense1`, so only whole `/`-separated segments count, and the longest known layer wins. Weights of
 * nested models carry the outer scope (`sequential_2/dense_Dense3/kernel`) or only the inner layer's name,
 * so any segment run that names a known layer is accepted, left to right.
 */
export class WeightLayerIndex {
  readonly #layers: ReadonlySet<string>;
  readonly #aliases: ReadonlyMap<string, string>;

  /**
   * @param layers names of the layers to report.
   * @param aliases names of layers nested inside those layers, each mapped to the outer layer it belongs to.
   */
  constructor(layers: Iterable<string>, aliases: ReadonlyMap<string, string> = new Map()) {
    this.#layers = new Set(layers);
    this.#aliases = aliases;
  }

  #resolve(candidate: string): string | null {
    if (this.#layers.has(candidate)) return candidate;
    return this.#aliases.get(candidate) ?? null;
  }

  /** The layer owning `weightName`, or null when no known layer matches. */
  layerOf(weightName: string): string | null {
    const parts = weightName.split('/');
    if (parts.length < 2) return this.#resolve(weightName);
    for (let start = 0; start < parts.length - 1; start++) {
      for (let end = parts.length - 1; end > start; end--) {
        const found = this.#resolve(parts.slice(start, end).join('/'));
        if (found !== null) return found;
      }
    }
    return null;
  }
}

/** The layer a weight belongs to when no topology is at hand: everything before its last `/`. */
export function layerPrefix(weightName: string): string {
  const cut = weightName.lastIndexOf('/');
  return cut <= 0 ? weightName : weightName.slice(0, cut);
}
