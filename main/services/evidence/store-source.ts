/**
 * The SQLite store as an `EvidenceSource`: guests, the attestations of a period with every byte needed to
 * re-verify them (request, response, unsealed ARPK, the SE header kept with the attempt, the HKDs in slot order),
 * the certificates, trust anchors and CRLs, and the audit entries of the period. Attestations are read one at a
 * time, so exports stay streaming.
 */
import type { EvidenceAttestationStatus, EvidenceAuditEntry } from '../../../shared/types/evidence.js';
import type { AttestationPolicy } from '../../../shared/types/policy.js';
import type { AttestationRecord } from '../../../shared/types/store.js';
import type { Store } from '../../store/index.js';
import type {
  EvidenceAttestation,
  EvidenceRelease,
  EvidenceSource,
  EvidenceTrustItem,
  ListEvidenceAttestationsParams,
} from './source.js';

const AUDIT_PAGE = 1000;

function additionalHex(r: AttestationRecord): string | null {
  const a = r.additionalData;
  if (!a) return null;
  const parts = [a.imagePhkh, a.attestationPhkh, a.secretStoreHash, a.firmwareState, a.unrecognized].filter(
    (x): x is string => !!x,
  );
  return parts.length > 0 ? parts.join('') : null;
}

/** A policy with at least one check, or null. */
function policyOrNull(p: AttestationPolicy | null | undefined): AttestationPolicy | null {
  if (!p) return null;
  const any =
    (p.hkdSha256?.length ?? 0) > 0 ||
    (p.requiredAddData?.length ?? 0) > 0 ||
    p.expectedImagePhkh !== undefined ||
    p.expectedAttestationPhkh !== undefined ||
    p.expectedUserData !== undefined;
  return any ? p : null;
}

/**
 * The policy an attempt is judged against: the one recorded with it when it started (store schema 6 on);
 * for older rows, the guest's current policy (marked `guest-current`, so the bundle says so).
 */
function policyOf(
  r: AttestationRecord,
  guestPolicy: () => AttestationPolicy | undefined,
): { policy: AttestationPolicy | null; policySource: 'recorded' | 'guest-current' | 'none' } {
  if (r.policy !== null) {
    const p = policyOrNull(r.policy);
    return { policy: p, policySource: p ? 'recorded' : 'none' };
  }
  const current = policyOrNull(guestPolicy());
  return { policy: current, policySource: current ? 'guest-current' : 'none' };
}

/** One stored attempt with every byte needed to re-verify it (`hkd` reads an HKD's bytes by SHA-256). */
export function storeEvidenceAttestation(
  store: Store,
  id: number,
  hkd: (sha256: string) => Uint8Array = (sha) => store.trust.bytes(sha),
): EvidenceAttestation {
  const r = store.attestations.get(id);
  const secrets = store.attestations.secrets(id);
  const phkhs = [r.additionalData?.imagePhkh, r.additionalData?.attestationPhkh].filter((x): x is string => !!x);
  return {
    id: r.id,
    guestName: r.guestName,
    status: r.status as EvidenceAttestationStatus,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    cuid: r.cuid,
    phkhs,
    userData: r.userData,
    additionalData: additionalHex(r),
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    ...policyOf(r, () => store.guests.getById(r.guestId)?.policy),
    request: secrets.request,
    response: secrets.response,
    arpk: secrets.arpk,
    seHeader: store.attestations.seHeader(id) ?? store.guests.seHeader(r.guestId),
    hkds: r.hkdSha256.map((sha256) => ({ sha256, bytes: hkd(sha256) })),
    hkdReport: r.hkdReport,
  };
}

/** An EvidenceSource reading `store` (which the caller keeps open and closes). */
export function createStoreEvidenceSource(store: Store): EvidenceSource {
  const hkdBytes = new Map<string, Uint8Array>();
  const hkd = (sha256: string): Uint8Array => {
    let b = hkdBytes.get(sha256);
    if (!b) {
      b = store.trust.bytes(sha256);
      hkdBytes.set(sha256, b);
    }
    return b;
  };
  return {
    async *listGuests() {
      for (const g of store.guests.list()) yield { name: g.name, createdAt: g.createdAt };
    },
    async *listAttestations(p: ListEvidenceAttestationsParams): AsyncIterable<EvidenceAttestation> {
      const guestIds = p.guestNames?.map((n) => store.guests.get(n).id);
      for (const id of store.attestations.idsInPeriod({ from: p.from, to: p.to, ...(guestIds ? { guestIds } : {}) }))
        yield storeEvidenceAttestation(store, id, hkd);
    },
    async *listTrustMaterial(): AsyncIterable<EvidenceTrustItem> {
      for (const kind of ['signing-key', 'ca', 'certificate', 'crl'] as const) {
        for (const { item, der } of store.trust.withBytes(kind)) {
          const selfSigned = kind === 'ca' && item.subject !== null && item.subject === item.issuer;
          yield {
            sha256: item.sha256,
            role: kind === 'crl' ? 'crl' : selfSigned ? 'root' : 'certificate',
            bytes: der,
            subject: item.subject,
            issuer: item.issuer,
          };
        }
      }
    },
    async *listReleases(p: ListEvidenceAttestationsParams): AsyncIterable<EvidenceRelease> {
      const only = p.guestNames ? new Set(p.guestNames) : undefined;
      const runs = store.releases.listRuns({ from: p.from, to: p.to }).reverse();
      for (const r of runs) {
        if (only && !only.has(r.guestName)) continue;
        yield {
          id: r.id,
          guestName: r.guestName,
          releaseName: r.releaseName,
          kind: r.kind,
          status: r.status,
          failedStep: r.failedStep,
          errorCode: r.errorCode,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          cuid: r.cuid,
          secretName: r.secretName,
          secretType: r.secretType,
          secretId: r.secretId,
          request: store.releases.runRequest(r.id),
          added: r.added,
          locked: r.locked,
          priorRequests: r.priorRequests,
          bindingSha256: r.bindingSha256,
          gateAttestationId: r.gateAttestationId,
          checkAttestationId: r.checkAttestationId,
        };
      }
    },
    async *listAuditEntries(p: { readonly from: Date; readonly to: Date }): AsyncIterable<EvidenceAuditEntry> {
      const from = p.from.toISOString();
      const to = p.to.toISOString();
      let after = 0;
      for (;;) {
        const page = store.audit.list({ afterSeq: after, limit: AUDIT_PAGE });
        if (page.length === 0) return;
        for (const e of page) {
          if (e.at >= from && e.at < to) yield { ...e, subjectId: e.subjectId ?? null, data: e.data };
        }
        after = page[page.length - 1]!.seq;
      }
    },
  };
}
