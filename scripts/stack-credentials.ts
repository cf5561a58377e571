/**
 * A cloud stack's two secret config values: `rfarm:natsAuth` (operator and account JWTs, the
 * control plane's and one agent pool user's credentials per platform) and `rfarm:farmTls` (the
 * farm CA and a `*.<domain>` certificate). Same identities and permissions as the local farm
 * (nats-auth.ts, protocol/permissions.ts). The command is nats-credentials.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FarmTls, NatsAuth } from '../infra/stack-config.ts';
import { issueAgentCreds, issueBackupCreds, issueControlPlaneCreds, issueScalerCreds, issueServerAuth, type NatsKeys } from './nats-auth.ts';

/** The natsAuth secret of a stack: what infra's NATS config and hosts consume. */
export async function stackNatsAuth(keys: NatsKeys, stack: string, platforms: readonly string[]): Promise<NatsAuth> {
  const server = await issueServerAuth(keys, `rfarm-${stack}`);
  const agentCreds: Record<string, string> = {};
  for (const platform of platforms) agentCreds[platform] = await issueAgentCreds(keys, platform);
  return {
    operatorJwt: server.operatorJwt,
    systemAccount: server.systemAccount,
    accountJwts: server.accountJwts,
    controlPlaneCreds: await issueControlPlaneCreds(keys),
    agentCreds,
    scalerCreds: await issueScalerCreds(keys),
    backupCreds: await issueBackupCreds(keys),
  };
}

/** A farm CA and a `*.<domain>` certificate it signed (server and client use), made with openssl in `dir`. */
export function farmTls(dir: string, stack: string, domain: string): FarmTls {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '3650', '-subj', `/CN=rfarm ${stack} CA`, '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  openssl('req', ...ec, '-subj', `/CN=*.${domain}`, '-keyout', 'server-key.pem', '-out', 'server.csr');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=DNS:*.${domain},DNS:${domain}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-days',
    '825',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  );
  for (const key of ['ca-key.pem', 'server-key.pem']) chmodSync(join(dir, key), 0o600);
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server-key.pem') };
}
