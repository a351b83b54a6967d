/**
 * What a guest must prove: the additional-data kinds (pvattest's `--add-data` names) and the policy an
 * attestation is judged against. Defined once; the engine, store, IPC schemas, CLI and UI import it.
 */

/** Additional-data kinds a request may ask for and a policy may require (pvattest's `--add-data` names). */
export const ADD_DATA_KINDS = ['phkh-img', 'phkh-att', 'secret-store-hash', 'firmware-state'] as const;

/** One additional-data kind. */
export type AddDataKind = (typeof ADD_DATA_KINDS)[number];

/** The decoded field of each additional-data kind (`AttestationAdditionalData` keys). */
export const ADD_DATA_KEYS = {
  'phkh-img': 'imagePhkh',
  'phkh-att': 'attestationPhkh',
  'secret-store-hash': 'secretStoreHash',
  'firmware-state': 'firmwareState',
} as const satisfies Record<AddDataKind, string>;

/**
 * The policy an attestation is judged against, recorded with the attempt when it starts (so the verdict can
 * be recomputed later from the row alone). Every field is optional; an absent field is not checked.
 */
export interface AttestationPolicy {
  /** SHA-256 (hex) of the HKDs the request may be encrypted for; empty or absent = any stored HKD. */
  hkdSha256?: string[];
  /** Expected image PHKH (hex, 32 bytes). */
  expectedImagePhkh?: string;
  /** Expected attestation PHKH (hex, 32 bytes). */
  expectedAttestationPhkh?: string;
  /** Expected user data (hex). */
  expectedUserData?: string;
  /** Additional-data kinds that must be requested and present in the response. */
  requiredAddData?: AddDataKind[];
}

/** A guest's stored policy: the same shape as the policy recorded with each attestation. */
export type GuestPolicy = AttestationPolicy;
