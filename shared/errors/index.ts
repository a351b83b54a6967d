/**
 * The closed union of error codes, ERR_<AREA>_<REASON>. Codes are never renamed once used: UI text is
 * chosen by code, `message` is for people reading logs. Each area keeps its list in its own file.
 */
import { APP_ERROR_CODES } from './app.js';
import { CLI_ERROR_CODES } from './cli.js';
import { ENGINE_ERROR_CODES } from './engine.js';
import { EVIDENCE_ERROR_CODES } from './evidence.js';
import { FIRMWARE_ERROR_CODES } from './firmware.js';
import { FS_ERROR_CODES } from './fs.js';
import { PKI_ERROR_CODES } from './pki.js';
import { SECRET_ERROR_CODES } from './secret.js';
import { STORE_ERROR_CODES } from './store.js';
import { TRANSPORT_ERROR_CODES } from './transport.js';

export const ERROR_CODES = [
  ...ENGINE_ERROR_CODES,
  ...PKI_ERROR_CODES,
  ...TRANSPORT_ERROR_CODES,
  ...STORE_ERROR_CODES,
  ...EVIDENCE_ERROR_CODES,
  ...APP_ERROR_CODES,
  ...CLI_ERROR_CODES,
  ...FS_ERROR_CODES,
  ...FIRMWARE_ERROR_CODES,
  ...SECRET_ERROR_CODES,
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A coded error; `details` holds plain, secret-free data (sizes, offsets, rc values, paths). */
export class AttestError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AttestError';
    this.code = code;
    this.details = details;
  }
}

/** True when `value` is an AttestError, optionally with the given code. */
export function isAttestError(value: unknown, code?: ErrorCode): value is AttestError {
  return value instanceof AttestError && (code === undefined || value.code === code);
}

/** True when `code` is one of the known codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}
