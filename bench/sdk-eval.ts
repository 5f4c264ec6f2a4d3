/**
 * Local-evaluation throughput: Verdict's SDK evaluator vs GrowthBook's JavaScript SDK on the
 * same workload (1,000,000 distinct users x 20 running experiments with targeting).
 *
 *   npx tsx bench/sdk-eval.ts [users]
 *
 * Both sides get the same 20 experiments, translated to each system's native format: ab tests
 * (some with partial coverage, one 3-way), canary stages with a same-size baseline (GrowthBook
 * `ranges`), toggles (targeting + percentage), rolling deploys hashed by instanceId, blue/green
 * with verification traffic (GrowthBook force rule) and two experiments sharing a layer
 * (GrowthBook namespace). Targeting uses in / eq / regex / semver / numeric rules.
 * Unit objects are built before timing, in chunks, for both sides; only evaluation is timed.
 * GrowthBook runs through GrowthBookClient, its multi-user server API (the fastest path it
 * offers), with a no-op tracking callback as an app that logs exposures would configure it.
 * GrowthBook does much of its per-evaluation work only when a tracking callback is set, so a
 * second figure without one is printed too (on the first `withoutTrackingUsers` users), to
 * show the gap does not depend on that choice. Verdict's figure is the pure evaluator
 * (compileSnapshot().evaluateAll), which is what POST /api/v1/assign and the SDK client run;
 * the client's exposure de-duplication is not part of it.
 */
import { GrowthBookClient, type ConditionInterface, type FeatureDefinition, type UserContext, type VariationRange } from "@growthbook/growthbook";
import { pathToFileURL } from "node:url";
import { compileSnapshot } from "../src/sdk/evaluate";
import { makeExperiment, makeSnapshot, prng } from "../test/helpers/sdk/fixtures";
import type { Rule, SnapshotExperiment, Unit } from "../src/sdk/types";

type Condition = ConditionInterface;

interface WorkloadExperiment {
  verdict: SnapshotExperiment;
  growthbook: FeatureDefinition<string>;
}

/** A targeting rule in both dialects. */
const rules: Record<string, { verdict: Rule; growthbook: Condition }> = {
  euOrUs: { verdict: { attribute: "country", op: "in", values: ["FR", "DE", "US", "ES"] }, growthbook: { country: { $in: ["FR", "DE", "US", "ES"] } } },
  modernApp: { verdict: { attribute: "appVersion", op: "semver_gte", value: "2.3.0" }, growthbook: { appVersion: { $vgte: "2.3.0" } } },
  corpEmail: { verdict: { attribute: "email", op: "regex", value: "@(corp|example)\\.com$" }, growthbook: { email: { $regex: "@(corp|example)\\.com$" } } },
  paying: { verdict: { attribute: "plan", op: "in", values: ["pro", "enterprise"] }, growthbook: { plan: { $in: ["pro", "enterprise"] } } },
  adultMobile: {
    verdict: {
      all: [
        { attribute: "age", op: "gte", value: 18 },
        { attribute: "platform", op: "eq", value: "ios" },
      ],
    },
    growthbook: { $and: [{ age: { $gte: 18 } }, { platform: "ios" }] },
  },
  verifier: { verdict: { attribute: "role", op: "eq", value: "verifier" }, growthbook: { role: "verifier" } },
  notBot: { verdict: { not: { attribute: "userAgent", op: "regex", value: "bot|crawler|spider" } }, growthbook: { $not: { userAgent: { $regex: "bot|crawler|spider" } } } },
};

