/**
 * mulberry32: a tiny, well-studied 32-bit PRNG; plenty for picking words, and the same seed gives
 * the same stream on every platform, which is what makes a job's output reproducible.
 */
export function createRandom(seed: number): () => number {
  let state = toUint32(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Folds any number into 32 bits without losing the high part: `>>> 0` alone would map seeds that
 * differ only above 2^32 (or fractions, or NaN) onto the same stream.
 */
function toUint32(seed: number): number {
  if (!Number.isFinite(seed)) return 0x9e3779b9;
  const int = Math.trunc(seed);
  const low = Number(BigInt.asUintN(32, BigInt(int)));
  const high = Number(BigInt.asUintN(32, BigInt(int) >> 32n));
  return (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
}
