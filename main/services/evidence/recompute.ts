/**
 * Recomputes one attestation from its own files with the engine (what `pvattest verify -i response.bin
 * --arpk arpk.key --hdr se-header.bin` does) and collects the facts the bundle records.
 */
import { isAttestError } from '../../../shared/errors/index.js';
import type { EvidenceVerdict } from '../../../shared/types/evidence.js';
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
  verdict: EvidenceVerdict;
  code: string | null;
  reason: string | null;
  cuid: string | null;
  measurement: string | null;
  userData: string | null;
  additionalData: string | null;
  imagePhkh: string | null;
  attestationPhkh: string | null;
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
      nonce: hexOrNull(v.nonce),
    };
  } catch (e) {
    if (!isAttestError(e)) throw e;
    return { ...empty, verdict: 'unreadable', code: e.code, reason: e.message };
  }
}