function abTest(key: string, weights: number[], coverage: number, rule: keyof typeof rules | null, layer: [string, number, number] | null = null): WorkloadExperiment {
  const variants = weights.map((weight, i) => ({ key: i === 0 ? "control" : `treatment${i}`, weight }));
  const verdict = makeExperiment({ key, variants, exposure: coverage, targeting: rule ? rules[rule].verdict : null, layer: layer && { key: layer[0], start: layer[1], end: layer[2] } });
  const growthbook: FeatureDefinition<string> = {
    defaultValue: "control",
    rules: [
      {
        key,
        seed: verdict.seed,
        hashVersion: 2,
        hashAttribute: "id",
        variations: variants.map((v) => v.key),
        weights,
        coverage,
        ...(rule ? { condition: rules[rule].growthbook } : {}),
        ...(layer ? { namespace: layer } : {}),
      },
    ],
  };
  return { verdict, growthbook };
}

/** canary / toggle / rolling: treatment on [0, s), the exposed comparison group on `baseline`. */
function slicedRollout(key: string, strategy: "canary" | "toggle" | "rolling", s: number, rule: keyof typeof rules | null): WorkloadExperiment {
  const verdict = makeExperiment({ key, strategy, exposure: s, targeting: rule ? rules[rule].verdict : null });
  const baseline: VariationRange = strategy === "canary" && s <= 0.5 ? [1 - s, 1] : [s, 1];
  const hashAttribute = strategy === "rolling" ? "instanceId" : "id";
  const growthbook: FeatureDefinition<string> = {
    defaultValue: "control",
    rules: [{ key, seed: verdict.seed, hashVersion: 2, hashAttribute, variations: ["control", "treatment"], ranges: [baseline, [0, s]], ...(rule ? { condition: rules[rule].growthbook } : {}) }],
  };
  return { verdict, growthbook };
}

function blueGreen(key: string, live: "blue" | "green"): WorkloadExperiment {
  const verdict = makeExperiment({ key, strategy: "blue_green", live, targeting: rules.verifier.verdict });
  const idle = live === "blue" ? "green" : "blue";
  return { verdict, growthbook: { defaultValue: live, rules: [{ condition: rules.verifier.growthbook, force: idle }] } };
}

export function buildWorkload(): WorkloadExperiment[] {
  return [
    abTest("checkout-button", [0.5, 0.5], 1, null),
    abTest("search-ranking", [0.34, 0.33, 0.33], 1, "euOrUs"),
    abTest("pricing-page", [0.5, 0.5], 0.4, "modernApp"),
    abTest("onboarding-flow", [0.9, 0.1], 1, "notBot"),
    abTest("recommendations", [0.5, 0.5], 0.8, "adultMobile"),
    abTest("email-digest", [0.5, 0.5], 1, "corpEmail"),
    abTest("layer-hero-a", [0.5, 0.5], 1, null, ["homepage", 0, 0.5]),
    abTest("layer-hero-b", [0.5, 0.5], 1, "euOrUs", ["homepage", 0.5, 1]),
    slicedRollout("realtime-tracking", "canary", 0.05, null),
    slicedRollout("new-checkout-api", "canary", 0.2, "modernApp"),
    slicedRollout("image-cdn", "canary", 0.5, "euOrUs"),
    slicedRollout("graphql-gateway", "canary", 0.8, "notBot"),
    slicedRollout("dark-mode", "toggle", 0.3, "paying"),
    slicedRollout("beta-dashboard", "toggle", 1, "corpEmail"),
    slicedRollout("fast-search", "toggle", 0.5, "adultMobile"),
    slicedRollout("api-v2-deploy", "rolling", 0.25, null),
    slicedRollout("worker-v7-deploy", "rolling", 0.5, null),
    slicedRollout("cache-v3-deploy", "rolling", 0.75, null),
    blueGreen("payments-env", "blue"),
    blueGreen("search-env", "green"),
  ];
}

const COUNTRIES = ["FR", "DE", "US", "ES", "IT", "BR", "JP", "IN"];
const PLANS = ["free", "pro", "enterprise"];
const PLATFORMS = ["ios", "android", "web"];
const AGENTS = ["Mozilla/5.0 Safari", "Mozilla/5.0 Chrome", "Googlebot/2.1", "curl/8"];
const VERSIONS = ["1.9.0", "2.2.9", "2.3.0", "2.10.1", "3.0.0-rc.1", "3.1.0"];

