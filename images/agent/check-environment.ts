/**
 * What a check runs with, decided in one place: the exact `R CMD check` command and every
 * environment variable it gets. The default is a bare `R CMD check` — the farm adds nothing R
 * would not set itself — and `--as-cran` is R's own (`NOT_CRAN` stays unset, R turns on the
 * CRAN-incoming checks it documents). Only three things are added, each said aloud in the output:
 * the sandbox's plumbing (PATH, HOME, TMPDIR, LANG, the libraries), the platform's own settings
 * from the catalogue, and what the submitter asked for.
 */
import type { NetworkPolicy } from '../index.ts';
import { forcesSuggests } from './dependencies/suggests-policy.ts';
import { SANDBOX_JOB_DIR } from './sandbox.ts';

/** Everything the decision depends on. */
export interface CheckEnvironmentArgs {
  /** The job's extra `R CMD check` flags, as allow-listed by the control plane. */
  readonly checkArgs: readonly string[];
  /** The platform's own check settings (catalogue `checkEnvironment`); the job's variables win over them. */
  readonly platformEnv?: Readonly<Record<string, string>>;
  /** The job's environment variables, as allow-listed by the control plane. */
  readonly jobEnv: Readonly<Record<string, string>>;
  /** Read-only libraries inside the sandbox (the dependency cache), searched after the job's own. */
  readonly libraryPaths: readonly string[];
  /** The built package, `<name>_<version>.tar.gz`, in the job directory. */
  readonly tarball: string;
}

/** Where a variable of the check's environment came from. */
export type VariableSource = 'sandbox' | 'platform' | 'job';

/** The decided environment and command of one check. */
export interface CheckEnvironment {
  /** The exact argv of the check, run in the job directory. */
  readonly command: readonly string[];
  /** The complete environment of every step (the sandbox starts from an empty one). */
  readonly env: Readonly<Record<string, string>>;
  /** For each variable of `env`, who set it. */
  readonly sources: Readonly<Record<string, VariableSource>>;
  /** Whether the check fails on a Suggests that is not installed (R's default: yes). */
  readonly forcesSuggests: boolean;
  /**
   * Whether the install step installs Suggests: when the check insists on them, and on a platform
   * whose own settings turn insisting off (CRAN's regular checks: Suggests installed, not forced).
   * Only a submitter's `_R_CHECK_FORCE_SUGGESTS_=false` skips them.
   */
  readonly installsSuggests: boolean;
}

/**
 * Flags the farm always passes: no PDF manual (no LaTeX on the builders), and the check's own
 * install makes the binary package, so no second install is needed (bench/: 0.6 s of 4.5 s).
 */
export const FARM_CHECK_FLAGS = ['--no-manual', '--install-args=--build'] as const;

/** The sandbox's plumbing: what any process needs to run R in an empty environment. */
function sandboxEnv(libraryPaths: readonly string[]): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: `${SANDBOX_JOB_DIR}/home`,
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    R_LIBS_USER: `${SANDBOX_JOB_DIR}/lib`,
    R_LIBS: [`${SANDBOX_JOB_DIR}/lib`, ...libraryPaths].join(':'),
  };
}

/** Decides the check's command and environment. Pure: the same arguments give the same answer. */
export function checkEnvironment(args: CheckEnvironmentArgs): CheckEnvironment {
  const env: Record<string, string> = {};
  const sources: Record<string, VariableSource> = {};
  const layers: [VariableSource, Readonly<Record<string, string>>][] = [
    ['sandbox', sandboxEnv(args.libraryPaths)],
    ['platform', args.platformEnv ?? {}],
    ['job', args.jobEnv],
  ];
  for (const [source, layer] of layers) {
    for (const [name, value] of Object.entries(layer)) {
      env[name] = value;
      sources[name] = source;
    }
  }
  return {
    command: ['R', 'CMD', 'check', ...FARM_CHECK_FLAGS, ...args.checkArgs, args.tarball],
    env,
    sources,
    forcesSuggests: forcesSuggests(env),
    installsSuggests: forcesSuggests(env) || sources._R_CHECK_FORCE_SUGGESTS_ === 'platform',
  };
}

/** Quotes a value the way a POSIX shell would need it, only when it needs it. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=,+-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The lines every build's output starts with: the command as one line a person can paste
 * (`env -i NAME=value … R CMD check …`), then each variable with its source, then the network.
 */
export function describeCheckEnvironment(check: CheckEnvironment, network: NetworkPolicy): string {
  const assignments = Object.entries(check.env).map(([name, value]) => `${name}=${shellQuote(value)}`);
  const added = Object.entries(check.sources).filter(([, source]) => source !== 'sandbox');
  const lines = [
    `>>> rfarm: check command: env -i ${[...assignments, ...check.command.map(shellQuote)].join(' ')}`,
    `>>> rfarm: check environment: ${added.length ? added.map(([name, source]) => `${name}=${shellQuote(check.env[name])} (${source})`).join(', ') : 'nothing beyond a bare R CMD check'}`,
    `>>> rfarm: sandbox plumbing: ${Object.entries(check.sources)
      .filter(([, source]) => source === 'sandbox')
      .map(([name]) => name)
      .join(', ')}`,
    `>>> rfarm: network: ${networkText(network)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One phrase for the network policy, as the output and the status page say it. */
export function networkText(network: NetworkPolicy): string {
  return network === 'none'
    ? 'none (the check cannot reach any host; examples and tests that need the network fail here)'
    : "egress (outbound connections only; never the farm's own services or cloud metadata)";
}
