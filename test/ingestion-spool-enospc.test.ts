// The spool itself on a really full filesystem (a tiny tmpfs mounted by the test; skipped, saying
// so, where mounting is not possible: test/ingestion-full-disk.test.ts has the injected fallback).
// A failed append leaves nothing behind; a checkpoint that cannot be saved changes no state, so the
// drain keeps its position (a restart reads the same batch, same dedup token); a segment file that
// cannot be created (no inode left) leaves no phantom segment.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Spool } from "@/server/ingestion/spool";

const mounts: string[] = [];

function mount(options: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), "spool-enospc-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "pipe" });
  } catch {
    return null;
  }
  mounts.push(dir);
  return dir;
}

/** Writes into `file` until the filesystem refuses even one more byte. */
function fillUp(file: string): void {
  for (const chunk of [65536, 4096, 1]) {
    try {
      for (;;) appendFileSync(file, Buffer.alloc(chunk, 7));
    } catch (e) {
      expect((e as { code?: string }).code).toBe("ENOSPC");
    }
  }
}

const payload = (i: number) => Buffer.from(`{"id":"r${i}","pad":"${"x".repeat(3000)}"}\n`);
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string }) => e.code,
  );

afterAll(() => {
  for (const m of mounts) execFileSync("umount", ["-l", m], { stdio: "pipe" });
});

const first = mount("size=256k");
console.log(first ? "[spool enospc] on tmpfs mounts made by the test" : "[spool enospc] skipped: mounting a tmpfs is not possible here");

describe.skipIf(!first)("the spool on a full filesystem", () => {
  it("refuses appends cleanly and keeps the drain's position when the checkpoint cannot be saved", async () => {
    const dir = join(first!, "spool");
    mkdirSync(dir);
    const spool = new Spool(dir);
    await spool.open();
    writeFileSync(join(first!, "reserve"), Buffer.alloc(32 * 1024)); // removed below to free space
    let n = 0;
    let error: string | undefined;
    while (!error) {
      const before = spool.depth();
      error = await codeOf(spool.append(payload(n), 1));
      if (error === "ok") {
        error = undefined;
        n++;
      } else expect(spool.depth()).toEqual(before); // nothing of the failed record counts
    }
    expect(error).toBe("ENOSPC");
    expect(n).toBeGreaterThan(10);
    fillUp(join(first!, "filler")); // the space the failed record gave back, too

    const batch = (await spool.next(16 * 1024))!;
    expect(batch.rows).toBeGreaterThan(0);
    expect(await codeOf(spool.markInflight(batch))).toBe("ENOSPC");
    expect(await codeOf(spool.append(payload(n), 1))).toBe("ENOSPC");
    expect(spool.depth().rows).toBe(n);
    // A restart now reads the same batch with the same token: no position was lost.
    const again = new Spool(dir);
    await again.open();
    expect(again.depth().rows).toBe(n);
    expect((await again.next(16 * 1024))!.token).toBe(batch.token);
    await again.close();

    rmSync(join(first!, "reserve"));
    await spool.markInflight(batch); // must really be saved now, although it failed before
    // "Crash" with the batch in flight: a restart must replay exactly its range (same token), not
    // a larger read that an insert of the first range could have been part of.
    const crashed = new Spool(dir);
    await crashed.open();
    expect((await crashed.next(1 << 20))!.token).toBe(batch.token);
    await crashed.close();
    await spool.commit(batch);
    expect(spool.depth().rows).toBe(n - batch.rows);
    await spool.append(payload(n), 1);
    await spool.close();
    const reopened = new Spool(dir);
    await reopened.open();
    expect(reopened.depth().rows).toBe(n - batch.rows + 1);
    await reopened.close();
  });

  it("leaves no phantom segment when the segment file cannot be created", async () => {
    const root = mount("size=1m,nr_inodes=16");
    expect(root).not.toBeNull();
    const dir = join(root!, "spool");
    mkdirSync(dir);
    const spool = new Spool(dir);
    await spool.open();
    let i = 0;
    try {
      for (;;) writeFileSync(join(root!, `inode-${i++}`), "");
    } catch (e) {
      expect((e as { code?: string }).code).toBe("ENOSPC");
    }
    expect(await codeOf(spool.append(payload(0), 1))).toBe("ENOSPC");
    expect(spool.depth()).toEqual({ bytes: 0, rows: 0, segments: 0 });
    rmSync(join(root!, "inode-0"));
    await spool.append(payload(1), 1);
    const batch = (await spool.next(1 << 20))!;
    expect(batch.payload.toString()).toBe(payload(1).toString());
    await spool.close();
  });
});
