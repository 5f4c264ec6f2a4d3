// Issue 12, item 9: a NUL character (or an unpaired surrogate) in any string that reaches Postgres
// is a 400 naming the field, through the real route handlers, and nothing is stored.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as login from "@/app/api/auth/login/route";
import * as audit from "@/app/api/v1/audit/route";
import * as collection from "@/app/api/v1/experiments/route";
import * as item from "@/app/api/v1/experiments/[key]/route";
import * as kill from "@/app/api/v1/experiments/[key]/kill/route";
import * as pause from "@/app/api/v1/experiments/[key]/pause/route";
import * as promote from "@/app/api/v1/experiments/[key]/promote/route";
import * as resume from "@/app/api/v1/experiments/[key]/resume/route";
import * as rollback from "@/app/api/v1/experiments/[key]/rollback/route";
import * as start from "@/app/api/v1/experiments/[key]/start/route";
import * as switchRoute from "@/app/api/v1/experiments/[key]/switch/route";
import * as keys from "@/app/api/v1/keys/route";
import * as keyItem from "@/app/api/v1/keys/[id]/route";
import * as users from "@/app/api/v1/users/route";
import * as webhooks from "@/app/api/v1/webhooks/route";
import { getDb } from "@/db/postgres";
import type { RouteHandler } from "@/server/http/route";
import { call, setupStores } from "./helpers/app";

const KEY = "nul-target";
const NUL = "bad\u0000value";
const LONE = "bad\ud800value";

async function fingerprint(): Promise<string> {
  const db = await getDb();
  const out: string[] = [];
  for (const t of ["users", "api_keys", "sessions", "experiments", "audit_log", "webhooks", "decisions"]) {
    const res = (await db.execute(sql.raw(`select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as h from ${t} x`))) as unknown as { rows: { h: string }[] };
    out.push(`${t}:${res.rows[0].h}`);
  }
  return out.join("|");
}

let keyId = "";

beforeAll(async () => {
  await setupStores();
  expect((await call(collection.POST, { body: { key: KEY, name: "NUL target", strategy: "canary" } })).status).toBe(201);
  expect((await call(start.POST, { params: { key: KEY }, body: {} })).status).toBe(200);
  keyId = (await call(keys.POST, { body: { name: "victim", kind: "client" } })).body.id;
});

const experiment = (over: Record<string, unknown>) => ({ key: "nul-new", name: "New", strategy: "ab", ...over });

// [what, handler, body (with `bad` where the hostile string goes), expected field path, params]
type Case = [string, RouteHandler, (bad: string) => unknown, string, Record<string, string>?, string?];
const CASES: Case[] = [
  ["experiment name", collection.POST, (bad) => experiment({ name: bad }), "name"],
  ["hypothesis", collection.POST, (bad) => experiment({ hypothesis: bad }), "hypothesis"],
  [
    "variant description",
    collection.POST,
    (bad) =>
      experiment({
        variants: [
          { key: "control", weight: 0.5, description: bad },
          { key: "treatment", weight: 0.5 },
        ],
      }),
    "variants.0.description",
  ],
  ["forced key", collection.POST, (bad) => experiment({ forced: { [bad]: "control" } }), "forced."],
  ["targeting rule value", collection.POST, (bad) => experiment({ targeting: { attribute: "country", op: "eq", value: bad } }), "targeting"],
  ["rollback notes", collection.POST, (bad) => experiment({ rollbackPlan: { notes: bad } }), "rollbackPlan.notes"],
  ["edited name", item.PATCH, (bad) => ({ name: bad }), "name", { key: KEY }],
  ["edited hypothesis", item.PATCH, (bad) => ({ hypothesis: bad }), "hypothesis", { key: KEY }],
  ["pause reason", pause.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["resume reason", resume.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["promote reason", promote.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["rollback reason", rollback.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["switch reason", switchRoute.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["kill reason", kill.POST, (bad) => ({ reason: bad }), "reason", { key: KEY }],
  ["key name", keys.POST, (bad) => ({ name: bad, kind: "client" }), "name"],
  ["webhook URL", webhooks.POST, (bad) => ({ url: `https://hooks.example/${bad}` }), "url"],
  ["webhook secret", webhooks.POST, (bad) => ({ url: "https://hooks.example/verdict", secret: `${bad}-long-enough-secret` }), "secret"],
  ["user name", users.POST, (bad) => ({ username: bad, password: "long-enough-password", role: "viewer" }), "username"],
  ["user password", users.POST, (bad) => ({ username: "nul-user", password: `${bad}-long-enough`, role: "viewer" }), "password"],
  ["login username", login.POST, (bad) => ({ username: bad, password: "whatever-password" }), "username", undefined, "public"],
  ["login password", login.POST, (bad) => ({ username: "admin", password: bad }), "password", undefined, "public"],
];

describe("NUL bytes and unpaired surrogates", () => {
  for (const [bad, label] of [
    [NUL, "NUL"],
    [LONE, "a lone surrogate"],
  ] as const) {
    it.each(CASES)(`%s with ${label}: 400 naming the field, nothing stored`, async (_what, handler, body, path, params, access) => {
      const before = await fingerprint();
      const res = await call(handler, { body: body(bad), params, token: access === "public" ? null : undefined });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
      expect(
        paths.some((p) => p.startsWith(path)),
        `${paths.join(", ")} should name ${path}`,
      ).toBe(true);
      expect(await fingerprint()).toBe(before);
    });
  }

  it("in the audit filter (a query parameter) too", async () => {
    const res = await call(audit.GET, { path: `/api/v1/audit?entityKey=${encodeURIComponent(NUL)}` });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("entityKey");
  });

  it("a key's rate limit must be a positive integer or null", async () => {
    for (const rateLimit of [0, -1, 1.5, "10", 2 ** 31]) {
      const res = await call(keyItem.PATCH, { method: "PATCH", params: { id: keyId }, body: { rateLimit } });
      expect(res.status, String(rateLimit)).toBe(400);
      expect(res.body.error.details[0].path).toBe("rateLimit");
    }
  });
});
