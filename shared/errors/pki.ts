/** Error codes of the pki area (host-key document verification). Append only; never rename a code once used. */
export const PKI_ERROR_CODES = [
  'ERR_PKI_INTERNAL',
  // input loading (spec §5: LOAD_ROOT / LOAD_CRL / READ_FILE, size bounds, malformed certificate files)
  'ERR_PKI_INPUT_TOO_LARGE',
  'ERR_PKI_LOAD_ROOT',
  'ERR_PKI_LOAD_CRL',
  'ERR_PKI_READ_FILE',
  'ERR_PKI_CERT_MALFORMED',
  // signing-key identification (spec §3.3)
  'ERR_HKD_NO_SIGNING_KEY',
  'ERR_HKD_MANY_SIGNING_KEYS',
  // chain validation of the signing key (spec §3.4; category SIGNING_KEY_INVALID, OpenSSL code in details.x509Code)
  'ERR_CHAIN_NO_ISSUER',
  'ERR_CHAIN_UNTRUSTED_ROOT',
  'ERR_CHAIN_TOO_LONG',
  'ERR_CHAIN_TOO_SHORT',
  'ERR_CHAIN_PROFILE',
  'ERR_CHAIN_WEAK_KEY',
  'ERR_CHAIN_WEAK_DIGEST',
  'ERR_CHAIN_BAD_SIGNATURE',
  'ERR_CHAIN_NOT_YET_VALID',
  'ERR_CHAIN_EXPIRED',
  'ERR_CHAIN_REVOKED',
  'ERR_CRL_MISSING',
  'ERR_CRL_NO_CRLSIGN',
  'ERR_CRL_NOT_YET_VALID',
  'ERR_CRL_EXPIRED',
  'ERR_CRL_BAD_SIGNATURE',
  // per-HKD checks (spec §3.5 E1..E9, §4)
  'ERR_HKD_WEAK_KEY',
  'ERR_HKD_NOT_YET_VALID',
  'ERR_HKD_EXPIRED',
  'ERR_HKD_AKID_MISMATCH',
  'ERR_HKD_BAD_SIGNATURE',
  'ERR_HKD_NO_VALID_CRL',
  'ERR_HKD_REVOKED',
  'ERR_HKD_NOT_P521',
  'ERR_HKD_NOT_PEM_OR_DER',
  'ERR_HKD_EMPTY',
  // verification as a whole
  'ERR_HKD_VERIFICATION_FAILED',
  // a workspace with several IBM Z signing keys: none of them issued the HKD (issuer name, key id, signature)
  'ERR_HKD_NO_ISSUING_SIGNING_KEY',
] as const;
