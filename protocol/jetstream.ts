/**
 * Connecting to the farm's NATS and making sure its streams, buckets and object store exist.
 * The control plane (and tests with its credentials) creates them; creation is idempotent, so two
 * control planes starting together both succeed. Agents only bind: their credentials
 * (permissions.ts) may neither create nor inspect streams.
 */
import { readFile } from 'node:fs/promises';
import {
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, setSha256Backend, type ObjectStore } from '@nats-io/obj';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { ARTIFACTS_BUCKET, BUILDS_STREAM, JOBS_BUCKET, OUTPUT_STREAM, UPLOADS_BUCKET, WORKERS_BUCKET, subjects } from './messages.ts';
import { isNotFound, isStreamNameInUse } from './nats-errors.ts';
import { readObjectByName, readObjectInfoByName, writeObjectByName } from './object-access.ts';
import { agentInboxPrefix, SCALER_INBOX_PREFIX } from './permissions.ts';
import { retryTransient } from './transient.ts';

/** How to reach NATS and how durable the farm's state is. */
export interface FarmConnectionOptions {
  /** NATS server URLs. */
  readonly servers: readonly string[];
  /** Path to a NATS credentials file; none only for a bare test server without auth. */
  readonly credsFile?: string;
  /**
   * Set by agents: the platform whose builds they take. The connection then binds to the farm's
   * stores without creating or inspecting them, uses the platform's own reply prefix, and reads
   * object metadata by name: exactly what an agent's credentials allow.
   */
  readonly agentPlatform?: string;
  /** Set by the scaler: bind like an agent (create nothing), with the scaler's reply prefix. */
  readonly scaler?: boolean;
  /** JetStream replicas for every stream and bucket: 1 locally, 3 on a cluster. */
  readonly replicas: number;
  /** Shown in NATS monitoring. */
  readonly name: string;
  /** How long worker heartbeats stay valid. */
  readonly workerTtlMs?: number;
  /** How long console output is kept. */
  readonly outputMaxAgeDays?: number;
  /** Bytes each store may hold (-1: no limit of its own); unset leaves the stores as they are. */
  readonly storeLimits?: Readonly<Record<'builds' | 'output' | 'jobs' | 'workers' | 'uploads' | 'artifacts', number>>;
}

/**
 * An open connection with every farm store bound. Outside protocol/ (and tests) only the stores are
 * used, with the operations protocol/index.ts exports (signals.ts, stream-reads.ts, output.ts,
 * build-consumer.ts and the functions below); `nc`, `js` and `jsm` are protocol/'s own (eslint.config.js enforces it).
 */
export interface FarmConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly jobs: KV;
  readonly workers: KV;
  /** Uploaded packages (objectNames.upload); an agent's may only read, by name. */
  readonly uploads: ObjectStore;
  /** Build artifacts (objectNames.artifact); an agent's may only write. */
  readonly artifacts: ObjectStore;
  close(): Promise<void>;
}

const DAY_NS = 24 * 60 * 60 * 1e9;
const STARTUP_DEADLINE_MS = 60_000;
// Short, and retried: a request that went to a node that just died is resent sooner.
const JETSTREAM_TIMEOUT_MS = 4_000;

