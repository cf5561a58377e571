/**
 * A Linux pool as DigitalOcean droplets carrying the pool's tag. A small typed `fetch` client of
 * the three calls used (list by tag, create, delete) rather than a library: DigitalOcean keeps no
 * official JavaScript client, the community ones wrap the whole API for three requests, and this
 * one is tested against a loopback stand-in of those same requests.
 * https://docs.digitalocean.com/reference/api/digitalocean/#tag/Droplets
 */
import { randomBytes } from 'node:crypto';
import type { PoolHost } from './pool-decision.ts';
import { ProviderError, type PoolProvider } from './pool-provider.ts';

/** What every droplet of the pool is made from (the stack's builder template). */
export interface DropletTemplate {
  readonly region: string;
  readonly size: string;
  readonly image: string;
  /** Cloud-init the stack renders for the platform's builder. */
  readonly userData: string;
  readonly vpcUuid?: string;
  readonly sshKeys?: readonly string[];
  /** Tags besides the pool's own (the builder firewall's), so new droplets are admitted like declared ones. */
  readonly tags?: readonly string[];
}

/** How to reach the API and which droplets form the pool. */
export interface DigitalOceanPoolOptions {
  /** API token with droplet read/write scope. */
  readonly token: string;
  /** The pool's tag, e.g. "rfarm-prod-r-release-linux-x86_64"; also the droplets' name prefix. */
  readonly tag: string;
  readonly template: DropletTemplate;
  /** API base; https://api.digitalocean.com when absent. */
  readonly baseUrl?: string;
  /** Per-request deadline. */
  readonly timeoutMs?: number;
}

interface Droplet {
  readonly id: number;
  readonly name: string;
  readonly status: 'new' | 'active' | 'off' | 'archive';
}

interface DropletPage {
  readonly droplets: Droplet[];
  readonly links?: { readonly pages?: { readonly next?: string } };
}

// The API creates at most ten droplets per request.
const CREATE_BATCH = 10;

/**
 * A new droplet's name: the pool's tag, cut so the whole name fits a hostname (63 characters; the
 * droplet's hostname is its name, and the scaler matches heartbeats by it), and 8 random hex digits.
 */
export function dropletName(tag: string): string {
  return `${tag.slice(0, 63 - 9).replace(/-+$/, '')}-${randomBytes(4).toString('hex')}`;
}

/** A pool of droplets found by tag. Host names are droplet names, which become the hostnames. */
export class DigitalOceanDropletPool implements PoolProvider {
  private readonly base: string;
  private readonly label: string;
  constructor(private readonly options: DigitalOceanPoolOptions) {
    this.base = (options.baseUrl ?? 'https://api.digitalocean.com').replace(/\/$/, '');
    this.label = `digitalocean pool ${options.tag}`;
  }

  async listHosts(): Promise<PoolHost[]> {
    const hosts: PoolHost[] = [];
    let url: string | undefined = `${this.base}/v2/droplets?tag_name=${encodeURIComponent(this.options.tag)}&per_page=200`;
    while (url) {
      const page: DropletPage = await this.request('list droplets', 'GET', url);
      for (const droplet of page.droplets)
        if (droplet.status === 'new' || droplet.status === 'active') hosts.push({ id: String(droplet.id), name: droplet.name });
      const next = page.links?.pages?.next;
      // Follow only pages of the same API: a `next` elsewhere would carry our token off-site.
      url = next && new URL(next).pathname === '/v2/droplets' ? `${this.base}/v2/droplets${new URL(next).search}` : undefined;
    }
    return hosts;
  }

  async launch(launch: number, _desired?: number): Promise<void> {
    const { template, tag } = this.options;
    for (let left = launch; left > 0; left -= CREATE_BATCH) {
      const names = Array.from({ length: Math.min(CREATE_BATCH, left) }, () => dropletName(tag));
      await this.request('create droplets', 'POST', `${this.base}/v2/droplets`, {
        names,
        region: template.region,
        size: template.size,
        image: template.image,
        user_data: template.userData,
        vpc_uuid: template.vpcUuid,
        ssh_keys: template.sshKeys ?? [],
        tags: [tag, ...(template.tags ?? [])],
        monitoring: true,
      });
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (!/^\d+$/.test(id)) throw new ProviderError(this.label, `delete droplet ${id}`, 'not a droplet id');
      await this.request(`delete droplet ${id}`, 'DELETE', `${this.base}/v2/droplets/${id}`);
    }
  }

  private async request<T>(operation: string, method: string, url: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new ProviderError(this.label, operation, (error as Error).message, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      const message = safeJson<{ id?: string; message?: string }>(text);
      throw new ProviderError(this.label, operation, `HTTP ${response.status} ${message?.id ?? ''}: ${message?.message ?? text.slice(0, 200)}`.trim());
    }
    return (text ? safeJson<T>(text) : undefined) as T;
  }
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
