/**
 * `rfarm`: the farm from a terminal. Parses the command line, reads RFARM_SERVER, RFARM_TOKEN and
 * FARM_DATA_DIR (where a local farm wrote its URL; the only place the client reads the environment),
 * runs one command and exits with its code;
 * errors are printed as one line, never as a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, EXIT, UsageError } from './cli-errors.ts';
import * as commands from './commands.ts';
import { FarmClient } from './farm-client.ts';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

const USAGE = `rfarm: check R packages on an rfarm build farm

Usage:
  rfarm submit <pkg.tar.gz | package-dir> [--platform P ...] [--as-cran] [--check-args "A B"]
               [--env NAME=VALUE ...] [--email E] [--publish] [--follow]
               [--revdeps] [--revdeps-which strong|most] [--revdeps-platform P]
  rfarm status <id>
  rfarm output <id> [--platform P] [--follow]
  rfarm cancel <id>
  rfarm download <id> [--dir D] [--platform P]
  rfarm platforms
  rfarm workers [--token T]

<id> is a job id or its status URL. A package directory is built with \`R CMD build\` first.
A check is a bare \`R CMD check\` unless you say otherwise; its output starts with the exact
command and environment.

Options:
  --server URL     the farm (default: $RFARM_SERVER, else the local farm started here by
                   \`npm start\` (.farm/url), else ${DEFAULT_SERVER})
  --token T        the admin token, for \`workers\` (default: $RFARM_TOKEN)
  --json           print JSON instead of text
  --platform P     a platform id (repeat, or comma-separate, for several; see \`rfarm platforms\`)
  --follow         stream the console output until every build ends
  --as-cran        check as CRAN's incoming checks do (R CMD check --as-cran)
  --check-args A   more R CMD check flags, space-separated (allow-listed by the farm)
  --env NAME=VALUE an environment variable for the check (repeat; allow-listed names)
  --email E        mail the result to E when the job ends (farms with SMTP only)
  --publish        publish into the farm's repository if the check passes (needs --token)
  --revdeps        also check the package's reverse dependencies against this version and
                   report what it breaks (the CRAN pre-submission summary: <status URL>/cran)
  --revdeps-which W  which reverse dependencies, as R's tools::package_dependencies(which =)
                   says: strong (Depends, Imports, LinkingTo; the default) or most (Suggests too);
                   implies --revdeps
  --revdeps-platform P  check the reverse dependencies on P (default: the job's first
                   platform); implies --revdeps
  -h, --help       this text

Exit codes: 0 done (with --follow: every build OK or NOTE); 1 a build ended with WARNING or ERROR;
2 the farm could not do it (unreachable, refused, build FAILED, TIMEOUT or CANCELLED); 130 interrupted.
`;

const OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  platform: { type: 'string', multiple: true },
  email: { type: 'string' },
  follow: { type: 'boolean' },
  'as-cran': { type: 'boolean' },
  'check-args': { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  publish: { type: 'boolean' },
  revdeps: { type: 'boolean' },
  'revdeps-which': { type: 'string' },
  'revdeps-platform': { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which options each command takes besides --server, --json and --help; and its positional arguments. */
const COMMANDS: Record<string, { options: readonly string[]; args: readonly string[] }> = {
  submit: {
    options: ['platform', 'email', 'follow', 'as-cran', 'check-args', 'env', 'publish', 'revdeps', 'revdeps-which', 'revdeps-platform', 'token'],
    args: ['pkg.tar.gz | package-dir'],
  },
  status: { options: [], args: ['id'] },
  output: { options: ['platform', 'follow'], args: ['id'] },
  cancel: { options: [], args: ['id'] },
  download: { options: ['dir', 'platform'], args: ['id'] },
  platforms: { options: [], args: [] },
  workers: { options: ['token'], args: [] },
};
const COMMON = ['server', 'json', 'help'];

type Values = {
  [name in keyof typeof OPTIONS]?: (typeof OPTIONS)[name] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[name] extends { type: 'boolean' }
      ? boolean
      : string;
};

/** `--revdeps-which`: R's words, checked here so a typo is one line before anything is sent. */
function revdepsWhich(value: string | undefined): 'strong' | 'most' | undefined {
  if (value === undefined || value === 'strong' || value === 'most') return value;
  throw new CliError(`--revdeps-which ${value}: write strong (Depends, Imports, LinkingTo) or most (Suggests too)`);
}

/** `--check-args --no-tests` takes the next word as its value even though it starts with a dash. */
function joinCheckArgs(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--check-args' && index + 1 < argv.length) joined.push(`--check-args=${argv[++index]}`);
    else joined.push(argv[index]);
  }
  return joined;
}