/** Attributes of user i (deterministic); both sides see exactly the same values. */
function attributesOf(i: number, rand: () => number): Record<string, string | number> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  return {
    country: pick(COUNTRIES),
    plan: pick(PLANS),
    platform: pick(PLATFORMS),
    userAgent: pick(AGENTS),
    appVersion: pick(VERSIONS),
    age: 13 + Math.floor(rand() * 60),
    email: `user${i}@${pick(["corp.com", "gmail.com", "example.com", "mail.fr"])}`,
    role: rand() < 0.01 ? "verifier" : "customer",
  };
}

function buildChunk(from: number, to: number) {
  const rand = prng(from + 1);
  const verdictUnits: Unit[] = [];
  const gbContexts: UserContext[] = [];
  for (let i = from; i < to; i++) {
    const attributes = attributesOf(i, rand);
    const userId = `user-${i}`;
    const instanceId = `instance-${i % 5000}`;
    verdictUnits.push({ userId, instanceId, attributes });
    gbContexts.push({ attributes: { ...attributes, id: userId, instanceId } });
  }
  return { verdictUnits, gbContexts };
}

export interface SdkEvalResult {
  users: number;
  experiments: number;
  verdict: { evaluations: number; seconds: number; perSecond: number };
  growthbook: { evaluations: number; seconds: number; perSecond: number };
  ratio: number;
  /** GrowthBookClient with no tracking callback at all, on a prefix of the users. */
  growthbookWithoutTracking: { evaluations: number; seconds: number; perSecond: number };
  ratioWithoutTracking: number;
  /** Largest difference in the share of treatment served per experiment (equivalence check). */
  maxTreatmentShareGap: number;
}

