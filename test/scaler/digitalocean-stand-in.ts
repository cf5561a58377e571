/** A loopback stand-in of the DigitalOcean API's droplet calls: list by tag (paged), create, delete. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TOKEN = 'dop_v1_test';
export const template = { region: 'fra1', size: 's-4vcpu-8gb', image: 'debian-12-x64', userData: '#cloud-config\n', vpcUuid: 'vpc-1' };

export interface StandIn {
  server: Server;
  base: string;
  droplets: Array<{ id: number; name: string; status: string; tags: string[] }>;
  creates: any[];
}

export async function standIn(): Promise<StandIn> {
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
      const next =
        page * perPage < tagged.length
          ? `https://api.digitalocean.com/v2/droplets?tag_name=${url.searchParams.get('tag_name')}&page=${page + 1}&per_page=${perPage}`
          : undefined;
      return send(200, { droplets: slice, links: { pages: next ? { next } : {} }, meta: { total: tagged.length } });
    }
    if (request.method === 'POST' && url.pathname === '/v2/droplets') {
      const create = await body(request);
      state.creates.push(create);
      if (!Array.isArray(create.names) || create.names.length > 10 || !create.size || !create.region || !create.image)
        return send(422, { id: 'unprocessable_entity', message: 'names, size, region and image are required' });
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