function parse(argv: string[]): { command: string; args: string[]; values: Values } {
  let parsed;
  try {
    parsed = parseArgs({ args: joinCheckArgs(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  const [command = '', ...args] = parsed.positionals;
  const values = parsed.values as Values;
  if (values.help || command === 'help' || command === '') return { command: 'help', args, values };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command '${command}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
  for (const name of Object.keys(values)) {
    if (!COMMON.includes(name) && !spec.options.includes(name)) throw new UsageError(`rfarm ${command} takes no --${name}`);
  }
  if (args.length !== spec.args.length) {
    throw new UsageError(`rfarm ${command} takes ${spec.args.length ? spec.args.map((arg) => `<${arg}>`).join(' ') : 'no arguments'}`);
  }
  return { command, args, values };
}

/** A job id from an id or a status URL; the URL also names the farm when --server does not. */
function jobReference(text: string): { id: string; server?: string } {
  const fromUrl = /^(https?:\/\/.+?)\/status\/([0-9a-f]{32})\/?$/.exec(text);
  if (fromUrl) return { id: fromUrl[2], server: fromUrl[1] };
  return { id: text };
}

/** The local farm `npm start` runs from this directory, if it wrote where it listens. */
function localFarmUrl(env: NodeJS.ProcessEnv): string | undefined {
  const file = join(env.FARM_DATA_DIR || '.farm', 'url');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

async function run(argv: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  const { command, args, values } = parse(argv);
  if (command === 'help') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const reference = COMMANDS[command].args[0] === 'id' ? jobReference(args[0]) : null;
  const explicitServer = values.server ?? env.RFARM_SERVER;
  const server = (explicitServer || reference?.server || localFarmUrl(env) || DEFAULT_SERVER).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(server)) throw new UsageError(`--server must be an http(s) URL such as ${DEFAULT_SERVER}, not '${server}'`);
  const token = values.token ?? env.RFARM_TOKEN;
  const ctx: commands.CommandContext = {
    client: new FarmClient(server, token),
    json: values.json ?? false,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signal,
    serverFlag: server === DEFAULT_SERVER ? '' : ` --server ${server}`,
  };
  const id = reference?.id ?? '';
  switch (command) {
    case 'submit': {
      if (values.publish && !token)
        throw new CliError('rfarm submit --publish needs the admin token: pass --token or set RFARM_TOKEN (a local farm keeps it in .farm/admin-token)');
      // `--platform a,b,c` and `--platform a --platform b` mean the same.
      const platforms = (values.platform ?? [])
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter(Boolean);
      return commands.submit(ctx, args[0], {
        platforms,
        email: values.email,
        follow: values.follow ?? false,
        checkArgs: [...(values['as-cran'] ? ['--as-cran'] : []), ...(values['check-args'] ?? []).flatMap((text) => text.split(/\s+/)).filter(Boolean)],
        envVars: values.env ?? [],
        publish: values.publish ?? false,
        revdeps: (values.revdeps ?? false) || values['revdeps-which'] !== undefined || values['revdeps-platform'] !== undefined,
        revdepsWhich: revdepsWhich(values['revdeps-which']),
        revdepsPlatform: values['revdeps-platform'],
      });
    }
    case 'status':
      return commands.status(ctx, id);
    case 'output':
      return commands.output(ctx, id, { platform: values.platform?.at(-1), follow: values.follow ?? false });
    case 'cancel':
      return commands.cancel(ctx, id);
    case 'download':
      return commands.download(ctx, id, { dir: values.dir, platform: values.platform?.at(-1) });
    case 'platforms':
      return commands.platforms(ctx);
    default:
      if (!token) throw new CliError('rfarm workers needs the admin token: pass --token or set RFARM_TOKEN (a local farm keeps it in .farm/admin-token)');
      return commands.workers(ctx);
  }
}

const interrupt = new AbortController();
process.on('SIGINT', () => {
  // A second Ctrl-C leaves at once.
  if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
  interrupt.abort();
});

const code = await run(process.argv.slice(2), process.env, interrupt.signal).catch((error: Error) => {
  if (error instanceof CliError) {
    process.stderr.write(`rfarm: ${error.message}\n`);
    return error.exitCode;
  }
  if (interrupt.signal.aborted) return EXIT.interrupted;
  process.stderr.write(`rfarm: unexpected error: ${error.message}\n`);
  return EXIT.failure;
});
// Let stdout drain before leaving (it may be a pipe).
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
