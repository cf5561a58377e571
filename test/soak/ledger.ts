/**
 * The soak's bookkeeping: every submission made, every terminal state any build record ever
 * showed (from a KV watch, so a result that changes after being final is caught), and the final
 * verdict: lost, duplicated, incomplete output.
 */
import { connectFarm, decode, retryTransient, type BuildRecord, type FarmConnection } from '../../protocol/index.ts';
import { jobInfo, output } from '../support/farm.ts';

export interface SoakSummary {
  scenario: string;
  submitted: number;
  completed: number;
  lost: number;
  duplicated: number;
  incompleteOutput: number;
  serverErrors: number;
  /** Fuzz: error answers without a JSON message, and files written outside job directories. */
  badAnswers: number;
  notes: string[];
}

const TERMINAL = new Set(['DONE', 'FAILED', 'CANCELLED', 'TIMEOUT']);

export class Ledger {
  /** Job ids that got a 2xx. */
  readonly accepted = new Set<string>();
  serverErrors = 0;
  /** What the 5xx answers said. */
  readonly errorTexts: string[] = [];
  private readonly finals = new Map<string, Set<string>>();
  private farm!: FarmConnection;
  private stopWatch: (() => void) | null = null;

  constructor(private readonly scenario: string) {}

  async watch(natsUrl: string, credsFile: string): Promise<void> {
    this.farm = await connectFarm({ servers: natsUrl.split(','), credsFile, replicas: 1, name: `soak-ledger-${this.scenario}` });
    const watcher = await retryTransient(() => this.farm.jobs.watch({ key: 'build.>' }), 60_000);
    this.stopWatch = () => watcher.stop();
    void (async () => {
      for await (const entry of watcher) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) continue;
        const build = decode<BuildRecord>(entry.value);
        if (!TERMINAL.has(build.status)) continue;
        const key = `${build.jobId}/${build.platform}`;
        const verdict = `${build.status}/${build.result?.status ?? '-'}`;
        if (!this.finals.has(key)) this.finals.set(key, new Set());
        this.finals.get(key)!.add(verdict);
      }
    })().catch(() => undefined);
  }

  /** Job ids present in the KV bucket (what the farm knows, 2xx or not). */
  async storedJobs(): Promise<string[]> {
    const ids: string[] = [];
    const keys = await retryTransient(() => this.farm.jobs.keys('job.*'), 60_000);
    for await (const key of keys) ids.push(key.slice('job.'.length));
    return ids;
  }

  /** Waits until every known job is finished, or the deadline passes. */
  async settle(url: string, deadlineMs: number): Promise<Map<string, any>> {
    const infos = new Map<string, any>();
    for (;;) {
      const ids = new Set([...this.accepted, ...(await this.storedJobs())]);
      let pending = 0;
      for (const id of ids) {
        if (infos.has(id) && infos.get(id).builds.every((build: any) => TERMINAL.has(build.status))) continue;
        const info = await jobInfo({ url }, id).catch(() => null);
        if (info) infos.set(id, info);
        if (!info || !info.builds.every((build: any) => TERMINAL.has(build.status))) pending++;
      }
      if (pending === 0 || Date.now() > deadlineMs) return infos;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Checks the output of a finished build: one attempt shown, each step once, ending with its status. */
  static outputProblems(text: string, status: string): string | null {
    const checks = text.match(/^>>> rfarm: R CMD check$/gm)?.length ?? 0;
    if (status === 'DONE' && checks !== 1) return `R CMD check appears ${checks} times`;
    if (!new RegExp(`>>> rfarm: ${status}`).test(text)) return `does not end with ${status}`;
    return null;
  }

  async summarize(url: string, settleMs: number, notes: string[] = []): Promise<SoakSummary> {
    const infos = await this.settle(url, Date.now() + settleMs);
    this.stopWatch?.();
    let completed = 0;
    let lost = 0;
    let incompleteOutput = 0;
    for (const id of this.accepted) {
      const info = infos.get(id);
      const done = info?.builds.every((build: any) => build.status === 'DONE');
      if (!info || !info.builds.every((build: any) => TERMINAL.has(build.status))) {
        lost++;
        notes.push(`lost or unfinished: ${id} ${JSON.stringify(info?.builds.map((build: any) => build.status))}`);
        continue;
      }
      if (done) completed++;
      else notes.push(`${id} ended ${info.builds.map((build: any) => `${build.status}: ${build.reason}`).join(', ')}`);
      for (const build of info.builds) {
        // Strict: one read, whole. (A second read once hid a real gap: a build finished by one
        // attempt while the queue had handed it to another showed the other attempt's stub.)
        const problem = Ledger.outputProblems(await output({ url }, id, build.platform), build.status);
        if (problem) {
          incompleteOutput++;
          notes.push(`output of ${id}/${build.platform}: ${problem}`);
        }
      }
    }
    // A job the farm stored without a 2xx must be finished too: never half-present.
    for (const [id, info] of infos) {
      if (this.accepted.has(id)) continue;
      if (!info.builds.every((build: any) => TERMINAL.has(build.status))) {
        lost++;
        notes.push(`half-present: ${id} stored without an answer and never finished`);
      }
    }
    notes.push(...this.errorTexts.slice(0, 5));
    const duplicated = [...this.finals.values()].filter((verdicts) => verdicts.size > 1).length;
    await this.farm.close();
    return {
      scenario: this.scenario,
      submitted: this.accepted.size,
      completed,
      lost,
      duplicated,
      incompleteOutput,
      serverErrors: this.serverErrors,
      badAnswers: 0,
      notes,
    };
  }
}
