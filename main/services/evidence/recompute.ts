/**
 * Recomputes one attestation from its own files with the engine (what `pvattest verify -i response.bin
 * --arpk arpk.key --hdr se-header.bin` does), then judges it with the one verdict model (`judgeAttestation`)
 * against the policy recorded with it. The exporter and `evidence verify` both call `judgeBundleAttestation`,
 * so the outcome written into evidence.json and the outcome re-verified later come from the same function.
 */
import { isAttestError } from '../../../shared/errors/index.js';
import type { EvidenceAttestationStatus, EvidenceMeasurementResult } from '../../../shared/types/evidence.js';
import type { AttestationPolicy } from '../../../shared/types/policy.js';
import type { Verdict } from '../../../shared/types/verdict.js';
import { judgeAttestation } from '../../engine/attest/verdict.js';
import { toHex } from '../../engine/bytes.js';
import { parseArcb } from '../../engine/formats/arcb.js';
import { parseExchangeRequest, parseExchangeResponse } from '../../engine/formats/exchange.js';
import { verifyAttestationResponse } from '../../engine/attest/verify.js';

/** The files of one attestation folder (absent = not in the folder). */
export interface AttestationFiles {
  readonly request?: Uint8Array | undefined;
  readonly response?: Uint8Array | undefined;
  readonly arpk?: Uint8Array | undefined;
  readonly seHeader?: Uint8Array | undefined;
}

/** What the recomputation found (hex strings). */
export interface RecomputedAttestation {
  verdict: EvidenceMeasurementResult;
  code: string | null;
  reason: string | null;
  cuid: string | null;
  measurement: string | null;
  userData: string | null;
  additionalData: string | null;
  imagePhkh: string | null;
  attestationPhkh: string | null;
  secretStoreHash: string | null;
  firmwareState: string | null;
  nonce: string | null;
  requestPhkhs: string[];
}

function slotPhkhs(files: AttestationFiles): string[] {
  try {
    const arcb = files.request
      ? parseExchangeRequest(files.request).arcb
      : files.response
        ? parseExchangeResponse(files.response).arcb
        : undefined;
    return arcb ? parseArcb(arcb).keySlots.map((s) => toHex(s.phkh)) : [];
  } catch {
    return [];
  }
}

const hexOrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : toHex(b));

/** Recomputes the measurement; never throws for bad files (verdict `unreadable` with the engine's code). */
export function recomputeAttestation(files: AttestationFiles): RecomputedAttestation {
  const empty: RecomputedAttestation = {
    verdict: 'no-response',
    code: null,
    reason: null,
    cuid: null,
    measurement: null,
    userData: null,
    additionalData: null,
    imagePhkh: null,
    attestationPhkh: null,
    secretStoreHash: null,
    firmwareState: null,
    nonce: null,
    requestPhkhs: slotPhkhs(files),
  };
  if (!files.response) return { ...empty, reason: 'no response was received' };
  if (!files.arpk || !files.seHeader)
    return {
      ...empty,
      verdict: 'unreadable',
      code: 'ERR_EVIDENCE_FILE_MISSING',
      reason: 'the ARPK or SE header is missing',
    };
  try {
    const v = verifyAttestationResponse({ response: files.response, arpk: files.arpk, seHeader: files.seHeader });
    return {
      ...empty,
      verdict: v.verified ? 'verified' : 'mismatch',
      reason: v.verified ? null : 'the measurement does not match',
      cuid: toHex(v.cuid),
      measurement: toHex(v.measurement),
      userData: hexOrNull(v.userData),
      additionalData: hexOrNull(v.additionalData),
      imagePhkh: hexOrNull(v.additional?.imagePhkh),
      attestationPhkh: hexOrNull(v.additional?.attestationPhkh),
      secretStoreHash: hexOrNull(v.additional?.secretStoreHash),
      firmwareState: hexOrNull(v.additional?.firmwareState),
      nonce: hexOrNull(v.nonce),
    };
  } catch (e) {
    if (!isAttestError(e)) throw e;
    return { ...empty, verdict: 'unreadable', code: e.code, reason: e.message };
  }
}

/** What the record says beyond the files: the recorded policy, status and error, and the HKDs used. */
export interface RecordedFacts {
  readonly policy: AttestationPolicy | null;
  readonly status: EvidenceAttestationStatus | string;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** SHA-256 (hex) of the HKDs the request was encrypted for, slot order. */
  readonly hkdSha256: readonly string[];
}

/**
 * The verdict of a recomputed attestation (the one verdict model): a response that was measured is judged
 * against the recorded policy; without one, the recorded error decides between `error` and `cancelled`, and a
 * run still pending or interrupted when exported is `interrupted`. Files that the engine rejects are `error`.
 */
export function judgeRecomputed(r: RecomputedAttestation, facts: RecordedFacts): Verdict {
  if (r.verdict === 'verified' || r.verdict === 'mismatch') {
    return judgeAttestation({
      kind: 'measured',
      measurementVerified: r.verdict === 'verified',
      policy: facts.policy,
      seen: {
        userData: r.userData,
        additionalData: {
          ...(r.imagePhkh !== null ? { imagePhkh: r.imagePhkh } : {}),
          ...(r.attestationPhkh !== null ? { attestationPhkh: r.attestationPhkh } : {}),
          ...(r.secretStoreHash !== null ? { secretStoreHash: r.secretStoreHash } : {}),
          ...(r.firmwareState !== null ? { firmwareState: r.firmwareState } : {}),
        },
        hkdSha256: facts.hkdSha256,
      },
    });
  }
  if (r.verdict === 'unreadable')
    return judgeAttestation({ kind: 'failed', code: r.code, message: `the bundled files were rejected: ${r.reason}` });
  if (facts.status === 'interrupted' || facts.status === 'pending')
    return judgeAttestation({
      kind: 'interrupted',
      message:
        facts.status === 'pending'
          ? 'the attempt had not finished when the bundle was exported'
          : (facts.errorMessage ?? null),
    });
  return judgeAttestation({ kind: 'failed', code: facts.errorCode, message: facts.errorMessage });
}

/** Recomputes and judges one attestation from its files and recorded facts. */
export function judgeBundleAttestation(
  files: AttestationFiles,
  facts: RecordedFacts,
): { recomputed: RecomputedAttestation; verdict: Verdict } {
  const recomputed = recomputeAttestation(files);
  return { recomputed, verdict: judgeRecomputed(recomputed, facts) };
}
