import { isAttestError } from '../../shared/errors/index.js';

/**
 * What a CLI command may touch besides its arguments: output streams, the working directory and the
 * environment. Tests pass an in-memory implementation; `bin/se-attest.js` passes the process's.
 */
export interface CliIo {
  /** Writes text to standard output as given (no newline added). */
  out(text: string): void;
  /** Writes text to standard error as given (no newline added). */
  err(text: string): void;
  /** Directory that relative paths are resolved against. */
  readonly cwd: string;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes shared with pvattest: 0 success, 1 error, 2 attestation or check failed. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_ATTESTATION_FAILED = 2;

/** Thrown by a command to end with a given exit code after its output was written. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Formats an error for one line of stderr: the code and the message, never secrets. */
export function describeError(error: unknown): string {
  if (isAttestError(error)) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The real process's io. */
export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** An in-memory io for tests: captured stdout/stderr. */
export function memoryIo(
  cwd: string,
  env: Record<string, string | undefined> = {},
): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    cwd,
    env,
  };
  return io;
}
