/**
 * Trust material use cases: recognise HKDs, signing-key and CA certificates and CRLs by their content (PEM
 * labels, else DER parse), store them deduplicated, list them with freshness, and hand the attest use case
 * the stored HKDs and the verification material (certificates and CRLs).
 */
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import type { TrustFreshness, TrustItem, TrustKind } from '../../shared/types/store.js';
import { toHex } from '../engine/bytes.js';
import { computePhkh, coordsFromSpki } from '../engine/crypto/p521.js';
import { createHkdVerifier, type FetchCrl, type HkdVerifier, type NamedBytes } from '../engine/pki/hkd-verifier.js';
import { CERTIFICATE_PEM_LABELS, CRL_PEM_LABELS, scanPemBlocks } from '../engine/pki/pem.js';
import { isIbmSigningKey } from '../engine/pki/signing-key.js';
import { parseCertificate, parseCrl, type ParsedCertificate, type ParsedCrl } from '../engine/pki/x509.js';
import type { Store, TrustItemInput } from '../store/index.js';

const MAX_TRUST_FILE_SIZE = 4 * 1024 * 1024;

/** One trust file's outcome of `importTrustFiles`. */
export interface TrustImportResult {
  source: string;
  items: { item: TrustItem; created: boolean }[];
  error?: { code: string; message: string };
}

/** A trust item with its freshness at the listing time. */
export interface TrustListing extends TrustItem {
  freshness: TrustFreshness;
}

/** Parameters of `listTrust`. */
export interface ListTrustParams {
  now?: Date;
  /** A CRL (or certificate) whose nextUpdate (notAfter) is within this many days is `expiring` (default 7). */
  expiringDays?: number;
  kind?: TrustKind;
}

/** The PHKH (hex) of a certificate whose key is an EC P-521 host key, else null. */
function hostKeyHash(cert: ParsedCertificate): string | null {
  try {
    return toHex(computePhkh(coordsFromSpki(cert.spki)));
  } catch (error) {
    if (!isAttestError(error)) throw error;
    return null;
  }
}

/**
 * The kind of a certificate: an IBM Z signing key by the verifier's own subject rule (spec §3.3), an HKD when
 * its key is an EC P-521 host key (IBM's HKDs and self-signed test host keys alike), a CA, or another certificate.
 */
function describeCertificate(der: Uint8Array, source: string): TrustItemInput {
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(der);
  } catch {
    throw new AttestError('ERR_STORE_TRUST_UNRECOGNIZED', `${source}: not a certificate`, { source });
  }
  const phkh = isIbmSigningKey(cert) ? null : hostKeyHash(cert);
  const kind: TrustKind = isIbmSigningKey(cert)
    ? 'signing-key'
    : phkh !== null
      ? 'hkd'
      : cert.basicConstraints?.ca === true
        ? 'ca'
        : 'certificate';
  return {
    kind,
    der: cert.der,
    subject: cert.subject.text,
    issuer: cert.issuer.text,
    serialNumber: cert.serial.toLowerCase(),
    thisUpdate: cert.notBefore.toISOString(),
    nextUpdate: cert.notAfter.toISOString(),
    phkh,
    source,
  };
}

function describeCrl(der: Uint8Array, source: string): TrustItemInput {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(der);
  } catch {
    throw new AttestError('ERR_STORE_TRUST_UNRECOGNIZED', `${source}: not a CRL`, { source });
  }
  return {
    kind: 'crl',
    der,
    subject: null,
    issuer: crl.issuer.text,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    source,
  };
}

/** Takes a trust item out of use (soft: attestations that used it keep its bytes); audited. */
export function removeTrustItem(store: Store, id: number): TrustItem {
  return store.trust.remove(id);
}

/**
 * The trust items in one file: every PEM CERTIFICATE / X509 CRL / CRL block, or one DER certificate or CRL.
 * Throws ERR_STORE_TRUST_UNRECOGNIZED when nothing is recognised.
 */
export function parseTrustFile(bytes: Uint8Array, source: string): TrustItemInput[] {
  if (bytes.length > MAX_TRUST_FILE_SIZE) throw new AttestError('ERR_INPUT_TOO_LARGE', `${source}: larger than 4 MiB`);
  if (bytes[0] === 0x30) {
    try {
      return [describeCertificate(bytes, source)];
    } catch {
      try {
        return [describeCrl(bytes, source)];
      } catch {
        throw new AttestError(
          'ERR_STORE_TRUST_UNRECOGNIZED',
          `${source}: DER that is neither a certificate nor a CRL`,
          { source },
        );
      }
    }
  }
  let blocks;
  try {
    blocks = scanPemBlocks(bytes, 'ERR_STORE_TRUST_UNRECOGNIZED');
  } catch (error) {
    if (!isAttestError(error)) throw error;
    throw new AttestError('ERR_STORE_TRUST_UNRECOGNIZED', `${source}: ${error.message}`, { source });
  }
  const items: TrustItemInput[] = [];
  for (const b of blocks ?? []) {
    if (CERTIFICATE_PEM_LABELS.has(b.label)) items.push(describeCertificate(b.der, source));
    else if (CRL_PEM_LABELS.has(b.label)) items.push(describeCrl(b.der, source));
  }
  if (items.length === 0) {
    throw new AttestError('ERR_STORE_TRUST_UNRECOGNIZED', `${source}: no certificate or CRL found (PEM or DER)`, {
      source,
    });
  }
  return items;
}

