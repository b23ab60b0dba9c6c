/** A small seeded PRNG (mulberry32): the same seed gives the same numbers in every browser and in Node. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values in [-1, 1) from `seed`: the fixed probe input Graft feeds a model to fingerprint its behaviour. */
export function probeValues(n: number, seed = 1234): Float32Array<ArrayBuffer> {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next() * 2 - 1;
  return out;
}
