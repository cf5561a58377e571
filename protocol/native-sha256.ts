/**
 * nats.js 2.x hashes every Object Store put and get with a pure-JavaScript SHA-256: 11 ms per MB,
 * half of the control plane's time when packages are uploaded (bench/). Its successor
 * (@nats-io/obj 3.x) offers `setSha256Backend('native')`; until the farm moves to it, this swaps
 * the same hash for node:crypto's. The digest is the same SHA-256, so stored objects stay readable
 * by any NATS client (a test compares it with an independent hash).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

interface Sha256Hasher {
  update(data: Uint8Array): Sha256Hasher;
  digest(): number[];
}

const require = createRequire(import.meta.url);
let installed = false;

/** Makes nats.js's Object Store hash with node:crypto (idempotent, process-wide). */
export function useNativeSha256(): void {
  if (installed) return;
  const module = require('nats/lib/nats-base-client/js-sha256.js') as { sha256: { create: () => Sha256Hasher } };
  module.sha256.create = () => {
    const hash = createHash('sha256');
    const hasher: Sha256Hasher = {
      update(data) {
        hash.update(data);
        return hasher;
      },
      digest: () => Array.from(hash.digest()),
    };
    return hasher;
  };
  installed = true;
}
