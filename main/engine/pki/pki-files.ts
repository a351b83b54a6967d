/**
 * What a certificate, CRL or HKD file holds, sniffed the way s390-tools' readers do (spec §3.2, §3.6, §3.10): the
 * whole file as one DER item first, else every PEM block with a certificate (or CRL) label. Sizes are bounded
 * before anything is parsed; an empty or garbage file gives an empty list or a coded error, never a raw one.
 */
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import { CERTIFICATE_PEM_LABELS, CRL_PEM_LABELS, PEM_LABEL_CRL, encodePem, scanPemBlocks } from './pem.js';
import { MAX_PKI_INPUT_SIZE, parseCertificate, parseCrl, type ParsedCertificate, type ParsedCrl } from './x509.js';

/** Bytes of one input file with the name shown in reports. */
export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Throws ERR_PKI_INPUT_TOO_LARGE for an input over MAX_PKI_INPUT_SIZE. */
export function checkInputSize(item: NamedBytes): void {
  if (item.bytes.length > MAX_PKI_INPUT_SIZE)
    throw new AttestError('ERR_PKI_INPUT_TOO_LARGE', `'${item.name}' is larger than ${MAX_PKI_INPUT_SIZE} bytes`, {
      path: item.name,
    });
}

/** The parse of `bytes` as one DER item, or undefined when it does not start like one or does not parse. */
function tryDer<T>(bytes: Uint8Array, parse: (b: Uint8Array) => T): T | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) return undefined;
  try {
    return parse(bytes);
  } catch {
    return undefined;
  }
}

/** CRLs from a file: DER first, else all PEM CRL blocks; nothing (not an error) when there is none or the PEM is broken. */
export function readCrls(bytes: Uint8Array): ParsedCrl[] {
  if (bytes.length > MAX_PKI_INPUT_SIZE) return [];
  const der = tryDer(bytes, (b) => parseCrl(b));
  if (der) return [der];
  let blocks;
  try {
    blocks = scanPemBlocks(bytes, 'ERR_PKI_LOAD_CRL');
  } catch {
    return [];
  }
  const out: ParsedCrl[] = [];
  for (const b of blocks ?? []) {
    if (!CRL_PEM_LABELS.has(b.label)) continue;
    try {
      out.push(parseCrl(b.der));
    } catch {
      /* a broken block yields nothing, like OpenSSL's PEM loop ending */
    }
  }
  return out;
}

/** Certificates from a file: DER first, else all PEM certificate blocks; throws `code` for malformed PEM. */
export function readCertificates(bytes: Uint8Array, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): ParsedCertificate[] {
  if (bytes.length > MAX_PKI_INPUT_SIZE) throw new AttestError('ERR_PKI_INPUT_TOO_LARGE', 'certificate file too large');
  const der = tryDer(bytes, (b) => parseCertificate(b));
  if (der) return [der];
  const blocks = scanPemBlocks(bytes, code);
  if (!blocks) return [];
  return blocks.filter((b) => CERTIFICATE_PEM_LABELS.has(b.label)).map((b) => parseCertificate(b.der, code));
}

/** An HKD file's certificate and how many certificates the file holds (only the first is used, spec §3.10). */
export interface HkdFileCertificate {
  readonly certificate: ParsedCertificate;
  readonly certificatesInFile: number;
}

/**
 * Parses an HKD file: DER first, else the first PEM certificate block (spec §3.10). Throws ERR_PKI_INPUT_TOO_LARGE,
 * ERR_HKD_NOT_PEM_OR_DER (malformed PEM or DER) or ERR_HKD_EMPTY (no certificate: empty, text, a CRL).
 */
export function readHkdFile(name: string, bytes: Uint8Array): HkdFileCertificate {
  checkInputSize({ name, bytes });
  const notPemOrDer = (): AttestError =>
    new AttestError(
      'ERR_HKD_NOT_PEM_OR_DER',
      `The provided Host Key Document in '${name}' is not in PEM or DER format`,
      { path: name },
    );
  const der = tryDer(bytes, (b) => parseCertificate(b));
  if (der) return { certificate: der, certificatesInFile: 1 };
  let blocks;
  try {
    blocks = scanPemBlocks(bytes, 'ERR_HKD_NOT_PEM_OR_DER');
  } catch {
    throw notPemOrDer();
  }
  const certBlocks = (blocks ?? []).filter((b) => CERTIFICATE_PEM_LABELS.has(b.label));
  if (certBlocks.length === 0) {
    if (!blocks && bytes.length > 0 && bytes[0] === 0x30) throw notPemOrDer();
    throw new AttestError('ERR_HKD_EMPTY', `The provided host key document in ${name} contains no certificate!`, {
      path: name,
    });
  }
  try {
    return {
      certificate: parseCertificate(certBlocks[0]!.der, 'ERR_HKD_NOT_PEM_OR_DER'),
      certificatesInFile: certBlocks.length,
    };
  } catch {
    throw notPemOrDer();
  }
}

/** Encodes CRL DER as PEM with the `X509 CRL` label (OpenSSL refuses bare `CRL`). */
export function encodeCrlPem(der: Uint8Array): string {
  return encodePem(PEM_LABEL_CRL, der);
}
