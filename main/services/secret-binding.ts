/**
 * What an add-secret request is bound to when it comes from a stored attestation: the CUID of that attestation
 * (only if it verified) and the SE header it was verified against. Used by `se-attest secret create --attestation`
 * and by the release service.
 */
import { AttestError } from '../../shared/errors/index.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';
import type { AttestationRecord } from '../../shared/types/store.js';
import type { Store } from '../store/index.js';

/** The binding of a verified attestation. */
export interface AttestationBinding {
  readonly attestation: AttestationRecord;
  readonly cuid: Uint8Array;
  /** The bare SE header the attestation was verified against (null for rows older than schema 3). */
  readonly seHeader: Uint8Array | null;
}

/** The outcome of a stored attempt, as `judgeAttestation` decided it (only `verified` ever counts as verified). */
export function attestationOutcome(record: AttestationRecord): string {
  return record.verdict?.outcome ?? record.status;
}

/** The CUID and SE header of stored attestation `id`; throws ERR_SECRET_CUID_UNVERIFIED unless it verified. */
export function verifiedAttestationBinding(store: Store, id: number): AttestationBinding {
  const attestation = store.attestations.get(id);
  const outcome = attestationOutcome(attestation);
  if (!isVerifiedOutcome(outcome) || attestation.cuid === null)
    throw new AttestError(
      'ERR_SECRET_CUID_UNVERIFIED',
      `attestation ${id} of guest ${attestation.guestName} did not verify (${outcome}${attestation.errorCode ? `, ${attestation.errorCode}` : ''}): no secret is bound to it`,
      { attestationId: id, outcome },
    );
  return {
    attestation,
    cuid: new Uint8Array(Buffer.from(attestation.cuid, 'hex')),
    seHeader: store.attestations.seHeader(id),
  };
}
