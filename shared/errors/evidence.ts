/** Error codes of the evidence area. Append only; never rename a code once used. */
export const EVIDENCE_ERROR_CODES = [
  'ERR_EVIDENCE_INTERNAL',
  // export
  'ERR_EVIDENCE_PERIOD_INVALID',
  'ERR_EVIDENCE_OUTPUT_EXISTS',
  'ERR_EVIDENCE_SOURCE',
  'ERR_EVIDENCE_KEY_FILE',
  'ERR_EVIDENCE_CANONICAL_JSON', // deprecated, never raised: canonical JSON refuses a value with ERR_INPUT_INVALID
  // re-verification (one code per check; the failing file is in details.file)
  'ERR_EVIDENCE_BUNDLE_UNREADABLE',
  'ERR_EVIDENCE_MANIFEST_INVALID',
  'ERR_EVIDENCE_SIGNATURE_INVALID',
  'ERR_EVIDENCE_KEY_MISMATCH',
  'ERR_EVIDENCE_DIGEST_MISMATCH',
  'ERR_EVIDENCE_FILE_MISSING',
  'ERR_EVIDENCE_FILE_EXTRA',
  'ERR_EVIDENCE_RECORD_INVALID',
  'ERR_EVIDENCE_MEASUREMENT_MISMATCH',
  'ERR_EVIDENCE_HKD_CHAIN',
  'ERR_EVIDENCE_AUDIT_CHAIN',
  // issue 11/12: schema validation, recomputed outcomes, bounded reads, hostile zips, unauthenticated signer
  'ERR_EVIDENCE_SCHEMA_INVALID',
  'ERR_EVIDENCE_OUTCOME_MISMATCH',
  'ERR_EVIDENCE_FILE_TOO_LARGE',
  'ERR_EVIDENCE_JSON_INVALID',
  'ERR_EVIDENCE_ZIP_ENTRY_INVALID',
  'ERR_EVIDENCE_SIGNER_UNAUTHENTICATED',
  // single-attestation report
  'ERR_EVIDENCE_REPORT_FORMAT',
  'ERR_EVIDENCE_REPORT_WRITE',
  // issue 14: secret releases and the attestations that gated them
  'ERR_EVIDENCE_RELEASE_GATE',
  'ERR_EVIDENCE_RELEASE_MISMATCH',
] as const;
