/**
 * `npm run cost -- --stack prod`: runs the stack's program offline (infra/preview), prices what it
 * declares and prints the monthly cost next to the r-hub proposal's estimate.
 */
import { declareOffline } from '../preview/declare-offline.ts';
import { REPO_ROOT } from '../farm.ts';
import { estimateMonthlyCost, renderCostTable, totalMonthly } from './estimate.ts';
import { PRICES_AS_OF, RHUB_PROPOSAL_MONTHLY } from './prices.ts';

const flag = process.argv.indexOf('--stack');
const stack = flag >= 0 ? process.argv[flag + 1] : undefined;
if (!stack) {
  console.error('usage: npm run cost -- --stack <dev|prod>');
  process.exit(2);
}
const run = await declareOffline(REPO_ROOT, stack);
const vsphere = run.config['rfarm:vsphere'] as { hostMonthlyUsd: number; vmsPerHost: number };
const lines = estimateMonthlyCost(run.resources, { macHostMonthly: vsphere.hostMonthlyUsd, vmsPerHost: vsphere.vmsPerHost });
const total = totalMonthly(lines);
console.log(`Monthly cost of stack '${stack}' (list prices as of ${PRICES_AS_OF}, 730 h/month, traffic not included)\n`);
console.log(renderCostTable(lines));
console.log(`\nr-hub proposal after the first year: about $${RHUB_PROPOSAL_MONTHLY}/month; this stack: $${total.toFixed(2)}/month (${((total / RHUB_PROPOSAL_MONTHLY) * 100).toFixed(0)}%).`);
