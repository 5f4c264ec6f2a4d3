/**
 * Regenerates src/sdk/cases.json from the current implementation:
 *   npx tsx scripts/generate-sdk-cases.ts
 * The file is a contract: regenerate only for a deliberate, versioned change, and review the
 * diff by hand (the tests pin hand-checked values independently of this file).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bucket, hashUint32 } from "../src/sdk/hash";
import { evaluate } from "../src/sdk/evaluate";
import { makeExperiment } from "../test/helpers/sdk/fixtures";
import type { Rule, SnapshotExperiment, Unit } from "../src/sdk/types";

const longId = "user-" + "x".repeat(995);
const bucketInputs: [string, string][] = [];
for (const seed of ["exp:salt1", "realtime-tracking:a1b2c3", "layer:checkout", "", "café:☃"]) {
  for (const unitId of ["u1", "user-42", "", "0", "12345", "héllo", "日本語", "😀", "e\u0301", "\u00e9", longId, "3b1f8c7e-2a4d-4e55-9c1a-0f6b2d7e8a90"]) {
    bucketInputs.push([seed, unitId]);
  }
}
const bucketCases = bucketInputs.map(([seed, unitId]) => ({ seed, unitId, hash: hashUint32(seed, unitId), bucket: bucket(seed, unitId) }));

interface EvaluateCase {
  name: string;
  experiment: SnapshotExperiment;
  unit: Unit;
  expected: ReturnType<typeof evaluate>;
}
const evaluateCases: EvaluateCase[] = [];
const add = (name: string, experiment: SnapshotExperiment, unit: Unit) => evaluateCases.push({ name, experiment, unit, expected: { ...evaluate(experiment, unit) } });

/** First id "u<n>" whose bucket for this seed falls in [lo, hi). */
function idIn(seed: string, lo: number, hi: number, prefix = "u"): string {
  for (let n = 0; n < 1_000_000; n++) {
    const b = bucket(seed, prefix + n);
    if (b >= lo && b < hi) return prefix + n;
  }
  throw new Error(`no id in [${lo}, ${hi})`);
}

// ab
const ab = makeExperiment({ key: "ab-5050" });
add("ab 50/50: bucket in control range", ab, { userId: idIn(ab.seed, 0, 0.5) });
add("ab 50/50: bucket in treatment range", ab, { userId: idIn(ab.seed, 0.5, 1) });
const ab3 = makeExperiment({
  key: "ab-three",
  exposure: 0.5,
  variants: [
    { key: "a", weight: 0.2 },
    { key: "b", weight: 0.3 },
    { key: "c", weight: 0.5 },
  ],
  control: "a",
  treatment: "b",
});
add("ab 3 variants at 50% coverage: range a [0, 0.1)", ab3, { userId: idIn(ab3.seed, 0, 0.1) });
add("ab 3 variants at 50% coverage: gap [0.1, 0.2) is outside", ab3, { userId: idIn(ab3.seed, 0.1, 0.2) });
add("ab 3 variants at 50% coverage: range b [0.2, 0.35)", ab3, { userId: idIn(ab3.seed, 0.2, 0.35) });
add("ab 3 variants at 50% coverage: range c [0.5, 0.75)", ab3, { userId: idIn(ab3.seed, 0.5, 0.75) });
add("ab 3 variants at 50% coverage: above c is outside", ab3, { userId: idIn(ab3.seed, 0.75, 1) });
const abDevice = makeExperiment({ key: "ab-device", hashAttribute: "deviceId" });
add("ab hashed by deviceId attribute", abDevice, { attributes: { deviceId: "device-7" } });
add("ab hashed by deviceId: userId alone is a missing unit", abDevice, { userId: "u1" });
add("ab hashed by a numeric attribute (hashed as its decimal text)", makeExperiment({ key: "ab-num", hashAttribute: "accountId" }), { attributes: { accountId: 12345 } });
add("missing userId: control, not exposed", ab, { attributes: { country: "FR" } });
add("empty userId counts as missing", ab, { userId: "" });

// canary stages
for (const pct of [5, 20, 50, 80, 100]) {
  const s = pct / 100;
  const exp = makeExperiment({ key: "canary", strategy: "canary", exposure: s });
  add(`canary ${pct}%: treatment slice`, exp, { userId: idIn(exp.seed, 0, s) });
  if (s < 1) add(`canary ${pct}%: baseline slice`, exp, { userId: idIn(exp.seed, Math.max(s, 1 - s), 1) });
  if (s < 0.5) add(`canary ${pct}%: between the slices`, exp, { userId: idIn(exp.seed, s, 1 - s) });
}

