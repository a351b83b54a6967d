/**
 * The workstation's Ed25519 evidence-signing key: created on first use under a key directory, private key
 * PKCS#8 PEM with mode 0600, public key SPKI PEM beside it. Fingerprint = `SHA256:` + unpadded base64 of
 * SHA-256 over the SPKI DER (the OpenSSH fingerprint style, over SPKI rather than the SSH wire form).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../../shared/errors/index.js';
import { formatSha256Fingerprint } from '../../../shared/fingerprint.js';
import { sha256 } from '../../engine/crypto/primitives.js';
import { writeSecretFile } from '../../fs/index.js';

export const PRIVATE_KEY_FILE = 'evidence-ed25519.key';
export const PUBLIC_KEY_FILE = 'evidence-ed25519.pub.pem';

/** The loaded key pair and its fingerprint. */
export interface WorkstationKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly fingerprint: string;
}

/** The `SHA256:…` fingerprint of a public key. */
export function fingerprintPublicKey(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return formatSha256Fingerprint(sha256(der));
}

/** Parses an Ed25519 public key PEM; throws ERR_EVIDENCE_KEY_FILE when it is not one. */
export function parseEd25519PublicKey(pem: string | Uint8Array, what = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(pem), format: 'pem' });
  } catch {
    throw new AttestError('ERR_EVIDENCE_KEY_FILE', `${what} is not a PEM public key`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AttestError('ERR_EVIDENCE_KEY_FILE', `${what} is not an Ed25519 key`);
  return key;
}

/** Builds a WorkstationKey from a private key. */
export function workstationKeyFrom(privateKey: KeyObject): WorkstationKey {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AttestError('ERR_EVIDENCE_KEY_FILE', 'the evidence key is not Ed25519');
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintPublicKey(publicKey),
  };
}

/** Loads the workstation key from `keyDir`, creating it (0600) on first use. */
export function loadOrCreateWorkstationKey(keyDir: string): WorkstationKey {
  const privPath = join(keyDir, PRIVATE_KEY_FILE);
  let pem: Buffer | undefined;
  try {
    pem = readFileSync(privPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new AttestError('ERR_EVIDENCE_KEY_FILE', `cannot read the evidence key in ${keyDir}`, { keyDir });
  }
  if (pem) {
    try {
      return workstationKeyFrom(createPrivateKey({ key: pem, format: 'pem' }));
    } catch (e) {
      if (e instanceof AttestError) throw e;
      throw new AttestError('ERR_EVIDENCE_KEY_FILE', `the evidence key in ${keyDir} is unreadable`, { keyDir });
    }
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const key = workstationKeyFrom(privateKey);
  try {
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    // another process created it first: use theirs
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' });
    if (!writeSecretFile(privPath, pkcs8, { replace: false })) return loadOrCreateWorkstationKey(keyDir);
    writeFileSync(join(keyDir, PUBLIC_KEY_FILE), key.publicKeyPem, { mode: 0o644 });
  } catch {
    throw new AttestError('ERR_EVIDENCE_KEY_FILE', `cannot write the evidence key in ${keyDir}`, { keyDir });
  }
  return key;
}
