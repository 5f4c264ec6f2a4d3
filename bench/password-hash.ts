// How long a password check holds the event loop: bcryptjs (what sign-in used before, and what
// legacy hashes still use until their next sign-in) against verifyPassword's scrypt on the libuv
// threadpool. A 1 ms interval counts ticks and records the longest gap while the checks run.
//   npm run bench -- password
import bcrypt from "bcryptjs";
import { hashPassword, verifyPassword } from "@/server/auth/password";

async function stall(label: string, runs: number, work: () => Promise<unknown>): Promise<void> {
  let last = performance.now();
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 1);
  const started = performance.now();
  await Promise.all(Array.from({ length: runs }, work));
  const elapsed = performance.now() - started;
  clearInterval(timer);
  console.log(`${label.padEnd(34)} ${runs} at once: ${elapsed.toFixed(0).padStart(5)} ms, ${String(ticks).padStart(4)} ticks of 1 ms, longest pause ${longest.toFixed(0)} ms`);
}

async function main() {
  const legacy = bcrypt.hashSync("correct horse battery", 10);
  const current = await hashPassword("correct horse battery");
  for (const runs of [1, 5]) {
    await stall("bcryptjs.compare (cost 10, async)", runs, () => bcrypt.compare("correct horse battery", legacy));
    await stall("verifyPassword (scrypt N=2^14)", runs, () => verifyPassword("correct horse battery", current));
  }
}

void main();
