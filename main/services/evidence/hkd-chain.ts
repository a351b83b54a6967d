/**
 * Re-verification of an attestation's HKDs at the attestation's time with bundled trust material (offline,
 * pki layer's `verifyHostKeyDocuments`). Results are cached: the verdict for a set of HKDs can only change at
 * a validity boundary (notBefore/notAfter of a certificate, thisUpdate/nextUpdate of a CRL), so one real
 * verification per (HKD set, interval between boundaries) serves every attestation in that interval.
 */
import type { EvidenceCrlState, EvidenceHkdChain } from '../../../shared/types/evidence.js';
import { PEM_LABEL_CERTIFICATE, encodePem } from '../../engine/pki/pem.js';
import { readCertificates, readCrls, verifyHostKeyDocuments, type NamedBytes } from '../../engine/pki/hkd-verifier.js';
import { firstValue, OID_CN, OID_OU } from '../../engine/pki/names.js';

/** Names of a certificate as evidence shows them (an HKD names its host by subject CN/OU and serial). */
export interface CertificateNames {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectCn: string | null;
  readonly subjectOu: string | null;
  readonly serial: string;
}

/** The names of the first certificate in `bytes` (DER or PEM), or null when there is none or it is malformed. */
export function certificateNames(bytes: Uint8Array): CertificateNames | null {
  try {
    const c = readCertificates(bytes)[0];
    if (!c) return null;
    return {
      subject: c.subject.text,
      issuer: c.issuer.text,
      subjectCn: firstValue(c.subject, OID_CN) ?? null,
      subjectOu: firstValue(c.subject, OID_OU) ?? null,
      serial: c.serial,
    };
  } catch {
    return null;
  }
}

/** Trust material to verify HKDs with. */
export interface ChainMaterial {
  /** Signing key and intermediates. */
  readonly certificates: readonly NamedBytes[];
  /** Trust anchors. */
  readonly roots: readonly NamedBytes[];
  readonly crls: readonly NamedBytes[];
}

/** One HKD to check, with its SHA-256 (the cache key). */
export interface ChainHkd extends NamedBytes {
  readonly sha256: string;
}

/** The chain verdict without the stored one. */
export type HkdChainResult = Omit<EvidenceHkdChain, 'storedVerdict'>;

/** Checks HKDs at a time; a pluggable step (tests or the lead may substitute another implementation). */
export type HkdChainChecker = (hkds: readonly ChainHkd[], at: Date) => Promise<HkdChainResult>;

/** Maps a pki code to the CRL state it implies. */
export function crlStateOf(verified: boolean, code: string | undefined): EvidenceCrlState {
  if (verified) return 'valid';
  switch (code) {
    case 'ERR_HKD_REVOKED':
    case 'ERR_CHAIN_REVOKED':
      return 'revoked';
    case 'ERR_CRL_MISSING':
    case 'ERR_HKD_NO_VALID_CRL':
      return 'missing';
    case 'ERR_CRL_EXPIRED':
      return 'expired';
    case 'ERR_CRL_NOT_YET_VALID':
      return 'not-yet-valid';
    default:
      return 'not-checked';
  }
}

function asPem(bytes: Uint8Array): string {
  return bytes[0] === 0x30 ? encodePem(PEM_LABEL_CERTIFICATE, bytes) : Buffer.from(bytes).toString('latin1');
}

function validityTimes(bytes: Uint8Array, out: number[]): void {
  try {
    for (const c of readCertificates(bytes)) out.push(c.notBefore.getTime(), c.notAfter.getTime());
  } catch {
    /* malformed: verification will say so */
  }
  for (const crl of readCrls(bytes)) {
    out.push(crl.thisUpdate.getTime());
    if (crl.nextUpdate) out.push(crl.nextUpdate.getTime());
  }
}

/** Creates a caching chain checker over fixed trust material. */
export function createHkdChainChecker(material: ChainMaterial): HkdChainChecker {
  const base: number[] = [];
  for (const m of [...material.certificates, ...material.roots, ...material.crls]) validityTimes(m.bytes, base);
  const hkdTimes = new Map<string, number[]>();
  const rootCa: NamedBytes | undefined =
    material.roots.length > 0
      ? { name: 'trust/roots', bytes: new TextEncoder().encode(material.roots.map((r) => asPem(r.bytes)).join('')) }
      : undefined;
  const cache = new Map<string, Promise<HkdChainResult>>();
  return async (hkds, at) => {
    if (hkds.length === 0) return { verdict: 'not-checked', reason: 'no HKD recorded', crlState: 'not-checked' };
    const times = [...base];
    for (const h of hkds) {
      let t = hkdTimes.get(h.sha256);
      if (!t) {
        t = [];
        validityTimes(h.bytes, t);
        hkdTimes.set(h.sha256, t);
      }
      times.push(...t);
    }
    const ms = at.getTime();
    let below = 0;
    let equal = 0;
    for (const t of new Set(times)) {
      if (t < ms) below++;
      else if (t === ms) equal++;
    }
    const key = `${hkds.map((h) => h.sha256).join(',')}@${below}:${equal}`;
    let result = cache.get(key);
    if (!result) {
      result = (async (): Promise<HkdChainResult> => {
        const report = await verifyHostKeyDocuments({
          certs: material.certificates,
          crls: material.crls,
          ...(rootCa ? { rootCa } : {}),
          anchors: [],
          hkds,
          offline: true,
          at,
          // the workspace's rule: each HKD against the signing key that issued it
          signingKeyRule: 'per-hkd',
        });
        if (report.verified) return { verdict: 'verified', crlState: 'valid' };
        const failed = report.chain.ok ? report.hkds.find((h) => !h.verified) : undefined;
        const code = report.chain.ok ? failed?.code : report.chain.code;
        const reason = report.chain.ok
          ? `${failed?.name ?? 'HKD'}: ${failed?.reason ?? 'not verified'}`
          : `chain: ${report.chain.reason ?? 'not verified'}`;
        return { verdict: 'failed', ...(code ? { code } : {}), reason, crlState: crlStateOf(false, code) };
      })();
      cache.set(key, result);
    }
    return result;
  };
}
