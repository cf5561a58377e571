/**
 * `npm start`: the local farm on loopback. State lives in ./.farm (git-ignored), so a second start
 * carries on where the first stopped. Variables: PORT (web and API, default 8080), NATS_PORT
 * (default 4222), SYSREQS_PORT (default 8081), FARM_WORKERS (default 1), FARM_DATA_DIR (default
 * ./.farm), FARM_R_REPOS (more repositories for dependencies). The farm's URL goes to
 * <FARM_DATA_DIR>/url, where the `rfarm` client run from this directory finds it.
 * FARM_PLATFORMS (catalogue ids or all-local) adds one agent container per platform (Docker);
 * FARM_DEBIAN_MIRROR overrides the Debian archive their images are bootstrapped from.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { LocalFarm } from './local-farm.ts';
import { startPlatformContainers } from './platform-containers.ts';
import { preparePlatformImages } from './platform-setup.ts';

const dataDir = resolve(process.env.FARM_DATA_DIR || '.farm');
const port = Number(process.env.PORT || 8080);
const workers = Number(process.env.FARM_WORKERS || 1);
const sysreqsPort = Number(process.env.SYSREQS_PORT || 8081);
const natsPort = Number(process.env.NATS_PORT || 4222);

/** Whether something already listens on this loopback port. */
function portBusy(value: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(true));
    probe.listen(value, '127.0.0.1', () => probe.close(() => done(false)));
  });
}

/** Whether an rfarm control plane answers on this port (another farm started from elsewhere). */
async function farmAnswers(value: number): Promise<boolean> {
  const answer = await fetch(`http://127.0.0.1:${value}/openapi.json`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
  const document = answer?.ok ? ((await answer.json().catch(() => null)) as { info?: { title?: string } } | null) : null;
  return /rfarm/i.test(document?.info?.title ?? '');
}

// Said before anything starts, one line each: a busy port would otherwise show as a child's log.
for (const [name, value] of [
  ['PORT', port],
  ['NATS_PORT', natsPort],
  ['SYSREQS_PORT', sysreqsPort],
] as const) {
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    console.error(`rfarm: ${name}=${process.env[name]} is not a port number`);
    process.exit(1);
  }
  if (!(await portBusy(value))) continue;
  if (name === 'PORT' && (await farmAnswers(value))) {
    console.error(
      `rfarm: another rfarm farm is already running at http://127.0.0.1:${value}/ (port ${value}); use it, stop it, or start this one with other ports, e.g. PORT=${value + 10} NATS_PORT=${natsPort + 10} SYSREQS_PORT=${sysreqsPort + 10} npm start`,
    );
  } else {
    console.error(`rfarm: port ${value} (${name}) is in use by another program; start with ${name}=<a free port> npm start`);
  }
  process.exit(1);
}

function adminToken(): string {
  const path = join(dataDir, 'admin-token');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

if (!Number.isInteger(workers) || workers < 0) {
  console.error(`rfarm: FARM_WORKERS=${process.env.FARM_WORKERS} must be a whole number ≥ 0`);
  process.exit(1);
}

const token = process.env.FARM_ADMIN_TOKEN || adminToken();
// Images first: a platform that cannot be built stops the start before anything is running.
const platformImages = await preparePlatformImages({
  farmPlatforms: process.env.FARM_PLATFORMS,
  debianMirror: process.env.FARM_DEBIAN_MIRROR,
  dataDir,
  log: (line) => console.log(line),
}).catch((error: Error) => {
  console.error(`rfarm: the platform images are not ready: ${error.message}`);
  process.exit(1);
});
const farm = await LocalFarm.start({
  dataDir,
  port,
  natsPort,
  workers,
  adminToken: token,
  sysreqsPort,
  stdio: 'inherit',
  supervise: true,
  agentEnv: process.env.FARM_R_REPOS ? { FARM_R_REPOS: process.env.FARM_R_REPOS } : {},
}).catch((error: Error) => {
  console.error(`rfarm: the local farm did not start: ${error.message}`);
  process.exit(1);
});

const containers = startPlatformContainers(
  { agentEnv: farm.options.agentEnv ?? {}, farmDataDir: dataDir, stdio: 'inherit', natsCredsFor: farm.natsAuth.agentCreds },
  platformImages,
);
// The rfarm client run from this directory finds the farm here (no --server needed).
const urlFile = join(dataDir, 'url');
writeFileSync(urlFile, `${farm.url}\n`);

console.log(`
rfarm is running (data in ${dataDir})
  web and API     ${farm.url}/            (API: ${farm.url}/openapi.json)
  sysreqs         ${farm.sysreqsUrl}
  NATS            ${farm.natsUrl}   (operator mode; credentials, 0600, in ${farm.natsAuth.dir})
  ports           PORT=${port}, NATS_PORT=${natsPort}, SYSREQS_PORT=${sysreqsPort}
  workers         ${workers} on this host${containers.length > 0 ? `, ${containers.length} in containers: ${[...platformImages.keys()].map((platform) => platform.id).join(', ')}` : ''} (add more: curl -X PUT -H "Authorization: Bearer $(cat ${join(dataDir, 'admin-token')})" ${farm.url}/worker)
  admin token     in ${join(dataDir, 'admin-token')}
Ctrl-C stops everything.
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('rfarm: stopping…');
  await Promise.all(containers.map((container) => container.stop()));
  rmSync(urlFile, { force: true });
  await farm.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// `npm start` runs us as its child (package.json execs node, so npm's forwarded SIGINT and SIGTERM
// reach us); should npm itself end without a word, we are re-parented, and the farm stops too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 1_000).unref();
