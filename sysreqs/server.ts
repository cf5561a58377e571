/** `startSysreqsServer`: loads rules and the repository index, then listens. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp } from './app.ts';
import { DEFAULT_RULES_DIR } from './config.ts';
import type { ContentsIndexUse } from './debian-files.ts';
import { createMetrics } from './metrics.ts';
import { loadRepositoryIndex } from './repository-index.ts';
import { loadRuleDatabase } from './rule-database.ts';

/** Options of `startSysreqsServer`. */
export interface SysreqsServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind, e.g. 127.0.0.1. */
  readonly host: string;
  /** Folder of rule files (default: the shipped rules). */
  readonly rulesDir?: string;
  /** CRAN-like repository (URL or path) whose PACKAGES index is loaded at start. */
  readonly repository?: string;
  /** Logger (default: pino at info). */
  readonly logger?: Logger;
  /** What the contents index is used for (default DEFAULT_CONTENTS_INDEX_USE). */
  readonly contentsIndex?: ContentsIndexUse;
  /** Collect process metrics (default true). */
  readonly defaultMetrics?: boolean;
}

/** A running sysreqs server. */
export interface SysreqsServer {
  /** Base URL, e.g. http://127.0.0.1:8081. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

/** Starts the service; rejects when the rules or the repository index cannot be read. */
export async function startSysreqsServer(options: SysreqsServerOptions): Promise<SysreqsServer> {
  const logger = options.logger ?? pino({ name: 'sysreqs' });
  const rules = loadRuleDatabase(options.rulesDir ?? DEFAULT_RULES_DIR, options.contentsIndex ? { contentsIndexUse: options.contentsIndex } : {});
  const index = options.repository ? await loadRepositoryIndex(options.repository) : undefined;
  const app = createApp({ rules, index, logger, metrics: createMetrics(options.defaultMetrics ?? true) });
  const server = await new Promise<Server>((resolveListen, rejectListen) => {
    const listening = app.listen(options.port, options.host, () => resolveListen(listening));
    listening.once('error', rejectListen);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  logger.info(
    { port, host: options.host, rules: rules.rules.length, repository: index?.location ?? null, packages: index?.packages.size ?? 0 },
    'sysreqs listening',
  );
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolveClose, rejectClose) => {
        server.close((error) => (error ? rejectClose(error) : resolveClose()));
        server.closeIdleConnections();
      }),
  };
}
