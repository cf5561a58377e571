/**
 * The rehearsal's table: what held, what did not, what was substituted and what cannot run here.
 * Also asks the rehearsed Prometheus which of its targets are up.
 */
import { request } from 'node:https';
import type { RenderedHost, RenderedStack } from './rendered-stack.ts';
import type { BootRecord, ServiceHost } from './service-host.ts';

/** One line of the table; `held: null` is "not run here", with the reason. */
export interface Row {
  readonly area: string;
  readonly what: string;
  readonly held: boolean | null;
  readonly detail: string;
}

function get(address: string, port: number, servername: string, ca: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, servername, ca, path, headers: { host: servername } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Rows for each Prometheus scrape job: how many of its targets are up. */
export async function prometheusTargets(monitoring: readonly RenderedHost[], metricsName: string, ca: string): Promise<Row[]> {
  const host = monitoring[0];
  if (!host) return [];
  // Give Prometheus a scrape interval (30 s) to look at every target.
  await new Promise((resolve) => setTimeout(resolve, 35_000));
  let targets: { labels: Record<string, string>; health: string; lastError: string }[];
  try {
    const body = JSON.parse(await get(host.loopback, 9090, metricsName, ca, '/api/v1/targets')) as { data: { activeTargets: typeof targets } };
    targets = body.data.activeTargets;
  } catch (error) {
    return [{ area: 'monitoring', what: `Prometheus on https://${metricsName}:9090`, held: false, detail: (error as Error).message }];
  }
  const jobs = [...new Set(targets.map((target) => target.labels.job))];
  return jobs.map((job) => {
    const mine = targets.filter((target) => target.labels.job === job);
    const up = mine.filter((target) => target.health === 'up').length;
    const unreachableHere = job === 'node' || job === 'nats';
    const why =
      job === 'node' ? 'node_exporter is one per droplet; droplets are containers here' : 'prometheus-nats-exporter is downloaded from GitHub: not here';
    return {
      area: 'monitoring',
      what: `Prometheus scrapes ${job}`,
      held: unreachableHere && up < mine.length ? null : up === mine.length,
      detail: `${up}/${mine.length} up${unreachableHere && up < mine.length ? ` (${why})` : ''}${up < mine.length && !unreachableHere ? `: ${mine.find((target) => target.health !== 'up')?.lastError}` : ''}`,
    };
  });
}

const mark = (held: boolean | null) => (held === null ? 'not here' : held ? 'held' : 'FAILED');

/** Prints the whole report. */
export function printReport(
  stack: RenderedStack,
  records: readonly BootRecord[],
  services: readonly ServiceHost[],
  rows: readonly Row[],
  logDir: string,
): void {
  const bootRows: Row[] = [];
  for (const record of records) {
    if (record.step.kind === 'run')
      bootRows.push({
        area: 'boot',
        what: `${record.host}: ${record.step.command.slice(0, 70)}`,
        held: record.exitCode === 0,
        detail: record.exitCode === 0 ? 'ran' : (record.output ?? '').trim().split('\n').pop()!.slice(0, 120),
      });
  }
  const skipped = new Map<string, number>();
  for (const record of records) if (record.step.kind === 'skip') skipped.set(record.step.reason, (skipped.get(record.step.reason) ?? 0) + 1);
  const notStarted = services.flatMap((service) =>
    service.notStarted.map((entry) => ({ area: 'boot', what: `${service.options.host.name}: unit ${entry.unit}`, held: null, detail: entry.reason })),
  );
  const all = [...bootRows.filter((row) => row.held === false), ...rows, ...notStarted];
  const width = Math.max(...all.map((row) => row.what.length), 20);
  console.log(`\nRehearsal of stack '${stack.stack}' (${stack.hosts.length} droplets rendered; logs in ${logDir})\n`);
  console.log(`${'area'.padEnd(10)} ${'what'.padEnd(width)} ${'result'.padEnd(8)} detail`);
  for (const row of all) console.log(`${row.area.padEnd(10)} ${row.what.padEnd(width)} ${mark(row.held).padEnd(8)} ${row.detail}`);
  console.log(
    `\nBoot commands: ${bootRows.filter((row) => row.held).length} ran, ${bootRows.filter((row) => row.held === false).length} failed; skipped here:`,
  );
  for (const [reason, count] of skipped) console.log(`  ${count} × ${reason}`);
  console.log('\nNot rehearsed (needs the cloud or hardware):');
  for (const pool of stack.remotePools) console.log(`  ${pool.platformId}: ${pool.provider} ${pool.kind}`);
  console.log("  DigitalOcean/AWS/vSphere APIs, DNS records, firewalls, Let's Encrypt, block volumes, the registry push, Spaces");
  console.log('\nSubstituted here: each builder runs the worker image of r-4-2-linux-x86_64-debian-12-gcc (the cloud images need a registry and CRAN);');
  console.log("  nats-server is this machine's 2.9.10, not the pinned download; Node and the checkout are mounted, not installed and cloned;");
  console.log('  the HTTPS balancers are local TLS proxies with the farm CA certificate; each builder serves metrics on a port of its own.');
}
