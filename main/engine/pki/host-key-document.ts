/**
 * Reading a host-key document (HKD): an X.509 certificate, DER or PEM (the first certificate of a PEM stack is
 * the HKD, spec §8.2), whose EC P-521 public key is the host key. No trust decision is made here.
 */
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { AttestError } from '../../../shared/errors/index.js';
import { computePhkh, coordsFromSpki } from '../crypto/p521.js';

/** A parsed HKD: its certificate and host key. */
export interface HostKeyDocument {
  readonly certificate: X509Certificate;
  /** DER of the HKD certificate. */
  readonly der: Uint8Array;
  /** The host public key in the 160-byte coordinate encoding. */
  readonly publicCoords: Uint8Array;
  /** Public host-key hash: SHA-256 of `publicCoords`. */
  readonly phkh: Uint8Array;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/;
export const MAX_HKD_FILE_SIZE = 1024 * 1024;

/** The DER of the first certificate in `bytes` (DER, or the first PEM CERTIFICATE block). */
export function firstCertificateDer(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new AttestError('ERR_HOST_KEY_INVALID', 'empty host-key document');
  if (bytes.length > MAX_HKD_FILE_SIZE)
    throw new AttestError('ERR_INPUT_TOO_LARGE', 'host-key document larger than 1 MiB');
  if (bytes[0] === 0x30) return bytes;
  const text = Buffer.from(bytes).toString('latin1');
  const m = PEM_CERT.exec(text);
  if (!m || m[1] === undefined)
    throw new AttestError('ERR_HOST_KEY_INVALID', 'no certificate found (neither DER nor PEM)');
  return new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

/** Parses an HKD and extracts its P-521 host key; throws ERR_HOST_KEY_INVALID or ERR_HOST_KEY_NOT_P521. */
export function readHostKeyDocument(bytes: Uint8Array): HostKeyDocument {
  const der = firstCertificateDer(bytes);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'not an X.509 certificate');
  }
  let spki: Uint8Array;
  try {
    spki = new Uint8Array(certificate.publicKey.rawData);
  } catch {
    throw new AttestError('ERR_HOST_KEY_INVALID', 'the certificate has an unreadable public key');
  }
  const publicCoords = coordsFromSpki(spki);
  return { certificate, der, publicCoords, phkh: computePhkh(publicCoords) };
}
