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

/** MurmurHash3's finaliser: every input bit flips about half the output bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * One 32-bit seed from several integers, order mattering: a seed for one place in a run (a seed, a stream,
 * an epoch or a step), computed from where it is rather than drawn from a generator that ran before, so
 * the same place gets the same numbers however the run was split. Integers beyond 32 bits keep their high
 * bits (a seed taken from a clock still differs from its neighbours).
 */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const low = p >>> 0;
    const high = Math.floor(p / 4294967296) >>> 0;
    h = fmix32((h ^ fmix32(low)) + 0x9e3779b9);
    h = fmix32((h ^ fmix32(high)) + 0x7f4a7c15);
  }
  return h;
}

/** `n` values in [-1, 1) from `seed`: the fixed probe input Graft feeds a model to fingerprint its behaviour. */
export function probeValues(n: number, seed = 1234): Float32Array<ArrayBuffer> {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next() * 2 - 1;
  return out;
}
