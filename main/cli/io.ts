import { AttestError, isAttestError } from '../../shared/errors/index.js';

/**
 * What a CLI command may touch besides its arguments: output streams, the working directory and the
 * environment. Tests pass an in-memory implementation; `bin/se-attest.cjs` passes the process's.
 */
export interface CliIo {
  /** Writes text to standard output as given (no newline added). */
  out(text: string): void;
  /** Writes text to standard error as given (no newline added). */
  err(text: string): void;
  /** Writes bytes to standard output (binary data such as `-o -`); defaults to `out` of their latin1 text. */
  outBytes?(bytes: Uint8Array): void;
  /** Reads standard input, at most `max` bytes (more fails with ERR_INPUT_TOO_LARGE); absent when there is none. */
  readStdin?(max: number): Promise<Uint8Array>;
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
    outBytes: (b) => void process.stdout.write(b),
    readStdin: (max) => readStreamBounded(process.stdin, max),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Reads a stream to its end, failing with ERR_INPUT_TOO_LARGE past `max` bytes. */
export async function readStreamBounded(stream: AsyncIterable<Buffer | string>, max: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > max) {
      for (const c of chunks) c.fill(0);
      throw new AttestError('ERR_INPUT_TOO_LARGE', `standard input: more than ${max} bytes`);
    }
    chunks.push(b);
  }
  const out = new Uint8Array(Buffer.concat(chunks, size));
  for (const c of chunks) c.fill(0);
  return out;
}

/** Writes bytes to the io's standard output. */
export function writeStdoutBytes(io: CliIo, bytes: Uint8Array): void {
  if (io.outBytes) io.outBytes(bytes);
  else io.out(Buffer.from(bytes).toString('latin1'));
}

/** An in-memory io for tests: captured stdout/stderr (binary stdout as latin1 text), optional stdin bytes. */
export function memoryIo(
  cwd: string,
  env: Record<string, string | undefined> = {},
  stdin?: Uint8Array,
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
    outBytes(b: Uint8Array) {
      io.stdout += Buffer.from(b).toString('latin1');
    },
    ...(stdin
      ? {
          readStdin: async (max: number) => {
            if (stdin.length > max)
              throw new AttestError('ERR_INPUT_TOO_LARGE', `standard input: more than ${max} bytes`);
            return stdin.slice();
          },
        }
      : {}),
    cwd,
    env,
  };
  return io;
}
