/**
 * The Pulumi program. Config is read here, once, into a typed `StackConfig` (infra/stack-config.ts);
 * everything below receives it as arguments. The default export is what `pulumi up` runs; its
 * result becomes the stack outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { declareFarm, type FarmOutputs } from './farm.ts';
import { parseStackConfig, type FarmTls, type NatsAuth, type StackConfig } from './stack-config.ts';

/** Plain keys holding text. */
const TEXT_KEYS = ['domain', 'dnsZone', 'sourceRepo', 'sourceRef', 'smtpUrl', 'rRepos'] as const;
/** Plain keys holding numbers. */
const NUMBER_KEYS = ['controlPlaneInstances'] as const;
/** Plain keys holding structured values. */
const OBJECT_KEYS = ['adminCidrs', 'nats', 'pools', 'digitalocean', 'aws', 'solaris', 'vsphere', 'macSite'] as const;

function readStackConfig(): StackConfig {
  const config = new pulumi.Config('rfarm');
  const awsRegion = new pulumi.Config('aws').get('region');
  const raw: Record<string, unknown> = {};
  for (const key of TEXT_KEYS) raw[key] = config.get(key);
  for (const key of NUMBER_KEYS) raw[key] = config.getNumber(key);
  for (const key of OBJECT_KEYS) raw[key] = config.getObject(key);
  raw.aws = { ...(raw.aws as object | undefined), region: awsRegion };
  return parseStackConfig(pulumi.getStack(), raw, {
    adminToken: config.requireSecret('adminToken'),
    smtpPassword: config.requireSecret('smtpPassword'),
    githubWebhookSecret: config.requireSecret('githubWebhookSecret'),
    registryToken: config.requireSecret('registryToken'),
    discoveryToken: config.requireSecret('discoveryToken'),
    natsAuth: config.requireSecretObject<NatsAuth>('natsAuth'),
    farmTls: config.requireSecretObject<FarmTls>('farmTls'),
    scalerToken: config.getSecret('scalerToken'),
    macSiteSshKey: config.getSecret('macSiteSshKey'),
  });
}

/** Declares the farm of the selected stack and returns its outputs. */
export default async function main(): Promise<FarmOutputs> {
  return declareFarm(readStackConfig());
}
