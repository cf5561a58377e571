/**
 * The droplet pool client against a loopback stand-in of the DigitalOcean API's droplet calls
 * (list by tag with pagination, multi-create, delete), which checks the token and the bodies.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigitalOceanDropletPool, ProviderError } from '../../scaler/index.ts';

const TOKEN = 'dop_v1_test';
const template = { region: 'fra1', size: 's-4vcpu-8gb', image: 'debian-12-x64', userData: '#cloud-config\n', vpcUuid: 'vpc-1' };

interface StandIn { server: Server; base: string; droplets: Array<{ id: number; name: string; status: string; tags: string[] }>; creates: any[] }

async function standIn(): Promise<StandIn> {
  const state: StandIn = { droplets: [], creates: [] } as any;
  let nextId = 1000;
  const body = async (request: IncomingMessage) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    return text ? JSON.parse(text) : undefined;
  };
  state.server = createServer(async (request, response) => {
    const send = (status: number, value?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(value === undefined ? '' : JSON.stringify(value));
    };
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { id: 'unauthorized', message: 'Unable to authenticate you.' });
    const url = new URL(request.url!, 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === '/v2/droplets') {
      const tagged = state.droplets.filter((droplet) => droplet.tags.includes(url.searchParams.get('tag_name')!));
      const perPage = 2; // small pages, to exercise `next` (the client asks for 200)
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = tagged.slice((page - 1) * perPage, page * perPage);
      const next = page * perPage < tagged.length ? `https://api.digitalocean.com/v2/droplets?tag_name=${url.searchParams.get('tag_name')}&page=${page + 1}&per_page=${perPage}` : undefined;
      return send(200, { droplets: slice, links: { pages: next ? { next } : {} }, meta: { total: tagged.length } });
    }
    if (request.method === 'POST' && url.pathname === '/v2/droplets') {
      const create = await body(request);
      state.creates.push(create);
      if (!Array.isArray(create.names) || create.names.length > 10 || !create.size || !create.region || !create.image) return send(422, { id: 'unprocessable_entity', message: 'names, size, region and image are required' });
      const made = create.names.map((name: string) => ({ id: nextId++, name, status: 'new', tags: create.tags ?? [] }));
      state.droplets.push(...made);
      return send(202, { droplets: made });
    }
    const match = /^\/v2\/droplets\/(\d+)$/.exec(url.pathname);
    if (request.method === 'DELETE' && match) {
      const index = state.droplets.findIndex((droplet) => droplet.id === Number(match[1]));
      if (index < 0) return send(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
      state.droplets.splice(index, 1);
      return send(204);
    }
    send(404, { id: 'not_found', message: 'no such route' });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.base = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

test('launching creates tagged droplets from the template, in batches of at most ten', async () => {
  const api = await standIn();
  try {
    const pool = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-prod-r-release-linux-x86_64', template, baseUrl: api.base });
    await pool.launch(12, 12);
    assert.equal(api.creates.map((create) => create.names.length), [10, 2]);
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

test('listing sees only the pool’s own tag, and removing deletes exactly the named droplets', async () => {
  const api = await standIn();
  try {
    api.droplets.push({ id: 1, name: 'other', status: 'active', tags: ['rfarm-prod-nats'] });
    const pool = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    await pool.launch(3, 3);
    const hosts = await pool.listHosts();
    assert.is(hosts.length, 3);
    await pool.remove([hosts[0].id]);
    assert.equal((await pool.listHosts()).map((host) => host.id), hosts.slice(1).map((host) => host.id));
    assert.ok(api.droplets.some((droplet) => droplet.name === 'other'), 'a droplet outside the pool is never touched');
  } finally {
    api.server.close();
  }
});

test('an API refusal becomes a ProviderError naming the pool, the operation and the API’s message', async () => {
  const api = await standIn();
  try {
    const pool = new DigitalOceanDropletPool({ token: 'wrong', tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    const error = await pool.listHosts().then(() => null, (caught) => caught);
    assert.instance(error, ProviderError);
    assert.match(error.message, /digitalocean pool rfarm-dev-linux: list droplets failed: HTTP 401 unauthorized: Unable to authenticate you/);
    const good = new DigitalOceanDropletPool({ token: TOKEN, tag: 'rfarm-dev-linux', template, baseUrl: api.base });
    const missing = await good.remove(['424242']).then(() => null, (caught) => caught);
    assert.match(missing.message, /delete droplet 424242 failed: HTTP 404/);
  } finally {
    api.server.close();
  }
});

test.run();
