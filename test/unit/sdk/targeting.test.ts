import { describe, expect, it } from "vitest";
import { compareSemver, compileRule, parseSemver, validateRule } from "@/sdk/targeting";
import { makeExperiment, makeSnapshot } from "../../helpers/sdk/fixtures";
import type { Rule } from "@/sdk/types";
import { validateExperiment, validateSnapshot } from "@/sdk/validate";

describe("semantic versions", () => {
  it("orders versions by semver 2.0 precedence", () => {
    const ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2", "1.10.0", "v2"];
    for (let i = 0; i + 1 < ordered.length; i++) {
      const a = parseSemver(ordered[i]);
      const b = parseSemver(ordered[i + 1]);
      expect(a && b && compareSemver(a, b), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
      expect(a && b && compareSemver(b, a)).toBe(1);
    }
    expect(compareSemver(parseSemver("1.2.3+build.7")!, parseSemver("1.2.3")!)).toBe(0);
  });

  it("rejects what is not a version", () => {
    for (const bad of ["", "a.b.c", "1.2.3.4", "1..2", "-1.0.0", "1.0.0-"]) expect(parseSemver(bad), bad).toBeNull();
  });
});

describe("compiled rules", () => {
  const matches = (rule: Rule, attributes: Record<string, string | number | boolean>, userId = "u1") => compileRule(rule)({ userId, attributes });

  it("evaluates every operator", () => {
    expect(matches({ attribute: "a", op: "eq", value: "x" }, { a: "x" })).toBe(true);
    expect(matches({ attribute: "a", op: "neq", value: "x" }, { a: "y" })).toBe(true);
    expect(matches({ attribute: "a", op: "in", values: [1, 2] }, { a: 2 })).toBe(true);
    expect(matches({ attribute: "a", op: "in", values: [1, 2] }, {})).toBe(false);
    expect(matches({ attribute: "a", op: "not_in", values: [1, 2] }, { a: 3 })).toBe(true);
    expect(matches({ attribute: "n", op: "gt", value: 1 }, { n: 1.5 })).toBe(true);
    expect(matches({ attribute: "n", op: "gte", value: 1 }, { n: 1 })).toBe(true);
    expect(matches({ attribute: "n", op: "lt", value: 1 }, { n: 1 })).toBe(false);
    expect(matches({ attribute: "n", op: "lte", value: 1 }, { n: 1 })).toBe(true);
    expect(matches({ attribute: "v", op: "semver_gte", value: "1.4.0" }, { v: "1.10.2" })).toBe(true);
    expect(matches({ attribute: "v", op: "semver_lt", value: "1.4.0" }, { v: "1.4.0-rc.1" })).toBe(true);
    expect(matches({ attribute: "v", op: "semver_eq", value: "1.4.0" }, { v: 1.4 })).toBe(false); // not a string
    expect(matches({ attribute: "email", op: "regex", value: "^[^@]+@corp\\.com$" }, { email: "a@corp.com" })).toBe(true);
    expect(matches({ attribute: "n", op: "regex", value: "^4\\d$" }, { n: 42 })).toBe(true); // numbers tested as text
    expect(matches({ all: [] }, {})).toBe(true);
    expect(matches({ any: [] }, {})).toBe(false);
    expect(matches({ not: { attribute: "a", op: "eq", value: 1 } }, { a: 1 })).toBe(false);
  });

  it("reads userId and instanceId from the unit, before attributes", () => {
    expect(matches({ attribute: "userId", op: "eq", value: "u7" }, { userId: "other" }, "u7")).toBe(true);
    expect(compileRule({ attribute: "instanceId", op: "regex", value: "^web-" })({ instanceId: "web-3" })).toBe(true);
  });

  it("never throws on malformed rules (they simply never match)", () => {
    const malformed = [
      { attribute: "a", op: "regex", value: "(" },
      { attribute: "a", op: "bogus", value: 1 },
      { all: "nope" },
      { attribute: "v", op: "semver_gt", value: "x" },
      null,
    ] as unknown as Rule[];
    for (const rule of malformed) expect(compileRule(rule)({ attributes: { a: "(", v: "1.0.0" } })).toBe(false);
  });
});

describe("validateRule", () => {
  it("accepts valid rules", () => {
    const rule: Rule = {
      all: [
        { attribute: "v", op: "semver_gte", value: "2.0.0" },
        {
          not: {
            any: [
              { attribute: "c", op: "in", values: ["FR", "DE"] },
              { attribute: "e", op: "regex", value: "@x\\.com$" },
            ],
          },
        },
      ],
    };
    expect(validateRule(rule)).toEqual([]);
  });

  it("lists every problem with its path", () => {
    const problems = validateRule({
      all: [
        { attribute: "e", op: "regex", value: "([" },
        { attribute: "", op: "gt", value: "3" },
        { attribute: "v", op: "semver_eq", value: "one" },
        { attribute: "x", op: "like", value: 1 },
      ],
    });
    expect(problems).toEqual([
      "rule.all[0].value: invalid regular expression (RE2 syntax): missing closing ]: `[`",
      "rule.all[1].attribute: must be a non-empty string",
      "rule.all[1].value: must be a finite number",
      'rule.all[2].value: must be a semantic version such as "1.4.0"',
      'rule.all[3].op: unknown operator "like"',
    ]);
    expect(validateRule({ attribute: "e", op: "regex", value: "a".repeat(501) })[0]).toMatch(/longer than 500/);
    expect(validateRule([])).toEqual(["rule: must be an object"]);
  });
});

describe("validateExperiment / validateSnapshot", () => {
  it("accepts the fixtures of every strategy", () => {
    for (const strategy of ["ab", "canary", "blue_green", "rolling", "toggle"] as const) {
      expect(validateExperiment(makeExperiment({ key: strategy, strategy }))).toEqual([]);
    }
  });

  it("reports broken weights, unknown variants and layer overlaps", () => {
    const broken = makeExperiment({
      variants: [
        { key: "control", weight: 0.5 },
        { key: "treatment", weight: 0.6 },
      ],
      treatment: "nope",
      forced: { qa: "ghost" },
      exposure: 2,
    });
    expect(validateExperiment(broken)).toEqual([
      "experiment.exposure: must be a number in [0, 1]",
      "experiment.variants: weights must sum to 1 (got 1.1)",
      'experiment.treatment: must be one of the variant keys, got "nope"',
      'experiment.forced["qa"]: must be one of the variant keys, got "ghost"',
    ]);
    const snapshot = makeSnapshot([makeExperiment({ key: "a", layer: { key: "L", start: 0, end: 0.5 } }), makeExperiment({ key: "b", layer: { key: "L", start: 0.4, end: 1 } })]);
    expect(validateSnapshot(snapshot)).toEqual(['snapshot.experiments[1].layer: overlaps "a" in layer "L"']);
  });
});
