/**
 * A minimal, bounds-checked DER reader (definite lengths only) and a PEM block scanner. Both are linear in
 * the input size and never recurse on attacker-controlled depth, so hostile input fails fast with a code.
 *
 * | TLV part | Bytes |
 * |---|---|
 * | tag | 1 (high tag numbers are rejected) |
 * | length | 1 (short form) or 1 + n, n ≤ 4 (long form) |
 * | value | `length` bytes |
 */
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';

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
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8 = 0x0c;
export const TAG_PRINTABLE = 0x13;
export const TAG_T61 = 0x14;
export const TAG_IA5 = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_UNIVERSAL_STRING = 0x1c;
export const TAG_BMP = 0x1e;
export const TAG_BOOLEAN = 0x01;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/** Thrown for malformed DER; `code` is chosen by the caller context. */
function fail(code: ErrorCode, message: string): never {
  throw new AttestError(code, message);
}

/** Reads the element starting at `offset` (bounded by `limit`). */
export function readElement(
  bytes: Uint8Array,
  offset: number,
  limit: number = bytes.length,
  code: ErrorCode = 'ERR_PKI_CERT_MALFORMED',
): DerElement {
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

/** The children of a constructed element, in order. */
export function readChildren(el: DerElement, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): DerElement[] {
  const out: DerElement[] = [];
  let pos = el.start;
  while (pos < el.end) {
    const child = readElement(el.bytes, pos, el.end, code);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Calls `fn` for each child without allocating an array (used for 100k-entry CRLs). */
export function forEachChild(
  el: DerElement,
  fn: (child: DerElement) => void,
  code: ErrorCode = 'ERR_PKI_CERT_MALFORMED',
): void {
  let pos = el.start;
  while (pos < el.end) {
    const child = readElement(el.bytes, pos, el.end, code);
    fn(child);
    pos = child.end;
  }
}

/** Parses a whole buffer as exactly one element (no trailing bytes). */
export function readTop(bytes: Uint8Array, code: ErrorCode): DerElement {
  const el = readElement(bytes, 0, bytes.length, code);
  if (el.end !== bytes.length) fail(code, 'DER: trailing bytes after the top-level element');
  return el;
}

/** The value bytes of an element (a view, no copy). */
export function valueOf(el: DerElement): Uint8Array {
  return el.bytes.subarray(el.start, el.end);
}

/** The whole encoding (tag, length and value) of an element (a view). */
export function encodingOf(el: DerElement): Uint8Array {
  return el.bytes.subarray(el.headerStart, el.end);
}

/** Decodes an OBJECT IDENTIFIER value into dotted form. */
export function decodeOid(el: DerElement): string {
  const v = valueOf(el);
  if (v.length === 0) return '';
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    acc = acc * 128 + (v[i]! & 0x7f);
    if ((v[i]! & 0x80) === 0) {
      if (parts.length === 0) {
        const first = acc < 40 ? 0 : acc < 80 ? 1 : 2;
        parts.push(first, acc - first * 40);
      } else parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

/** Hex of an INTEGER's magnitude, upper case, without leading zero octets (serial-number normal form). */
export function integerHex(el: DerElement): string {
  const v = valueOf(el);
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  let s = '';
  for (; i < v.length; i++) s += v[i]!.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Decodes a directory string value (UTF8, Printable, IA5, T61, BMP, Universal) to a JS string. */
export function decodeString(el: DerElement): string {
  const v = valueOf(el);
  switch (el.tag) {
    case TAG_BMP: {
      let s = '';
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
      return s;
    }
    case TAG_UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < v.length; i += 4)
        s += String.fromCodePoint(((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0);
      return s;
    }
    case TAG_T61:
      return Buffer.from(v).toString('latin1');
    default:
      return Buffer.from(v).toString('utf8');
  }
}

/** Parses UTCTime or GeneralizedTime (UTC, "Z") into a Date. */
export function decodeTime(el: DerElement, code: ErrorCode = 'ERR_PKI_CERT_MALFORMED'): Date {
  const s = Buffer.from(valueOf(el)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (el.tag === TAG_UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) fail(code, 'bad UTCTime');
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (el.tag === TAG_GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(s);
    if (!m) fail(code, 'bad GeneralizedTime');
    year = Number(m[1]);
  } else fail(code, 'expected a time');
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return d;
}

/** One PEM block: its label and the decoded body. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/**
 * Finds every PEM block in `bytes` (linear scan). Returns `null` when no BEGIN line exists; throws `code`
 * for a block without END line or with a body that is not base64.
 */
export function scanPemBlocks(bytes: Uint8Array, code: ErrorCode): PemBlock[] | null {
  const text = Buffer.from(bytes).toString('latin1');
  const blocks: PemBlock[] = [];
  let pos = 0;
  let sawBegin = false;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', pos);
    if (begin < 0) break;
    sawBegin = true;
    const labelEnd = text.indexOf('-----', begin + 11);
    if (labelEnd < 0 || labelEnd - begin > 80) fail(code, 'malformed PEM header');
    const label = text.slice(begin + 11, labelEnd);
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, labelEnd + 5);
    if (end < 0) fail(code, `PEM block "${label}" has no END line`);
    const body = text.slice(labelEnd + 5, end).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) fail(code, `PEM block "${label}" is not base64`);
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')) });
    pos = end + endMarker.length;
  }
  return sawBegin ? blocks : null;
}

/** Encodes DER bytes as a PEM block with the given label (64-column base64). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
