/**
 * The IBM Z signing key: the one rule that names a certificate a signing key (spec §3.3), used by trust import,
 * the Trust screen and the verifier alike; the HKD-CRL lookup names derived from its subject (spec §3.6); and, for
 * a workspace holding several signing keys, which of them issued a given HKD (issuer name and authority key
 * identifier; the signature decides among what is left).
 */
import {
  OID_C,
  OID_CN,
  OID_L,
  OID_O,
  OID_OU,
  OID_ST,
  attributeCount,
  buildName,
  firstValue,
  type NameAttribute,
  type ParsedName,
} from './names.js';
import type { AuthorityKeyId, ParsedCertificate } from './x509.js';

const IBM = 'International Business Machines Corporation';
/** The localities IBM signing keys carry; s390-tools treats Armonk as Poughkeepsie for HKD-CRL lookups. */
const SIGNING_KEY_LOCALITIES = ['Poughkeepsie', 'Armonk'] as const;
/** The suffix every signing key's OU ends with (no word boundary: "IBM Z Host Key Signing Service" matches). */
const SIGNING_KEY_OU_SUFFIX = 'Key Signing Service';
const SIGNING_KEY_ATTRIBUTES = 6;

/** True when the subject satisfies the IBM Z signing-key rules (spec §3.3): six attributes, exact values, OU suffix. */
export function isIbmSigningKeySubject(subject: ParsedName): boolean {
  if (attributeCount(subject) !== SIGNING_KEY_ATTRIBUTES) return false;
  const l = firstValue(subject, OID_L);
  const ou = firstValue(subject, OID_OU);
  return (
    firstValue(subject, OID_C) === 'US' &&
    firstValue(subject, OID_ST) === 'New York' &&
    (SIGNING_KEY_LOCALITIES as readonly string[]).includes(l ?? '') &&
    firstValue(subject, OID_O) === IBM &&
    firstValue(subject, OID_CN) === IBM &&
    ou !== undefined &&
    ou.endsWith(SIGNING_KEY_OU_SUFFIX)
  );
}

/** True when the certificate is an IBM Z signing key by its subject. */
export function isIbmSigningKey(cert: ParsedCertificate): boolean {
  return isIbmSigningKeySubject(cert.subject);
}

/** The order s390-tools re-orders a signing-key name into for HKD-CRL lookups. */
const LOOKUP_ORDER = [OID_C, OID_O, OID_OU, OID_L, OID_ST, OID_CN];

function reordered(n: ParsedName): ParsedName {
  const out: NameAttribute[][] = [];
  for (const oid of LOOKUP_ORDER) {
    const v = firstValue(n, oid);
    if (v !== undefined) out.push([{ oid, value: v }]);
  }
  return buildName(out);
}

/** The name with its first L replaced by `locality`, position kept. */
function withLocality(n: ParsedName, locality: string): ParsedName {
  let replaced = false;
  return buildName(
    n.rdns.map((rdn) =>
      rdn.map((a) => {
        if (!replaced && a.oid === OID_L) {
          replaced = true;
          return { oid: a.oid, value: locality };
        }
        return a;
      }),
    ),
  );
}

/** The HKD-CRL lookup names for a signing-key subject, in try order (spec §3.6; Armonk → Poughkeepsie only). */
export function hkdCrlLookupNames(subject: ParsedName): ParsedName[] {
  const names: ParsedName[] = [subject];
  if (firstValue(subject, OID_L) === 'Armonk') {
    const fixed = withLocality(subject, 'Poughkeepsie');
    names.push(fixed, reordered(fixed));
  }
  names.push(reordered(subject));
  return names;
}

/** True when an AKID matches the issuer certificate (keyId vs SKID, serial, issuer names; spec E4). */
export function akidMatches(akid: AuthorityKeyId, issuer: ParsedCertificate): boolean {
  if (akid.keyId !== undefined && issuer.subjectKeyId !== undefined && akid.keyId !== issuer.subjectKeyId) return false;
  if (akid.serial !== undefined && akid.serial !== issuer.serial) return false;
  if (akid.issuerNames.length > 0 && !akid.issuerNames.some((n) => n.canonical === issuer.issuer.canonical))
    return false;
  return true;
}

/** A signing-key name compared order-insensitively, with L=Armonk taken as L=Poughkeepsie (spec §6.2). */
function signingNameKey(n: ParsedName): string {
  const armonk = firstValue(n, OID_L) === 'Armonk';
  return reordered(armonk ? withLocality(n, 'Poughkeepsie') : n).canonical;
}

/**
 * True when `signingKey` may have issued `hkd`: the HKD's issuer names the signing key (order and the
 * Armonk/Poughkeepsie locality aside, as IBM's own HKDs and CRLs mix them) and its AKID, when present, matches.
 * The signature decides among the keys that pass.
 */
export function mayHaveIssued(signingKey: ParsedCertificate, hkd: ParsedCertificate): boolean {
  if (signingNameKey(hkd.issuer) !== signingNameKey(signingKey.subject)) return false;
  return hkd.authorityKeyId === undefined || akidMatches(hkd.authorityKeyId, signingKey);
}
