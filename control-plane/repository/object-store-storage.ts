/**
 * The repository in NATS: its own object store and KV bucket (the control plane's alone; agents
 * never touch them). Package files are objects named `files/<path>`. An object store put is not atomic for readers (a reader streaming the old
 * chunks can lose them when the new version lands), so indices are never overwritten: each
 * regeneration writes a new generation `index/<tree>/<generation>/<name>`, then swaps a KV
 * pointer to it in one write. Superseded generations are deleted only after a grace period, long
 * after any reader that followed the old pointer has finished.
 */
import { randomBytes } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { REPOSITORY_BUCKET, decode, encode, openControlPlaneKv, openControlPlaneObjects, type FarmConnection } from '../../protocol/index.ts';
import { INDEX_NAMES, type IndexName } from './repository-layout.ts';
import type { IndexFiles, RepositoryStorage } from './repository-storage.ts';

/** Opens (creating on first use) the repository's object store and KV bucket. */
export async function openRepositoryBuckets(farm: FarmConnection, replicas: number): Promise<{ objects: ObjectStore; kv: KV }> {
  const objects = await openControlPlaneObjects(farm, REPOSITORY_BUCKET, replicas);
  const kv = await openControlPlaneKv(farm, REPOSITORY_BUCKET, replicas);
  return { objects, kv };
}

/** The KV pointer to a tree's current index generation. */
interface IndexPointer {
  readonly generation: string;
  readonly createdAt: string;
}

const FILES = 'files/';
const INDEX = 'index/';
/** Generations kept whatever their age, and how long a superseded one lives on. */
const KEEP_GENERATIONS = 3;
const GRACE_MS = 10 * 60 * 1000;

/** KV keys allow few characters; a tree path becomes base64url. */
function pointerKey(tree: string): string {
  return `repository.index.${Buffer.from(tree).toString('base64url')}`;
}

export class ObjectStoreStorage implements RepositoryStorage {
  constructor(
    private readonly objects: ObjectStore,
    private readonly kv: KV,
  ) {}

  async addFile(path: string, data: Uint8Array): Promise<boolean> {
    const name = FILES + path;
    const existing = await this.objects.info(name);
    if (existing && !existing.deleted) return false;
    await this.objects.putBlob({ name }, data);
    return true;
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    return this.objects.getBlob(FILES + path);
  }

  async listFiles(tree: string): Promise<string[]> {
    const prefix = `${FILES}${tree}/`;
    const entries = await this.objects.list();
    return entries
      .filter((entry) => !entry.deleted && entry.name.startsWith(prefix) && !entry.name.slice(prefix.length).includes('/'))
      .map((entry) => entry.name.slice(prefix.length));
  }

  async replaceIndex(tree: string, files: IndexFiles): Promise<void> {
    // Sortable by time, unique across writers.
    const generation = `${Date.now().toString().padStart(15, '0')}-${randomBytes(4).toString('hex')}`;
    for (const name of INDEX_NAMES) await this.objects.putBlob({ name: `${INDEX}${tree}/${generation}/${name}` }, files[name]);
    const pointer: IndexPointer = { generation, createdAt: new Date().toISOString() };
    await this.kv.put(pointerKey(tree), encode(pointer));
    await this.dropOldGenerations(tree, generation);
  }

  async readIndex(tree: string, name: IndexName): Promise<Uint8Array | null> {
    // A second look covers a reader that slept through a whole grace period between the two reads.
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = await this.kv.get(pointerKey(tree));
      if (!entry || entry.operation !== 'PUT') return null;
      const pointer = decode<IndexPointer>(entry.value);
      const data = await this.objects.getBlob(`${INDEX}${tree}/${pointer.generation}/${name}`);
      if (data) return data;
    }
    return null;
  }

  private async dropOldGenerations(tree: string, current: string): Promise<void> {
    const prefix = `${INDEX}${tree}/`;
    const entries = (await this.objects.list()).filter((entry) => !entry.deleted && entry.name.startsWith(prefix));
    const generations = [...new Set(entries.map((entry) => entry.name.slice(prefix.length).split('/')[0]))].sort().reverse();
    const kept = new Set(generations.slice(0, KEEP_GENERATIONS));
    kept.add(current);
    for (const entry of entries) {
      const generation = entry.name.slice(prefix.length).split('/')[0];
      // A generation's age counts from when the next one replaced it: its successor's timestamp.
      const successor = generations[generations.indexOf(generation) - 1];
      const supersededAt = successor ? Number(successor.split('-')[0]) : Date.now();
      if (!kept.has(generation) && Date.now() - supersededAt > GRACE_MS) await this.objects.delete(entry.name);
    }
  }
}