/** Parses and stores each file; a file that fails is reported and the others still imported. */
export function importTrustFiles(
  store: Store,
  files: readonly { source: string; bytes: Uint8Array }[],
): TrustImportResult[] {
  return files.map(({ source, bytes }) => {
    try {
      const parsed = parseTrustFile(bytes, source);
      return { source, items: store.transaction(() => parsed.map((p) => store.trust.import(p))) };
    } catch (error) {
      if (!isAttestError(error)) throw error;
      return { source, items: [], error: { code: error.code, message: error.message } };
    }
  });
}

/** The freshness of an item at `now`: stale past nextUpdate, expiring within `expiringDays`, else valid. */
export function computeFreshness(
  item: Pick<TrustItem, 'thisUpdate' | 'nextUpdate'>,
  now: Date,
  expiringDays: number,
): TrustFreshness {
  const t = now.getTime();
  if (item.thisUpdate && Date.parse(item.thisUpdate) > t) return 'not-yet-valid';
  if (!item.nextUpdate) return 'valid';
  const next = Date.parse(item.nextUpdate);
  if (next < t) return 'stale';
  if (next - t <= expiringDays * 86_400_000) return 'expiring';
  return 'valid';
}

/** Stored trust items with freshness. */
export function listTrust(store: Store, p: ListTrustParams = {}): TrustListing[] {
  const now = p.now ?? new Date();
  const days = p.expiringDays ?? 7;
  return store.trust
    .list(p.kind ? { kind: p.kind } : {})
    .map((item) => ({ ...item, freshness: computeFreshness(item, now, days) }));
}

/** HKDs to encrypt a request for: those named by SHA-256 (in that order), or every stored HKD. */
export function loadHostKeyDocuments(
  store: Store,
  sha256s?: readonly string[],
): { item: TrustItem; der: Uint8Array }[] {
  const all = store.trust.withBytes('hkd');
  if (!sha256s || sha256s.length === 0) return all;
  return sha256s.map((sha) => {
    const found = all.find((x) => x.item.sha256 === sha.toLowerCase());
    if (!found)
      throw new AttestError('ERR_STORE_TRUST_NOT_FOUND', `no stored HKD with SHA-256 ${sha}`, { sha256: sha });
    return found;
  });
}

/**
 * What the HKD verifier needs, named by where each item came from: the imported self-signed CA certificates are
 * the trust anchors (the user imported them on purpose: that is the configured trust set); every other
 * signing-key and CA certificate is a chain candidate; and the CRLs.
 */
export function loadVerificationMaterial(store: Store): {
  certificates: NamedBytes[];
  anchors: NamedBytes[];
  crls: NamedBytes[];
} {
  const named = (x: { item: TrustItem; der: Uint8Array }): NamedBytes => ({
    name: x.item.source ?? `${x.item.kind} ${x.item.sha256.slice(0, 12)}`,
    bytes: x.der,
  });
  const cas = store.trust.withBytes('ca');
  const selfSigned = (x: { item: TrustItem }) => x.item.subject !== null && x.item.subject === x.item.issuer;
  return {
    certificates: [
      ...store.trust.withBytes('signing-key'),
      ...cas.filter((x) => !selfSigned(x)),
      ...store.trust.withBytes('certificate'),
    ].map(named),
    anchors: cas.filter(selfSigned).map(named),
    crls: store.trust.withBytes('crl').map(named),
  };
}

/**
 * An HKD verifier over the store's trust material (each signing key's chain validated once) at `at`, offline
 * unless `fetchCrl` is given. The store may hold several IBM Z signing keys; each HKD uses the one that issued it.
 */
export function createStoreHkdVerifier(store: Store, p: { at: Date; fetchCrl?: FetchCrl }): Promise<HkdVerifier> {
  const m = loadVerificationMaterial(store);
  return createHkdVerifier({
    certs: m.certificates,
    crls: m.crls,
    anchors: m.anchors,
    offline: p.fetchCrl === undefined,
    at: p.at,
    ...(p.fetchCrl ? { fetchCrl: p.fetchCrl } : {}),
    // a workspace holds the HKDs of several machine generations: each is checked against the signing key that issued it
    signingKeyRule: 'per-hkd',
  });
}
