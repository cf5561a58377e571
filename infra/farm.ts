/**
 * The whole farm, composed from the per-provider components. `declareFarm` is re-runnable (tests
 * call it once per stack under mocks); `infra/index.ts` calls it with the stack's config.
 */
import * as pulumi from '@pulumi/pulumi';
import { fileURLToPath } from 'node:url';
import { buildArgs, hasImage, platformsOn } from '../images/index.ts';
import { Network as AwsNetwork } from './aws/network.ts';
import { MacHosts } from './aws/mac-hosts.ts';
import { SolarisHosts } from './aws/solaris-hosts.ts';
import { WindowsBuilderPool } from './aws/windows-builder-pool.ts';
import { ScalerIdentity } from './aws/scaler-identity.ts';
import { agentCredsFor, backupEnvironment, controlPlaneEnvironment } from './control-plane-environment.ts';
import { BackupWriterKey } from './digitalocean/backup-writer-key.ts';
import { ControlPlane } from './digitalocean/control-plane.ts';
import { Firewalls } from './digitalocean/firewalls.ts';
import { LinuxBuilderPool } from './digitalocean/linux-builder-pool.ts';
import { NatsCluster } from './digitalocean/nats-cluster.ts';
import { Network } from './digitalocean/network.ts';
import { Observability } from './digitalocean/observability.ts';
import { Registry } from './digitalocean/registry.ts';
import { BackupBucket } from './digitalocean/backup-bucket.ts';
import { workerImageTag } from './docker/content-tag.ts';
import { CLOUD_DEBIAN_MIRROR, WorkerImages } from './docker/worker-images.ts';
import { readImageDefinition, readImageScript } from './image-definitions.ts';
import { observabilityEndpoints } from './monitoring/endpoints.ts';
import { farmHostNames } from './naming.ts';
import { planPools, type PoolPlan } from './pools.ts';
import { scaledDropletBounds, scaledPoolTag, scalerEnvironment, type ScaledPool } from './scaler-environment.ts';
import type { StackConfig } from './stack-config.ts';
import { BuilderFolder } from './vsphere/builder-folder.ts';
import { BuilderVmPool } from './vsphere/builder-vm-pool.ts';
import { SiteMacHosts } from './site/site-mac-hosts.ts';

/** Root of the checkout: the Docker build context and where image definitions are read from. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One pool's size as a stack output. */
export interface PoolSizeOutput {
  readonly provider: string;
  readonly kind: string;
  readonly machine: string;
  /** Agents each host runs. */
  readonly agentsPerHost: number;
  readonly min: number;
  readonly max: number;
  readonly desired: number;
}

/** The stack outputs. */
export interface FarmOutputs {
  readonly controlPlaneUrl: string;
  readonly sysreqsUrl: string;
  readonly natsUrls: { readonly vpc: string[]; readonly public: string[] };
  /** The CRAN-like repository, served by the control plane from JetStream. */
  readonly repositoryUrl: string;
  /** The private Spaces bucket backups go to. */
  readonly backupBucket: { readonly name: pulumi.Output<string>; readonly endpoint: string };
  readonly monitoringUrl: string;
  readonly poolSizes: Record<string, PoolSizeOutput>;
  /** Each AWS-scaled pool's Auto Scaling groups by platform: `onDemand`, and `spot` for Windows (new hosts go there). */
  readonly awsGroups: Record<string, { readonly onDemand: string; readonly spot?: string }>;
}

