// The SDK's and /assign's exposure properties stay within what ingestion accepts (issue 16).
import { describe, expect, it } from "vitest";
import { EXPOSURE_PROPERTY_LIMITS, exposureProperties } from "@/sdk/exposure-properties";
import { LIMITS } from "@/server/ingestion/schemas";

describe("exposureProperties", () => {
  it("uses the ingestion endpoint's bounds on properties", () => {
    expect(EXPOSURE_PROPERTY_LIMITS).toEqual({ maxProperties: LIMITS.maxProperties, maxKeyLength: LIMITS.maxPropertyKeyLength, maxValueLength: LIMITS.maxPropertyValueLength });
  });

  it("keeps at most 32 entries, leaves out long names and non-finite numbers, cuts long strings", () => {
    const attrs: Record<string, string | number | boolean> = { platform: "ios", long: "x".repeat(600), ["k".repeat(65)]: "dropped", nan: Number.NaN, ok: true, n: 3 };
    for (let i = 0; i < 40; i++) attrs[`a${i}`] = i;
    const p = exposureProperties(attrs)!;
    expect(Object.keys(p)).toHaveLength(32);
    expect(p).toMatchObject({ platform: "ios", ok: true, n: 3 });
    expect(p.long).toBe("x".repeat(512));
    expect(p).not.toHaveProperty("nan");
    expect(Object.keys(p).some((k) => k.length > 64)).toBe(false);
    expect(exposureProperties(undefined)).toBeUndefined();
    expect(exposureProperties({})).toBeUndefined();
  });

  it("never hands ingestion a lone surrogate: a cut keeps surrogate pairs whole, ill-formed names and values are left out", () => {
    const emoji = "\u{1F6F5}"; // two UTF-16 units
    const straddling = "x".repeat(511) + emoji; // the pair sits at units 511-512
    const p = exposureProperties({ city: straddling, ["bad\uD800"]: "v", lone: "a\uDC00b", fine: emoji })!;
    expect(p.city).toBe("x".repeat(511));
    expect(p).not.toHaveProperty("bad\uD800");
    expect(p).not.toHaveProperty("lone");
    expect(p.fine).toBe(emoji);
    expect(exposureProperties({ kept: "x".repeat(510) + emoji + "y" })!.kept).toBe("x".repeat(510) + emoji);
  });
});
