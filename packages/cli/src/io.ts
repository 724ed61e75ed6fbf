import { ErrorCode, RingKvError, asRingKvError } from '@ringkv/core';

/** Where a command writes; tests pass in-memory streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
/** Any error: unreachable router, a failed request, a key not found by `get`. */
export const EXIT_ERROR = 1;
/** The command line itself is wrong: unknown flag, missing argument, malformed value. */
export const EXIT_USAGE = 2;

/** A malformed command line (exit 2), reported with the INVALID_ARGUMENT code. */
export class UsageError extends RingKvError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.INVALID_ARGUMENT, message, options);
    this.name = 'UsageError';
  }
}

/** Runs a parser of a flag value, turning its complaint into a usage error. */
export function parseFlag<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(asRingKvError(err).message, { cause: err });
  }
}

/** Prints `error: CODE: message` and returns the exit code for it. */
export function reportError(io: CliIo, err: unknown): number {
  const e = asRingKvError(err);
  io.stderr.write(`error: ${e.code}: ${e.message}\n`);
  return err instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
}

/** A non-zero exit that has already been explained on stderr. */
export class ExitCode extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}
