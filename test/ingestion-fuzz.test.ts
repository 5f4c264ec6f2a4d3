// Fuzz (issue 12, item 2): random events that are valid by the schema (random Unicode including
// astral characters, control characters and the spool's own magic, random numbers, timestamps
// anywhere in the window, random properties) through the real route handler, interleaved at random
// with store outages, pipeline restarts and reads. After every read the stored rows must equal an
// expectation built from scratch from what was sent: every accepted id once (raw rows, merges
// stopped), with its user, name, value and timestamp, and the spool drained. Seeded: a failure
// names its seed (VERDICT_FUZZ_SEED reruns it).
process.env.VERDICT_INGEST_RATE_LIMIT = "0";

import { beforeAll, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import * as experimentsRoute from "@/app/api/v1/experiments/route";
import * as startRoute from "@/app/api/v1/experiments/[key]/start/route";
import { chCommand, chQuery } from "@/db/clickhouse/client";
import { flushIngestion, ingestionPipeline, setIngestionInserterWrapper, stopIngestion } from "@/server/ingestion/pipeline";
import { call, setupStores, TEST_CLIENT_KEY } from "./helpers/app";
import { faultyInserter, type Fault } from "./helpers/ingest-faults";

const SEED = Number(process.env.VERDICT_FUZZ_SEED ?? Date.now() % 1_000_000);
let s = SEED;
/** mulberry32 */
function rand(): number {
  s = (s + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const PIECES = ["a", "Z", "0", " ", '"', "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "é", "ß", "\u2028", "\ufeff", "\uffff", "中", "😀", "𝄞", "\u{10ffff}", "VSP1", "{}", "'", "%", "\r\n"];

/** A well-formed string of 1..max UTF-16 code units. */
function text(max: number): string {
  const target = 1 + int(Math.min(max, 40));
  let out = "";
  while (out.length < target) {
    const p = rand() < 0.3 ? String.fromCodePoint(rand() < 0.5 ? 0x20 + int(0xd000) : 0x10000 + int(0xfffff)) : pick(PIECES);
    if (out.length + p.length > max) break;
    out += p;
  }
  return out || "x";
}

const NUMBERS = [0, 1, -1, 0.1, 1e-300, 5e-324, 1e308, -1e308, 2 ** 53, -(2 ** 53) + 1, 123456.789, Math.PI];
const number = () => (rand() < 0.5 ? pick(NUMBERS) : (rand() - 0.5) * 10 ** int(20));

const WINDOW_START = Date.UTC(2000, 0, 1);

/** A timestamp in the window, as epoch ms or as ISO with a random zone; and the ms it means. */
function timestamp(): { raw: string | number; ms: number } {
  const ms = WINDOW_START + int(Date.now() + 4 * 60_000 - WINDOW_START);
  if (rand() < 0.5) return { raw: ms, ms };
  const offMin = (int(27) - 12) * 60 + pick([0, 30, 45]) * (rand() < 0.5 ? 1 : -1);
  const local = new Date(ms + offMin * 60_000).toISOString().slice(0, 23);
  const sign = offMin < 0 ? "-" : "+";
  const abs = Math.abs(offMin);
  const zone = offMin === 0 && rand() < 0.5 ? "Z" : `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return { raw: `${local}${zone}`, ms };
}

interface Expected {
  user: string;
  name: string;
  value: number;
  ms: number;
}

let nextId = 0;
function event(expected: Map<string, Expected>): Record<string, unknown> {
  const id = `fz${nextId++}:${text(100)}`;
  const user = text(256);
  const t = timestamp();
  const type = pick(["metric", "request", "error", "engagement", "page_load", "feedback", "exposure"] as const);
  const e: Record<string, unknown> = { id, type, timestamp: t.raw };
  if (rand() < 0.8) e.userId = user;
  else e.instanceId = user;
  let name = "";
  let value = 1;
  if (type === "metric") {
    name = text(128);
    value = number();
    Object.assign(e, { name, value });
  } else if (type === "page_load") value = e.value = Math.abs(number());
  else if (type === "feedback") value = e.value = 1 + int(5);
  else if (type === "exposure") Object.assign(e, { experiment: "fuzz-ab", variant: pick(["control", "treatment"]) });
  else if (rand() < 0.5) value = e.value = number();
  if (rand() < 0.7) {
    const props: Record<string, string | number | boolean> = {};
    for (let i = int(33); i > 0; i--) props[text(64)] = pick([() => text(512), () => number(), () => rand() < 0.5])();
    e.properties = props;
  }
  if (Object.is(value, -0)) value = e.value = 0;
  expected.set(id, { user, name, value, ms: t.ms });
  return e;
}

let fault: Fault = "none";

beforeAll(async () => {
  await setupStores();
  await chCommand("SYSTEM STOP MERGES events");
  expect((await call(experimentsRoute.POST, { body: { key: "fuzz-ab", name: "Fuzz", strategy: "ab" } })).status).toBe(201);
  expect((await call(startRoute.POST, { params: { key: "fuzz-ab" }, body: {} })).status).toBe(200);
});

describe("random valid events, outages, restarts and reads", () => {
  it("always drains, and stores exactly what was accepted", { timeout: 600_000 }, async () => {
    console.log(`[fuzz] seed ${SEED}`);
    const expected = new Map<string, Expected>();
    const wire = () => setIngestionInserterWrapper(faultyInserter(() => fault));
    wire();
    const check = async () => {
      fault = "none";
      await flushIngestion();
      expect(ingestionPipeline().spool.depth().bytes).toBe(0);
      const rows = await chQuery<{ id: string; n: number; user_id: string; name: string; value: number; ms: number }>(
        "SELECT id, count() AS n, any(user_id) AS user_id, any(name) AS name, any(value) AS value, any(toUnixTimestamp64Milli(timestamp)) AS ms FROM events WHERE startsWith(id, 'fz') GROUP BY id",
      );
      const got = new Map(rows.map((r) => [r.id, r]));
      const missing = [...expected.keys()].filter((id) => !got.has(id));
      const extra = [...got.keys()].filter((id) => !expected.has(id));
      const dup = rows.filter((r) => Number(r.n) !== 1).map((r) => r.id);
      expect({ seed: SEED, missing, extra, dup }).toEqual({ seed: SEED, missing: [], extra: [], dup: [] });
      for (const [id, want] of expected) {
        const r = got.get(id)!;
        expect({ seed: SEED, id, user: r.user_id, name: r.name, value: Number(r.value), ms: Number(r.ms) }).toEqual({ seed: SEED, id, ...want });
      }
    };
    const ops = { post: 0, outage: 0, restart: 0, read: 0 };
    for (let step = 0; step < 60; step++) {
      const op = pick(["post", "post", "post", "post", "outage", "restart", "read"] as const);
      ops[op]++;
      if (op === "post") {
        const batch = Array.from({ length: 1 + int(60) }, () => event(expected));
        const res = await call(events.POST, { method: "POST", path: "/api/v1/events", token: TEST_CLIENT_KEY, body: { events: batch } });
        expect({ seed: SEED, status: res.status, rejected: res.body.rejected }).toEqual({ seed: SEED, status: 200, rejected: [] });
      } else if (op === "outage") {
        fault = fault === "none" ? pick(["refuse", "lose-ack"] as const) : "none";
      } else if (op === "restart") {
        await stopIngestion();
        wire();
      } else {
        await check();
      }
    }
    await check();
    const deadLetters = await ingestionPipeline().deadLetters.size();
    console.log(`[fuzz] ${expected.size} events; ops ${JSON.stringify(ops)}; dead letters: ${deadLetters}`);
    expect(deadLetters).toBe(0);
  });
});
