/**
 * How the ARPK (attestation request protection key, the 32-byte secret that decrypts a response) is kept at
 * rest: AES-256-GCM under a 32-byte local key held in a separate key file (`<db>.key`, created with mode
 * 0600 beside the database). Each sealed value is `nonce (12) ‖ ciphertext (32) ‖ tag (16)`, with the
 * attestation id as associated data so a sealed ARPK cannot be moved to another row.
 *
 * Limits (stated honestly): this protects a copied or backed-up database file that travels without its key
 * file, and makes ARPK swaps between rows fail. It does not protect against anyone who can read the key file
 * (the same OS user, root, or a backup that includes both files); the OS keychain would be the next step.
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 12 | GCM nonce (random) |
 * | 0x0c | n | ciphertext |
 * | 0x0c+n | 16 | GCM tag |
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { sha256Hex } from '../engine/crypto/primitives.js';
import { writeSecretFile } from '../fs/index.js';
import { AttestError } from '../../shared/errors/index.js';

export const ARPK_KEY_SIZE = 32;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
/** Nonces drawn from the CSPRNG at once (one call per 256 seals instead of one each); each is used once. */
const NONCE_POOL_SIZE = NONCE_SIZE * 256;

/** Seals and opens ARPKs with the local key; the key is loaded (or created) lazily on first use. */
export class ArpkSealer {
  private key: Buffer | undefined;
  private id: string | undefined;
  private readonly nonces = Buffer.alloc(NONCE_POOL_SIZE);
  private nextNonce = NONCE_POOL_SIZE;

  /** `keyPath` = the key file; `key` = an in-memory key (tests, `:memory:` databases). */
  constructor(
    private readonly keyPath: string | undefined,
    key?: Uint8Array,
  ) {
    if (key !== undefined) {
      if (key.length !== ARPK_KEY_SIZE)
        throw new AttestError('ERR_STORE_KEY_FILE', 'ARPK sealing key must be 32 bytes');
      this.key = Buffer.from(key);
    }
  }

  /** A short public id of the key (first 8 bytes of its SHA-256, hex), stored beside each sealed ARPK. */
  keyId(): string {
    this.id ??= sha256Hex(this.loadKey(true)).slice(0, 16);
    return this.id;
  }

  /** Encrypts `arpk` for attestation `id`. */
  seal(arpk: Uint8Array, id: number): Uint8Array {
    const key = this.loadKey(true);
    // written in place: nonce, then ciphertext, then tag (no intermediate copies)
    const sealed = Buffer.allocUnsafe(NONCE_SIZE + arpk.length + TAG_SIZE);
    const nonce = sealed.subarray(0, NONCE_SIZE);
    this.freshNonce(nonce);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aadFor(id));
    let n = NONCE_SIZE + cipher.update(arpk).copy(sealed, NONCE_SIZE);
    n += cipher.final().copy(sealed, n);
    cipher.getAuthTag().copy(sealed, n);
    return sealed;
  }

  /** Writes a random nonce never handed out before into `into` (the pool is refilled in place). */
  private freshNonce(into: Buffer): void {
    if (this.nextNonce + NONCE_SIZE > NONCE_POOL_SIZE) {
      randomFillSync(this.nonces);
      this.nextNonce = 0;
    }
    this.nonces.copy(into, 0, this.nextNonce, this.nextNonce + NONCE_SIZE);
    this.nextNonce += NONCE_SIZE;
  }

  /** Decrypts a sealed ARPK of attestation `id`; throws ERR_STORE_ARPK_UNREADABLE (wrong/missing key, altered). */
  open(sealed: Uint8Array, id: number): Uint8Array {
    const key = this.loadKey(false);
    if (sealed.length < NONCE_SIZE + TAG_SIZE)
      throw new AttestError('ERR_STORE_ARPK_UNREADABLE', 'sealed ARPK is truncated');
    const buf = Buffer.from(sealed);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_SIZE));
      decipher.setAAD(aadFor(id));
      decipher.setAuthTag(buf.subarray(buf.length - TAG_SIZE));
      const pt = Buffer.concat([decipher.update(buf.subarray(NONCE_SIZE, buf.length - TAG_SIZE)), decipher.final()]);
      return new Uint8Array(pt);
    } catch {
      throw new AttestError(
        'ERR_STORE_ARPK_UNREADABLE',
        `the ARPK of attestation ${id} cannot be decrypted with this key file`,
        {
          attestationId: id,
        },
      );
    }
  }

  private loadKey(create: boolean): Buffer {
    if (this.key) return this.key;
    if (this.keyPath === undefined) {
      this.key = randomBytes(ARPK_KEY_SIZE);
      return this.key;
    }
    this.key = readOrCreateKeyFile(this.keyPath, create);
    return this.key;
  }
}

function aadFor(id: number): Buffer {
  return Buffer.from(`se-attest/arpk/v1/${id}`, 'utf8');
}

function readOrCreateKeyFile(path: string, create: boolean): Buffer {
  if (create) {
    const key = randomBytes(ARPK_KEY_SIZE);
    let created: boolean;
    try {
      // a new 0600 file, fsync'd and linked into place: never half a key, never over someone else's key
      created = writeSecretFile(path, key, { replace: false });
    } catch (error) {
      throw new AttestError(
        'ERR_STORE_KEY_FILE',
        `cannot create the ARPK key file ${path}: ${(error as Error).message}`,
        { path },
      );
    }
    if (created) return key;
  }
  let key: Buffer;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0) {
      throw new AttestError(
        'ERR_STORE_KEY_FILE',
        `ARPK key file ${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
        {
          path,
        },
      );
    }
    key = readFileSync(path);
  } catch (error) {
    if (error instanceof AttestError) throw error;
    throw new AttestError('ERR_STORE_KEY_FILE', `cannot read the ARPK key file ${path}: ${(error as Error).message}`, {
      path,
    });
  }
  if (key.length !== ARPK_KEY_SIZE)
    throw new AttestError('ERR_STORE_KEY_FILE', `ARPK key file ${path} must hold 32 bytes`, { path });
  return key;
}
