/**
 * What each role may publish and subscribe to on the farm's NATS, derived from the names in
 * messages.ts (the one place that names subjects, streams, buckets and consumers). Pure data: the
 * local farm (scripts/nats-auth.ts) and the cloud's credentials (scripts/nats-credentials.ts) put
 * these lists into user JWTs, and test/protocol/permissions.test.ts shows a real nats-server
 * refusing what they leave out.
 *
 * Roles: the control plane (trusted: it owns every store), one agent user per platform (pool) and
 * the scaler (reads queue depths and heartbeats, nothing else).
 * The sysreqs service uses no NATS at all. What an agent can still do beyond its own build is
 * listed in AGENT_LIMITS_NOT_ENFORCED and in README.md.
 */
import { ARTIFACTS_BUCKET, BUILDS_STREAM, JOBS_BUCKET, UPLOADS_BUCKET, WORKERS_BUCKET, agentConsumer, keys, subjects } from './messages.ts';

/** Allow and deny lists of one direction (NATS subject patterns). */
export interface SubjectRules {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

/** A NATS user's permissions, as nats-server and user JWTs spell them. */
export interface RolePermissions {
  readonly publish: SubjectRules;
  readonly subscribe: SubjectRules;
  /** Prefix of the role's reply subjects: only this role may subscribe to them. */
  readonly inboxPrefix: string;
}

const API = '$JS.API';
const kvStream = (bucket: string) => `KV_${bucket}`;
const objectStream = (bucket: string) => `OBJ_${bucket}`;

/**
 * Reply subjects of a platform's agents. nats.js puts replies (JetStream answers, pulled messages,
 * object chunks) under `_INBOX.` by default; a user allowed `_INBOX.>` would read every other
 * client's replies, so each role gets its own prefix and may subscribe only below it.
 */
export function agentInboxPrefix(platform: string): string {
  return `_INBOX_agent.${platform}`;
}

/** File name of a platform's agent credentials in a directory of them (the local farm's). */
export function agentCredsFileName(platform: string): string {
  return `agent-${platform}.creds`;
}

/** The control plane's reply prefix (nats.js's default). */
export const CONTROL_PLANE_INBOX_PREFIX = '_INBOX';

/**
 * The control plane creates and owns every stream, bucket and consumer, reads every record and
 * serves artifacts, output and the repository: it is trusted with the whole farm account, and
 * only that account (`$SYS` and other accounts are not reachable through it).
 */
export function controlPlanePermissions(): RolePermissions {
  return {
    publish: {
      allow: [`${API}.>`, '$JS.ACK.>', '$JS.FC.>', '$KV.>', '$O.>', 'rfarm.>', `${CONTROL_PLANE_INBOX_PREFIX}.>`],
      deny: [],
    },
    subscribe: { allow: [`${CONTROL_PLANE_INBOX_PREFIX}.>`, 'rfarm.>'], deny: [] },
    inboxPrefix: CONTROL_PLANE_INBOX_PREFIX,
  };
}

/**
 * An agent of `platform`: pulls, acks and extends its own platform's builds through its own
 * durable consumer (and may create exactly that consumer, as agents do at start); reads job
 * records and its platform's build records by key and updates only its platform's build and
 * statistics records; puts its heartbeat; publishes its platform's console output; reads uploads
 * it can name (its job's) and writes artifacts; hears its platform's cancels and stop requests.
 *
 * Everything that would let it list or enumerate (stream info with subject filters, message get
 * by sequence, consumers on the records or on object metadata) is left out, so it learns job ids
 * only from its own queue. Not allowed: creating, changing, purging or deleting streams and
 * consumers, other platforms' queues and records, writing or deleting uploads, reading artifacts,
 * the repository store, cancelling or stopping anything, any other account.
 */
export function agentPermissions(platform: string): RolePermissions {
  if (!/^[a-z0-9][a-z0-9_-]{0,79}$/.test(platform)) throw new Error(`'${platform}' is not a platform id (lower-case letters, digits, - and _)`);
  const consumer = agentConsumer(platform);
  const jobsKv = `$KV.${JOBS_BUCKET}`;
  const readJobs = `${API}.DIRECT.GET.${kvStream(JOBS_BUCKET)}.${jobsKv}`;
  const uploads = `$O.${UPLOADS_BUCKET}`;
  const artifacts = `$O.${ARTIFACTS_BUCKET}`;
  const inbox = agentInboxPrefix(platform);
  return {
    publish: {
      allow: [
        // nats.js asks for the account's JetStream info when it opens a manager.
        `${API}.INFO`,
        // Its durable consumer: created at start (the filter is part of the subject, and the
        // server checks the configuration matches it), looked up, pulled from, acked.
        `${API}.CONSUMER.CREATE.${BUILDS_STREAM}.${consumer}.${subjects.buildQueue(platform)}`,
        `${API}.CONSUMER.INFO.${BUILDS_STREAM}.${consumer}`,
        `${API}.CONSUMER.MSG.NEXT.${BUILDS_STREAM}.${consumer}`,
        `$JS.ACK.${BUILDS_STREAM}.${consumer}.>`,
        // Records, read by key (direct get names the key in the subject) and written by key.
        `${readJobs}.${keys.job('*')}`,
        `${readJobs}.${keys.build('*', platform)}`,
        `${readJobs}.${keys.platformStats(platform)}`,
        `${jobsKv}.${keys.build('*', platform)}`,
        `${jobsKv}.${keys.platformStats(platform)}`,
        `$KV.${WORKERS_BUCKET}.${keys.worker('*')}`,
        // Console output of its platform's builds.
        subjects.output('*', platform),
        // Uploads, read only (object-access.ts): metadata by name, then one object's chunks
        // through a consumer whose filter is in the subject (named at random, so nobody else's
        // can be guessed), pulled without flow control. No publish to the bucket's subjects: an
        // agent can neither write nor delete an upload.
        `${API}.DIRECT.GET.${objectStream(UPLOADS_BUCKET)}.${uploads}.M.*`,
        `${API}.CONSUMER.CREATE.${objectStream(UPLOADS_BUCKET)}.*.${uploads}.C.*`,
        `${API}.CONSUMER.INFO.${objectStream(UPLOADS_BUCKET)}.*`,
        `${API}.CONSUMER.MSG.NEXT.${objectStream(UPLOADS_BUCKET)}.*`,
        // Artifacts, written only (chunks, then metadata): no read of that bucket at all.
        `${artifacts}.C.*`,
        `${artifacts}.M.*`,
      ],
      deny: [],
    },
    subscribe: {
      allow: [`${inbox}.>`, subjects.platformCancels(platform), subjects.workerStop('*')],
      deny: [],
    },
    inboxPrefix: inbox,
  };
}

/** The scaler's reply prefix: its own, so it reads no other client's replies. */
export const SCALER_INBOX_PREFIX = '_INBOX_scaler';

/**
 * The scaler (scaler/): reads how many builds each platform's queue holds (stream info of the
 * builds stream with a subject filter: counts, never payloads) and the live workers' heartbeats
 * (the workers bucket's stream info for its keys, and each entry by key). It cannot read or
 * write jobs, builds, objects or output, publish to any farm subject, take or ack builds, or
 * create, change or delete any stream or consumer.
 */
export function scalerPermissions(): RolePermissions {
  const workersKv = `$KV.${WORKERS_BUCKET}`;
  return {
    publish: {
      allow: [
        `${API}.INFO`,
        `${API}.STREAM.INFO.${BUILDS_STREAM}`,
        `${API}.STREAM.INFO.${kvStream(WORKERS_BUCKET)}`,
        `${API}.DIRECT.GET.${kvStream(WORKERS_BUCKET)}.${workersKv}.${keys.worker('*')}`,
      ],
      deny: [],
    },
    subscribe: { allow: [`${SCALER_INBOX_PREFIX}.>`], deny: [] },
    inboxPrefix: SCALER_INBOX_PREFIX,
  };
}

/** The backup service's reply prefix. */
export const BACKUP_INBOX_PREFIX = '_INBOX_backup';

/**
 * The backup service (backup/): lists the account's streams, asks the server for their snapshots
 * (and acks the chunks), and restores streams that do not exist yet (a restore never replaces a
 * stream: the server refuses a name in use). A snapshot holds everything, so this role reads the
 * whole farm by nature; it cannot publish to any farm subject, write records or objects, change,
 * purge or delete a stream, or create consumers.
 */
export function backupPermissions(): RolePermissions {
  return {
    publish: {
      allow: [`${API}.INFO`, `${API}.STREAM.NAMES`, `${API}.STREAM.SNAPSHOT.*`, `${API}.STREAM.RESTORE.*`, '$JS.SNAPSHOT.ACK.>', '$JS.SNAPSHOT.RESTORE.>'],
      deny: [],
    },
    subscribe: { allow: [`${BACKUP_INBOX_PREFIX}.>`], deny: [] },
    inboxPrefix: BACKUP_INBOX_PREFIX,
  };
}

/** The workers bucket's stream, whose subjects (one per live worker) the scaler lists. */
export const WORKERS_KV_STREAM = kvStream(WORKERS_BUCKET);
/** The stream behind the jobs bucket (its subjects are the records' keys). */
export const JOBS_KV_STREAM = kvStream(JOBS_BUCKET);

/**
 * What per-subject permissions cannot stop an agent (one user per platform pool) from doing, for
 * README.md and the tests. Each needs a job id, which an agent sees only for its own platform's
 * builds (its queue, its platform's cancels).
 */
export const AGENT_LIMITS_NOT_ENFORCED: readonly string[] = [
  'read any job record and its upload, given the job id (keys and object names are not per-agent)',
  "rewrite a build record of its own platform, given the job id (e.g. mark another job's build on that platform DONE)",
  "overwrite any artifact, given the job id and the artifact's name: nats.js spells an object's name as one base64 token, so no subject pattern ties an artifact to a platform (uploads are another bucket, which agents may only read)",
  "put or delete any worker's heartbeat entry (worker ids are chosen by the agents of a pool)",
  "subscribe to any worker's stop subject (worker ids are not per-user)",
];
