/**
 * `npm start`: the local farm on loopback. State lives in ./.farm (git-ignored), so a second start
 * carries on where the first stopped. PORT, FARM_WORKERS and FARM_DATA_DIR override the defaults.
 * FARM_PLATFORMS (catalogue ids or all-local) adds one agent container per platform (Docker);
 * FARM_DEBIAN_MIRROR overrides the Debian archive their images are bootstrapped from.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalFarm } from './local-farm.ts';
import { startPlatformContainers } from './platform-containers.ts';
import { preparePlatformImages } from './platform-setup.ts';

const dataDir = resolve(process.env.FARM_DATA_DIR || '.farm');
const port = Number(process.env.PORT || 8080);
const workers = Number(process.env.FARM_WORKERS || 1);
const sysreqsPort = Number(process.env.SYSREQS_PORT || 8081);

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
  natsPort: Number(process.env.NATS_PORT || 4222),
  workers,
  adminToken: token,
  sysreqsPort,
  stdio: 'inherit',
  agentEnv: process.env.FARM_R_REPOS ? { FARM_R_REPOS: process.env.FARM_R_REPOS } : {},
}).catch((error: Error) => {
  console.error(`rfarm: the local farm did not start: ${error.message}`);
  process.exit(1);
});

const containers = startPlatformContainers({ agentEnv: farm.options.agentEnv ?? {}, farmDataDir: dataDir, stdio: 'inherit', natsCredsFor: farm.natsAuth.agentCreds }, platformImages);

console.log(`
rfarm is running (data in ${dataDir})
  web and API     ${farm.url}/            (API: ${farm.url}/openapi.json)
  sysreqs         ${farm.sysreqsUrl}
  NATS            ${farm.natsUrl}   (operator mode; credentials, 0600, in ${farm.natsAuth.dir})
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
  await farm.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
