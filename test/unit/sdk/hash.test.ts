import { GrowthBook } from "@growthbook/growthbook";
import { describe, expect, it } from "vitest";
import { bucket, bucketFrom, hashUint32, seedState } from "@/sdk/hash";
import { independencePValue, uniformityPValue } from "../../helpers/sdk/stats-helpers";
import { prng } from "../../helpers/sdk/fixtures";

/** Straightforward reference: TextEncoder + string concatenation, as the README describes. */
function referenceHash(seed: string, unitId: string): number {
  const fnv = (bytes: Uint8Array) => {
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h;
  };
  const enc = new TextEncoder();
  return fnv(enc.encode(String(fnv(enc.encode(seed + unitId)))));
}

const N = 100_000;

describe("bucket (hash version 1)", () => {
  it("matches values checked by hand with an independent Python implementation", () => {
    expect(hashUint32("a", "b")).toBe(3950526912);
    expect(hashUint32("exp:salt", "user-1")).toBe(1375082411);
    expect(hashUint32("x", "héllo ☃ 😀")).toBe(329134717);
    expect(hashUint32("", "")).toBe(874472305);
    expect(bucket("k", "0")).toBe(2701764791 / 2 ** 32);
  });

  it("hashes UTF-8 bytes exactly like TextEncoder, including astral and lone surrogates", () => {
    const rand = prng(7);
    const alphabet = ["a", "Z", "0", "é", "ß", "日", "本", "😀", "🇫🇷", "\u0301", "\ud800", "\udfff", "-", " "];
    for (let i = 0; i < 2000; i++) {
      let id = "";
      const len = Math.floor(rand() * 12);
      for (let j = 0; j < len; j++) id += alphabet[Math.floor(rand() * alphabet.length)];
      expect(hashUint32("seed:é", id)).toBe(referenceHash("seed:é", id));
    }
  });

  it("stays in [0, 1) and the seed state shortcut gives the same value", () => {
    const state = seedState("exp:s");
    for (let i = 0; i < 1000; i++) {
      const b = bucket("exp:s", `u${i}`);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
      expect(bucketFrom(state, `u${i}`)).toBe(b);
    }
  });

  it("agrees with GrowthBook's hash v2 (mod 10000) on ASCII ids", () => {
    const gb = new GrowthBook({ attributes: {} });
    for (let i = 0; i < 500; i++) {
      const id = `user-${i * 7919}`;
      gb.setAttributes({ id });
      const result = gb.run({ key: "k", variations: [0, 1], hashVersion: 2, seed: "exp:salt" });
      expect(result.bucket).toBe((hashUint32("exp:salt", id) % 10000) / 10000);
    }
  });

  it("has far more than 10,000 distinct values", () => {
    const seen = new Set<number>();
    for (let i = 0; i < N; i++) seen.add(bucket("exp:distinct", `user-${i}`));
    expect(seen.size).toBeGreaterThan(99_900); // ~1 birthday collision expected among 2^32 values
  });

  it.each([
    ["sequential ids", (i: number) => `user-${i}`],
    ["numeric ids", (i: number) => String(i)],
    ["uuid-like ids", (i: number) => `${(i * 2654435761) >>> 0}-4e55-9c1a-${i}`],
  ])("is uniform over %s (chi-square over 100,000 ids, 100 bins, p > 0.001)", (_name, idOf) => {
    const counts = new Uint32Array(100);
    const state = seedState("realtime-tracking:a1b2");
    for (let i = 0; i < N; i++) counts[Math.floor(bucketFrom(state, idOf(i)) * 100)]++;
    expect(uniformityPValue(counts)).toBeGreaterThan(0.001);
  });

  it("is uniform in the fine structure too (1,000 bins near 0, where canary stages cut)", () => {
    const counts = new Uint32Array(1000);
    for (let i = 0; i < 1_000_000; i++) {
      const b = bucket("canary:x", `u${i}`);
      if (b < 0.01) counts[Math.floor(b * 100_000)]++;
    }
    expect(uniformityPValue(counts)).toBeGreaterThan(0.001);
  });

  it("gives independent buckets to two experiments (10x10 contingency chi-square, p > 0.001)", () => {
    const table = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const a = seedState("checkout:s1");
    const b = seedState("search:s9");
    for (let i = 0; i < N; i++) {
      const id = `user-${i}`;
      table[Math.floor(bucketFrom(a, id) * 10)][Math.floor(bucketFrom(b, id) * 10)]++;
    }
    expect(independencePValue(table)).toBeGreaterThan(0.001);
  });

  it("re-rolling the salt re-randomises (buckets independent of the old salt)", () => {
    const table = [
      [0, 0],
      [0, 0],
    ];
    for (let i = 0; i < N; i++) {
      const id = `user-${i}`;
      table[bucket("exp:salt1", id) < 0.5 ? 0 : 1][bucket("exp:salt2", id) < 0.5 ? 0 : 1]++;
    }
    expect(independencePValue(table)).toBeGreaterThan(0.001);
  });
});
