/**
 * Run by test/images/egress-network.test.ts *inside* a network namespace the test made (standing in
 * for a builder host): opens a build's egress namespace with the agent's own code, runs one probe
 * per target from a real sandbox under `egress` and under `none`, and prints the outcomes as JSON.
 *
 *     node --import tsx test/images/egress-probe.ts '<json: { dataDir, farmNetworks, targets }>'
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandboxDirectory } from '../../images/agent/build-runner.ts';
import { hostIpv4Addresses, openEgressNetwork } from '../../images/agent/egress-network.ts';
import type { NetworkNamespace } from '../../images/agent/network-policy.ts';
import { standaloneSandboxHost } from '../../images/agent/sandbox-host.ts';
import { runSandboxed, type SandboxHost } from '../../images/agent/sandboxed-process.ts';

interface ProbeArgs {
  readonly dataDir: string;
  readonly farmNetworks: string[];
  /** name → URL */
  readonly targets: Record<string, string>;
}

const args = JSON.parse(process.argv[2]) as ProbeArgs;

/** One shell line per target, run in parallel: `name=<what the server said>` or `name=unreached`. */
function probeScript(targets: Record<string, string>): string {
  const lines = Object.entries(targets).map(([name, url]) => `( r=$(curl -s -g -m 4 '${url}'); echo "${name}=\${r:-unreached}" ) &`);
  return [...lines, 'wait'].join('\n');
}

async function probe(host: SandboxHost, dir: string, namespace: NetworkNamespace | undefined): Promise<Record<string, string>> {
  await makeSandboxDirectory(host, dir);
  const spec = {
    jobDir: dir,
    command: ['sh', '-c', probeScript(args.targets)],
    env: { PATH: '/usr/bin:/bin', HOME: '/job' },
    readOnly: namespace ? host.system.egressMounts : [],
    networkNamespace: namespace,
    system: host.system,
    identity: host.buildIdentity,
    limits: host.limits,
  };
  const limits = { deadline: Date.now() + 60_000, silenceMs: 30_000, outputLimitBytes: 100_000, cancel: new AbortController().signal };
  const outcome = await runSandboxed(spec, limits, { write: () => undefined, bytes: 0 }, host.guards);
  if (outcome.spawnError || outcome.exitCode !== 0) throw new Error(`the probe did not run: ${outcome.spawnError?.message ?? ''} ${outcome.tail}`);
  return Object.fromEntries(
    outcome.text
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

await mkdir(args.dataDir, { recursive: true });
const host = await standaloneSandboxHost(join(args.dataDir, 'agent'));
const egress = await openEgressNetwork({ farmNetworks: args.farmNetworks, hostAddresses: hostIpv4Addresses(), ownUserNamespace: process.getuid?.() !== 0 });
try {
  const underEgress = await probe(host, join(args.dataDir, 'agent', 'builds', 'egress'), egress.namespace);
  const underNone = await probe(host, join(args.dataDir, 'agent', 'builds', 'none'), undefined);
  process.stdout.write(`${JSON.stringify({ egress: underEgress, none: underNone })}\n`);
} finally {
  await egress.close();
}
