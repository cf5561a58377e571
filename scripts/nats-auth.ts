/**
 * The farm's NATS identities in operator (JWT) mode, made with @nats-io/nkeys and @nats-io/jwt:
 * an operator with a signing key, a system account, the farm account (JetStream on) with a signing
 * key, and users whose JWTs carry the permissions of protocol/permissions.ts. The local farm
 * (scripts/local-farm.ts) and the cloud's credentials (scripts/nats-credentials.ts) both use it,
 * so what the tests prove locally is what the cloud gets.
 */
import { randomBytes } from 'node:crypto';
import { encodeAccount, encodeOperator, encodeUser, fmtCreds, type Account } from '@nats-io/jwt';
import { createAccount, createOperator, createUser, fromSeed } from '@nats-io/nkeys';
import { agentPermissions, backupPermissions, controlPlanePermissions, scalerPermissions, type RolePermissions } from '../protocol/index.ts';

/** Every secret key of a farm's NATS, as nkey seeds. Keep it 0600; it can mint any user. */
export interface NatsKeys {
  readonly operator: string;
  readonly operatorSigning: string;
  readonly system: string;
  readonly account: string;
  readonly accountSigning: string;
  /** Password cluster routes authenticate with (local clusters; the cloud's routes use TLS too). */
  readonly routePassword: string;
}

/** What every nats-server of the farm is configured with. JWTs are public; nothing here is secret. */
export interface NatsServerAuth {
  readonly operatorJwt: string;
  /** Public key of the system account. */
  readonly systemAccount: string;
  /** Public key of the farm account (the one every role connects to). */
  readonly farmAccount: string;
  /** Account public key → account JWT, preloaded into each server's MEMORY resolver. */
  readonly accountJwts: Readonly<Record<string, string>>;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const pair = (seed: string) => fromSeed(new TextEncoder().encode(seed));

/** New random keys. */
export function newNatsKeys(): NatsKeys {
  return {
    operator: text(createOperator().getSeed()),
    operatorSigning: text(createOperator().getSeed()),
    system: text(createAccount().getSeed()),
    account: text(createAccount().getSeed()),
    accountSigning: text(createAccount().getSeed()),
    routePassword: randomBytes(24).toString('hex'),
  };
}

/** Whether a parsed value has the shape of NatsKeys (a file written by an older version may not). */
export function isNatsKeys(value: unknown): value is NatsKeys {
  const keys = value as Record<string, unknown> | null;
  return ['operator', 'operatorSigning', 'system', 'account', 'accountSigning', 'routePassword'].every((name) => typeof keys?.[name] === 'string');
}

// Zero means "none" for connection and subscription limits in account JWTs: say "no limit" (-1).
const UNLIMITED = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };

/** The operator and account JWTs, signed by the operator's signing key. */
export async function issueServerAuth(keys: NatsKeys, name: string): Promise<NatsServerAuth> {
  const operator = pair(keys.operator);
  const operatorSigning = pair(keys.operatorSigning);
  const system = pair(keys.system);
  const account = pair(keys.account);
  const operatorJwt = await encodeOperator(name, operator, {
    signing_keys: [operatorSigning.getPublicKey()],
    system_account: system.getPublicKey(),
  });
  const systemJwt = await encodeAccount('SYS', system, { limits: UNLIMITED } as Partial<Account>, { signer: operatorSigning });
  const farm: Partial<Account> = {
    limits: { ...UNLIMITED, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
    signing_keys: [pair(keys.accountSigning).getPublicKey()],
  };
  const farmJwt = await encodeAccount('FARM', account, farm, { signer: operatorSigning });
  return {
    operatorJwt,
    systemAccount: system.getPublicKey(),
    farmAccount: account.getPublicKey(),
    accountJwts: { [system.getPublicKey()]: systemJwt, [account.getPublicKey()]: farmJwt },
  };
}

/** A `.creds` file (user JWT and seed) of a new farm-account user with `permissions`. */
export async function issueUserCreds(keys: NatsKeys, userName: string, permissions: RolePermissions): Promise<string> {
  const user = createUser();
  const jwt = await encodeUser(
    userName,
    user,
    pair(keys.account).getPublicKey(),
    {
      pub: { allow: [...permissions.publish.allow], deny: [...permissions.publish.deny] },
      sub: { allow: [...permissions.subscribe.allow], deny: [...permissions.subscribe.deny] },
    },
    { signer: pair(keys.accountSigning) },
  );
  return text(fmtCreds(jwt, user));
}

/** The control plane's user. */
export function issueControlPlaneCreds(keys: NatsKeys): Promise<string> {
  return issueUserCreds(keys, 'control-plane', controlPlanePermissions());
}

/** The user of one platform's agent pool. */
export function issueAgentCreds(keys: NatsKeys, platform: string): Promise<string> {
  return issueUserCreds(keys, `agent-${platform}`, agentPermissions(platform));
}

/** The scaler's user: queue depths and heartbeats, read-only. */
export function issueScalerCreds(keys: NatsKeys): Promise<string> {
  return issueUserCreds(keys, 'scaler', scalerPermissions());
}

/** The backup service's user: snapshots and restores of streams, nothing else. */
export function issueBackupCreds(keys: NatsKeys): Promise<string> {
  return issueUserCreds(keys, 'backup', backupPermissions());
}