/** Declares every resource of the farm for one stack. */
export async function declareFarm(config: StackConfig, repoRoot: string = REPO_ROOT): Promise<FarmOutputs> {
  const { stack, digitalocean: ocean, secrets } = config;
  const plans = planPools(config);
  const endpoints = observabilityEndpoints(config.domain);
  const caPem = secrets.farmTls.apply((tls) => tls.ca);
  const credsFor = (platformId: string) => pulumi.secret(secrets.natsAuth.apply((auth) => agentCredsFor(auth, platformId)));
  const dropletBase = { region: ocean.region, dropletImage: ocean.dropletImage, sshKeys: ocean.sshKeys };

  const network = new Network('do-network', { ...dropletBase, stack, vpcCidr: ocean.vpcCidr, gatewaySize: ocean.sizes.gateway });
  const nats = new NatsCluster('nats', {
    ...dropletBase,
    stack,
    domain: config.domain,
    dnsZone: config.dnsZone,
    nodes: config.nats.nodes,
    dropletSize: ocean.sizes.nats,
    volumeGb: ocean.natsVolumeGb,
    vpcId: network.vpc.id,
    auth: secrets.natsAuth,
    tls: secrets.farmTls,
    lokiUrl: endpoints.lokiVpcUrl,
  });
  const backups = new BackupBucket('backups', { stack, region: ocean.region });
  const environment = pulumi
    .all([secrets.adminToken, secrets.smtpPassword, secrets.githubWebhookSecret])
    .apply(([adminToken, smtpPassword, githubWebhookSecret]) =>
      controlPlaneEnvironment({
        natsUrls: nats.vpcUrls,
        adminToken,
        publicUrl: `https://${config.domain}`,
        smtpUrl: config.smtpUrl,
        smtpPassword,
        githubWebhookSecret,
        jetstreamReplicas: config.nats.jetstreamReplicas,
        rRepos: config.rRepos,
      }),
    );
  const agent = (natsUrls: string[]) => ({ natsUrls, sysreqsUrl: `https://${farmHostNames(config.domain).sysreqs}`, rRepos: config.rRepos });

  const registry = new Registry('registry', { stack, region: ocean.region, tier: ocean.registryTier });
  const linuxPlatforms = platformsOn('digitalocean').filter(hasImage);
  const images = new WorkerImages('worker-images', {
    platforms: linuxPlatforms,
    repoRoot,
    tags: Object.fromEntries(linuxPlatforms.map((platform) => [platform.id, workerImageTag(repoRoot, buildArgs(platform, CLOUD_DEBIAN_MIRROR))])),
    registryEndpoint: registry.endpoint,
    registryServer: registry.server,
    registryToken: secrets.registryToken,
  });
  const linuxPools = plans
    .filter((candidate) => candidate.kind === 'droplet')
    .map(
      (plan) =>
        new LinuxBuilderPool(`builders-${plan.platform.id}`, {
          ...dropletBase,
          stack,
          platform: plan.platform,
          size: plan.size,
          dropletSize: plan.machine,
          vpcId: network.vpc.id,
          workerImage: images.references[plan.platform.id],
          registryServer: registry.server,
          dockerConfigJson: registry.pullConfigJson,
          natsCreds: credsFor(plan.platform.id),
          caPem,
          lokiUrl: endpoints.lokiVpcUrl,
          agent: agent(nats.vpcUrls),
          agents: plan.agents,
          egressGateway: network.gatewayAddress,
        }),
    );

  const awsNetwork = new AwsNetwork('aws-network', {
    stack,
    vpcCidr: config.aws.vpcCidr,
    availabilityZones: config.aws.availabilityZones,
    natInstanceType: config.aws.natInstanceType,
    adminCidrs: config.adminCidrs,
  });
  const remote = {
    stack,
    caPem,
    sourceRepo: config.sourceRepo,
    sourceRef: config.sourceRef,
    lokiUrl: endpoints.lokiPublicUrl,
    remoteWriteUrl: endpoints.remoteWriteUrl,
    agent: agent(nats.publicUrls),
  };
  const awsHost = { region: config.aws.region, vpcId: awsNetwork.vpc.id, subnetIds: awsNetwork.privateSubnetIds, adminCidrs: config.adminCidrs };
  const windowsPools = plans
    .filter((candidate) => candidate.kind === 'autoscaling-group')
    .map((plan) => {
      const definition = readImageDefinition(repoRoot, plan.platform);
      return new WindowsBuilderPool(`builders-${plan.platform.id}`, {
        ...remote,
        ...awsHost,
        platform: plan.platform,
        size: plan.size,
        agents: plan.agents,
        instanceType: plan.machine,
        volumeGb: config.aws.windowsVolumeGb,
        amiNameFilter: definition.baseImage,
        rtools: definition.rtools ?? '',
        provisionScript: readImageScript(repoRoot, 'windows', definition.provision),
        natsCreds: credsFor(plan.platform.id),
      });
    });
  const solarisPools = plans
    .filter((candidate) => candidate.kind === 'kvm-host')
    .map(
      (plan) =>
        new SolarisHosts(`builders-${plan.platform.id}`, {
          ...remote,
          ...awsHost,
          platform: plan.platform,
          size: plan.size,
          instanceType: plan.machine,
          volumeGb: config.aws.solarisVolumeGb,
          imageBucket: config.solaris.imageBucket,
          imageKey: config.solaris.imageKey,
          kvmHostScript: readImageScript(repoRoot, 'solaris', 'kvm-host.sh'),
          natsCreds: credsFor(plan.platform.id),
        }),
    );
  for (const plan of plans.filter((candidate) => candidate.kind === 'mac-host')) {
    const definition = readImageDefinition(repoRoot, plan.platform);
    new MacHosts(`builders-${plan.platform.id}`, {
      ...remote,
      ...awsHost,
      subnetZones: awsNetwork.privateSubnetZones,
      platform: plan.platform,
      size: plan.size,
      agents: plan.agents,
      instanceType: plan.machine,
      volumeGb: config.aws.macVolumeGb,
      amiNameFilter: definition.baseImage,
      rVersion: definition.rVersion,
      natsCreds: credsFor(plan.platform.id),
    });
  }
  for (const plan of plans.filter((candidate) => candidate.kind === 'site-mac')) {
    const definition = readImageDefinition(repoRoot, plan.platform);
    new SiteMacHosts(`builders-${plan.platform.id}`, {
      ...remote,
      platform: plan.platform,
      size: plan.size,
      hosts: config.macSite!.hosts,
      sshKey: secrets.macSiteSshKey!,
      agents: plan.agents,
      rVersion: definition.rVersion,
      natsCreds: credsFor(plan.platform.id),
    });
  }
  const vspherePlans = plans.filter((candidate) => candidate.kind === 'vsphere-vm');
  // Only a stack with VMs to clone needs vCenter at all (a pool of size 0 looks nothing up).
  const folder = vspherePlans.some((plan) => plan.size.desired > 0)
    ? new BuilderFolder('vsphere-folder', { datacenter: config.vsphere.datacenter, path: config.vsphere.folder }).path
    : config.vsphere.folder;
  for (const plan of vspherePlans) {
    const vsphere = config.vsphere;
    new BuilderVmPool(`builders-${plan.platform.id}`, {
      ...remote,
      role: 'builder',
      platform: plan.platform,
      size: plan.size,
      agents: plan.agents,
      template: templateFor(plan, config),
      placement: vsphere,
      folder,
      cpus: vsphere.cpus,
      memoryMb: vsphere.memoryMb,
      natsCreds: credsFor(plan.platform.id),
    });
  }

  const scaler = declareScaler(config, plans, nats.vpcUrls, linuxPools, [...windowsPools, ...solarisPools]);
  const backupKey = new BackupWriterKey('backup-writer', { stack, bucket: backups.name });
  const backup = pulumi.secret(
    pulumi.all([secrets.natsAuth, backups.name, backupKey.accessKey, backupKey.secretKey]).apply(([auth, bucket, accessKey, secretKey]) => {
      if (!auth.backupCreds) {
        pulumi.log.warn('rfarm:natsAuth has no backupCreds: no scheduled JetStream backups; rerun npm run nats-credentials and set rfarm:natsAuth again');
        return undefined;
      }
      return {
        env: backupEnvironment({ natsUrls: nats.vpcUrls, bucket, region: ocean.region, endpoint: backups.endpoint, stack, accessKey, secretKey }),
        natsCreds: auth.backupCreds,
      };
    }),
  );
  const controlPlane = new ControlPlane('control-plane', {
    ...dropletBase,
    stack,
    domain: config.domain,
    dnsZone: config.dnsZone,
    instances: config.controlPlaneInstances,
    dropletSize: ocean.sizes.controlPlane,
    loadBalancerUnits: ocean.loadBalancerUnits,
    vpcId: network.vpc.id,
    projectId: network.project.id,
    sourceRepo: config.sourceRepo,
    sourceRef: config.sourceRef,
    environment: pulumi.secret(environment),
    natsCreds: pulumi.secret(secrets.natsAuth.apply((auth) => auth.controlPlaneCreds)),
    tls: secrets.farmTls,
    lokiUrl: endpoints.lokiVpcUrl,
    scaler,
    backup,
    egressGateway: network.gatewayAddress,
  });
  const remoteAgentCidrs = awsNetwork.egressCidrs.apply((cidrs) => [...cidrs, config.vsphere.egressCidr]);
  new Firewalls('firewalls', {
    stack,
    vpcCidr: ocean.vpcCidr,
    adminCidrs: config.adminCidrs,
    remoteAgentCidrs,
    loadBalancerUids: pulumi.all([controlPlane.loadBalancer.id, controlPlane.sysreqsLoadBalancer.id]),
  });
  const observability = new Observability('observability', {
    ...dropletBase,
    stack,
    domain: config.domain,
    dnsZone: config.dnsZone,
    monitoringSize: ocean.sizes.monitoring,
    logsSize: ocean.sizes.logs,
    monitoringVolumeGb: ocean.monitoringVolumeGb,
    logsVolumeGb: ocean.logsVolumeGb,
    vpcId: network.vpc.id,
    tls: secrets.farmTls,
    discoveryToken: secrets.discoveryToken,
  });
  return {
    controlPlaneUrl: controlPlane.url,
    sysreqsUrl: controlPlane.sysreqsUrl,
    natsUrls: { vpc: nats.vpcUrls, public: nats.publicUrls },
    repositoryUrl: `${controlPlane.url}/repo`,
    backupBucket: { name: backups.name, endpoint: backups.endpoint },
    monitoringUrl: observability.grafanaUrl,
    poolSizes: Object.fromEntries(
      plans.map((plan) => [
        plan.platform.id,
        { provider: plan.provider, kind: plan.kind, machine: plan.machine, agentsPerHost: plan.agents.count, ...plan.size },
      ]),
    ),
    awsGroups: Object.fromEntries([
      ...windowsPools.map((pool) => [pool.platformId, { onDemand: pool.groupName, spot: pool.spotGroupName }]),
      ...solarisPools.map((pool) => [pool.platformId, { onDemand: pool.groupName }]),
    ]),
  };
}

