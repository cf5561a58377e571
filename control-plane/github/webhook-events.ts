/**
 * Which webhook deliveries start a check, and of what: a verified `push` or `pull_request`
 * payload becomes a `CiRequest`, anything else a reason to ignore it. Pure functions over the
 * payload shapes GitHub documents (docs.github.com, "Webhook events and payloads").
 */

/** What one delivery asks the farm to check. */
export interface CiRequest {
  /** X-GitHub-Delivery: the delivery's GUID. */
  readonly deliveryId: string;
  readonly event: 'push' | 'pull_request';
  /** The App installation whose token reads the repository and writes check runs. */
  readonly installationId: number;
  /** The repository the App is installed on (for a pull request, the base repository). */
  readonly owner: string;
  readonly repo: string;
  /** The commit to check and to attach check runs to. */
  readonly sha: string;
  /** The branch pushed to, or the pull request's head branch. */
  readonly branch: string;
  /** A push to the repository's default branch: its results count for the badges. */
  readonly defaultBranch: boolean;
  /** A pull request from another repository (a fork): it never gets the farm's secrets. (Pull requests from the repository's own branches are checked through their push.) */
  readonly fromFork: boolean;
  readonly pullRequest: number | null;
}

/** A delivery the farm does nothing with, and why (answered 200 so GitHub does not retry). */
export interface Ignored {
  readonly ignored: string;
}

const PULL_REQUEST_ACTIONS = ['opened', 'synchronize', 'reopened'];
const ZERO_SHA = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/;

// Webhook payloads are GitHub's JSON, read field by field with optional chaining.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function repositoryOf(payload: Json): { owner: string; repo: string } | null {
  const fullName = payload.repository?.full_name;
  if (typeof fullName !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(fullName)) return null;
  const [owner, repo] = fullName.split('/');
  return { owner, repo };
}

/** Turns a verified delivery into a check request, or says why it is ignored. */
export function readDelivery(event: string, deliveryId: string, payload: Json): CiRequest | Ignored {
  if (event !== 'push' && event !== 'pull_request') return { ignored: `event '${event}' starts no check` };
  const installationId = payload.installation?.id;
  if (!Number.isInteger(installationId)) return { ignored: 'the delivery names no App installation' };
  const repository = repositoryOf(payload);
  if (!repository) return { ignored: 'the delivery names no repository' };
  const base = { deliveryId, installationId: installationId as number, ...repository };
  if (event === 'push') {
    const ref = String(payload.ref ?? '');
    if (!ref.startsWith('refs/heads/')) return { ignored: `a push to '${ref}' (only branches are checked)` };
    if (payload.deleted === true || ZERO_SHA.test(String(payload.after))) return { ignored: 'a deleted branch' };
    const sha = String(payload.after ?? '');
    if (!SHA.test(sha)) return { ignored: 'the push names no commit' };
    const branch = ref.slice('refs/heads/'.length);
    return { ...base, event, sha, branch, defaultBranch: branch === payload.repository?.default_branch, fromFork: false, pullRequest: null };
  }
  if (!PULL_REQUEST_ACTIONS.includes(payload.action)) return { ignored: `pull request action '${payload.action}' starts no check` };
  const pull = payload.pull_request ?? {};
  const sha = String(pull.head?.sha ?? '');
  if (!SHA.test(sha)) return { ignored: 'the pull request names no head commit' };
  // The head in another repository is a fork; a head repository that is gone (a deleted fork) too.
  const fromFork = !pull.head?.repo?.full_name || pull.head.repo.full_name !== pull.base?.repo?.full_name;
  // A branch of the repository itself: its push is checked already, on the same commit.
  if (!fromFork) return { ignored: 'a pull request from a branch of this repository: the push of its commit is checked' };
  const number = Number(pull.number ?? payload.number);
  return { ...base, event, sha, branch: String(pull.head?.ref ?? ''), defaultBranch: false, fromFork, pullRequest: Number.isInteger(number) ? number : null };
}
