/** HTTP load with autocannon, and the yardstick server it is compared with. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadOutcome {
  /** Mean requests per second over the run. */
  readonly requestsPerSecond: number;
  /** 2xx answers per second of wall time. */
  readonly okPerSecond: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly seconds: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  readonly seconds?: number;
  /** Requests to make in all. */
  readonly amount?: number;
  readonly method?: 'GET' | 'PUT';
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
}

/** Runs autocannon once, quietly. */
export async function load(options: LoadOptions): Promise<LoadOutcome> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds ?? 10,
    amount: options.amount,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    timeout: 30,
  });
  return {
    requestsPerSecond: result.requests.average,
    okPerSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    seconds: result.duration,
  };
}

/** A bare Koa hello-world in a child process (bench/koa-hello-world.ts). */
export class HelloWorldServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(): Promise<HelloWorldServer> {
    const entry = fileURLToPath(new URL('./koa-hello-world.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the Koa hello-world did not start within 20 s')), 20_000);
      child.once('exit', (code) => reject(new Error(`the Koa hello-world exited (${code})`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        const port = /listening (\d+)/.exec(chunk.toString())?.[1];
        if (!port) return;
        clearTimeout(timer);
        resolve(new HelloWorldServer(child, `http://127.0.0.1:${port}/`));
      });
    });
  }

  /** Its process id, for reading the CPU time it used. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGTERM');
    await exited;
  }
}
