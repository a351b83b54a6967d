/** Error codes of the attestation engine (formats, crypto, attest, software Ultravisor). Never rename one. */
export const ENGINE_ERROR_CODES = [
  // generic input problems
  'ERR_INPUT_TOO_LARGE',
  'ERR_INPUT_TRUNCATED',
  'ERR_INPUT_INVALID',
  // ARCB (attestation request control block)
  'ERR_ARCB_NO_ARCB',
  'ERR_ARCB_VERSION',
  'ERR_ARCB_SIZE',
  'ERR_ARCB_KEYSLOTS', // deprecated, never raised: key-slot counts are ERR_CREATE_TOO_MANY_HOST_KEYS / ERR_ARCB_SIZE
  'ERR_ARCB_ALGORITHM',
  'ERR_ARCB_FLAGS',
  'ERR_ARCB_TAG_MISMATCH',
  'ERR_ARPK_SIZE',
  // add-secret requests (secret-store hash input)
  'ERR_ASRCB_INVALID',
  // exchange file
  'ERR_EXCHANGE_MAGIC',
  'ERR_EXCHANGE_VERSION',
  'ERR_EXCHANGE_TOO_SMALL',
  'ERR_EXCHANGE_ENTRY_RANGE',
  'ERR_EXCHANGE_ENTRY_SIZE',
  'ERR_EXCHANGE_NO_ARCB',
  'ERR_EXCHANGE_NO_MEASUREMENT',
  'ERR_EXCHANGE_NO_CUID',
  'ERR_EXCHANGE_CUID_SIZE',
  'ERR_EXCHANGE_USER_DATA_SIZE',
  // SE header and image search
  'ERR_SEHDR_INVALID',
  'ERR_SEHDR_NOT_FOUND',
  'ERR_SEHDR_VERSION',
  'ERR_SEHDR_TRUNCATED',
  'ERR_SEHDR_MULTIPLE',
  // additional data
  'ERR_ADD_DATA_MISSING',
  // request creation
  'ERR_CREATE_NO_HOST_KEY',
  'ERR_CREATE_TOO_MANY_HOST_KEYS',
  'ERR_HOST_KEY_INVALID',
  'ERR_HOST_KEY_NOT_P521',
  'ERR_USER_DATA_SIZE',
  'ERR_CUID_SIZE',
  // software Ultravisor (rc in details)
  'ERR_UV_RC',
  // check
  'ERR_CHECK_ARGUMENT', // deprecated, never raised: `check`'s bad arguments are ERR_CLI_USAGE (as pvattest's)
] as const;
