// The spool's record format, shared by the writer, the open-time scan and the drain's reader.
//
// Record layout (little endian): magic u32 "VSP1" | payload bytes u32 | rows u32 | crc32(payload) u32 | payload
//
// Why a resync can trust what it finds: a payload is JSONEachRow text written by JSON.stringify,
// which never emits a raw 0x00 byte, while every real header has one (payloads stay below 16 MiB,
// so the top byte of the length is 0). A run of payload bytes can therefore never pass for a
// header, and an intact record found after a damaged one is a record we wrote.
import { crc32 } from "node:zlib";

export const MAGIC = 0x31505356; // "VSP1" read as little endian
export const HEADER = 16;
const MAGIC_BYTES = Buffer.from("VSP1", "latin1");

export function writeHeader(h: Buffer, payload: Buffer, rows: number): void {
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(payload.length, 4);
  h.writeUInt32LE(rows, 8);
  h.writeUInt32LE(crc32(payload), 12);
}

/** What the header at `at` claims, without checking the payload (null: not a header). */
export function headerAt(buf: Buffer, at: number): { len: number; rows: number } | null {
  if (at + HEADER > buf.length || buf.readUInt32LE(at) !== MAGIC) return null;
  return { len: buf.readUInt32LE(at + 4), rows: buf.readUInt32LE(at + 8) };
}

/** The record at `at` if it is whole and its checksum matches, else null. */
export function recordAt(buf: Buffer, at: number): { len: number; rows: number } | null {
  const h = headerAt(buf, at);
  if (!h || at + HEADER + h.len > buf.length) return null;
  return crc32(buf.subarray(at + HEADER, at + HEADER + h.len)) === buf.readUInt32LE(at + 12) ? h : null;
}

/** Offset of the first intact record at or after `from`, or -1. */
export function nextRecord(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(MAGIC_BYTES, from); at >= 0; at = buf.indexOf(MAGIC_BYTES, at + 1)) {
    if (recordAt(buf, at)) return at;
  }
  return -1;
}

const DISK_FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/** A write the filesystem could not complete for lack of space (or quota, or file size limit). */
export function isDiskFull(e: unknown): boolean {
  return DISK_FULL.has((e as { code?: string })?.code ?? "");
}

/** A write that returned fewer bytes than asked and then made no progress: treated as a full disk. */
export function shortWriteError(wrote: number, wanted: number): Error {
  return Object.assign(new Error(`spool write stopped after ${wrote} of ${wanted} bytes`), { code: "ENOSPC" });
}
