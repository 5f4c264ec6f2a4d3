// The on-disk spool: append-only segment files of checksummed records (spool-record.ts), each
// record one group commit's worth of JSONEachRow lines. A record is acknowledged only after it was
// written whole and fdatasynced, and is removed only after ClickHouse has it (checkpoint.json
// records how far the drain got).
//
// A write that fails or comes up short (full disk) is cut off again and not acknowledged; the next
// record is written at the same offset, so acknowledged records are always contiguous from the
// start of a segment and anything after the last one is a torn tail. Opening cuts torn tails;
// damage *between* intact records (bit rot, a bad sector) is left where it is, and the drain, which
// checks every checksum, moves it to the dead-letter file instead of inserting or skipping it.
import { closeSync, constants, fsyncSync, openSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { HEADER, headerAt, isDiskFull, nextRecord, recordAt, shortWriteError, writeHeader } from "./spool-record";

const SEGMENT_BYTES = 64 * 1024 * 1024;
const SEGMENT_FILE = /^(\d{12})\.seg$/;

interface Segment {
  seq: number;
  /** bytes written and fsynced: everything before this offset is acknowledged data */
  size: number;
  rows: number;
  /** a failed write could not be cut off again: append nothing more here, start a new segment */
  sealed?: boolean;
}

interface Checkpoint {
  segment: number;
  offset: number;
  /** end of the batch being inserted when the process stopped: replayed with the same dedup token */
  inflightEnd?: number;
}

/** A run of consecutive records of one segment, ready to insert; or a damaged range (`corrupt`). */
export interface SpoolBatch {
  segment: number;
  start: number;
  end: number;
  rows: number;
  payload: Buffer;
  /** stable across restarts: ClickHouse drops a re-insert of the same range (insert_deduplication_token) */
  token: string;
  /** the range failed its checksum: payload is the raw bytes, for the dead-letter file */
  corrupt?: string;
}

export interface SpoolDepth {
  bytes: number;
  rows: number;
  segments: number;
}

/** Positional write of the buffers; resolves to the bytes written (may be fewer). Tests inject faults here. */
export type SpoolWrite = (fh: FileHandle, buffers: Buffer[], position: number) => Promise<number>;

const fsWrite: SpoolWrite = async (fh, buffers, position) => (await fh.writev(buffers, position)).bytesWritten;

const segmentName = (seq: number) => `${String(seq).padStart(12, "0")}.seg`;

export class Spool {
  private segments: Segment[] = [];
  private checkpoint: Checkpoint = { segment: 0, offset: 0 };
  private active?: { seq: number; fh: FileHandle };
  private readonly header = Buffer.alloc(HEADER);
  /** random, made once per spool directory: dedup tokens must never repeat across spools */
  private id = "";
  write: SpoolWrite = fsWrite;

  constructor(readonly dir: string) {}

  /** Scans the segments, cuts torn tails and loads the checkpoint. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.id = await readFile(join(this.dir, "spool.id"), "utf8").catch(async () => {
      const id = randomUUID();
      await writeFile(join(this.dir, "spool.id.tmp"), id, { flush: true });
      await rename(join(this.dir, "spool.id.tmp"), join(this.dir, "spool.id"));
      syncDir(this.dir);
      return id;
    });
    try {
      this.checkpoint = JSON.parse(await readFile(join(this.dir, "checkpoint.json"), "utf8")) as Checkpoint;
    } catch {
      this.checkpoint = { segment: 0, offset: 0 };
    }
    const seqs = (await readdir(this.dir))
      .map((f) => SEGMENT_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    this.segments = [];
    for (const seq of seqs) {
      if (seq < this.checkpoint.segment) {
        await rm(join(this.dir, segmentName(seq)), { force: true });
        continue;
      }
      this.segments.push(await this.scan(seq));
    }
    // Segment numbers only grow (they are part of the dedup tokens): with no segment left, the
    // next one is numbered after the checkpoint's.
    const first = this.segments[0];
    if (first && first.seq !== this.checkpoint.segment) this.checkpoint = { segment: first.seq, offset: 0 };
    if (!first) this.checkpoint = { segment: this.checkpoint.segment, offset: 0 };
  }

  /** Finds where a segment's acknowledged records end; truncates the torn tail after them. */
  private async scan(seq: number): Promise<Segment> {
    const path = join(this.dir, segmentName(seq));
    const data = await readFile(path);
    let offset = 0;
    let rows = 0;
    const countFrom = seq === this.checkpoint.segment ? this.checkpoint.offset : 0;
    while (offset < data.length) {
      const r = recordAt(data, offset);
      if (r) {
        if (offset >= countFrom) rows += r.rows;
        offset += HEADER + r.len;
        continue;
      }
      const next = nextRecord(data, offset + 1);
      if (next < 0) break; // nothing intact after it: a torn tail
      if (offset >= countFrom) console.error(`[verdict] spool: ${next - offset} damaged bytes at ${segmentName(seq)}:${offset} between intact records; the drain moves them to the dead-letter file`);
      offset = next;
    }
    if (offset < data.length) {
      console.warn(`[verdict] spool: cut ${data.length - offset} bytes of unacknowledged torn tail from ${segmentName(seq)}`);
      await truncate(path, offset);
    }
    return { seq, size: offset, rows };
  }

  depth(): SpoolDepth {
    let bytes = 0;
    let rows = 0;
    for (const s of this.segments) {
      bytes += s.size - (s.seq === this.checkpoint.segment ? this.checkpoint.offset : 0);
      rows += s.rows;
    }
    return { bytes, rows, segments: this.segments.length };
  }

  /** By bytes, not rows: a damaged range holds bytes but no countable rows. */
  isEmpty(): boolean {
    return this.depth().bytes === 0;
  }

  /**
   * Appends one record and fdatasyncs it: durable when this resolves. On any failure nothing is
   * acknowledged and the segment's end stays where it was, so the next record overwrites the
   * partial one. A full disk (ENOSPC, EDQUOT, EFBIG, a short write) throws with that code.
   */
  async append(payload: Buffer, rows: number): Promise<void> {
    let last = this.segments.at(-1);
    if (!last || last.size >= SEGMENT_BYTES || last.sealed) {
      const seq = (last?.seq ?? this.checkpoint.segment) + 1;
      await this.activate(seq);
      last = { seq, size: 0, rows: 0 };
      this.segments.push(last);
      if (this.segments.length === 1) this.checkpoint = { segment: last.seq, offset: 0 };
    } else if (this.active?.seq !== last.seq) {
      await this.activate(last.seq);
    }
    const fh = this.active!.fh;
    writeHeader(this.header, payload, rows);
    const at = last.size;
    try {
      await this.writeFully(fh, [this.header, payload], at);
      await fh.datasync();
    } catch (e) {
      // Cut the partial record (which also gives the space back). If even that fails, the bytes
      // after `at` are unknown: seal the segment so nothing is ever appended after them.
      await fh.truncate(at).catch(() => (last.sealed = true));
      throw e;
    }
    last.size = at + HEADER + payload.length;
    last.rows += rows;
  }

  private async activate(seq: number): Promise<void> {
    await this.active?.fh.close().catch(() => undefined);
    this.active = undefined;
    // Positional writes (not O_APPEND): a failed partial write is overwritten by the next record.
    const fh = await open(join(this.dir, segmentName(seq)), constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      syncDir(this.dir);
    } catch (e) {
      await fh.close();
      throw e;
    }
    this.active = { seq, fh };
  }

  private async writeFully(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
    const total = buffers.reduce((s, b) => s + b.length, 0);
    let done = 0;
    while (done < total) {
      const n = await this.write(fh, remaining(buffers, done), position + done);
      if (n <= 0) throw shortWriteError(done, total);
      done += n;
    }
  }

  /** The oldest undrained records (at most ~maxBytes, at least one record), or null when empty. */
  async next(maxBytes: number): Promise<SpoolBatch | null> {
    for (;;) {
      const seg = this.segments[0];
      if (!seg) return null;
      const start = this.checkpoint.offset;
      if (start < seg.size) return this.readBatch(seg, start, this.checkpoint.inflightEnd, maxBytes);
      if (this.segments.length === 1) return null;
      // A fully drained older segment: drop it and continue with the next one (checkpoint first:
      // if it cannot be saved, nothing changed).
      await this.saveCheckpoint({ segment: this.segments[1].seq, offset: 0 });
      this.segments.shift();
      await rm(join(this.dir, segmentName(seg.seq)), { force: true });
    }
  }

  private async readBatch(seg: Segment, start: number, forcedEnd: number | undefined, maxBytes: number): Promise<SpoolBatch> {
    const fh = await open(join(this.dir, segmentName(seg.seq)), "r");
    try {
      const want = forcedEnd ?? Math.min(seg.size, start + maxBytes);
      let buf = await readAt(fh, start, want - start);
      const parts: Buffer[] = [];
      let at = 0;
      let rows = 0;
      let reread = false;
      while (at < buf.length) {
        const r = recordAt(buf, at);
        if (r) {
          parts.push(buf.subarray(at + HEADER, at + HEADER + r.len));
          rows += r.rows;
          at += HEADER + r.len;
          continue;
        }
        if (parts.length > 0) break; // whatever follows starts the next batch
        const h = headerAt(buf, at);
        if (h && !reread && h.len > buf.length - HEADER && start + HEADER + h.len <= seg.size) {
          // A single record larger than maxBytes: read exactly that record.
          buf = await readAt(fh, start, HEADER + h.len);
          reread = true;
          continue;
        }
        return this.corruptRange(fh, seg, start);
      }
      const end = start + at;
      return { segment: seg.seq, start, end, rows, payload: parts.length === 1 ? parts[0] : Buffer.concat(parts), token: `spool:${this.id}:${seg.seq}:${start}:${end}` };
    } finally {
      await fh.close();
    }
  }

  /** The damaged bytes from `start` to the next intact record (or the segment's end). */
  private async corruptRange(fh: FileHandle, seg: Segment, start: number): Promise<SpoolBatch> {
    const rest = await readAt(fh, start, seg.size - start);
    const next = nextRecord(rest, 1);
    const end = next < 0 ? seg.size : start + next;
    // rows 0: the open-time scan did not count a damaged record's rows either
    return {
      segment: seg.seq,
      start,
      end,
      rows: 0,
      payload: rest.subarray(0, end - start),
      token: "",
      corrupt: `spool record at ${segmentName(seg.seq)}:${start} failed its checksum (${end - start} bytes up to the next intact record)`,
    };
  }

  /** Records the batch as being inserted, so a restart replays exactly this range with its token. */
  async markInflight(batch: SpoolBatch): Promise<void> {
    if (this.checkpoint.inflightEnd === batch.end && this.checkpoint.offset === batch.start) return;
    await this.saveCheckpoint({ segment: batch.segment, offset: batch.start, inflightEnd: batch.end });
  }

  /** The batch is in ClickHouse (or the dead-letter file): advance past it. */
  async commit(batch: SpoolBatch): Promise<void> {
    await this.saveCheckpoint({ segment: batch.segment, offset: batch.end });
    const seg = this.segments[0];
    seg.rows = Math.max(0, seg.rows - batch.rows);
  }

  /**
   * Written to a temporary file and renamed over the old one: a full disk fails the write and
   * leaves the previous checkpoint in place (and in memory: the state only changes once saved),
   * so the drain retries from a position it can replay with the same tokens.
   */
  private async saveCheckpoint(next: Checkpoint): Promise<void> {
    const tmp = join(this.dir, "checkpoint.json.tmp");
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(JSON.stringify(next));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, "checkpoint.json"));
    this.checkpoint = next;
  }

  async close(): Promise<void> {
    await this.active?.fh.close();
    this.active = undefined;
  }

  /** Size on disk of everything in the spool directory (for the health report). */
  async diskBytes(): Promise<number> {
    let total = 0;
    for (const s of this.segments)
      total += await stat(join(this.dir, segmentName(s.seq))).then(
        (st) => st.size,
        () => 0,
      );
    return total;
  }
}

export { isDiskFull };

function remaining(buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) return buf.subarray(0, done);
    done += bytesRead;
  }
  return buf;
}

/** A new file's directory entry must be durable too, or a crash can lose the whole segment. */
function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
