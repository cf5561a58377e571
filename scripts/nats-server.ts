/**
 * Runs real `nats-server` processes with JetStream on loopback: one for the local farm, or a
 * three-node cluster (the production shape) for reliability tests. File storage under a directory
 * we choose, so a restart keeps the state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** nats-server installs to /usr/sbin on Debian, which is not on a normal user's PATH. */
export function natsServerBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error('nats-server is not installed: run `npm start` as root once, or `sudo apt-get install nats-server`');
}

/** A free loopback TCP port (for ports that must be known before the server starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface NatsNodeOptions {
  readonly storeDir: string;
  readonly port: number;
  readonly name?: string;
  /** Cluster settings; absent for a single server. */
  readonly cluster?: { readonly port: number; readonly routes: readonly number[] };
}

/** One nats-server process that can be killed and started again on the same port and store. */
export class NatsNode {
  private child: ChildProcess | null = null;

  constructor(readonly options: NatsNodeOptions) {}

  get url(): string {
    return `nats://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.options.storeDir, { recursive: true });
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.options.port), '-sd', this.options.storeDir];
    if (this.options.name) args.push('-n', this.options.name);
    if (this.options.cluster) {
      const routes = this.options.cluster.routes.map((port) => `nats://127.0.0.1:${port}`).join(',');
      args.push('--cluster_name', 'rfarm', '--cluster', `nats://127.0.0.1:${this.options.cluster.port}`, '--routes', routes);
    }
    const child = spawn(natsServerBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
  }

  /** Stops it; SIGKILL simulates a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

/** Starts a single server, or a cluster of `size` nodes, with stores under `dataDir`. */
export async function startNats(dataDir: string, size = 1, port?: number): Promise<NatsNode[]> {
  if (size === 1) {
    const node = new NatsNode({ storeDir: join(dataDir, 'nats'), port: port ?? (await freePort()) });
    await node.start();
    return [node];
  }
  const clientPorts = await Promise.all(Array.from({ length: size }, freePort));
  const clusterPorts = await Promise.all(Array.from({ length: size }, freePort));
  const nodes = clientPorts.map(
    (clientPort, index) =>
      new NatsNode({
        storeDir: join(dataDir, `nats-${index + 1}`),
        port: clientPort,
        name: `rfarm-nats-${index + 1}`,
        cluster: { port: clusterPorts[index], routes: clusterPorts.filter((_, other) => other !== index) },
      }),
  );
  await Promise.all(nodes.map((node) => node.start()));
  return nodes;
}
