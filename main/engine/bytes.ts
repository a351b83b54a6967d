/**
 * Byte helpers shared by every engine module: hex, concatenation, big-endian integers and a bounds-checked
 * reader. Every read is checked against the buffer, so parsers never read out of bounds.
 */
import { AttestError, type ErrorCode } from '../../shared/errors/index.js';

/** Lower-case hex of `bytes`, without prefix. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hex string (an optional `0x` prefix and white space are ignored); throws ERR_INPUT_INVALID. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/^0x/i, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new AttestError('ERR_INPUT_INVALID', 'not a hexadecimal byte string');
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

/** The concatenation of `parts`. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** True when both arrays hold the same bytes (not constant-time; use `constantTimeEqual` for secrets). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `size` bytes of `value`. */
export function filledBytes(size: number, value: number): Uint8Array {
  return new Uint8Array(size).fill(value);
}

/** A DataView over `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a u32 BE at `offset`, throwing `code` when it lies outside the buffer. */
export function readU32(bytes: Uint8Array, offset: number, code: ErrorCode = 'ERR_INPUT_TRUNCATED'): number {
  if (offset < 0 || offset + 4 > bytes.length) {
    throw new AttestError(
      code,
      `input too short: need 4 bytes at offset 0x${offset.toString(16)}, have ${bytes.length}`,
    );
  }
  return (
    (((bytes[offset] as number) << 24) |
      ((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number)) >>>
    0
  );
}

/** Reads a u64 BE at `offset` as a bigint, throwing `code` when it lies outside the buffer. */
export function readU64(bytes: Uint8Array, offset: number, code: ErrorCode = 'ERR_INPUT_TRUNCATED'): bigint {
  if (offset < 0 || offset + 8 > bytes.length) {
    throw new AttestError(
      code,
      `input too short: need 8 bytes at offset 0x${offset.toString(16)}, have ${bytes.length}`,
    );
  }
  return (BigInt(readU32(bytes, offset, code)) << 32n) | BigInt(readU32(bytes, offset + 4, code));
}

/** A copy of bytes [offset, offset+size), throwing `code` when the range lies outside the buffer. */
export function sliceChecked(
  bytes: Uint8Array,
  offset: number,
  size: number,
  code: ErrorCode = 'ERR_INPUT_TRUNCATED',
): Uint8Array {
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size < 0 || offset + size > bytes.length) {
    throw new AttestError(
      code,
      `input too short: need ${size} bytes at offset 0x${offset.toString(16)}, have ${bytes.length}`,
      { offset, size, available: bytes.length },
    );
  }
  return bytes.slice(offset, offset + size);
}

/** Writes a u32 BE. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  viewOf(bytes).setUint32(offset, value >>> 0, false);
}

/** Writes a u64 BE. */
export function writeU64(bytes: Uint8Array, offset: number, value: bigint): void {
  viewOf(bytes).setBigUint64(offset, value, false);
}

/** Overwrites `bytes` with zeros (best-effort wiping of secrets held in JS memory). */
export function wipe(bytes: Uint8Array | undefined): void {
  bytes?.fill(0);
}

/** What a secret shows instead of its bytes wherever it is printed or serialised. */
export const REDACTED = '[redacted]';

/**
 * Bytes that are a secret (an ARPK, a KEK, an ECDH shared secret, a measurement or protection key, a secret's
 * value): the one type the engine and its callers hold them in. The holder owns the bytes and wipes them with
 * `wipe()` (in a `finally`, or through `withSecret`); printing or serialising it never shows them (`toJSON`,
 * `toString` and `util.inspect` give `[redacted]`), so a secret cannot reach a log, an IPC payload or an error
 * message by accident.
 */
export class SecretBytes {
  #bytes: Uint8Array | undefined;

  /** Takes ownership of `bytes`: they are wiped with this holder. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The bytes themselves (for the crypto call that needs them); ERR_INPUT_INVALID once wiped or released. */
  get bytes(): Uint8Array {
    if (this.#bytes === undefined) throw new AttestError('ERR_INPUT_INVALID', 'secret bytes used after wiping');
    return this.#bytes;
  }

  /** Number of bytes (0 once wiped). */
  get length(): number {
    return this.#bytes?.length ?? 0;
  }

  /** True once wiped or released. */
  get wiped(): boolean {
    return this.#bytes === undefined;
  }

  /** Zeroes the bytes and forgets them (idempotent). */
  wipe(): void {
    wipe(this.#bytes);
    this.#bytes = undefined;
  }

  /** Hands the bytes to a caller who from now on owns them (and wipes them); this holder no longer does. */
  release(): Uint8Array {
    const bytes = this.bytes;
    this.#bytes = undefined;
    return bytes;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretBytes(${this.length}) ${REDACTED}`;
  }
}

/** Runs `use` on secret bytes (taking ownership) and wipes them afterwards, whether `use` returns or throws. */
export function withSecret<T>(bytes: Uint8Array, use: (secret: SecretBytes) => T): T {
  const secret = new SecretBytes(bytes);
  try {
    return use(secret);
  } finally {
    secret.wipe();
  }
}

/**
 * Random access to bytes that need not all be in memory — a multi-GiB image read by position (main/fs's
 * `openFileForReading`), or an array (`byteSourceOf`). `read` returns the bytes at [offset, offset + length),
 * fewer where the source ends, none past it.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/** A ByteSource over bytes in memory (reads are views, not copies). */
export function byteSourceOf(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)),
  };
}

/** `input` as a ByteSource (arrays are wrapped). */
export function asByteSource(input: Uint8Array | ByteSource): ByteSource {
  return input instanceof Uint8Array ? byteSourceOf(input) : input;
}
