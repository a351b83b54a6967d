/** UI text chosen by error or reason code (messages are for logs; these are for people). */
import { CallError } from '../api/client.js';

const TEXT: Record<string, string> = {
  ERR_APP_BAD_REQUEST: 'The request was not valid. Check the highlighted fields.',
  ERR_APP_FORBIDDEN: 'This window is not allowed to talk to the workstation. Open the URL printed at start-up.',
  ERR_APP_NOT_FOUND: 'It no longer exists. Reload the list.',
  ERR_APP_CONFLICT: 'A guest with this name already exists.',
  ERR_APP_CANCELLED: 'Cancelled.',
  ERR_APP_HOSTKEY_REJECTED: 'The guest\u2019s SSH host key was not trusted; nothing was sent to it.',
  ERR_APP_RUN_BUSY: 'This run is already in progress.',
  ERR_APP_NOT_IMPLEMENTED: 'This operation is not available yet.',
  ERR_APP_INTERNAL: 'Something went wrong inside the workstation. See its log.',
  ERR_CREATE_NO_HOST_KEY: 'No host-key document: import one on the Trust screen first.',
  ERR_HOST_KEY_INVALID: 'Not a host-key document, certificate or CRL.',
  ERR_HOST_KEY_NOT_P521: 'The host-key document does not hold an EC P-521 key.',
  ERR_ARCB_TAG_MISMATCH: 'The response does not belong to this request (wrong ARPK).',
  mismatch: 'Measurement mismatch: the guest is not running the expected image.',
};

/** Text for a code, or the given fallback (the reported message). */
export function describeCode(code: string | undefined, fallback?: string): string {
  if (code && TEXT[code]) return TEXT[code]!;
  return fallback ?? (code ? `Failed (${code}).` : 'Failed.');
}

/** Code and text of anything thrown by a call. */
export function describeError(error: unknown): { code: string; text: string } {
  if (error instanceof CallError) return { code: error.code, text: describeCode(error.code, error.message) };
  return { code: 'ERR_APP_INTERNAL', text: describeCode('ERR_APP_INTERNAL') };
}
