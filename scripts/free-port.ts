/**
 * Free loopback TCP ports for servers whose port must be known before they start (nats-server's
 * config, the control plane's URL).
 *
 * Picked below the kernel's ephemeral range on purpose: a port from `listen(0)` is in that range, and
 * the kernel may hand the same number to another process's `listen(0)` or outgoing connection
 * between our check and the server's own bind. Two test farms on one machine then met on one port,
 * and a farm's "/healthz is up" came from the other farm's server.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port we pick: above the well-known and most registered service ports. */
const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (Linux), or the usual default where it cannot be read. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether a server can listen on `port` on loopback right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The kernel's choice of a free port (in the ephemeral range): the fallback when no pick of ours was free. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A free loopback TCP port, at random below the ephemeral range. */
export async function freePort(): Promise<number> {
  const highest = ephemeralLow() - 1;
  for (let tries = 0; tries < 50; tries++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  return kernelPort();
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
