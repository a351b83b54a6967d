/** Error codes of the store area. Append only; never rename a code once used. */
export const STORE_ERROR_CODES = [
  'ERR_STORE_INTERNAL',
  // opening the database file
  'ERR_STORE_OPEN',
  'ERR_STORE_LOCKED',
  'ERR_STORE_READ_ONLY',
  'ERR_STORE_SCHEMA_TOO_NEW',
  'ERR_STORE_MIGRATION',
  // rows
  'ERR_STORE_GUEST_NOT_FOUND',
  'ERR_STORE_GUEST_EXISTS',
  'ERR_STORE_GUEST_INVALID',
  'ERR_STORE_ATTESTATION_NOT_FOUND',
  'ERR_STORE_ATTESTATION_NOT_PENDING',
  'ERR_STORE_TRUST_UNRECOGNIZED',
  'ERR_STORE_TRUST_NOT_FOUND',
  // the ARPK sealed at rest
  'ERR_STORE_KEY_FILE',
  'ERR_STORE_ARPK_UNREADABLE',
  // guest policy violations (an attestation that verified but did not match the guest's expected policy)
  'ERR_POLICY_IMAGE_PHKH',
  'ERR_POLICY_ATTESTATION_PHKH',
  'ERR_POLICY_USER_DATA',
  'ERR_POLICY_ADD_DATA_MISSING',
  'ERR_POLICY_HOST_KEY',
  // schema 6: an outcome that is not what judgeAttestation decides for the row; settings
  'ERR_STORE_OUTCOME_MISMATCH',
  'ERR_STORE_SETTING_INVALID',
] as const;
