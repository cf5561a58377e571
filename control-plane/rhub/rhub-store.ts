/**
 * What the r-hub 1.x API keeps beside rfarm's own jobs, in the jobs KV bucket under `rhub.*`:
 * which r-hub check id is which job's build, each submission's group, an index of submissions by
 * e-mail address (for `/api/list`), and the hashed tokens of each address. No second store.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import { createRecord, readRecord, updateRecord } from '../../protocol/index.ts';

/** One r-hub check: one build (job × platform) under the name the client asked for. */
export interface RhubCheckRecord {
  /** `<package>_<version>.tar.gz-<32 hex>`, the 1.x id form. */
  readonly id: string;
  readonly group: string;
  readonly jobId: string;
  /** rfarm platform id of the build. */
  readonly platform: string;
  /** The platform name the client asked for: an rfarm id or an old r-hub name. */
  readonly name: string;
  readonly email: string;
}

/** One submission: an rfarm job, its r-hub group id and its checks in the order submitted. */
export interface RhubGroupRecord {
  readonly group: string;
  readonly jobId: string;
  readonly email: string;
  readonly package: string;
  readonly submittedAt: string;
  readonly checks: readonly string[];
}

/** A stored token: only its SHA-256, never the token itself. */
export interface StoredToken {
  readonly sha256: string;
  readonly createdAt: string;
}

/** Every valid token of one address, newest last. */
export interface RhubTokenRecord {
  readonly email: string;
  readonly tokens: readonly StoredToken[];
}

/** The 1.x id pattern; the random part is what the KV key uses. */
const RHUB_ID = /^(.+)-([0-9a-f]{32})$/;

/** A fresh 1.x id for a package archive: `<package>_<version>.tar.gz-<32 hex>`. */
export function newRhubId(packageName: string, version: string, hex = randomBytes(16).toString('hex')): string {
  return `${packageName}_${version}.tar.gz-${hex}`;
}

/** The random part of a 1.x id, or null for anything else. */
export function rhubIdHex(id: string): string | null {
  return RHUB_ID.exec(id)?.[2] ?? null;
}

/** E-mail addresses compare case-insensitively; keys use a hash so any address makes a valid key. */
export function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 40);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const keys = {
  check: (hex: string) => `rhub.check.${hex}`,
  group: (jobId: string) => `rhub.group.${jobId}`,
  byEmail: (email: string, jobId: string) => `rhub.email.${emailKey(email)}.${jobId}`,
  emailPrefix: (email: string) => `rhub.email.${emailKey(email)}.*`,
  tokens: (email: string) => `rhub.token.${emailKey(email)}`,
};

/** Tokens kept per address: enough for every machine a person uses, bounded against mail floods. */
const MAX_TOKENS = 20;

export class RhubStore {
  constructor(private readonly kv: KV) {}

  /** Records a submission: its checks, its group, and the e-mail index entry. */
  async saveSubmission(group: RhubGroupRecord, checks: readonly RhubCheckRecord[]): Promise<void> {
    await Promise.all(checks.map((check) => createRecord(this.kv, keys.check(rhubIdHex(check.id)!), check)));
    await createRecord(this.kv, keys.group(group.jobId), group);
    await createRecord(this.kv, keys.byEmail(group.email, group.jobId), { jobId: group.jobId });
  }

  async check(id: string): Promise<RhubCheckRecord | null> {
    const hex = rhubIdHex(id);
    if (!hex) return null;
    const record = await readRecord<RhubCheckRecord>(this.kv, keys.check(hex));
    // The whole id must match: a known random part under another package name is not this check.
    return record && record.value.id === id ? record.value : null;
  }

  /** A group by its id (`<package>_<version>.tar.gz-<job id>`). */
  async group(id: string): Promise<RhubGroupRecord | null> {
    const jobId = rhubIdHex(id);
    if (!jobId) return null;
    const record = await readRecord<RhubGroupRecord>(this.kv, keys.group(jobId));
    return record && record.value.group === id ? record.value : null;
  }

  /** The groups submitted with this address, newest first. */
  async groupsOf(email: string): Promise<RhubGroupRecord[]> {
    // Collect the keys first: awaiting inside the key lister's loop makes it end early.
    const names: string[] = [];
    for await (const key of await this.kv.keys(keys.emailPrefix(email))) names.push(key);
    const groups = await Promise.all(names.map((key) => readRecord<RhubGroupRecord>(this.kv, keys.group(key.split('.').pop()!))));
    return groups.flatMap((record) => (record ? [record.value] : [])).sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  }

  /** Adds a token hash to the address, dropping the oldest beyond the limit. */
  async addToken(email: string, tokenHash: string): Promise<void> {
    const token: StoredToken = { sha256: tokenHash, createdAt: new Date().toISOString() };
    const key = keys.tokens(email);
    const added = (current: RhubTokenRecord): RhubTokenRecord => ({ email: current.email, tokens: [...current.tokens, token].slice(-MAX_TOKENS) });
    if (await updateRecord<RhubTokenRecord>(this.kv, key, added)) return;
    try {
      await createRecord<RhubTokenRecord>(this.kv, key, { email: email.trim(), tokens: [token] });
    } catch {
      // Another request created it between our read and write: add to theirs.
      await updateRecord<RhubTokenRecord>(this.kv, key, added);
    }
  }

  /** The stored token hashes of an address (none if it never validated). */
  async tokens(email: string): Promise<readonly StoredToken[]> {
    return (await readRecord<RhubTokenRecord>(this.kv, keys.tokens(email)))?.value.tokens ?? [];
  }
}
