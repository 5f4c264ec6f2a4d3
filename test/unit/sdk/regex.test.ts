import { describe, expect, it } from "vitest";
import { evaluate } from "@/sdk/evaluate";
import { compileRegex, MAX_REGEX_INPUT_LENGTH, regexCacheSize, regexError } from "@/sdk/regex";
import { compileRule, validateRule } from "@/sdk/targeting";
import { makeExperiment } from "../../helpers/sdk/fixtures";

const EVIL = "^(a+)+$";

describe("regex rules (RE2)", () => {
  it("run the catastrophic-backtracking pattern in linear time", () => {
    // With JavaScript's RegExp one evaluation of "a"*31+"!" took 102 s; each extra "a" doubles it.
    const rule = compileRule({ attribute: "email", op: "regex", value: EVIL });
    const long = { attributes: { email: "a".repeat(MAX_REGEX_INPUT_LENGTH - 1) + "!" } };
    const issue = { attributes: { email: "a".repeat(31) + "!" } };
    expect(rule(issue)).toBe(false);
    expect(rule({ attributes: { email: "aaaa" } })).toBe(true);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(rule(long)).toBe(false);
    const ms = performance.now() - started;
    console.log(`[redos] ${EVIL} over ${MAX_REGEX_INPUT_LENGTH} characters: ${(ms / 1000).toFixed(3)} ms per evaluation`);
    // generous (2 ms per evaluation on a loaded machine; measured ~0.06-0.1 ms): a backtracking
    // engine never gets here, it needs ~2^1000 steps for one evaluation
    expect(ms).toBeLessThan(2000);
  });

  it("never match an attribute longer than the input cap (and match one at the cap)", () => {
    const test = compileRegex("a$")!;
    expect(test("a".repeat(MAX_REGEX_INPUT_LENGTH))).toBe(true);
    expect(test("a".repeat(MAX_REGEX_INPUT_LENGTH + 1))).toBe(false);
  });

  it("are refused on write when RE2 cannot run them, naming the field", () => {
    for (const [pattern, why] of [
      ["(a)\\1", /invalid escape sequence: `\\1`/],
      ["a(?=b)", /unsupported Perl syntax: `\(\?=`/],
      ["a(?!b)", /unsupported Perl syntax/],
      ["(?<=a)b", /invalid named capture/],
      ["a{1001}", /invalid repeat count/],
      ["\\u00e9", /invalid escape sequence: `\\u`/],
    ] as const) {
      const problems = validateRule({ all: [{ attribute: "email", op: "regex", value: pattern }] });
      expect(problems, pattern).toHaveLength(1);
      expect(problems[0]).toMatch(/^rule\.all\[0\]\.value: invalid regular expression \(RE2 syntax\): /);
      expect(problems[0]).toMatch(why);
      expect(compileRule({ attribute: "email", op: "regex", value: pattern })({ attributes: { email: "aab" } })).toBe(false);
    }
    expect(regexError(EVIL)).toBeNull();
    expect(validateRule({ attribute: "e", op: "regex", value: "a".repeat(501) })[0]).toMatch(/longer than 500/);
  });

  it("agree with JavaScript's RegExp on ordinary patterns", () => {
    const pairs: [string, string[]][] = [
      ["@example\\.com$", ["ann@example.com", "ann@example.com.evil", "@example.com", "ann@exampleXcom"]],
      ["^[^@]+@corp\\.com$", ["a@corp.com", "a@b@corp.com", "A@CORP.COM"]],
      ["^(staff|qa)-\\d+$", ["staff-1", "qa-22", "staff-", "xstaff-1", "qa-1\n"]],
      ["\\bbeta\\b", ["the beta group", "betamax", "beta"]],
      ["^v?\\d+\\.\\d+", ["v2.10.1", "2.1", "x2.1"]],
      ["[A-Z]{2}", ["FR", "fr", "xFRx"]],
      ["colou?r", ["color", "colour", "colr"]],
      ["^$", ["", "a"]],
      ["a.c", ["abc", "a\nc"]],
      ["^b", ["a\nb", "b"]],
    ];
    for (const [pattern, inputs] of pairs) {
      const re2 = compileRegex(pattern)!;
      const js = new RegExp(pattern);
      for (const s of inputs) expect(re2(s), `${pattern} on ${JSON.stringify(s)}`).toBe(js.test(s));
    }
  });

  it("differ from JavaScript's RegExp where RE2 semantics are pinned (cases.json)", () => {
    expect(compileRegex("^a.b$")!("a\rb")).toBe(true); // "." is anything but \n (JS also excludes \r, \u2028)
    expect(compileRegex("\\s")!("\u00a0")).toBe(false); // \s is ASCII whitespace only
    expect(compileRegex("^.$")!("😀")).toBe(true); // code points, not UTF-16 units
    expect(compileRegex("(?i)^vip$")!("VIP")).toBe(true); // inline flags (JS refuses the pattern)
    expect(compileRegex("^\\p{Greek}+$")!("αβγ")).toBe(true); // Unicode classes (JS without /u: "p{Greek}")
  });

  it("cache compiled patterns, bounded", () => {
    for (let i = 0; i < 1500; i++) compileRegex(`^user-${i}$`);
    expect(regexCacheSize()).toBeLessThanOrEqual(1000);
    expect(compileRegex("^user-1499$")!("user-1499")).toBe(true);
  });

  it("evaluate through the assignment core without throwing on any pattern", () => {
    const exp = makeExperiment({ key: "redos", exposure: 1, targeting: { attribute: "email", op: "regex", value: EVIL } });
    expect(evaluate(exp, { userId: "u1", attributes: { email: "a".repeat(31) + "!" } }).exposed).toBe(false);
  });
});
