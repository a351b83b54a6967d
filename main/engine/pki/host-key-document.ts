/**
 * Reading a host-key document (HKD): an X.509 certificate, DER or PEM (the first certificate of a PEM stack is
 * the HKD, spec §3.10), whose EC P-521 public key is the host key. No trust decision is made here.
 */
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import { computePhkh, coordsFromSpki } from '../crypto/p521.js';
import { readHkdFile } from './pki-files.js';
import type { ParsedCertificate } from './x509.js';

/** A parsed HKD: its certificate and host key. */
export interface HostKeyDocument {
  readonly certificate: ParsedCertificate;
  /** DER of the HKD certificate. */
  readonly der: Uint8Array;
  /** The host public key in the 160-byte coordinate encoding. */
  readonly publicCoords: Uint8Array;
  /** Public host-key hash: SHA-256 of `publicCoords`. */
  readonly phkh: Uint8Array;
}

/** Largest accepted host-key document file: 1 MiB (an HKD is about 1–2 KiB). */
export const MAX_HKD_FILE_SIZE = 1024 * 1024;

/** The DER of the first certificate in `bytes` (DER, or the first PEM certificate block); throws ERR_HOST_KEY_INVALID. */
export function firstCertificateDer(bytes: Uint8Array): Uint8Array {
  return readHostKeyCertificate(bytes).der;
}

function readHostKeyCertificate(bytes: Uint8Array): ParsedCertificate {
  if (bytes.length === 0) throw new AttestError('ERR_HOST_KEY_INVALID', 'empty host-key document');
  if (bytes.length > MAX_HKD_FILE_SIZE)
    throw new AttestError('ERR_INPUT_TOO_LARGE', 'host-key document larger than 1 MiB');
  try {
    return readHkdFile('host-key document', bytes).certificate;
  } catch (e) {
    if (!isAttestError(e)) throw e;
    throw new AttestError(
      'ERR_HOST_KEY_INVALID',
      e.code === 'ERR_HKD_EMPTY' ? 'no certificate found (neither DER nor PEM)' : 'not an X.509 certificate',
    );
  }
}

/** Parses an HKD and extracts its P-521 host key; throws ERR_HOST_KEY_INVALID or ERR_HOST_KEY_NOT_P521. */
export function readHostKeyDocument(bytes: Uint8Array): HostKeyDocument {
  const certificate = readHostKeyCertificate(bytes);
  const publicCoords = coordsFromSpki(certificate.spki);
  return { certificate, der: certificate.der, publicCoords, phkh: computePhkh(publicCoords) };
}
