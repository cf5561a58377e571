/**
 * The local farm's NATS credentials, kept in `<data dir>/nats-auth/` (0700, files 0600): the keys
 * are made on first start and kept, so a restarted farm's streams stay in the same account; JWTs
 * and `.creds` files are issued afresh on every start (they are cheap, and permissions change
 * with the code).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentCredsFileName } from '../protocol/index.ts';
import { isNatsKeys, issueAgentCreds, issueControlPlaneCreds, issueServerAuth, newNatsKeys, type NatsKeys } from './nats-auth.ts';
import type { NatsAuthSettings } from './nats-server.ts';

/** Where the local farm's NATS credentials are, and what its servers need. */
export interface LocalNatsAuth {
  /** What each nats-server is configured with. */
  readonly settings: NatsAuthSettings;
  /** Directory of `control-plane.creds` and one `agent-<platform>.creds` per platform. */
  readonly dir: string;
  /** The control plane's credentials file (tests and tools that inspect the farm use it too). */
  readonly controlPlaneCreds: string;
  /** A platform's agent credentials file (it exists only for the platforms given at start). */
  agentCreds(platform: string): string;
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function loadOrCreateKeys(path: string): NatsKeys {
  if (existsSync(path)) {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (isNatsKeys(parsed)) return parsed;
    throw new Error(`${path} is not a set of NATS keys; move it away to start with new ones (the farm's NATS state then starts empty)`);
  }
  const keys = newNatsKeys();
  writeSecret(path, `${JSON.stringify(keys, null, 2)}\n`);
  return keys;
}

/** Makes (first start) or reuses the keys under `dataDir`, and issues credentials for the control plane and `platforms`. */
export async function prepareLocalNatsAuth(dataDir: string, platforms: readonly string[]): Promise<LocalNatsAuth> {
  const dir = join(dataDir, 'nats-auth');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const keys = loadOrCreateKeys(join(dir, 'keys.json'));
  const server = await issueServerAuth(keys, 'rfarm-local');
  const controlPlaneCreds = join(dir, 'control-plane.creds');
  writeSecret(controlPlaneCreds, await issueControlPlaneCreds(keys));
  for (const platform of new Set(platforms)) writeSecret(join(dir, agentCredsFileName(platform)), await issueAgentCreds(keys, platform));
  return {
    settings: { server, routePassword: keys.routePassword },
    dir,
    controlPlaneCreds,
    agentCreds: (platform) => join(dir, agentCredsFileName(platform)),
  };
}
