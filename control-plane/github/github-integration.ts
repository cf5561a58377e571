/**
 * The farm as a GitHub App: accepts webhook deliveries (verified, replays refused, recorded in
 * JetStream before the answer), and runs the preparer and the check-run reporter that turn them
 * into jobs and check runs. See README.md, "GitHub".
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { FarmConnection } from '../../protocol/index.ts';
import type { LatestResults } from '../badges/index.ts';
import type { GitHubConfig } from '../config.ts';
import { errors } from '../errors.ts';
import { JobService } from '../jobs/job-service.ts';
import type { PlatformDirectory } from '../platforms/platform-directory.ts';
import type { ArchiveLimits } from '../uploads/index.ts';
import { CheckRunReporter } from './check-run-reporter.ts';
import { CiRunner } from './ci-runner.ts';
import { CiRuns, DELIVERY_ID } from './ci-runs.ts';
import { GitHubClient } from './github-client.ts';
import { DEFAULT_CONFIG } from './repository-config.ts';
import { signatureMatches } from './webhook-signature.ts';
import { readDelivery } from './webhook-events.ts';

/** The collaborators the integration needs from the control plane. */
export interface GitHubIntegrationDeps {
  readonly config: GitHubConfig;
  readonly farm: FarmConnection;
  readonly replicas: number;
  readonly jobs: JobService;
  readonly platforms: PlatformDirectory;
  readonly latestResults: LatestResults;
  readonly limits: ArchiveLimits;
  readonly publicUrl: string;
  readonly log: Logger;
}

/** A delivery as the route hands it over: the headers GitHub sets and the raw body. */
export interface Delivery {
  readonly event: string | undefined;
  readonly deliveryId: string | undefined;
  readonly signature: string | undefined;
  readonly body: Buffer;
}

/** What became of a delivery: `queued` (202), or `ignored` / `duplicate` (200). */
export interface DeliveryOutcome {
  readonly status: 'queued' | 'ignored' | 'duplicate';
  readonly reason: string | null;
}

export class GitHubIntegration {
  private readonly runs: CiRuns;
  private readonly reporter: CheckRunReporter;
  private readonly runner: CiRunner;

  constructor(private readonly deps: GitHubIntegrationDeps) {
    let privateKey: string;
    try {
      privateKey = readFileSync(deps.config.privateKeyFile, 'utf8');
    } catch (error) {
      throw new Error(
        `FARM_GITHUB_PRIVATE_KEY_FILE: cannot read '${deps.config.privateKeyFile}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); download the App's private key from its settings page`,
        { cause: error },
      );
    }
    if (!privateKey.includes('PRIVATE KEY-----')) throw new Error(`FARM_GITHUB_PRIVATE_KEY_FILE: '${deps.config.privateKeyFile}' is not a PEM private key`);
    const github = new GitHubClient({ appId: deps.config.appId, privateKey, apiUrl: deps.config.apiUrl });
    this.runs = new CiRuns(deps.farm, deps.replicas);
    this.reporter = new CheckRunReporter({
      jobs: deps.farm.jobs,
      runs: this.runs,
      github,
      latestResults: deps.latestResults,
      publicUrl: deps.publicUrl,
      log: deps.log,
    });
    this.runner = new CiRunner({
      runs: this.runs,
      github,
      jobs: deps.jobs,
      platforms: deps.platforms,
      reporter: this.reporter,
      limits: deps.limits,
      publicUrl: deps.publicUrl,
      secretEnv: deps.config.secretEnv,
      log: deps.log,
    });
  }

  /** Verifies and records one delivery. Throws the catalogue's 401 for a bad signature, 400 for a malformed delivery. */
  async receive(delivery: Delivery): Promise<DeliveryOutcome> {
    // Nothing is read from an unsigned body, not even to log it.
    if (!delivery.signature) throw errors.webhookSignatureInvalid('it has no X-Hub-Signature-256 header');
    if (!signatureMatches(this.deps.config.webhookSecret, delivery.body, delivery.signature))
      throw errors.webhookSignatureInvalid('its X-Hub-Signature-256 does not match its body');
    if (!delivery.event) throw errors.invalidRequest('the delivery has no X-GitHub-Event header');
    if (!delivery.deliveryId || !DELIVERY_ID.test(delivery.deliveryId)) throw errors.invalidRequest('the delivery has no valid X-GitHub-Delivery header');
    if (delivery.event === 'ping') return { status: 'ignored', reason: 'ping: the App reaches this farm' };
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(delivery.body.toString('utf8'));
    } catch (error) {
      throw errors.invalidRequest(`the delivery is not JSON (${(error as Error).message}): set the App's webhook content type to application/json`);
    }
    const request = readDelivery(delivery.event, delivery.deliveryId, payload);
    if ('ignored' in request) return { status: 'ignored', reason: request.ignored };
    const accepted = await this.runs.accept({
      request,
      jobId: JobService.newId(),
      state: 'received',
      receivedAt: new Date().toISOString(),
      claimedAt: null,
      attempts: 0,
      checkRuns: {},
      reported: [],
      errorOn: DEFAULT_CONFIG.errorOn,
      problem: null,
    });
    if (!accepted) return { status: 'duplicate', reason: `delivery ${delivery.deliveryId} was received before` };
    this.deps.log.info(
      { event: request.event, repository: `${request.owner}/${request.repo}`, sha: request.sha, fork: request.fromFork },
      'GitHub delivery accepted',
    );
    return { status: 'queued', reason: null };
  }

  /** Starts preparing runs and reporting builds (both pick up what a previous process left). */
  async start(): Promise<void> {
    await this.reporter.start();
    await this.runner.start();
  }

  stop(): void {
    this.runner.stop();
    this.reporter.stop();
  }
}
