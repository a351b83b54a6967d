/**
 * An in-memory EvidenceSource and a fixture builder for evidence tests and the benchmark: a fake IBM PKI
 * (demo-pki), a few distinct real attestations made with the software Ultravisor (verified, measurement
 * mismatch, error without response), reused across as many guests and attestations as asked, plus a
 * hash-chained audit log.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EvidenceAttestationStatus, EvidenceAuditEntry } from '../../shared/types/evidence.js';
import type { AttestationPolicy } from '../../shared/types/policy.js';
import {
  createAttestationRequest,
  p521KeyPairFromPrivate,
  p521PrivateKeyFromPem,
  performAttestation,
  systemContext,
} from '../../main/engine/index.js';
import { createFakeIbmPki, type FakeIbmPki } from '../../main/engine/pki/demo-pki.js';
import { computeAuditEntryHash, AUDIT_GENESIS_HASH } from '../../main/services/evidence/audit-chain.js';
import type {
  EvidenceAttestation,
  EvidenceGuest,
  EvidenceSource,
  EvidenceTrustItem,
  ListEvidenceAttestationsParams,
} from '../../main/services/evidence/source.js';
import { factoryContext } from './pki-factory.js';

/** An EvidenceSource over arrays (sorted and filtered like the store adapter must). */
export class MemoryEvidenceSource implements EvidenceSource {
  constructor(
    readonly guests: EvidenceGuest[],
    readonly attestations: EvidenceAttestation[],
    readonly trust: EvidenceTrustItem[],
    readonly audit: EvidenceAuditEntry[],
  ) {}

  async *listGuests(): AsyncIterable<EvidenceGuest> {
    yield* this.guests;
  }

  async *listAttestations(p: ListEvidenceAttestationsParams): AsyncIterable<EvidenceAttestation> {
    const from = p.from.getTime();
    const to = p.to.getTime();
    const names = p.guestNames ? new Set(p.guestNames) : undefined;
    const picked = this.attestations.filter((a) => {
      const t = Date.parse(a.startedAt);
      return t >= from && t < to && (!names || names.has(a.guestName));
    });
    picked.sort((x, y) =>
      x.guestName < y.guestName
        ? -1
        : x.guestName > y.guestName
          ? 1
          : Date.parse(x.startedAt) - Date.parse(y.startedAt) || String(x.id).localeCompare(String(y.id)),
    );
    yield* picked;
  }

  async *listTrustMaterial(): AsyncIterable<EvidenceTrustItem> {
    yield* this.trust;
  }

  async *listAuditEntries(p: { from: Date; to: Date }): AsyncIterable<EvidenceAuditEntry> {
    yield* this.audit.filter((e) => Date.parse(e.at) >= p.from.getTime() && Date.parse(e.at) < p.to.getTime());
  }
}

export const SE_HEADER = new Uint8Array(readFileSync(new URL('../vectors/interop/keys/se.hdr', import.meta.url)));
export const PERIOD_FROM = new Date('2027-01-01T00:00:00Z');
export const PERIOD_TO = new Date('2028-01-01T00:00:00Z');

/** One reusable real attestation outcome. */
interface Sample {
  status: EvidenceAttestationStatus;
  request: Uint8Array;
  response: Uint8Array | null;
  arpk: Uint8Array;
  seHeader: Uint8Array;
  cuid: string | null;
  userData: string | null;
  errorCode: string | null;
  hkdIndex: number;
}

/** Inputs of `buildEvidenceFixture`. */
export interface EvidenceFixtureParams {
  guests: number;
  attestations: number;
  /** Distinct verified samples to reuse (default 3). */
  distinct?: number;
  /** Every n-th attestation is a measurement mismatch (default 0 = none). */
  mismatchEvery?: number;
  /** Every n-th attestation is a transport error without response (default 0 = none). */
  errorEvery?: number;
  /** Guests without any attestation (added to the guest list). */
  idleGuests?: number;
  /** Revoke HKD index 1 in the HKD CRL (attestations on it then fail the chain re-check). */
  revokeSecondHkd?: boolean;
  /** Every n-th attestation is judged against a policy expecting another image PHKH (a policy violation). */
  policyViolationEvery?: number;
  /** Every attestation records a policy its response satisfies (HKD list, required add-data) unless it violates one. */
  recordPolicies?: boolean;
  /** When each guest was created (default: unknown). */
  guestCreatedAt?: (name: string, index: number) => string | null;
}

/** The image PHKH a policy-violating fixture attestation is expected to have (not the one it has). */
export const WRONG_IMAGE_PHKH = 'ab'.repeat(32);