export async function run(options: { users?: number; withoutTrackingUsers?: number; chunk?: number; log?: (line: string) => void } = {}): Promise<SdkEvalResult> {
  const users = options.users ?? 1_000_000;
  const withoutTrackingUsers = Math.min(users, options.withoutTrackingUsers ?? 200_000);
  const chunk = options.chunk ?? 100_000;
  const log = options.log ?? (() => {});
  const workload = buildWorkload();
  const compiled = compileSnapshot(makeSnapshot(workload.map((w) => w.verdict)));
  const features: Record<string, FeatureDefinition<string>> = {};
  for (const w of workload) features[w.verdict.key] = w.growthbook;
  const gb = new GrowthBookClient({ trackingCallback: () => {} });
  await gb.setPayload({ features });
  const gbUntracked = new GrowthBookClient({});
  await gbUntracked.setPayload({ features });
  const keys = workload.map((w) => w.verdict.key);
  const n = keys.length;

  const evalVerdict = (units: Unit[], counts?: number[]) => {
    let sink = 0;
    for (const unit of units) {
      const assignments = compiled.evaluateAll(unit);
      for (let k = 0; k < n; k++) {
        const v = assignments[k].variant;
        sink += v.length;
        if (counts && v !== "control" && v !== "blue") counts[k]++;
      }
    }
    return sink;
  };
  const evalGrowthBook = (contexts: UserContext[], counts?: number[], client = gb) => {
    let sink = 0;
    for (const ctx of contexts) {
      for (let k = 0; k < n; k++) {
        const v = client.getFeatureValue(keys[k], "control", ctx);
        sink += v.length;
        if (counts && v !== "control" && v !== "blue") counts[k]++;
      }
    }
    return sink;
  };

  // Equivalence check on a sample, then warm both JITs before timing.
  const sample = buildChunk(users, users + 20_000);
  const vCounts = new Array<number>(n).fill(0);
  const gCounts = new Array<number>(n).fill(0);
  evalVerdict(sample.verdictUnits, vCounts);
  evalGrowthBook(sample.gbContexts, gCounts);
  await new Promise<void>((resolve) => setImmediate(resolve));
  const maxTreatmentShareGap = Math.max(...vCounts.map((c, k) => Math.abs(c - gCounts[k]) / 20_000));
  for (let r = 0; r < 3; r++) {
    evalVerdict(sample.verdictUnits);
    evalGrowthBook(sample.gbContexts);
    evalGrowthBook(sample.gbContexts, undefined, gbUntracked);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  // GrowthBook fires its tracking callback through promises: the microtasks they queue are part
  // of its cost, and must be drained regularly or they pile up (out of memory at ~300k users).
  // So each side is timed per slice of users *including* a turn of the event loop afterwards.
  const drain = () => new Promise<void>((resolve) => setImmediate(resolve));
  const slice = 10_000;
  let verdictNs = 0n;
  let gbNs = 0n;
  let gbUntrackedNs = 0n;
  let sink = 0;
  for (let from = 0; from < users; from += chunk) {
    const { verdictUnits, gbContexts } = buildChunk(from, Math.min(users, from + chunk));
    for (let at = 0; at < verdictUnits.length; at += slice) {
      let t = process.hrtime.bigint();
      sink += evalVerdict(verdictUnits.slice(at, at + slice));
      await drain();
      verdictNs += process.hrtime.bigint() - t;
      t = process.hrtime.bigint();
      sink += evalGrowthBook(gbContexts.slice(at, at + slice));
      await drain();
      gbNs += process.hrtime.bigint() - t;
      const untracked = Math.min(slice, withoutTrackingUsers - from - at);
      if (untracked > 0) {
        t = process.hrtime.bigint();
        sink += evalGrowthBook(gbContexts.slice(at, at + untracked), undefined, gbUntracked);
        await drain();
        gbUntrackedNs += process.hrtime.bigint() - t;
      }
    }
    log(`  ${Math.min(users, from + chunk).toLocaleString("en")} users done`);
  }
  if (sink === 42) log("(sink)"); // keeps the results observable so nothing is optimised away

  const side = (ns: bigint, evaluations = users * n) => ({ evaluations, seconds: Number(ns) / 1e9, perSecond: evaluations / (Number(ns) / 1e9) });
  const verdict = side(verdictNs);
  const growthbook = side(gbNs);
  const growthbookWithoutTracking = side(gbUntrackedNs, withoutTrackingUsers * n);
  gb.destroy();
  gbUntracked.destroy();
  return {
    users,
    experiments: n,
    verdict,
    growthbook,
    ratio: verdict.perSecond / growthbook.perSecond,
    growthbookWithoutTracking,
    ratioWithoutTracking: verdict.perSecond / growthbookWithoutTracking.perSecond,
    maxTreatmentShareGap,
  };
}

function format(r: SdkEvalResult): string {
  const rate = (x: number) => `${Math.round(x).toLocaleString("en")} evaluations/s`;
  return [
    `SDK local evaluation: ${r.users.toLocaleString("en")} users x ${r.experiments} experiments = ${r.verdict.evaluations.toLocaleString("en")} evaluations per SDK`,
    `  Verdict     ${rate(r.verdict.perSecond)} (${r.verdict.seconds.toFixed(2)} s)`,
    `  GrowthBook  ${rate(r.growthbook.perSecond)} (${r.growthbook.seconds.toFixed(2)} s)`,
    `  ratio       ${r.ratio.toFixed(2)}x (target >= 2x)`,
    `  GrowthBook without any tracking callback (${(r.growthbookWithoutTracking.evaluations / r.experiments).toLocaleString("en")} users): ${rate(r.growthbookWithoutTracking.perSecond)}, ratio ${r.ratioWithoutTracking.toFixed(2)}x`,
    `  equivalence: largest per-experiment gap in treatment share ${(r.maxTreatmentShareGap * 100).toFixed(2)} points (different hashes, same configuration)`,
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const users = process.argv[2] ? Number(process.argv[2]) : undefined;
  run({ users, log: (line) => console.error(line) }).then((r) => console.log(format(r)));
}