// toggle
const toggleRule: Rule = { attribute: "plan", op: "in", values: ["pro", "enterprise"] };
const toggle = makeExperiment({
  key: "toggle",
  strategy: "toggle",
  exposure: 0.3,
  targeting: toggleRule,
  variants: [
    { key: "off", weight: 0.5 },
    { key: "on", weight: 0.5 },
  ],
  control: "off",
  treatment: "on",
});
add("toggle 30%: eligible and inside the percentage", toggle, { userId: idIn(toggle.seed, 0, 0.3), attributes: { plan: "pro" } });
add("toggle 30%: eligible and outside the percentage", toggle, { userId: idIn(toggle.seed, 0.3, 1), attributes: { plan: "pro" } });
add("toggle 30%: not eligible", toggle, { userId: idIn(toggle.seed, 0, 0.3), attributes: { plan: "free" } });
add("toggle 100%: every eligible unit on", { ...toggle, exposure: 1 }, { userId: idIn(toggle.seed, 0.9, 1), attributes: { plan: "enterprise" } });
add("toggle kill switch: enabled false", { ...toggle, enabled: false }, { userId: idIn(toggle.seed, 0, 0.3), attributes: { plan: "pro" } });

// toggle with groups and a holdback (SnapshotExperiment.toggle): on when b < p·(1 − h) for the
// largest percentage p of the released groups the unit matches; holdback [1 − h, 1) off, exposed
const staff: Rule = { attribute: "role", op: "eq", value: "staff" };
const beta: Rule = { attribute: "beta", op: "eq", value: true };
const grouped = makeExperiment({
  key: "toggle-groups",
  strategy: "toggle",
  exposure: 0.1,
  targeting: { any: [staff, beta, { all: [] }] },
  variants: [
    { key: "off", weight: 0.5 },
    { key: "on", weight: 0.5 },
  ],
  control: "off",
  treatment: "on",
  toggle: {
    holdback: 0.1,
    groups: [
      { targeting: staff, exposure: 1 },
      { targeting: beta, exposure: 0.5 },
      { targeting: null, exposure: 0.1 },
    ],
  },
});
const gs = grouped.seed;
add("toggle groups: staff (100 %) below 0.9 is on", grouped, { userId: idIn(gs, 0.5, 0.9), attributes: { role: "staff" } });
add("toggle groups: staff in the holdback [0.9, 1) is off, exposed", grouped, { userId: idIn(gs, 0.9, 1), attributes: { role: "staff" } });
add("toggle groups: beta (50 %) below 0.45 is on", grouped, { userId: idIn(gs, 0.1, 0.45), attributes: { beta: true } });
add("toggle groups: beta between 0.45 and 0.9 is off, not exposed", grouped, { userId: idIn(gs, 0.45, 0.9), attributes: { beta: true } });
add("toggle groups: everyone (10 %) below 0.09 is on", grouped, { userId: idIn(gs, 0, 0.09), attributes: { role: "customer" } });
add("toggle groups: everyone above 0.09 is off, not exposed", grouped, { userId: idIn(gs, 0.09, 0.9), attributes: { role: "customer" } });
add("toggle groups: everyone in the holdback is off, exposed", grouped, { userId: idIn(gs, 0.9, 1), attributes: { role: "customer" } });
add("toggle groups: staff keeps the largest percentage at a smaller later group", grouped, { userId: idIn(gs, 0.2, 0.9), attributes: { role: "staff", beta: true } });
const firstGroupOnly = { ...grouped, exposure: 1, targeting: staff, toggle: { holdback: 0.1, groups: [{ targeting: staff, exposure: 1 }] } };
add("toggle groups: an unreleased group's unit is a targeting miss", firstGroupOnly, { userId: idIn(gs, 0, 0.5), attributes: { beta: true } });
const noHoldback = { ...grouped, toggle: { holdback: 0, groups: grouped.toggle!.groups } };
add("toggle groups, holdback 0: staff at the top bucket is on", noHoldback, { userId: idIn(gs, 0.95, 1), attributes: { role: "staff" } });

// blue_green with a verification share: bucketed units below the share verify the idle side
const bgShare = makeExperiment({ key: "bluegreen-share", strategy: "blue_green", verificationShare: 0.1 });
add("blue_green verification share 10 %: bucket below 0.1 gets the idle side", bgShare, { userId: idIn(bgShare.seed, 0, 0.1) });
add("blue_green verification share 10 %: bucket above 0.1 gets live", bgShare, { userId: idIn(bgShare.seed, 0.1, 1) });
add("blue_green verification share: anonymous traffic gets live", bgShare, {});

