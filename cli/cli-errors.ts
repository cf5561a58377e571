/**
 * What can go wrong in the command-line client, each with the exit code it ends in. main.ts prints
 * these as one line (their message), never as a stack trace.
 */

/** Exit codes of `rfarm`. */
export const EXIT = {
  /** Done; with `--follow`, every build ended OK or NOTE. */
  ok: 0,
  /** With `--follow`: a build ended with a WARNING or ERROR. */
  checkProblems: 1,
  /** The farm could not do it: unreachable, refused the request, or a build FAILED / TIMEOUT / was CANCELLED. */
  failure: 2,
  /** Interrupted with Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** A failure the user can act on; `message` says how. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The command line itself is wrong. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(`${message} (see rfarm --help)`, EXIT.failure);
  }
}

/** Nothing answers at the farm's address. */
export class ServerUnreachableError extends CliError {
  override name = 'ServerUnreachableError';
  constructor(server: string, cause: unknown) {
    const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
    const code = inner?.code ?? inner?.message ?? (cause as Error)?.message ?? 'no answer';
    super(`cannot reach the farm at ${server} (${code}): is it running? Start one with \`npm start\`, or point --server or RFARM_SERVER at it`, EXIT.failure, {
      cause,
    });
  }
}

/** The farm answered with one of its catalogued errors (`{ error: { code, message } }`). */
export class FarmApiError extends CliError {
  override name = 'FarmApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, EXIT.failure);
  }
}
