/**
 * Error codes of the firmware-state verification (`se-attest check --firmware`: an HTTP POST of the response's
 * firmware state to IBM's, or a given, verification server). Append only; never rename a code once used.
 */
export const FIRMWARE_ERROR_CODES = [
  /** `--firmware-verify-url` is not an http(s) URL. */
  'ERR_FIRMWARE_URL_INVALID',
  /** The server could not be reached (refused, unknown host, TLS failure, connection reset). */
  'ERR_FIRMWARE_CONNECT',
  /** No complete answer within the timeout. */
  'ERR_FIRMWARE_TIMEOUT',
  /** The server answered with an HTTP status other than 200. */
  'ERR_FIRMWARE_HTTP_STATUS',
  /** The answer is not the JSON the protocol defines (or larger than the cap). */
  'ERR_FIRMWARE_RESPONSE_INVALID',
  /** More redirects than allowed (50, as IBM's tool). */
  'ERR_FIRMWARE_TOO_MANY_REDIRECTS',
] as const;