// rolling
const rolling = makeExperiment({
  key: "rolling",
  strategy: "rolling",
  exposure: 0.25,
  variants: [
    { key: "v1", weight: 0.5 },
    { key: "v2", weight: 0.5 },
  ],
  control: "v1",
  treatment: "v2",
});
add("rolling 25%: instance in the released batch", rolling, { instanceId: idIn(rolling.seed, 0, 0.25, "i-") });
add("rolling 25%: instance not yet released", rolling, { instanceId: idIn(rolling.seed, 0.25, 1, "i-") });
add("rolling: a userId alone is a missing unit", rolling, { userId: "u1" });

// blue_green
const bg = makeExperiment({ key: "bluegreen", strategy: "blue_green", targeting: { attribute: "role", op: "eq", value: "verifier" } });
add("blue_green live blue: regular traffic", bg, { userId: "u1" });
add("blue_green live blue: verification traffic on green", bg, { userId: "u1", attributes: { role: "verifier" } });
add("blue_green live green: regular traffic", { ...bg, live: "green" }, { userId: "u2" });
add("blue_green live green: verification traffic on blue", { ...bg, live: "green" }, { userId: "u2", attributes: { role: "verifier" } });
add("blue_green: anonymous traffic still gets the live environment", { ...bg, live: "green" }, {});

// statuses, kill switch, forced, layers
const inTreatment = idIn(ab.seed, 0.5, 1);
add("paused: same variant as running, not exposed", { ...ab, status: "paused" }, { userId: inTreatment });
add("rolled_back: control, not exposed", { ...ab, status: "rolled_back" }, { userId: inTreatment });
add("promoted: shipped variant, not exposed", { ...ab, status: "promoted", shipped: "treatment" }, { userId: idIn(ab.seed, 0, 0.5) });
add("completed: shipped variant, not exposed", { ...ab, status: "completed", shipped: "control" }, { userId: inTreatment });
add("enabled false: control even in treatment range", { ...ab, enabled: false }, { userId: inTreatment });
const forced = { ...ab, forced: { "qa-anna": "treatment", "qa-bob": "control" }, targeting: { attribute: "country", op: "eq", value: "FR" } as Rule };
add("forced variant wins over targeting, not exposed", forced, { userId: "qa-anna" });
add("forced control", forced, { userId: "qa-bob", attributes: { country: "FR" } });
add("forced does not beat the kill switch", { ...forced, enabled: false }, { userId: "qa-anna" });
const layered = makeExperiment({ key: "layered", layer: { key: "checkout", start: 0.25, end: 0.5 } });
add("layer: unit inside the experiment's slice", layered, { userId: idIn("layer:checkout", 0.25, 0.5) });
add("layer: unit outside the experiment's slice", layered, { userId: idIn("layer:checkout", 0.5, 1) });

