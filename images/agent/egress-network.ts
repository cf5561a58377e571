/**
 * Opens and closes one build's fenced network namespace (the `egress` policy; network-policy.ts has
 * the commands and rules): starts the holder, which loads the rules before saying ready, then
 * slirp4netns, and waits until the tap is up. Closing kills both; the namespace goes with them.
 * If the agent dies, both die too (parent-death signal): nothing is left on the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { egressRuleset, holderArgv, slirpArgv, type EgressRulesArgs, type NetworkNamespace } from './network-policy.ts';
import { LAUNCHER_ENV } from './sandbox.ts';

/** Raised when the namespace could not be made (a missing tool, no permission): the farm's failure, not the package's. */
export class EgressNetworkError extends Error {
  override name = 'EgressNetworkError';
}

/** An open namespace; `close` is safe to call more than once. */
export interface EgressNetwork {
  readonly namespace: NetworkNamespace;
  close(): Promise<void>;
}

export interface OpenEgressArgs extends EgressRulesArgs {
  /** Make the namespace in a user namespace of the agent's own (the agent is not root). */
  readonly ownUserNamespace: boolean;
  /** Give up after this long. Default 15 s. */
  readonly timeoutMs?: number;
}

/** Every IPv4 address of this host's (this network namespace's) interfaces. */
export function hostIpv4Addresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => address.family === 'IPv4')
    .map((address) => address.address);
}

/** Resolves once `child` has printed `marker` on `stream`; rejects with its error output if it exits first. */
function waitFor(child: ChildProcess, stream: NodeJS.ReadableStream | null, marker: string, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-2000)));
    const timer = setTimeout(
      () => finish(new EgressNetworkError(`${what} did not start within ${timeoutMs} ms${errors ? `: ${errors.trim()}` : ''}`)),
      timeoutMs,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      stream?.removeListener('data', onData);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(marker)) finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new EgressNetworkError(`${what} exited (${signal ?? `code ${code}`}): ${errors.trim() || 'no message'}`));
    const onError = (error: Error) => finish(new EgressNetworkError(`${what} could not run: ${error.message}`));
    stream?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

/** Makes one build's fenced namespace with outbound network through slirp4netns. */
export async function openEgressNetwork(args: OpenEgressArgs): Promise<EgressNetwork> {
  const timeoutMs = args.timeoutMs ?? 15_000;
  const ruleset = egressRuleset(args);
  const [command, ...rest] = holderArgv(args.ownUserNamespace);
  const holder = spawn(command, rest, { env: { ...LAUNCHER_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
  let slirp: ChildProcess | null = null;
  const close = async () => {
    if (slirp) await stop(slirp);
    await stop(holder);
  };
  try {
    holder.stdin?.on('error', () => undefined); // a holder that died early is reported by waitFor
    holder.stdin?.end(ruleset);
    await waitFor(holder, holder.stdout, 'ready\n', 'the egress namespace (unshare, ip, nft)', timeoutMs);
    const pid = holder.pid!;
    const [slirpCommand, ...slirpArgs] = slirpArgv(pid, args.ownUserNamespace, 3);
    slirp = spawn(slirpCommand, slirpArgs, { env: { ...LAUNCHER_ENV }, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    await waitFor(slirp, slirp.stdio[3] as NodeJS.ReadableStream, '1', 'slirp4netns', timeoutMs);
    return { namespace: { pid, ownUserNamespace: args.ownUserNamespace }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The farm's own IPv4 addresses a check must not reach: `extra` (FARM_EGRESS_BLOCK) and every
 * address the hosts of `urls` (NATS, sysreqs) resolve to now. A host that does not resolve is
 * skipped: the check could not resolve it either (its DNS is the host's).
 */
export async function farmAddresses(urls: readonly string[], extra: readonly string[]): Promise<string[]> {
  const hosts = new Set<string>();
  for (const url of urls) {
    try {
      hosts.add(new URL(url).hostname.replace(/^\[|\]$/g, ''));
    } catch {
      // not a URL: nothing to block
    }
  }
  const resolved = await Promise.all([...hosts].map((host) => lookup(host, { all: true, family: 4 }).catch(() => [])));
  return [...new Set([...extra, ...resolved.flat().map((entry) => entry.address)])];
}
