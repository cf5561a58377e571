/**
 * `npm run nats-credentials -- <stack> <domain> [platform-id…]`: writes out/<stack>/nats-auth.json
 * and out/<stack>/farm-tls.json for `pulumi config set --secret rfarm:natsAuth|farmTls`.
 * Without platform ids, every catalogue platform gets a pool user. Keeps out/<stack>/keys.json
 * (the seeds, 0600) and reuses it on the next run, so adding a pool later keeps the account (and
 * the farm's streams in it); the TLS material is made once. TLS needs openssl.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORMS } from '../images/index.ts';
import { isNatsKeys, newNatsKeys, type NatsKeys } from './nats-auth.ts';
import { farmTls, stackNatsAuth } from './stack-credentials.ts';

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

async function main(args: readonly string[]): Promise<void> {
  const [stack, domain, ...named] = args;
  if (!stack || !domain) throw new Error('usage: npm run nats-credentials -- <stack> <domain> [platform-id…]  (default: every catalogue platform)');
  const unknown = named.filter((id) => !PLATFORMS.some((platform) => platform.id === id));
  if (unknown.length > 0) throw new Error(`not catalogue platforms: ${unknown.join(', ')}; see images/platforms/catalogue.ts`);
  const out = join('out', stack);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  chmodSync(out, 0o700);
  const keysFile = join(out, 'keys.json');
  let keys: NatsKeys;
  if (existsSync(keysFile)) {
    const parsed: unknown = JSON.parse(readFileSync(keysFile, 'utf8'));
    if (!isNatsKeys(parsed)) throw new Error(`${keysFile} is not a set of NATS keys`);
    keys = parsed;
  } else {
    keys = newNatsKeys();
    writeSecret(keysFile, `${JSON.stringify(keys, null, 2)}\n`);
  }
  const platforms = named.length > 0 ? named : PLATFORMS.map((platform) => platform.id);
  writeSecret(join(out, 'nats-auth.json'), JSON.stringify(await stackNatsAuth(keys, stack, platforms)));
  if (!existsSync(join(out, 'farm-tls.json'))) writeSecret(join(out, 'farm-tls.json'), JSON.stringify(farmTls(out, stack, domain)));
  console.log(`wrote ${out}/nats-auth.json and ${out}/farm-tls.json (kept: ${keysFile}); keep ${out} out of git, then:
  pulumi config set --secret rfarm:natsAuth "$(cat ${out}/nats-auth.json)"
  pulumi config set --secret rfarm:farmTls "$(cat ${out}/farm-tls.json)"`);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`nats-credentials: ${error.message}`);
  process.exit(1);
});
