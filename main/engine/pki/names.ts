/**
 * Distinguished names as the verifier compares them (spec §3.9): RDNs in encoded order with each value decoded to
 * a string, an OpenSSL-style canonical key for store lookups (order-significant, attribute OIDs equal, values
 * trimmed, inner whitespace collapsed, ASCII lower-cased, string type ignored) and a display text.
 */
export const OID_CN = '2.5.4.3';
export const OID_SERIAL_NUMBER = '2.5.4.5';
export const OID_C = '2.5.4.6';
export const OID_L = '2.5.4.7';
export const OID_ST = '2.5.4.8';
export const OID_O = '2.5.4.10';
export const OID_OU = '2.5.4.11';
const OID_EMAIL = '1.2.840.113549.1.9.1';

const SHORT_NAMES: Readonly<Record<string, string>> = {
  [OID_CN]: 'CN',
  [OID_C]: 'C',
  [OID_L]: 'L',
  [OID_ST]: 'ST',
  [OID_O]: 'O',
  [OID_OU]: 'OU',
  [OID_SERIAL_NUMBER]: 'serialNumber',
  [OID_EMAIL]: 'emailAddress',
};

/** One attribute-value assertion of a name. */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** A distinguished name: RDNs in encoded order, plus its canonical key (spec §3.9) and display text. */
export interface ParsedName {
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** Canonical comparison key: order-significant, OIDs equal, values trimmed, whitespace-collapsed, ASCII lower-cased. */
  readonly canonical: string;
  /** RFC 4514-like display text in encoded order. */
  readonly text: string;
}

/** Canonical form of one attribute value (OpenSSL X509_NAME canon, spec §3.9). */
function canonValue(v: string): string {
  return v
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Builds a ParsedName (with canonical key and display text) from RDNs. */
export function buildName(rdns: readonly (readonly NameAttribute[])[]): ParsedName {
  const canonical = rdns
    .map((rdn) =>
      rdn
        .map((a) => `${a.oid}=${JSON.stringify(canonValue(a.value))}`)
        .sort()
        .join('+'),
    )
    .join(',');
  const text = rdns.map((rdn) => rdn.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${a.value}`).join('+')).join(', ');
  return { rdns, canonical, text };
}

/** The first value of an attribute type in a name, or undefined. */
export function firstValue(name: ParsedName, oid: string): string | undefined {
  for (const rdn of name.rdns) for (const a of rdn) if (a.oid === oid) return a.value;
  return undefined;
}

/** The number of attribute-value assertions in a name. */
export function attributeCount(name: ParsedName): number {
  let count = 0;
  for (const rdn of name.rdns) count += rdn.length;
  return count;
}