/** A built fixture. */
export interface EvidenceFixture {
  source: MemoryEvidenceSource;
  pki: FakeIbmPki;
  guestNames: string[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Builds the PKI, the samples, the attestations and the audit chain. */
export async function buildEvidenceFixture(p: EvidenceFixtureParams): Promise<EvidenceFixture> {
  const pki = await createFakeIbmPki({
    ctx: factoryContext(),
    hkdCount: 2,
    ...(p.revokeSecondHkd ? { revokedHkds: [1] } : {}),
  });
  const hostPriv = pki.hkds.map((h) => p521PrivateKeyFromPem(h.privateKeyPem));
  const hostCoords = hostPriv.map((k) => p521KeyPairFromPrivate(k).publicCoords);
  const ctx = systemContext();
  const make = (i: number, hkdIndex: number): Sample => {
    const req = createAttestationRequest({ hostKeys: [hostCoords[hkdIndex]!], addData: ['phkh-img', 'phkh-att'], ctx });
    const cuid = new Uint8Array(randomBytes(16));
    const userData = new TextEncoder().encode(`sample-${i}`);
    const response = performAttestation({
      request: req.exchange,
      hostPrivateKeys: [hostPriv[hkdIndex]!],
      seHeader: SE_HEADER,
      cuid,
      userData,
    });
    return {
      status: 'verified',
      request: req.exchange,
      response,
      arpk: req.arpk,
      seHeader: SE_HEADER,
      cuid: hex(cuid),
      userData: hex(userData),
      errorCode: null,
      hkdIndex,
    };
  };
  const distinct = p.distinct ?? 3;
  const verifiedSamples = Array.from({ length: distinct }, (_, i) => make(i, i % 2));
  const mm = make(100, 0);
  const otherHeader = SE_HEADER.slice();
  otherHeader[0xe0] = otherHeader[0xe0]! ^ 0x01; // a different PLD: the guest is not the expected image
  const mismatch: Sample = { ...mm, status: 'mismatch', seHeader: otherHeader };
  const errReq = createAttestationRequest({ hostKeys: [hostCoords[0]!], ctx });
  const error: Sample = {
    status: 'error',
    request: errReq.exchange,
    response: null,
    arpk: errReq.arpk,
    seHeader: SE_HEADER,
    cuid: null,
    userData: null,
    errorCode: 'ERR_TRANSPORT_TIMEOUT',
    hkdIndex: 0,
  };

  const guestNames = Array.from({ length: p.guests }, (_, i) => `guest-${String(i).padStart(3, '0')}`);
  const idle = Array.from({ length: p.idleGuests ?? 0 }, (_, i) => `idle-${i}`);
  const span = PERIOD_TO.getTime() - PERIOD_FROM.getTime();
  const perGuest = Math.ceil(p.attestations / p.guests);
  const attestations: EvidenceAttestation[] = [];
  const audit: EvidenceAuditEntry[] = [];
  let prev = AUDIT_GENESIS_HASH;
  const appendAudit = (
    at: string,
    action: string,
    subjectType: string,
    subjectId: number | null,
    data: Record<string, unknown>,
  ) => {
    const base = { seq: audit.length + 1, at, action, subjectType, subjectId, data };
    const hash = computeAuditEntryHash(prev, base);
    audit.push({ ...base, prevHash: prev, hash });
    prev = hash;
  };
  appendAudit('2026-12-01T00:00:00.000Z', 'trust.imported', 'trust', 1, {
    sha256: createHash('sha256').update(pki.hkds[0]!.der).digest('hex'),
  });
  for (let n = 0; n < p.attestations; n++) {
    const g = n % p.guests;
    const k = Math.floor(n / p.guests);
    const sample =
      p.errorEvery && n % p.errorEvery === p.errorEvery - 1
        ? error
        : p.mismatchEvery && n % p.mismatchEvery === p.mismatchEvery - 1
          ? mismatch
          : verifiedSamples[n % distinct]!;
    const started = new Date(PERIOD_FROM.getTime() + Math.floor(((k + 0.5) * span) / perGuest) + g * 61_000);
    const id = n + 1;
    const hkd = pki.hkds[sample.hkdIndex]!;
    const hkdSha = createHash('sha256').update(hkd.der).digest('hex');
    const violates = !!p.policyViolationEvery && n % p.policyViolationEvery === p.policyViolationEvery - 1;
    const policy: AttestationPolicy | null = violates
      ? { expectedImagePhkh: WRONG_IMAGE_PHKH }
      : p.recordPolicies
        ? { hkdSha256: [hkdSha], requiredAddData: sample.response ? ['phkh-img', 'phkh-att'] : [] }
        : null;
    attestations.push({
      id,
      guestName: guestNames[g]!,
      status: sample.status,
      startedAt: started.toISOString(),
      finishedAt: new Date(started.getTime() + 4000).toISOString(),
      cuid: sample.cuid,
      userData: sample.userData,
      additionalData: null,
      errorCode: sample.errorCode,
      errorMessage: sample.errorCode ? 'the guest did not answer in time' : null,
      policy,
      request: sample.request,
      response: sample.response,
      arpk: sample.arpk,
      seHeader: sample.seHeader,
      hkds: [{ sha256: hkdSha, bytes: hkd.der }],
      hkdReport: { verified: true, at: started.toISOString() },
    });
    if (n < 2000)
      appendAudit(started.toISOString(), 'attestation.finished', 'attestation', id, { status: sample.status });
  }
  audit.sort((a, b) => a.seq - b.seq);
  const trust: EvidenceTrustItem[] = [
    { sha256: '', role: 'certificate', bytes: pki.signingKey.der, subject: 'IBM Z Host Key Signing Service' },
    { sha256: '', role: 'certificate', bytes: pki.intermediate.der, subject: 'IBM Z Intermediate CA' },
    { sha256: '', role: 'root', bytes: pki.root.der, subject: 'IBM Z Root CA' },
    { sha256: '', role: 'crl', bytes: pki.signingKeyCrl.der },
    { sha256: '', role: 'crl', bytes: pki.intermediateCrl.der },
    { sha256: '', role: 'crl', bytes: pki.rootCrl.der },
  ].map((t) => ({ ...t, sha256: createHash('sha256').update(t.bytes).digest('hex') })) as EvidenceTrustItem[];
  const guests = [...guestNames, ...idle].map((name, i) => ({ name, createdAt: p.guestCreatedAt?.(name, i) ?? null }));
  return { source: new MemoryEvidenceSource(guests, attestations, trust, audit), pki, guestNames };
}
