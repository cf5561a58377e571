/**
 * `npm run cost -- --stack prod`: runs the stack's program offline (infra/preview), prices what it
 * declares and prints the monthly cost next to the r-hub proposal's estimate; then the elastic
 * estimate: idle (every pool at its minimum, no builds) and, for the stack the simulated day was
 * run with (infra/cost/elastic-usage.json), at the proposal's volume.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declareOffline } from '../preview/declare-offline.ts';
import { REPO_ROOT } from '../farm.ts';
import { spotBreakEven } from './spot-break-even.ts';
import { elasticTotal, estimateElasticCost, idleUsage, renderElasticEstimate, SPOT_ASSUMPTIONS, type ElasticStackSettings, type PoolUsage } from './elastic.ts';
import { estimateMonthlyCost, renderCostTable, totalMonthly } from './estimate.ts';
import { PRICES_AS_OF, RHUB_PROPOSAL_MONTHLY, SPOT_PRICES_SOURCE } from './prices.ts';

/** The proposal's hosting share: $2,112/month less $1,000 of maintenance work. */
const HOSTING_TARGET = { prod: 1112, devIdle: 150 } as const;

const flag = process.argv.indexOf('--stack');
const stack = flag >= 0 ? process.argv[flag + 1] : undefined;
if (!stack) {
  console.error('usage: npm run cost -- --stack <dev|prod>');
  process.exit(2);
}
const run = await declareOffline(REPO_ROOT, stack);
const vsphere = run.config['rfarm:vsphere'] as { hostMonthlyUsd: number; vmsPerHost: number };
const macSite = run.config['rfarm:macSite'] as { machine: string } | undefined;
const lines = estimateMonthlyCost(run.resources, { macHostMonthly: vsphere.hostMonthlyUsd, vmsPerHost: vsphere.vmsPerHost, siteMacMachine: macSite?.machine });
const total = totalMonthly(lines);
console.log(
  `Monthly cost of stack '${stack}' as declared, every pool at its desired size around the clock (list prices as of ${PRICES_AS_OF}, unverified since; 730 h/month, traffic not included)\n`,
);
console.log(renderCostTable(lines));
console.log(
  `\nr-hub proposal after the first year: about $${RHUB_PROPOSAL_MONTHLY}/month; this stack: $${total.toFixed(2)}/month (${((total / RHUB_PROPOSAL_MONTHLY) * 100).toFixed(0)}%).`,
);

const settings: ElasticStackSettings = {
  digitalocean: run.config['rfarm:digitalocean'] as ElasticStackSettings['digitalocean'],
  aws: run.config['rfarm:aws'] as ElasticStackSettings['aws'],
  solaris: run.config['rfarm:solaris'] as ElasticStackSettings['solaris'],
  vsphere,
  ...(macSite ? { macSite } : {}),
};
const verdict = (amount: number, target: number) =>
  amount <= target
    ? `meets the $${target} target`
    : `misses the $${target} target by $${(amount - target).toFixed(2)} (${((amount / target - 1) * 100).toFixed(0)}% over)`;
// Idle: every pool at its minimum all month (0 for the scaled pools; the Mac pools, which nothing scales, keep theirs).
const idle = estimateElasticCost(run.resources, settings, idleUsage(run.outputs.poolSizes as Record<string, { min: number }>));
console.log(`\n## Elastic, idle (no builds, every pool at its minimum: zero where the scaler sizes it)\n\n${renderElasticEstimate(idle)}`);
if (stack === 'dev') console.log(`\nDev idle: $${elasticTotal(idle).toFixed(2)}/month — ${verdict(elasticTotal(idle), HOSTING_TARGET.devIdle)}.`);
const usageFile = JSON.parse(readFileSync(join(REPO_ROOT, 'infra/cost/elastic-usage.json'), 'utf8')) as { stack: string; pools: PoolUsage[] };
if (usageFile.stack === stack) {
  const busy = estimateElasticCost(run.resources, settings, usageFile.pools);
  console.log(
    `\n## Elastic at the proposal's volume (host-hours of the simulated day × ${(730 / 24).toFixed(2)} days; \`npm run simulate\`)\n\n${renderElasticEstimate(busy)}`,
  );
  console.log(`\nProd hosting at the proposal's volume: $${elasticTotal(busy).toFixed(2)}/month — ${verdict(elasticTotal(busy), HOSTING_TARGET.prod)}.`);
  const edge = spotBreakEven(busy, HOSTING_TARGET.prod);
  if (edge && busy.windows) {
    const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
    const w = busy.windows;
    console.log(
      `Spot break-even: prod at volume stays ≤ $${HOSTING_TARGET.prod} while Spot compute is ≤ ${pct(edge.spotShareOfOnDemand)} of on demand ` +
        `(${w.instanceType} ≤ $${(edge.spotShareOfOnDemand * w.onDemandComputeHourly).toFixed(4)}/h; recorded $${w.spotComputeHourly.toFixed(4)}/h, ${pct(edge.recordedShare)}: ${SPOT_PRICES_SOURCE}), ` +
        `with ${pct(SPOT_ASSUMPTIONS.onDemandFallbackShare)} of Windows hours on the on-demand fallback (assumed); at the recorded price, that fallback share could rise to ${pct(edge.fallbackShare)}.`,
    );
  }
}
