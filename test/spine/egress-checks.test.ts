/**
 * A real farm whose agent runs checks under the `egress` policy: the agent starts (it opens one fenced
 * namespace first), a real R check runs with a route out through slirp4netns, and its tests cannot
 * reach the farm's NATS, control plane or another service of the host, whether through loopback or
 * slirp's gateway to the host (10.0.2.2). Only loopback-bound targets are tried: this machine's
 * network is never touched (test/images/egress-network.test.ts shows the internet side on stand-in
 * namespaces). The output, the build record and the status page say `egress`.
 */
import { existsSync, accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { output, startTestFarm, submit, waitForJob } from '../support/farm.ts';
import { documentedHello, packTarball, type PackageSpec } from '../support/r-packages.ts';
import { skipTest } from '../support/skip.ts';
import { findingsOf } from '../sandbox/hostile-packages.ts';

const TOOLS = ['ip', 'nft', 'slirp4netns', 'unshare', 'nsenter', 'setpriv', 'bwrap'];
function tunOpen(): boolean {
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
const missingTool = TOOLS.find((tool) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(join(dir, tool))));
const missing = missingTool
  ? `${missingTool} is not installed (npm test's bootstrap installs nftables, slirp4netns, iproute2)`
  : !tunOpen()
    ? '/dev/net/tun is not open to this user'
    : undefined;

/**
 * A package whose tests try each target and report, with its route table's devices and resolver, in
 * the one place R CMD check shows a test's output: its error (hostile-packages.ts's FINDINGS form).
 */
function prober(targets: Record<string, [string, number]>): PackageSpec {
  const tries = Object.entries(targets).map(
    ([name, [host, port]]) =>
      `findings <- c(findings, paste("${name}:", tryCatch({ con <- socketConnection("${host}", ${port}, open = "r+b", timeout = 4); close(con); "REACHED" }, error = function(e) "refused", warning = function(w) "refused")))`,
  );
  return {
    name: 'egressprobe',
    files: {
      ...documentedHello,
      'tests/egress.R': [
        'routes <- readLines("/proc/net/route")[-1]',
        'findings <- c(paste("routes:", paste(unique(sub("\\t.*", "", routes)), collapse = " ")), paste("resolver:", readLines("/etc/resolv.conf")[1]))',
        ...tries,
        'stop(paste0("FIND", "INGS[", paste(findings, collapse = " | "), "]FIND", "INGS"))',
        '',
      ].join('\n'),
    },
  };
}

if (missing) {
  skipTest('under egress a real check has a route out and reaches none of the farm', missing);
} else {
  const farm = await startTestFarm({ workers: 1, agentEnv: { FARM_CHECK_NETWORK: 'egress' } });
  const service = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => service.listen(0, '0.0.0.0', resolve));
  const servicePort = (service.address() as { port: number }).port;
  const natsPort = Number(new URL(farm.natsUrl.split(',')[0]).port);
  const controlPort = Number(new URL(farm.url).port);
  test.after(async () => {
    service.close();
    await farm.cleanup();
  });

  test('under egress a real check has a route out and reaches none of the farm', async () => {
    const targets: Record<string, [string, number]> = {
      'nats via loopback': ['127.0.0.1', natsPort],
      'nats via the host gateway': ['10.0.2.2', natsPort],
      'control plane via loopback': ['127.0.0.1', controlPort],
      'control plane via the host gateway': ['10.0.2.2', controlPort],
      'host service via the host gateway': ['10.0.2.2', servicePort],
    };
    const answer = await submit(farm, packTarball(prober(targets)));
    assert.is(answer.status, 202, JSON.stringify(answer.body));
    const info = await waitForJob(farm, answer.body.id, 300_000);
    const build = info.builds[0];
    const text = await output(farm, answer.body.id);
    assert.is(build.status, 'DONE', `${build.reason}\n${text}`);
    const findings = findingsOf(text).split(' | ');
    for (const name of Object.keys(targets)) assert.ok(findings.includes(`${name}: refused`), `${name}: ${findings.join(' | ')}`);
    assert.match(findings[0], /^routes: .*tap0/, 'the check had a route out');
    assert.is(findings[1], 'resolver: nameserver 10.0.2.3');
    assert.match(text, /^>>> rfarm: network: egress \(/m);
    assert.is(build.check.network, 'egress');
    const page = await (await fetch(`${farm.url}/status/${info.id}`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /network egress/);
  });
}

test.run();
