// The dead-letter file: rows the event store refused for their content, and spool records whose
// checksum failed, set aside so that they never block the rows behind them. Each is one
// JSONEachRow line in $VERDICT_DATA_DIR/spool/dead-letter.jsonl, fsynced before the drain moves
// past it (so nothing leaves the spool unrecorded), with the store's error, the time and the spool
// position. An operator inspects it, fixes and re-sends what is worth it, then deletes or moves the
// file (health is `degraded` while it holds anything).
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

export const DEAD_LETTER_FILE = "dead-letter.jsonl";

export interface DeadLetterPosition {
  segment: number;
  /** byte range of the spool record(s) the row came from */
  start: number;
  end: number;
  /** index of the row within that range (refused rows only) */
  row?: number;
}

export class DeadLetters {
  readonly path: string;
  /** lines in the file (counted at open, then kept up to date; reset when the operator removes it) */
  private lines = 0;
  /** since this process started, by kind: counters for /api/metrics */
  readonly counts = { refused: 0, corrupt: 0 };
  lastAt: string | null = null;

  constructor(dir: string) {
    this.path = join(dir, DEAD_LETTER_FILE);
  }

  async open(): Promise<void> {
    const text = await readFile(this.path, "latin1").catch(() => "");
    let n = 0;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
    this.lines = n;
  }

  /** Lines in the file now; 0 once an operator deleted it. */
  async size(): Promise<number> {
    if (
      this.lines > 0 &&
      !(await stat(this.path).then(
        (s) => s.size > 0,
        () => false,
      ))
    )
      this.lines = 0;
    return this.lines;
  }

  /**
   * Rows the store refused: `rows` are JSONEachRow lines as inserted (valid JSON, embedded as is,
   * so nothing is lost in re-encoding, lone surrogate escapes included).
   */
  async refused(rows: { line: Buffer; at: DeadLetterPosition; error: string }[]): Promise<void> {
    const time = new Date().toISOString();
    const lines = rows.map(({ line, at, error }) => {
      const text = line.toString("utf8").replace(/\n$/, "");
      return Buffer.from(`{"kind":"refused","time":${JSON.stringify(time)},"error":${JSON.stringify(error)},"position":${JSON.stringify(at)},"row":${text}}\n`);
    });
    await this.append(lines);
    this.counts.refused += rows.length;
    this.lastAt = time;
  }

  /** Bytes of the spool that failed their checksum: kept raw (base64), they cannot be trusted as rows. */
  async corrupt(bytes: Buffer, at: DeadLetterPosition, reason: string): Promise<void> {
    const time = new Date().toISOString();
    await this.append([Buffer.from(`${JSON.stringify({ kind: "corrupt", time, error: reason, position: at, bytes: bytes.length, base64: bytes.toString("base64") })}\n`)]);
    this.counts.corrupt++;
    this.lastAt = time;
  }

  private async append(lines: Buffer[]): Promise<void> {
    const fh = await open(this.path, "a");
    try {
      const { size } = await fh.stat();
      try {
        await fh.writeFile(Buffer.concat(lines));
        await fh.datasync();
      } catch (e) {
        // A full disk: cut the torn line so the retry (the drain does not move on) starts clean.
        await fh.truncate(size).catch(() => undefined);
        throw e;
      }
    } finally {
      await fh.close();
    }
    this.lines += lines.length;
  }
}
