/**
 * The stack's HTTPS load balancers, stood in for on this machine: TLS on :443 of a loopback address
 * of their own, forwarding plain HTTP to the control-plane droplets' port (8080 or 8081) as the
 * declared forwarding rule does, to the droplets whose `/healthz` answers (the declared health
 * check). The certificate is the farm CA's `*.<domain>` (a real balancer has Let's Encrypt's).
 */
import { request as httpRequest } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';

/** A running stand-in balancer. */
export interface LoadBalancer {
  readonly address: string;
  close(): Promise<void>;
}

/** Starts one balancer on `address:443` forwarding to `targets` (host:port). */
export async function startLoadBalancer(address: string, targets: readonly string[], tls: { cert: string; key: string; ca: string }): Promise<LoadBalancer> {
  let next = 0;
  const healthy = new Set<string>();
  const check = () =>
    Promise.all(
      targets.map(
        (target) =>
          new Promise<void>((done) => {
            const [host, port] = target.split(':');
            const probe = httpRequest({ host, port, path: '/healthz', timeout: 2000 }, (response) => {
              response.resume();
              if (response.statusCode === 200) healthy.add(target);
              else healthy.delete(target);
              done();
            });
            probe.on('error', () => (healthy.delete(target), done()));
            probe.on('timeout', () => probe.destroy());
            probe.end();
          }),
      ),
    );
  await check();
  const timer = setInterval(check, 2000);
  const server: Server = createServer({ cert: `${tls.cert}\n${tls.ca}`, key: tls.key }, (incoming, outgoing) => {
    const live = targets.filter((target) => healthy.has(target));
    if (live.length === 0) {
      outgoing.writeHead(503, { 'content-type': 'text/plain' }).end('503 Service Unavailable: no healthy droplet behind the load balancer\n');
      return;
    }
    const target = live[next++ % live.length];
    const [host, port] = target.split(':');
    const forwarded = httpRequest(
      { host, port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, 'x-forwarded-proto': 'https' } },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => (outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end()));
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(443, address, resolve));
  return {
    address,
    close: () => {
      clearInterval(timer);
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** An HTTPS request to the farm's public name through a balancer, trusting the farm CA. */
export function publicRequest(
  balancer: string,
  hostname: string,
  ca: string,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: balancer,
        port: 443,
        servername: hostname,
        ca,
        method,
        path,
        headers: { host: hostname, ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
