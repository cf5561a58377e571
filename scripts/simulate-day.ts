/**
 * `npm run simulate`: runs the proposal's day through the scaler's decisions with a stack's pool
 * limits and writes what `npm run cost` prices, infra/cost/elastic-usage.json. A test
 * regenerates it and fails on a difference, so the priced hours are always the simulated ones.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { PLATFORMS } from '../images/index.ts';
import { agentsPerHostFor, BACKLOG_PER_AGENT, backlogPerHostFor, coolDownSecondsFor, poolSizeFor } from '../infra/sizing.ts';
import type { StackConfig } from '../infra/stack-config.ts';
import {
  BOOT_SECONDS,
  DEFAULT_SETTINGS,
  LINUX_CHECK_SECONDS,
  PROPOSAL_VOLUME,
  SPOT_RECLAIM_PER_HOUR,
  poolUsage,
  proposalDay,
  simulateDay,
  summariseByFamily,
} from '../scaler/index.ts';

const root = join(import.meta.dirname, '..');
/** Where the usage `npm run cost` prices is kept. */
export const USAGE_FILE = join(root, 'infra/cost/elastic-usage.json');

/** The simulated day of `stack` with its own pool limits, as written to the usage file. */
export function simulatedUsage(stack: string) {
  const config = parse(readFileSync(join(root, `stacks/Pulumi.${stack}.yaml`), 'utf8')).config;
  const pools = config['rfarm:pools'] as StackConfig['pools'];
  const machines = {
    digitalocean: config['rfarm:digitalocean'],
    aws: config['rfarm:aws'],
    vsphere: config['rfarm:vsphere'],
    solaris: config['rfarm:solaris'],
    macSite: config['rfarm:macSite'],
  } as Pick<StackConfig, 'digitalocean' | 'aws' | 'vsphere' | 'solaris' | 'macSite'>;
  // Capacity in agents: each host runs as many as the stack's machine sizes give, and absorbs a
  // backlog in proportion, exactly as the stack's SCALER_POOLS tells the scaler (infra/sizing.ts).
  const options = proposalDay((platform) => ({
    ...poolSizeFor(platform, pools),
    agentsPerHost: agentsPerHostFor(platform, machines),
    backlogPerHost: backlogPerHostFor(platform, machines),
    coolDownSeconds: coolDownSecondsFor(platform),
  }));
  const reports = simulateDay(options);
  return {
    generated: 'by `npm run simulate`, do not edit',
    stack,
    assumptions: {
      volumePerDay: PROPOSAL_VOLUME,
      linuxCheckSeconds: LINUX_CHECK_SECONDS,
      bootSeconds: BOOT_SECONDS,
      spotReclaimPerHour: SPOT_RECLAIM_PER_HOUR,
      coolDownRule: 'per pool: one boot of its OS (infra/sizing.ts coolDownSecondsFor)',
      coolDownSecondsByOs: Object.fromEntries(
        PLATFORMS.filter((platform) => platform.provider !== 'local').map((platform) => [platform.os, coolDownSecondsFor(platform)]),
      ),
      bootDeadlineSeconds: DEFAULT_SETTINGS.bootDeadlineMs / 1000,
      backlogPerAgent: BACKLOG_PER_AGENT,
      scalerTickSeconds: options.tickSeconds,
      ackWaitSeconds: options.ackWaitSeconds,
      seed: options.seed,
    },
    families: summariseByFamily(reports),
    pools: poolUsage(reports),
  };
}

/** The file's text for `stack`. */
export function usageFileText(stack = 'prod'): string {
  return `${JSON.stringify(simulatedUsage(stack), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(USAGE_FILE, usageFileText(process.argv[2] ?? 'prod'));
  console.log(`wrote ${USAGE_FILE}`);
}
