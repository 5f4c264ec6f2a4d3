// Password hashing off the event loop. New hashes are scrypt (node:crypto runs it on the libuv
// threadpool); hashes made by earlier versions with bcryptjs still verify, and are replaced by a
// scrypt hash on the next successful sign-in. Why: bcryptjs is JavaScript, and even its async API
// holds the event loop for most of the hash (measured: one compare at cost 10 took 282 ms with the
// loop's longest pause 209 ms; scrypt N=2^14 took 150 ms with the longest pause 14 ms).
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";
import { z } from "zod";
import { text } from "@/server/schemas/text";

/**
 * bcrypt ignored everything after 72 bytes, so longer passwords were never what they seemed: they
 * are refused when set, and a sign-in with one cannot match (see verifyPassword).
 */
export const MAX_PASSWORD_BYTES = 72;

export const NewPasswordSchema = text()
  .min(8, "at least 8 characters")
  .refine((p) => Buffer.byteLength(p, "utf8") <= MAX_PASSWORD_BYTES, `at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`)
  .describe(`8 characters to ${MAX_PASSWORD_BYTES} bytes (UTF-8)`);

// scrypt's interactive-login parameters: 16 MiB and ~50-150 ms per hash on this class of machine
const PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const MAXMEM = 64 * 1024 * 1024;

// At most two hashes at once: the libuv threadpool (4 threads) is shared with async file I/O,
// which the ingestion spool's writes and fsyncs need; a burst of sign-ins must not starve them.
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return limited(() => new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, { ...params, maxmem: MAXMEM }, (err, key) => (err ? reject(err) : resolve(key)))));
}

/** `$scrypt$ln=14,r=8,p=1$<salt>$<key>` (base64, PHC-like). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `$scrypt$ln=${Math.log2(PARAMS.N)},r=${PARAMS.r},p=${PARAMS.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

const SCRYPT_HASH = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function isLegacyHash(hash: string): boolean {
  return !SCRYPT_HASH.test(hash);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = SCRYPT_HASH.exec(hash);
  if (m) {
    const expected = Buffer.from(m[5], "base64");
    const key = await derive(password, Buffer.from(m[4], "base64"), { N: 2 ** Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
  // bcrypt saw only the first 72 bytes: a longer candidate would match any password sharing them
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) return false;
  return bcrypt.compare(password, hash);
}

let dummy: Promise<string> | undefined;

/** Verified against when the user does not exist, so the answer takes as long as for a real one. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(12).toString("base64url"));
  return dummy;
}

export type NewPassword = z.infer<typeof NewPasswordSchema>;
