/**
 * The engine's injected environment: where randomness and the clock come from. Production code passes
 * `systemContext()`; tests pass fixed bytes and a fixed time so that IBM's vectors reproduce byte for byte.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** Randomness and clock, injected into every engine operation that needs them. */
export interface EngineContext {
  /** `size` cryptographically random bytes. */
  randomBytes(size: number): Uint8Array;
  /** The current time. */
  now(): Date;
}

/** The real context: the OS CSPRNG and the system clock. */
export function systemContext(): EngineContext {
  return {
    randomBytes: (size) => new Uint8Array(nodeRandomBytes(size)),
    now: () => new Date(),
  };
}

/**
 * A deterministic context for tests: hands out the given byte strings in order (each request must match the
 * next entry's length), then fails loudly.
 */
export function scriptedContext(chunks: readonly Uint8Array[], now: Date = new Date(0)): EngineContext {
  const queue = [...chunks];
  return {
    randomBytes(size) {
      const next = queue.shift();
      if (next === undefined) throw new Error(`scripted randomness exhausted (asked for ${size} bytes)`);
      if (next.length !== size)
        throw new Error(`scripted randomness: asked for ${size} bytes, next chunk has ${next.length}`);
      return next.slice();
    },
    now: () => now,
  };
}
