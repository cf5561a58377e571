/** Starts a real sysreqs server on 127.0.0.1:0 for a test file, with the fixture repository. */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startSysreqsServer, type ContentsIndexUse, type SysreqsServer } from '../../sysreqs/index.ts';

/** The fixture CRAN-like repository (src/contrib/PACKAGES). */
export const FIXTURE_REPOSITORY = fileURLToPath(new URL('./fixtures/repo', import.meta.url));

/** The fixture package folder holding a DESCRIPTION. */
export const FIXTURE_PACKAGE = fileURLToPath(new URL('./fixtures/mypkg', import.meta.url));

/** Starts the service quietly; `repository: false` starts it without an index. */
export function startTestService(options: { repository?: boolean; contentsIndex?: ContentsIndexUse } = {}): Promise<SysreqsServer> {
  return startSysreqsServer({
    port: 0,
    host: '127.0.0.1',
    repository: options.repository === false ? undefined : FIXTURE_REPOSITORY,
    ...(options.contentsIndex ? { contentsIndex: options.contentsIndex } : {}),
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}
