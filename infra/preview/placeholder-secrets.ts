/**
 * Stand-in values for the `--secret` config keys, for running the program offline (tests, cost
 * estimate). Obviously fake, never deployable: a real stack gets its values from
 * `pulumi config set --secret` and `npm run nats-credentials`.
 */
import { PLATFORMS } from '../../images/index.ts';
import type { FarmTls, NatsAuth } from '../stack-config.ts';

/** Secret config values keyed `rfarm:<key>`, as strings (objects JSON-encoded). */
export function placeholderSecrets(): Record<string, string> {
  const creds = (user: string) =>
    `-----BEGIN NATS USER JWT-----\nplaceholder-jwt-${user}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nplaceholder-seed-${user}\n------END USER NKEY SEED------\n`;
  const natsAuth: NatsAuth = {
    operatorJwt: 'placeholder-operator-jwt',
    systemAccount: 'APLACEHOLDERSYSTEM',
    accountJwts: { APLACEHOLDERSYSTEM: 'placeholder-system-account-jwt', APLACEHOLDERFARM: 'placeholder-farm-account-jwt' },
    controlPlaneCreds: creds('control-plane'),
    agentCreds: Object.fromEntries(PLATFORMS.map((platform) => [platform.id, creds(platform.id)])),
    scalerCreds: creds('scaler'),
    backupCreds: creds('backup'),
  };
  const farmTls: FarmTls = {
    ca: '-----BEGIN CERTIFICATE-----\nplaceholder-ca\n-----END CERTIFICATE-----\n',
    cert: '-----BEGIN CERTIFICATE-----\nplaceholder-cert\n-----END CERTIFICATE-----\n',
    key: '-----BEGIN PRIVATE KEY-----\nplaceholder-key\n-----END PRIVATE KEY-----\n',
  };
  return {
    'rfarm:adminToken': 'placeholder-admin-token',
    'rfarm:smtpPassword': 'placeholder-smtp-password',
    'rfarm:githubWebhookSecret': 'placeholder-webhook-secret',
    'rfarm:registryToken': 'placeholder-registry-token',
    'rfarm:discoveryToken': 'placeholder-discovery-token',
    'rfarm:natsAuth': JSON.stringify(natsAuth),
    'rfarm:farmTls': JSON.stringify(farmTls),
    'rfarm:scalerToken': 'placeholder-scaler-token',
    'rfarm:macSiteSshKey': 'placeholder-mac-site-ssh-key',
  };
}
