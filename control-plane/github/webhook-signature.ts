/**
 * GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
 * keyed with the webhook secret>`. Computed over the bytes as received (never a re-encoded
 * string) and compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/;

/** Whether `header` is the signature of `body` under `secret`. */
export function signatureMatches(secret: string, body: Uint8Array, header: string | undefined): boolean {
  const given = HEADER.exec(header ?? '');
  if (!given) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(given[1], 'hex'));
}
