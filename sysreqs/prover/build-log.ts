/**
 * Reads the output of `apt-get install` + `R CMD INSTALL` and says why a build failed: a missing
 * system header, library, pkg-config module or tool (what sysreqs must answer), or another reason
 * (an R dependency, the network, the package itself) that is not counted against sysreqs. Pure.
 */

/** How one build ended. */
export type BuildOutcome = 'built' | 'missing system requirement' | 'other failure';

/** The verdict on one build, with what was missing and the line that says so. */
export interface BuildVerdict {
  readonly outcome: BuildOutcome;
  /**
   * What: for a missing system requirement `header gdal.h`, `library -lxml2`, `pkg-config libzmq`,
   * `tool gdal-config`; for another failure its reason (`R dependency sf not installed`, `network`).
   */
  readonly what?: string;
  /** The output line the verdict rests on. */
  readonly line?: string;
}

interface Pattern {
  readonly outcome: Exclude<BuildOutcome, 'built'>;
  readonly regex: RegExp;
  readonly describe: (match: RegExpMatchArray) => string;
}

/** Checked in order; the first pattern with a match anywhere in the output decides. */
const PATTERNS: readonly Pattern[] = [
  {
    outcome: 'other failure',
    regex: /ERROR: dependenc(?:y|ies) (.+?) (?:is|are) not available/,
    describe: (match) => `R dependency ${match[1]} not installed`,
  },
  { outcome: 'other failure', regex: /there is no package called [‘'"]([^’'"]+)[’'"]/, describe: (match) => `R dependency ${match[1]} not installed` },
  {
    outcome: 'other failure',
    regex: /(?:Could not resolve host|Couldn't resolve host|Temporary failure in name resolution|Network is unreachable)[^\n]*/,
    describe: () => 'network',
  },
  { outcome: 'missing system requirement', regex: /fatal error: ([^:\s]+\.h(?:pp)?): No such file or directory/, describe: (match) => `header ${match[1]}` },
  { outcome: 'missing system requirement', regex: /cannot find -l(\S+?)(?::|\s|$)/m, describe: (match) => `library -l${match[1]}` },
  {
    outcome: 'missing system requirement',
    regex: /Package '?([\w.+-]+?)'?,? (?:required by '[^']*',? )?was not found in the pkg-config search path/,
    describe: (match) => `pkg-config ${match[1]}`,
  },
  { outcome: 'missing system requirement', regex: /No package '([^']+)' found/, describe: (match) => `pkg-config ${match[1]}` },
  { outcome: 'missing system requirement', regex: /Configuration failed because ([\w.+-]+) was not found/, describe: (match) => `pkg-config ${match[1]}` },
  {
    outcome: 'missing system requirement',
    regex: /(?:^|[\s:])([\w.+-]+(?:-config|_config)|cmake|cargo|rustc|javac|pkg-config)(?:: (?:command )?not found| not found| is required)/m,
    describe: (match) => `tool ${match[1]}`,
  },
  {
    outcome: 'missing system requirement',
    regex: /(?:Cannot find|cannot find|could not find|Could not find) ([\w.+-]+(?:-config|_config))\b/,
    describe: (match) => `tool ${match[1]}`,
  },
  { outcome: 'missing system requirement', regex: /([\w./+-]+\.h(?:pp)?) (?:not found|was not found|is missing)/, describe: (match) => `header ${match[1]}` },
  { outcome: 'missing system requirement', regex: /error: (lib[\w.+-]+) (?:not found|is required|was not found)/, describe: (match) => `library ${match[1]}` },
  { outcome: 'missing system requirement', regex: /error while loading shared libraries: ([^:\s]+)/, describe: (match) => `shared library ${match[1]}` },
  // A source whose bundled code was removed (a distribution repack) without the build being patched.
  { outcome: 'other failure', regex: /No rule to make target '([^']+)'/, describe: (match) => `source incomplete: no ${match[1]}` },
  { outcome: 'other failure', regex: /cd: ([\w.+/-]+): No such file or directory/, describe: (match) => `source incomplete: no ${match[1]}` },
];

function lineAround(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return text
    .slice(start, end === -1 ? undefined : end)
    .trim()
    .slice(0, 200);
}

/** The verdict on a build from its exit code and output. */
export function classifyBuild(exitCode: number, output: string): BuildVerdict {
  if (exitCode === 0 && /\* DONE \(/.test(output)) return { outcome: 'built' };
  for (const pattern of PATTERNS) {
    const match = output.match(pattern.regex);
    if (match) return { outcome: pattern.outcome, what: pattern.describe(match), line: lineAround(output, match.index ?? 0) };
  }
  const errorLine = [...output.matchAll(/^.*(?:ERROR|error)[: ].*$/gm)].at(-1)?.[0];
  return { outcome: 'other failure', line: errorLine?.trim().slice(0, 200) ?? `exit ${exitCode}` };
}
