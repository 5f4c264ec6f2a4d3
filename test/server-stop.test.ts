// Stopping `npm start` as an operator does: SIGTERM to the PID of `npm start` must stop the whole
// tree (npm, scripts/start.ts, server.ts) gracefully, and the server must not outlive its parent
// when that is killed outright. Before: npm ran the script through sh (dash), which stayed as npm's
// child, died of the SIGTERM npm relayed to it and passed nothing on, so start.ts and server.ts went
// on serving as orphans.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { chQuery } from "@/db/clickhouse/client";
import { TEST_CLIENT_KEY } from "./helpers/credentials";
import { ensureBuilt, freePort } from "./helpers/next-server";

const dataDir = process.env.VERDICT_DATA_DIR!; // fresh per test file; this process opens it only at the end
const started: ChildProcess[] = [];

afterAll(() => {
  for (const c of started) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

function parentOf(pid: number): number | undefined {
  try {
    // the command may hold spaces and parentheses: fields after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

/** Every live descendant of pid. */
function descendants(pid: number): number[] {
  const all = readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    frontier = all.filter((p) => frontier.includes(parentOf(p) ?? -1));
    out.push(...frontier);
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return parentOf(pid) !== undefined && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Started {
  npm: ChildProcess;
  url: string;
  output: () => string;
  /** the pids of scripts/start.ts and server.ts */
  start: number;
  server: number;
}

/** `npm start` on the test's data directory, in its own process group (for clean-up only). */
async function npmStart(): Promise<Started> {
  const port = await freePort();
  const npm = spawn("npm", ["start"], {
    cwd: process.cwd(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), VERDICT_DATA_DIR: dataDir, VERDICT_SEED_DEMO: "false", TSX_DISABLE_CACHE: "1" },
  });
  started.push(npm);
  let log = "";
  npm.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  npm.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    `npm start to answer:\n${log}`,
    async () => {
      try {
        return (await fetch(`${url}/api/health`)).status === 200;
      } catch {
        return false;
      }
    },
    180_000,
  );
  const tree = descendants(npm.pid!);
  const start = tree.find((p) => commandOf(p).includes("scripts/start.ts"));
  const server = tree.find((p) => commandOf(p).includes("server.ts") && !commandOf(p).includes("scripts/start.ts"));
  expect({ start, server }, tree.map((p) => `${p}: ${commandOf(p)}`).join("\n")).toEqual({ start: expect.any(Number), server: expect.any(Number) });
  return { npm, url, output: () => log, start: start!, server: server! };
}

async function sendEvents(url: string, prefix: string, n: number): Promise<string[]> {
  const acked: string[] = [];
  for (let b = 0; b < n; b++) {
    const events = Array.from({ length: 100 }, (_, i) => ({ id: `${prefix}-${b}-${i}`, type: "engagement", userId: `u${i}` }));
    const res = await fetch(`${url}/api/v1/events`, { method: "POST", headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
    const body = (await res.json()) as { accepted?: number };
    if (res.status === 200 && body.accepted === 100) acked.push(...events.map((e) => e.id));
  }
  return acked;
}

describe("stopping npm start", () => {
  it("SIGTERM to npm's PID stops the whole tree gracefully; the server exits when its parent is killed", { timeout: 600_000 }, async () => {
    ensureBuilt();
    const acked: string[] = [];

    // 1. SIGTERM to the PID of `npm start`
    const first = await npmStart();
    const tree = [first.npm.pid!, ...descendants(first.npm.pid!)];
    acked.push(...(await sendEvents(first.url, "term", 10)));
    process.kill(first.npm.pid!, "SIGTERM");
    await waitUntil("every process of the tree to exit", () => tree.every((p) => !alive(p)), 60_000).catch(() => undefined);
    expect(tree.filter(alive).map((p) => `${p}: ${commandOf(p)}`)).toEqual([]);
    expect(first.output()).toContain("SIGTERM: finishing requests in flight and storing accepted events");
    expect(first.output()).not.toMatch(/\[verdict\] (shutdown:|stores not closed)/);

    // 2. kill -9 of the server's parent (scripts/start.ts): the server notices and stops gracefully
    const second = await npmStart();
    acked.push(...(await sendEvents(second.url, "parent", 10)));
    process.kill(second.start, "SIGKILL");
    await waitUntil("the server to exit after its parent was killed", () => !alive(second.server), 60_000).catch(() => undefined);
    expect(alive(second.server), second.output()).toBe(false);
    expect(second.output()).toContain("parent process gone: finishing requests in flight and storing accepted events");
    expect(second.output()).not.toMatch(/\[verdict\] (shutdown:|stores not closed)/);

    // 3. kill -9 of npm itself: start.ts is re-parented, notices, and stops the server
    const third = await npmStart();
    acked.push(...(await sendEvents(third.url, "npm", 10)));
    process.kill(third.npm.pid!, "SIGKILL");
    await waitUntil("start.ts and the server to exit after npm was killed", () => !alive(third.server) && !alive(third.start), 60_000).catch(() => undefined);
    expect([third.start, third.server].filter(alive).map(commandOf)).toEqual([]);

    // every event acknowledged on the way is stored (a last start replays whatever the spool holds)
    const last = await npmStart();
    await waitUntil(
      "the spool to drain",
      async () => ((await (await fetch(`${last.url}/api/health`)).json()) as { ingestion?: { spool: { depthEvents: number } } }).ingestion?.spool.depthEvents === 0,
    );
    process.kill(last.npm.pid!, "SIGTERM");
    await waitUntil("the last server to exit", () => !alive(last.server) && !alive(last.start), 60_000);
    const stored = new Set((await chQuery<{ id: string }>("SELECT DISTINCT id FROM events")).map((r) => r.id));
    expect(acked.length).toBe(3000);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
  });
});
