/**
 * Bucketing hash, version 1 — a public contract (see README.md "Hash version 1").
 *
 *   fnv1a32(bytes): h = 0x811c9dc5; for each byte b: h = (h XOR b) * 0x01000193 mod 2^32
 *   h1 = fnv1a32(UTF-8(seed + unitId))            // plain concatenation, no separator
 *   h2 = fnv1a32(ASCII decimal digits of h1)       // e.g. h1 = 305419896 -> "305419896"
 *   bucket = h2 / 2^32                             // in [0, 1), 2^32 distinct values
 *
 * The second round is GrowthBook's v2 trick: FNV-1a's low-entropy last steps make
 * nearby ids land close together; rehashing the digits spreads them. We divide by 2^32
 * instead of taking `% 10000` so bucket boundaries are not limited to 0.01 % steps.
 * Strings are hashed as UTF-8 bytes (lone surrogates become U+FFFD, as TextEncoder does),
 * so every language hashes the same bytes. Not cryptographic: it only needs to be uniform
 * and independent across seeds, which the statistical tests check.
 */

export const HASH_VERSION = 1 as const;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;

/** Continues an FNV-1a 32-bit state over the UTF-8 bytes of `s` (no allocation). */
export function fnv1aUtf8(state: number, s: string): number {
  let h = state;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
        h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
        continue;
      }
      c = 0xfffd; // lone surrogate: encode U+FFFD like TextEncoder
    }
    h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a over the decimal digits of a uint32, without building the string. */
function fnv1aDecimal(value: number): number {
  let h = FNV_OFFSET;
  // Largest power of ten not above value; 0 hashes as the single digit "0".
  let div = 1;
  while (div * 10 <= value) div *= 10;
  let rest = value;
  while (div >= 1) {
    const digit = Math.floor(rest / div);
    rest -= digit * div;
    h = Math.imul(h ^ (48 + digit), FNV_PRIME);
    div /= 10;
  }
  return h >>> 0;
}

/** FNV-1a state after hashing the seed: precompute once per experiment, then use bucketFrom. */
export function seedState(seed: string): number {
  return fnv1aUtf8(FNV_OFFSET, seed);
}

/** The raw second-round hash (uint32) — what cases.json records as `hash`. */
export function hashFrom(state: number, unitId: string): number {
  return fnv1aDecimal(fnv1aUtf8(state, unitId));
}

/** bucket(seed, unitId) from a precomputed seed state: the hot path. */
export function bucketFrom(state: number, unitId: string): number {
  return fnv1aDecimal(fnv1aUtf8(state, unitId)) / TWO_POW_32;
}

/** Hash-version-1 bucket of a unit for a seed, in [0, 1). */
export function bucket(seed: string, unitId: string): number {
  return bucketFrom(seedState(seed), unitId);
}

/** Hash-version-1 raw uint32 of a unit for a seed (bucket = hashUint32 / 2^32). */
export function hashUint32(seed: string, unitId: string): number {
  return hashFrom(seedState(seed), unitId);
}