// targeting operators: one experiment per rule, a matching and a failing unit
const everyone = (rule: Rule, key: string) => makeExperiment({ key, targeting: rule, exposure: 1 });
const ruleCases: [string, Rule, Record<string, string | number | boolean>, Record<string, string | number | boolean>][] = [
  ["eq string", { attribute: "country", op: "eq", value: "FR" }, { country: "FR" }, { country: "fr" }],
  ["eq number is strictly typed", { attribute: "tier", op: "eq", value: 5 }, { tier: 5 }, { tier: "5" }],
  ["eq boolean", { attribute: "beta", op: "eq", value: true }, { beta: true }, { beta: false }],
  ["neq (missing attribute matches)", { attribute: "country", op: "neq", value: "FR" }, {}, { country: "FR" }],
  ["in", { attribute: "region", op: "in", values: ["eu", "us"] }, { region: "eu" }, { region: "apac" }],
  ["not_in (missing attribute matches)", { attribute: "region", op: "not_in", values: ["eu"] }, {}, { region: "eu" }],
  ["gt", { attribute: "age", op: "gt", value: 18 }, { age: 19 }, { age: 18 }],
  ["gte", { attribute: "age", op: "gte", value: 18 }, { age: 18 }, { age: 17.5 }],
  ["lt", { attribute: "age", op: "lt", value: 18 }, { age: 17 }, { age: 18 }],
  ["lte (string is not a number)", { attribute: "age", op: "lte", value: 18 }, { age: 18 }, { age: "10" }],
  ["semver_eq (missing parts are 0, v prefix allowed)", { attribute: "appVersion", op: "semver_eq", value: "2.1.0" }, { appVersion: "v2.1" }, { appVersion: "2.1.1" }],
  ["semver_gt (numeric, not lexical)", { attribute: "appVersion", op: "semver_gt", value: "2.9.0" }, { appVersion: "2.10.0" }, { appVersion: "2.9.0" }],
  ["semver_gte (prerelease sorts before release)", { attribute: "appVersion", op: "semver_gte", value: "3.0.0" }, { appVersion: "3.0.0" }, { appVersion: "3.0.0-rc.1" }],
  ["semver_lt", { attribute: "appVersion", op: "semver_lt", value: "1.0.0-beta.11" }, { appVersion: "1.0.0-beta.2" }, { appVersion: "1.0.0-beta" + ".11" }],
  ["semver_lte (invalid version never matches)", { attribute: "appVersion", op: "semver_lte", value: "1.0.0" }, { appVersion: "0.9.9" }, { appVersion: "not-a-version" }],
  ["regex (unanchored search)", { attribute: "email", op: "regex", value: "@example\\.com$" }, { email: "ann@example.com" }, { email: "ann@example.org" }],
  ["invalid regex never matches", { attribute: "email", op: "regex", value: "([unclosed" }, { other: "x" }, { email: "([unclosed" }],
  // RE2 semantics (src/sdk/regex.ts), where JavaScript's backtracking RegExp differs or hangs
  ["regex catastrophic-backtracking pattern runs in linear time (RE2)", { attribute: "email", op: "regex", value: "^(a+)+$" }, { email: "aaaa" }, { email: "a".repeat(31) + "!" }],
  ["regex dot matches \\r, not \\n (RE2)", { attribute: "k", op: "regex", value: "^a.b$" }, { k: "a\rb" }, { k: "a\nb" }],
  ["regex \\s is ASCII whitespace only (RE2)", { attribute: "k", op: "regex", value: "^\\s$" }, { k: "\t" }, { k: "\u00a0" }],
  ["regex dot matches a code point, not a UTF-16 unit (RE2)", { attribute: "k", op: "regex", value: "^.$" }, { k: "😀" }, { k: "ab" }],
  ["regex inline flag (?i) (RE2)", { attribute: "k", op: "regex", value: "(?i)^vip$" }, { k: "VIP" }, { k: "VIPs" }],
  ["regex attribute longer than 1000 characters never matches", { attribute: "k", op: "regex", value: "^a+$" }, { k: "a".repeat(1000) }, { k: "a".repeat(1001) }],
  ["invalid regex: a backreference (RE2 refuses it) never matches", { attribute: "email", op: "regex", value: "^(a)\\1$" }, { email: "aa" }, {}],
  ["invalid regex: a lookahead (RE2 refuses it) never matches", { attribute: "email", op: "regex", value: "^a(?=b)" }, { email: "ab" }, {}],
  [
    "all",
    {
      all: [
        { attribute: "country", op: "eq", value: "FR" },
        { attribute: "age", op: "gte", value: 18 },
      ],
    },
    { country: "FR", age: 30 },
    { country: "FR", age: 12 },
  ],
  [
    "any",
    {
      any: [
        { attribute: "country", op: "eq", value: "FR" },
        { attribute: "country", op: "eq", value: "DE" },
      ],
    },
    { country: "DE" },
    { country: "IT" },
  ],
  ["not", { not: { attribute: "role", op: "eq", value: "bot" } }, { role: "human" }, { role: "bot" }],
  [
    "nested groups",
    {
      all: [
        {
          any: [
            { attribute: "plan", op: "eq", value: "pro" },
            { attribute: "beta", op: "eq", value: true },
          ],
        },
        { not: { attribute: "region", op: "in", values: ["cn"] } },
      ],
    },
    { beta: true, region: "eu" },
    { plan: "pro", region: "cn" },
  ],
  ["userId is readable by rules", { attribute: "userId", op: "regex", value: "^staff-" }, {}, {}],
];
for (const [name, rule, pass, fail] of ruleCases) {
  const exp = everyone(rule, "targeting");
  const matching = name.startsWith("userId") ? "staff-1" : idIn(exp.seed, 0.5, 1);
  add(`targeting ${name}: ${name.startsWith("invalid") ? "no unit matches" : "matching unit"}`, exp, { userId: matching, attributes: pass });
  if (name.startsWith("invalid regex")) continue; // nothing can match an invalid regex
  add(`targeting ${name}: failing unit`, exp, { userId: name.startsWith("userId") ? "user-1" : matching, attributes: fail });
}

const out = {
  description:
    "Verdict assignment contract, hash version 1. bucket: hash = uint32 second-round FNV-1a, bucket = hash / 2^32. " + "evaluate: expected assignment of unit for experiment. See src/sdk/README.md.",
  hashVersion: 1,
  bucket: bucketCases,
  evaluate: evaluateCases,
};
const target = fileURLToPath(new URL("../src/sdk/cases.json", import.meta.url));
writeFileSync(target, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${bucketCases.length} bucket and ${evaluateCases.length} evaluate cases to ${target}`);
