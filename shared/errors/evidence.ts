/** Error codes of the evidence area. Append only; never rename a code once used. */
export const EVIDENCE_ERROR_CODES = [
  'ERR_EVIDENCE_INTERNAL',
] as const;
