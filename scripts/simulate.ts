// `npm run simulate -- --experiment realtime-tracking --users 20000 --treatment-error-rate 2x ...`
// Realistic synthetic traffic with planted effects, sent through the public API of a running server
// (POST /api/v1/assign, then POST /api/v1/events in batches) with a client key.
import { parseArgs } from "node:util";
import { env } from "../src/core/env";
import { describeEffects, httpTransport, parseMultiplier, parseNumber, parseShare, runSimulation, type VariantEffects } from "../src/simulator";

const HELP = `Usage: npm run simulate -- --experiment <key> [options]

  --experiment <key>            experiment whose variant gets the effects (required)
  --users <n>                   users (or instances) to simulate            [1000]
  --base-url <url>              Verdict server                              [http://localhost:$PORT]
  --client-key <key>            client API key                              [$VERDICT_CLIENT_KEY]
  --variant <key>               the variant the effects apply to            [treatment]
  --treatment-error-rate <x>    error-rate multiplier, e.g. 2x
  --treatment-load-time <x>     page-load-time multiplier, e.g. 1.2x
  --engagement-lift <share>     engagement lift, e.g. 10%
  --feedback-shift <points>     feedback score shift, e.g. -0.5
  --srm-drop <share>            share of the variant's exposures never logged (plants an SRM), e.g. 10%
  --unit user|instance          instances for rolling deploys              [user]
  --attr <name=value@share>     give a share of users an attribute, e.g. internal=true@5% (repeatable)
  --only-exposed                send no traffic for users exposed nowhere
  --seed <n>                    PRNG seed                                   [1]
  --batch-size <n>              users per assign call (≤ 1000)              [500]
  --concurrency <n>             concurrent event posts                      [4]

Note: the simulator honours Retry-After on 429 (a key with a rate limit of its own) and 503 (the
server shedding load).`;

function attributeSpec(spec: string): { name: string; value: string | number | boolean; share: number } {
  const m = /^([^=]+)=([^@]+)(?:@(.+))?$/.exec(spec);
  if (!m) throw new Error(`--attr '${spec}' is not name=value@share`);
  const raw = m[2];
  const value = raw === "true" ? true : raw === "false" ? false : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return { name: m[1], value, share: m[3] ? parseShare(m[3]) : 1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      experiment: { type: "string" },
      users: { type: "string", default: "1000" },
      "base-url": { type: "string" },
      "client-key": { type: "string" },
      variant: { type: "string", default: "treatment" },
      "treatment-error-rate": { type: "string" },
      "treatment-load-time": { type: "string" },
      "engagement-lift": { type: "string" },
      "feedback-shift": { type: "string" },
      "srm-drop": { type: "string" },
      unit: { type: "string", default: "user" },
      attr: { type: "string", multiple: true, default: [] },
      "only-exposed": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      "batch-size": { type: "string", default: "500" },
      concurrency: { type: "string", default: "4" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.experiment) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  const e = env();
  const clientKey = values["client-key"] ?? e.VERDICT_CLIENT_KEY;
  if (!clientKey) throw new Error("--client-key is required (or set VERDICT_CLIENT_KEY); create one on the dashboard's API keys page, or `source .verdict/initial-credentials.env`");
  const baseUrl = values["base-url"] ?? `http://localhost:${e.PORT}`;
  const effects: VariantEffects = {};
  if (values["treatment-error-rate"]) effects.errorRate = parseMultiplier(values["treatment-error-rate"]);
  if (values["treatment-load-time"]) effects.loadTime = parseMultiplier(values["treatment-load-time"]);
  if (values["engagement-lift"]) effects.engagementLift = parseShare(values["engagement-lift"]);
  if (values["feedback-shift"]) effects.feedbackShift = parseNumber(values["feedback-shift"]);
  if (values["srm-drop"]) effects.dropExposures = parseShare(values["srm-drop"]);
  if (values.unit !== "user" && values.unit !== "instance") throw new Error("--unit must be user or instance");
  const attrs = (values.attr as string[]).map(attributeSpec);
  const users = Math.trunc(parseNumber(values.users));

  console.log(`[simulate] ${users} ${values.unit}s → ${baseUrl}, experiment '${values.experiment}', ${values.variant}: ${describeEffects(effects)}`);
  const started = Date.now();
  const report = await runSimulation({
    transport: httpTransport({ baseUrl, clientKey }),
    experiment: values.experiment,
    users,
    effects: { [values.variant]: effects },
    seed: Math.trunc(parseNumber(values.seed)),
    unit: values.unit,
    batchSize: Math.trunc(parseNumber(values["batch-size"])),
    concurrency: Math.trunc(parseNumber(values.concurrency)),
    onlyExposed: values["only-exposed"],
    attributes: attrs.length ? (_i, rng) => Object.fromEntries(attrs.filter((a) => rng.next() < a.share).map((a) => [a.name, a.value])) : undefined,
    onBatch: (r) => {
      if (r.batches % 10 === 0 || r.users === users) {
        const exposed =
          Object.entries(r.exposed)
            .map(([v, n]) => `${v} ${n}`)
            .join(", ") || "none";
        console.log(`[simulate] ${r.users}/${users} users, ${r.eventsSent} events, exposed: ${exposed}`);
      }
    },
  });
  const secs = (Date.now() - started) / 1000;
  console.log(
    `[simulate] done in ${secs.toFixed(1)} s: ${report.eventsSent} events accepted (${Math.round(report.eventsSent / secs)}/s), ${report.eventsRejected} rejected, ` +
      `served ${JSON.stringify(report.served)}, exposed ${JSON.stringify(report.exposed)}${report.droppedExposures ? `, ${report.droppedExposures} exposures dropped` : ""}`,
  );
}

main().catch((err) => {
  const cause = (err as Error).cause as Error | undefined;
  console.error(`[simulate] ${(err as Error).message}${cause ? ` (${cause.message})` : ""}`);
  process.exit(1);
});