/**
 * The scaler's environment and credentials (scaler-environment.ts): the Windows and Solaris
 * groups, sized by an IAM user of their own, and the Linux pools' extra droplets when `rfarm:scalerToken` is set.
 * Undefined (no scaler) when `rfarm:natsAuth` has no scaler credentials yet.
 */
function declareScaler(
  config: StackConfig,
  plans: readonly PoolPlan[],
  natsUrls: string[],
  linuxPools: readonly LinuxBuilderPool[],
  awsGroups: readonly (WindowsBuilderPool | SolarisHosts)[],
) {
  const { stack, secrets } = config;
  const groupArns = awsGroups.flatMap((pool) => ('spotGroup' in pool ? [pool.spotGroup.arn, pool.group.arn] : [pool.group.arn]));
  const identity = awsGroups.length > 0 ? new ScalerIdentity('scaler-identity', { stack, groupArns }) : undefined;
  const planOf = (platformId: string) => plans.find((plan) => plan.platform.id === platformId)!;
  const sizeOf = (platformId: string) => planOf(platformId).size;
  const awsPools: ScaledPool[] = awsGroups.map((pool) => ({
    platform: pool.platformId,
    min: sizeOf(pool.platformId).min,
    max: sizeOf(pool.platformId).max,
    agentsPerHost: planOf(pool.platformId).agents.count,
    backlogPerHost: planOf(pool.platformId).backlogPerHost,
    coolDownSeconds: planOf(pool.platformId).coolDownSeconds,
    provider: 'aws',
    groupName: pool.groupName,
    ...('spotGroupName' in pool ? { spotGroupName: pool.spotGroupName } : {}),
    region: config.aws.region,
  }));
  const linux = pulumi.all(
    linuxPools.map((pool) =>
      pool.scaledTemplate.apply((template): ScaledPool => ({
        platform: pool.platformId,
        ...scaledDropletBounds(sizeOf(pool.platformId)),
        agentsPerHost: planOf(pool.platformId).agents.count,
        backlogPerHost: planOf(pool.platformId).backlogPerHost,
        coolDownSeconds: planOf(pool.platformId).coolDownSeconds,
        provider: 'digitalocean',
        tag: scaledPoolTag(stack, pool.platformId),
        template,
      })),
    ),
  );
  const token = secrets.scalerToken ?? pulumi.output(undefined);
  return pulumi.secret(
    pulumi
      .all([secrets.natsAuth, linux, token, identity?.accessKeyId, identity?.secretAccessKey])
      .apply(([auth, linuxScaled, digitalOceanToken, accessKeyId, secretAccessKey]) => {
        if (!auth.scalerCreds) {
          pulumi.log.warn(
            'rfarm:natsAuth has no scalerCreds: the scaler is not deployed and pools stay at their declared size; rerun npm run nats-credentials and set rfarm:natsAuth again',
          );
          return undefined;
        }
        const unowned = linuxPools.filter((pool) => sizeOf(pool.platformId).desired === 0 && sizeOf(pool.platformId).max > 0).map((pool) => pool.platformId);
        if (digitalOceanToken === undefined && unowned.length > 0)
          pulumi.log.warn(
            `rfarm:scalerToken is not set: Linux pools declared with desired 0 (${unowned.join(', ')}) get no droplet until it is; set it with pulumi config set --secret rfarm:scalerToken (a droplet-scope DigitalOcean token)`,
          );
        const awsKeys = accessKeyId ? { accessKeyId, secretAccessKey: secretAccessKey ?? '', region: config.aws.region } : undefined;
        const env = scalerEnvironment({
          natsUrls,
          jetstreamReplicas: config.nats.jetstreamReplicas,
          pools: [...linuxScaled, ...awsPools],
          digitalOceanToken,
          aws: awsKeys,
        });
        return { env, natsCreds: auth.scalerCreds };
      }),
  );
}

function templateFor(plan: PoolPlan, config: StackConfig): string {
  if (plan.platform.os === 'solaris') return config.solaris.vsphereTemplate;
  if (plan.platform.arch !== 'x86_64')
    throw new Error(
      `platform '${plan.platform.id}' is ${plan.platform.arch}: ESXi runs on Intel Macs only; macOS arm64 belongs on EC2 Mac hosts (provider 'aws')`,
    );
  return config.vsphere.templates.x86_64;
}
