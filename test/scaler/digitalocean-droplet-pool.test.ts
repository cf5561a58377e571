/**
 * The droplet pool client against a loopback stand-in of the DigitalOcean API's droplet calls
 * (list by tag with pagination, multi-create, delete), which checks the token and the bodies.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigitalOceanDropletPool, ProviderError } from '../../scaler/index.ts';
import { standIn, template, TOKEN } from './digitalocean-stand-in.ts';

test('launching creates tagged droplets from the template, in batches of at most ten', async () => {
  const api = await standIn();
  try {
    const pool = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-prod-r-release-linux-x86_64', template, baseUrl: api.base });
    await pool.launch(12, 12);
    assert.equal(
      api.creates.map((create) => create.names.length),
      [10, 2],
    );
    assert.equal(api.creates[0].tags, ['rfarm-prod-r-release-linux-x86_64']);
    assert.is(api.creates[0].size, 's-4vcpu-8gb');
    assert.is(api.creates[0].user_data, '#cloud-config\n');
    assert.ok(api.creates[0].names.every((name: string) => name.startsWith('rfarm-prod-r-release-linux-x86_64-')));
    const hosts = await pool.listHosts();
    assert.is(hosts.length, 12, 'every page of the tag is read');
  } finally {
    api.server.close();
  }
});

test('a droplet’s name fits a hostname (≤ 63 characters) even for the catalogue’s longest pool tag', async () => {
  const tag = 'rfarm-prod-scaled-r-devel-linux-x86-64-debian-stable-gcc';
  const api = await standIn();
  try {
    await new DigitalOceanDropletPool({ token: TOKEN, tag, template, baseUrl: api.base }).launch(2, 2);
    for (const name of api.creates[0].names as string[]) {
      assert.ok(name.length <= 63, `${name} has ${name.length} characters`);
      assert.match(name, /^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$/);
    }
    assert.equal(api.creates[0].tags, [tag], 'the full tag still finds the pool');
  } finally {
    api.server.close();
  }
});

test('listing sees only the pool’s own tag, and removing deletes exactly the named droplets', async () => {
  const api = await standIn();
  try {
    api.droplets.push({ id: 1, name: 'other', status: 'active', tags: ['rfarm-prod-nats'] });
    const pool = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    await pool.launch(3, 3);
    const hosts = await pool.listHosts();
    assert.is(hosts.length, 3);
    await pool.remove([hosts[0].id]);
    assert.equal(
      (await pool.listHosts()).map((host) => host.id),
      hosts.slice(1).map((host) => host.id),
    );
    assert.ok(
      api.droplets.some((droplet) => droplet.name === 'other'),
      'a droplet outside the pool is never touched',
    );
  } finally {
    api.server.close();
  }
});

test('an API refusal becomes a ProviderError naming the pool, the operation and the API’s message', async () => {
  const api = await standIn();
  try {
    const pool = new DigitalOceanDropletPool({ token: 'wrong', tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    const error = await pool.listHosts().then(
      () => null,
      (caught) => caught,
    );
    assert.instance(error, ProviderError);
    assert.match(error.message, /digitalocean pool rfarm-dev-linux: list droplets failed: HTTP 401 unauthorized: Unable to authenticate you/);
    const good = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    const missing = await good.remove(['424242']).then(
      () => null,
      (caught) => caught,
    );
    assert.match(missing.message, /delete droplet 424242 failed: HTTP 404/);
  } finally {
    api.server.close();
  }
});

test.run();
