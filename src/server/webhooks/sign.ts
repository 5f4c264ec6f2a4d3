// Signing, as a receiver verifies it (README.md "Verifying a delivery"):
//   X-Verdict-Signature: sha256=<hex HMAC-SHA256 of the raw request body, keyed with the secret>
//   X-Verdict-Timestamp: <unix seconds when this attempt was sent>, also in the body as `sentAt`
// The timestamp sits inside the signed body, so it cannot be altered without breaking the
// signature; receivers reject deliveries older than a few minutes and dedupe on the delivery id.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-verdict-signature";
export const TIMESTAMP_HEADER = "x-verdict-timestamp";
export const EVENT_HEADER = "x-verdict-event";
export const DELIVERY_HEADER = "x-verdict-delivery";

export function sign(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** For receivers written in TypeScript (and our tests): constant-time check plus the replay window. */
export function verifySignature(
  secret: string,
  rawBody: string | Buffer,
  headers: { signature?: string | null; timestamp?: string | null },
  { toleranceSeconds = 300, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!headers.signature || !headers.timestamp) return false;
  const expected = Buffer.from(sign(secret, rawBody));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const sentAt = Number(headers.timestamp);
  if (!Number.isFinite(sentAt) || Math.abs(now / 1000 - sentAt) > toleranceSeconds) return false;
  // the header must match the signed body, or an attacker could replay an old body with a fresh header
  try {
    const body = JSON.parse(rawBody.toString()) as { sentAt?: number };
    return body.sentAt === sentAt;
  } catch {
    return false;
  }
}
