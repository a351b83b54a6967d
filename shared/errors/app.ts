/** Error codes of the app area. Append only; never rename a code once used. */
export const APP_ERROR_CODES = [
  'ERR_APP_INTERNAL',
  /** A channel payload failed validation. */
  'ERR_APP_BAD_REQUEST',
  /** The channel is not part of the contract. */
  'ERR_APP_UNKNOWN_CHANNEL',
  /** Sender, token or Origin not accepted. */
  'ERR_APP_FORBIDDEN',
  /** A guest, trust item, attestation or prompt id does not exist. */
  'ERR_APP_NOT_FOUND',
  /** A guest with that name already exists. */
  'ERR_APP_CONFLICT',
  /** The user or the caller cancelled the run. */
  'ERR_APP_CANCELLED',
  /** The user refused the guest's SSH host key at first contact. */
  'ERR_APP_HOSTKEY_REJECTED',
  /** A run with that id is already in progress. */
  'ERR_APP_RUN_BUSY',
  /** The operation is not wired to a service yet. */
  'ERR_APP_NOT_IMPLEMENTED',
  /** The UI lost its connection to the workstation (server stopped, main process busy or gone). */
  'ERR_APP_DISCONNECTED',
  /** No running workstation was found to open (`se-attest open`). */
  'ERR_APP_NO_INSTANCE',
] as const;
