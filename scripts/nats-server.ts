/**
 * Runs real `nats-server` processes with JetStream on loopback: one for the local farm, or a
 * three-node cluster (the production shape) for reliability tests. File storage under a directory
 * we choose, so a restart keeps the state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SupervisedProcess } from './farm-supervisor.ts';
import { freePort, freePorts } from './free-port.ts';
import type { NatsServerAuth } from './nats-auth.ts';

/** nats-server installs to /usr/sbin on Debian, which is not on a normal user's PATH. */
export function natsServerBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error('nats-server is not installed: run `npm start` as root once, or `sudo apt-get install nats-server`');
}

export interface NatsNodeOptions {
  readonly storeDir: string;
  readonly port: number;
  readonly name?: string;
  /** Cluster settings; absent for a single server. */
  readonly cluster?: { readonly port: number; readonly routes: readonly number[] };
  /** Operator-mode auth; absent: anyone on loopback may do anything (bare test servers only). */
  readonly auth?: NatsAuthSettings;
  /** JetStream's file store size (max_file_store); absent: nats-server takes 75 % of the disk's free space at start. */
  readonly maxFileStoreBytes?: number;
}

/** How a farm's servers authenticate clients (JWTs) and each other (a route password). */
export interface NatsAuthSettings {
  readonly server: NatsServerAuth;
  readonly routePassword: string;
}

const ROUTE_USER = 'rfarm-route';

/** nats-server.conf of one node: JetStream on loopback, operator mode with a MEMORY resolver. */
export function renderLocalNatsConfig(options: NatsNodeOptions): string {
  const lines = [
    'listen: 127.0.0.1:' + options.port,
    `server_name: ${options.name ?? 'rfarm-nats'}`,
    `jetstream { store_dir: ${JSON.stringify(options.storeDir)}${options.maxFileStoreBytes ? `, max_file_store: ${options.maxFileStoreBytes}` : ''} }`,
  ];
  const auth = options.auth;
  if (auth) {
    const preload = Object.entries(auth.server.accountJwts).map(([account, jwt]) => `  ${account}: ${jwt}`);
    lines.push(
      `operator: ${auth.server.operatorJwt}`,
      `system_account: ${auth.server.systemAccount}`,
      'resolver: MEMORY',
      `resolver_preload: {\n${preload.join('\n')}\n}`,
    );
  }
  if (options.cluster) {
    const credentials = auth ? `${ROUTE_USER}:${auth.routePassword}@` : '';
    const routes = options.cluster.routes.map((port) => `    nats://${credentials}127.0.0.1:${port}`);
    const authorization = auth ? `  authorization { user: ${ROUTE_USER}, password: ${JSON.stringify(auth.routePassword)} }\n` : '';
    lines.push(`cluster {\n  name: rfarm\n  listen: 127.0.0.1:${options.cluster.port}\n${authorization}  routes: [\n${routes.join('\n')}\n  ]\n}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A farm started before it had credentials kept its streams in the server's global account (`$G`);
 * in operator mode they belong to the farm account. Moving the account's folder carries them over
 * (a single server only: a cluster's meta layer also records accounts).
 */
function adoptStoreWithoutAuth(storeDir: string, account: string): void {
  const global = join(storeDir, 'jetstream', '$G');
  const farm = join(storeDir, 'jetstream', account);
  if (existsSync(global) && !existsSync(farm)) renameSync(global, farm);
}

/** One nats-server process that can be killed and started again on the same port and store. */
export class NatsNode implements SupervisedProcess {
  private child: ChildProcess | null = null;
  /** Called when the server exits after it was ready, without a stop() of ours. */
  onUnexpectedExit: SupervisedProcess['onUnexpectedExit'] = null;

  constructor(readonly options: NatsNodeOptions) {}

  get name(): string {
    return this.options.name ?? 'nats-server';
  }

  restart(): Promise<void> {
    return this.start();
  }

  /** The running server's process id (null when stopped). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.options.storeDir, { recursive: true, mode: 0o700 });
    chmodSync(this.options.storeDir, 0o700);
    if (this.options.auth && !this.options.cluster) adoptStoreWithoutAuth(this.options.storeDir, this.options.auth.server.farmAccount);
    // The config holds the route password: beside the store, readable by us alone.
    const configFile = `${this.options.storeDir}.conf`;
    writeFileSync(configFile, renderLocalNatsConfig(this.options), { mode: 0o600 });
    chmodSync(configFile, 0o600);
    const child = spawn(natsServerBinary(), ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 15_000);
      child.stderr!.on('data', (chunk) => {
        log += chunk;
        if (/Server is ready/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}):\n${log}`));
      });
    });
    child.stderr!.resume();
    child.once('exit', (code, signal) => {
      if (this.child === child) this.onUnexpectedExit?.(code, signal);
    });
  }

  /** Stops it; SIGKILL simulates a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    this.child = null;
    child.kill(signal);
    await exited;
  }
}

/** Starts a single server, or a cluster of `size` nodes, with stores under `dataDir`; `auth` turns on operator mode. */
export async function startNats(dataDir: string, size = 1, port?: number, auth?: NatsAuthSettings, maxFileStoreBytes?: number): Promise<NatsNode[]> {
  if (size === 1) {
    const node = new NatsNode({ storeDir: join(dataDir, 'nats'), port: port ?? (await freePort()), auth, maxFileStoreBytes });
    await node.start();
    return [node];
  }
  const ports = await freePorts(size * 2);
  const clientPorts = ports.slice(0, size);
  const clusterPorts = ports.slice(size);
  const nodes = clientPorts.map(
    (clientPort, index) =>
      new NatsNode({
        storeDir: join(dataDir, `nats-${index + 1}`),
        port: clientPort,
        name: `rfarm-nats-${index + 1}`,
        cluster: { port: clusterPorts[index], routes: clusterPorts.filter((_, other) => other !== index) },
        auth,
        maxFileStoreBytes,
      }),
  );
  await Promise.all(nodes.map((node) => node.start()));
  return nodes;
}
