/**
 * The one PEM scanner of the project (RFC 7468 textual encoding): finds every `-----BEGIN L-----` … `-----END L-----`
 * block in one linear pass and decodes its base64 body, and writes PEM with 64-column lines. Which labels count as
 * a certificate or a CRL is defined here too, so every reader (HKD files, `-C`/`--crl`/`--root-ca` files, trust
 * import) accepts the same blocks.
 */
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';

/** PEM labels of certificates OpenSSL reads as X.509 (a TRUSTED CERTIFICATE block is the certificate plus trust data). */
export const CERTIFICATE_PEM_LABELS: ReadonlySet<string> = new Set([
  'CERTIFICATE',
  'X509 CERTIFICATE',
  'TRUSTED CERTIFICATE',
]);
/** PEM labels of CRLs: OpenSSL's `X509 CRL`, and the bare `CRL` some tools write. */
export const CRL_PEM_LABELS: ReadonlySet<string> = new Set(['X509 CRL', 'CRL']);
/** The label written for certificates. */
export const PEM_LABEL_CERTIFICATE = 'CERTIFICATE';
/** The label written for CRLs (OpenSSL refuses a bare `CRL`). */
export const PEM_LABEL_CRL = 'X509 CRL';
/** The label written for PKCS#8 private keys. */
export const PEM_LABEL_PRIVATE_KEY = 'PRIVATE KEY';

/** One PEM block: its label and the decoded body. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
/** Longest label accepted (RFC 7468 labels are short; a longer one is not a PEM header). */
const MAX_LABEL_LENGTH = 64;

/**
 * Every PEM block in `bytes`, in order. Returns `null` when there is no BEGIN line at all (the input is not PEM);
 * throws `code` for a header without closing dashes, a block without its END line, or a body that is not base64.
 */
export function scanPemBlocks(bytes: Uint8Array, code: ErrorCode): PemBlock[] | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const blocks: PemBlock[] = [];
  let pos = 0;
  let sawBegin = false;
  for (;;) {
    const begin = text.indexOf(BEGIN, pos);
    if (begin < 0) break;
    sawBegin = true;
    const labelStart = begin + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    if (labelEnd < 0 || labelEnd - labelStart > MAX_LABEL_LENGTH) fail(code, 'malformed PEM header');
    const label = text.slice(labelStart, labelEnd);
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, labelEnd + DASHES.length);
    if (end < 0) fail(code, `PEM block "${label}" has no END line`);
    const body = text.slice(labelEnd + DASHES.length, end).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) fail(code, `PEM block "${label}" is not base64`);
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')) });
    pos = end + endMarker.length;
  }
  return sawBegin ? blocks : null;
}

/**
 * Encodes DER bytes as a PEM block with the given label (64-column base64, trailing newline); optional RFC 1421
 * style header lines (e.g. pvsecret's `kind: AES-128-KEY`) come first, followed by an empty line.
 */
export function encodePem(label: string, der: Uint8Array, headers: readonly string[] = []): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  const head = headers.length > 0 ? `${headers.join('\n')}\n\n` : '';
  return `-----BEGIN ${label}-----\n${head}${lines.join('\n')}\n-----END ${label}-----\n`;
}

function fail(code: ErrorCode, message: string): never {
  throw new AttestError(code, message);
}