/** Connects and binds the farm's stores, creating them on first use. */
export async function connectFarm(options: FarmConnectionOptions): Promise<FarmConnection> {
  // The Object Store hashes every put and get; its default is a pure-JavaScript SHA-256 (11 ms per
  // MB, half of the control plane's time when packages are uploaded: bench/). Process-wide.
  setSha256Backend('native');
  const authenticator = options.credsFile ? credsAuthenticator(await readFile(options.credsFile)) : undefined;
  const nc = await connect({
    servers: [...options.servers],
    name: options.name,
    authenticator,
    ...(options.agentPlatform ? { inboxPrefix: agentInboxPrefix(options.agentPlatform) } : options.scaler ? { inboxPrefix: SCALER_INBOX_PREFIX } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    // Stack traces for every request cost a fifth of the control plane's time under load (bench/).
    noAsyncTraces: true,
  });
  const jsm = await retryTransient(() => jetstreamManager(nc, { timeout: JETSTREAM_TIMEOUT_MS }), STARTUP_DEADLINE_MS);
  const js = jetstream(nc, { timeout: JETSTREAM_TIMEOUT_MS });
  if (options.agentPlatform || options.scaler) return bindAsAgent(nc, js, jsm);
  // A cluster that is starting has no JetStream leader for a few seconds: wait for it.
  const ready = <T>(operation: () => Promise<T>) => retryTransient(operation, STARTUP_DEADLINE_MS);
  await ready(() =>
    ensureStream(jsm, {
      name: BUILDS_STREAM,
      subjects: [subjects.allBuildQueues],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: options.replicas,
      // A resubmitted queue message with the same id within this window is dropped: recovery may republish.
      duplicate_window: 10 * 60 * 1e9,
    }),
  );
  await ready(() =>
    ensureStream(jsm, {
      name: OUTPUT_STREAM,
      subjects: [subjects.allOutput],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: options.replicas,
      max_age: (options.outputMaxAgeDays ?? 30) * DAY_NS,
      discard: DiscardPolicy.Old,
    }),
  );
  const kvm = new Kvm(js);
  const jobs = await ready(() => kvm.create(JOBS_BUCKET, { history: 1, replicas: options.replicas, storage: StorageType.File }));
  const workers = await ready(() =>
    kvm.create(WORKERS_BUCKET, { history: 1, replicas: options.replicas, ttl: options.workerTtlMs ?? 15_000, storage: StorageType.File }),
  );
  const objm = new Objm(js);
  const uploads = await ready(() => objm.create(UPLOADS_BUCKET, { replicas: options.replicas, storage: StorageType.File }));
  const artifacts = await ready(() => objm.create(ARTIFACTS_BUCKET, { replicas: options.replicas, storage: StorageType.File }));
  const limits = options.storeLimits;
  if (limits) {
    const streams = {
      builds: BUILDS_STREAM,
      output: OUTPUT_STREAM,
      jobs: `KV_${JOBS_BUCKET}`,
      workers: `KV_${WORKERS_BUCKET}`,
      uploads: `OBJ_${UPLOADS_BUCKET}`,
      artifacts: `OBJ_${ARTIFACTS_BUCKET}`,
    };
    for (const [store, name] of Object.entries(streams) as [keyof typeof streams, string][]) {
      // A full store refuses writes (nothing accepted is dropped), except the output stream, which drops its oldest.
      await ready(() => limitStream(jsm, name, limits[store], store === 'output' ? DiscardPolicy.Old : DiscardPolicy.New));
    }
  }
  return farmConnection(nc, js, jsm, { jobs, workers, uploads, artifacts });
}

/** The connection and its stores, closed by draining. */
function farmConnection(
  nc: NatsConnection,
  js: JetStreamClient,
  jsm: JetStreamManager,
  stores: Pick<FarmConnection, 'jobs' | 'workers' | 'uploads' | 'artifacts'>,
): FarmConnection {
  return {
    nc,
    js,
    jsm,
    ...stores,
    close: async () => {
      await nc.drain().catch(() => nc.close());
    },
  };
}

/**
 * An agent's view of the stores. KV reads use direct get (the key is in the subject, so
 * permissions can name it). The uploads store's metadata lookup and getBlob are replaced by reads
 * by name (object-access.ts); its other operations are not for agents. The artifacts store's
 * putBlob is a write without purges (object-access.ts), which an agent may not send, and its
 * metadata lookup finds nothing: an agent may not read that store. Nothing is opened with a look
 * at the stream's info, which an agent is refused.
 */
async function bindAsAgent(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager): Promise<FarmConnection> {
  const kvm = new Kvm(js);
  const jobs = await kvm.open(JOBS_BUCKET, { allow_direct: true });
  const workers = await kvm.open(WORKERS_BUCKET, { allow_direct: true });
  const objm = new Objm(js);
  const uploads = await objm.open(UPLOADS_BUCKET, false);
  Object.assign(uploads, {
    rawInfo: (name: string) => readObjectInfoByName(jsm, UPLOADS_BUCKET, name),
    getBlob: (name: string) => readObjectByName(js, jsm, UPLOADS_BUCKET, name),
  });
  const artifacts = await objm.open(ARTIFACTS_BUCKET, false);
  Object.assign(artifacts, {
    rawInfo: () => Promise.resolve(null),
    putBlob: (meta: { name: string }, data: Uint8Array) => writeObjectByName(js, ARTIFACTS_BUCKET, meta.name, data),
  });
  return farmConnection(nc, js, jsm, { jobs, workers, uploads, artifacts });
}

/** Opens (creating on first use) a KV bucket of the control plane's own (BADGES_BUCKET, GITHUB_BUCKET, REPOSITORY_BUCKET, REVDEPS_BUCKET). */
export function openControlPlaneKv(farm: FarmConnection, bucket: string, replicas: number, ttlMs?: number): Promise<KV> {
  return new Kvm(farm.js).create(bucket, { history: 1, replicas, storage: StorageType.File, ...(ttlMs ? { ttl: ttlMs } : {}) });
}

/** Opens (creating on first use) an object store of the control plane's own (REPOSITORY_BUCKET). */
export function openControlPlaneObjects(farm: FarmConnection, bucket: string, replicas: number): Promise<ObjectStore> {
  return new Objm(farm.js).create(bucket, { replicas, storage: StorageType.File });
}

/** Makes the output stream's max_age `outputMs` (JetStream then drops older output itself); false when it already was. */
export async function setOutputMaxAge(farm: Pick<FarmConnection, 'jsm'>, outputMs: number): Promise<boolean> {
  const info = await farm.jsm.streams.info(OUTPUT_STREAM);
  const wanted = Math.round(outputMs) * 1_000_000;
  if (info.config.max_age === wanted) return false;
  // JetStream refuses a duplicate window longer than max_age.
  await farm.jsm.streams.update(OUTPUT_STREAM, { ...info.config, max_age: wanted, duplicate_window: Math.min(info.config.duplicate_window, wanted) });
  return true;
}

/** Sets a stream's byte limit and what it does when full, if they differ. */
async function limitStream(jsm: JetStreamManager, name: string, maxBytes: number, discard: DiscardPolicy): Promise<void> {
  const info = await jsm.streams.info(name);
  if (info.config.max_bytes === maxBytes && info.config.discard === discard) return;
  await jsm.streams.update(name, { ...info.config, max_bytes: maxBytes, discard });
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      // Another process created it between our look and our add.
      if (!isStreamNameInUse(addError)) throw addError;
    }
  }
}

/** Server URLs from a comma-separated list. */
export function parseServers(text: string): string[] {
  return text
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean);
}
