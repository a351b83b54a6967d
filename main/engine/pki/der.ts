/**
 * A minimal, bounds-checked DER framing reader (definite lengths only) and TLV writer. Certificates and CRLs are
 * read by @peculiar/x509 (`x509.ts`); this reader is kept for one measured reason: a CRL's list of revoked
 * certificates. Indexing the 100,000 serials of a 2.7 MB CRL takes ≈ 0.1–0.3 s here, where @peculiar/x509 needs
 * ≈ 3.6 s to build the CRL and ≈ 10 s to list its entries (and must be allowed 300,000+ ASN.1 nodes); see the
 * README's "Libraries and why". It is linear in the input and never recurses, so hostile input fails fast.
 *
 * | TLV part | Bytes |
 * |---|---|
 * | tag | 1 (high tag numbers are rejected) |
 * | length | 1 (short form) or 1 + n, n ≤ 4 (long form) |
 * | value | `length` bytes |
 */
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import { concatBytes } from '../bytes.js';

/** One DER element: its tag, the value range and the whole encoding range inside `bytes`. */
export interface DerElement {
  readonly tag: number;
  readonly bytes: Uint8Array;
  /** Offset of the first value byte. */
  readonly start: number;
  /** Offset after the last value byte. */
  readonly end: number;
  /** Offset of the tag byte. */
  readonly headerStart: number;
}

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_SEQUENCE = 0x30;

function fail(code: ErrorCode, message: string): never {
  throw new AttestError(code, message);
}

/** Reads the element starting at `offset` (bounded by `limit`). */
export function readElement(bytes: Uint8Array, offset: number, limit: number, code: ErrorCode): DerElement {
  if (offset + 2 > limit) fail(code, 'DER: truncated element header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) fail(code, 'DER: high tag numbers are not supported');
  let len = bytes[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) fail(code, 'DER: unsupported length encoding');
    if (pos + n > limit) fail(code, 'DER: truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[pos + i]!;
    pos += n;
  }
  if (pos + len > limit) fail(code, 'DER: element runs past its container');
  return { tag, bytes, start: pos, end: pos + len, headerStart: offset };
}

/** Calls `fn` for each child of a constructed element without allocating an array. */
export function forEachChild(el: DerElement, fn: (child: DerElement) => void, code: ErrorCode): void {
  let pos = el.start;
  while (pos < el.end) {
    const child = readElement(el.bytes, pos, el.end, code);
    fn(child);
    pos = child.end;
  }
}

/** The children of a constructed element, in order. */
export function readChildren(el: DerElement, code: ErrorCode): DerElement[] {
  const out: DerElement[] = [];
  forEachChild(el, (c) => out.push(c), code);
  return out;
}

/** Parses a whole buffer as exactly one element (no trailing bytes). */
export function readTop(bytes: Uint8Array, code: ErrorCode): DerElement {
  const el = readElement(bytes, 0, bytes.length, code);
  if (el.end !== bytes.length) fail(code, 'DER: trailing bytes after the top-level element');
  return el;
}

/** The whole encoding (tag, length and value) of an element (a view). */
export function encodingOf(el: DerElement): Uint8Array {
  return el.bytes.subarray(el.headerStart, el.end);
}

/** Hex of big-endian integer bytes, upper case, without leading zero octets ("0" for zero). */
export function magnitudeHex(v: Uint8Array): string {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  return Buffer.from(v.buffer, v.byteOffset + i, v.length - i)
    .toString('hex')
    .toUpperCase();
}

/** Encodes one TLV with a definite length (DER). */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  const len = content.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else if (len < 0x100) header = [tag, 0x81, len];
  else if (len < 0x10000) header = [tag, 0x82, len >> 8, len & 0xff];
  else if (len < 0x1000000) header = [tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
  else header = [tag, 0x84, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
  return concatBytes(Uint8Array.from(header), content);
}
