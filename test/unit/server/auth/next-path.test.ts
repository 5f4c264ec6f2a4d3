import { describe, expect, it } from "vitest";
import { DEFAULT_NEXT, safeNextPath } from "@/server/auth/next-path";

// What each would do in a browser if followed as given: all of them leave the origin.
const HOSTILE = [
  "/\\evil.example/phish", // what ?next=/%5Cevil.example/phish decodes to: browsers read \ as /
  "/\t/evil.example/phish", // ?next=/%09/...: browsers drop the tab, leaving //evil.example
  "/\n/evil.example",
  "/\r/evil.example",
  "/\u0000/evil.example",
  "/\u007f/evil.example",
  "//evil.example/phish",
  "///evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "/./\\evil.example",
  "/.//evil.example", // the URL parser removes the dot segment: the path becomes //evil.example
  "/..//evil.example",
  "/a/../..//evil.example",
  "https://evil.example/phish",
  "http:/evil.example",
  "javascript:alert(1)",
  "data:text/html,hi",
  " /experiments",
  "evil.example",
  "",
  "/".padEnd(2001, "a"),
];

describe("safeNextPath", () => {
  it.each(HOSTILE)("refuses %j", (next) => {
    expect(safeNextPath(next)).toBe(DEFAULT_NEXT);
  });

  it("refuses what is not a single string", () => {
    expect(safeNextPath(undefined)).toBe(DEFAULT_NEXT);
    expect(safeNextPath(["/a", "/b"])).toBe(DEFAULT_NEXT);
  });

  it.each([
    ["/experiments/checkout?tab=results#srm", "/experiments/checkout?tab=results#srm"],
    ["/decisions", "/decisions"],
    ["/%5Cevil.example", "/%5Cevil.example"], // still encoded: a path on this site
    ["/@evil.example", "/@evil.example"],
    ["/a/./b/../c", "/a/c"],
  ])("keeps the same-origin path %j", (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it("whatever it returns resolves to the same origin", () => {
    for (const next of [...HOSTILE, "/x", "/a/../b"]) {
      const url = new URL(safeNextPath(next), "https://verdict.example");
      expect(url.origin).toBe("https://verdict.example");
    }
  });
});
