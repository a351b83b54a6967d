/**
 * UI text chosen by error or reason code: what happened in plain words and what to do next. Messages from the
 * main process are for logs; these are for people using the window, so they never name a command-line flag.
 * `{item}` is replaced by the certificate, CRL or file at fault when the caller knows it.
 */
import { CallError } from '../api/client.js';

/** The words of one code. */
export interface CodeText {
  /** What happened. */
  text: string;
  /** What to do about it. */
  next?: string;
}

const T: Record<string, CodeText> = {
  ERR_APP_BAD_REQUEST: { text: 'The request was not valid.', next: 'Check the marked fields and try again.' },
  ERR_APP_FORBIDDEN: {
    text: 'This window is no longer signed in to the workstation.',
    next: 'Run “npx se-attest open” in a terminal on this computer and open the link it prints.',
  },
  ERR_APP_NOT_FOUND: { text: 'It no longer exists.', next: 'Reload the list.' },
  ERR_APP_CONFLICT: { text: 'A guest with this name already exists.', next: 'Choose another name.' },
  ERR_APP_CANCELLED: { text: 'Cancelled before the guest was judged.', next: 'Attest again when ready.' },
  ERR_APP_HOSTKEY_REJECTED: {
    text: 'The guest\u2019s SSH host key was not trusted, so nothing was sent to it.',
    next: 'Check the fingerprint with the guest\u2019s administrator, then press Try again and trust it.',
  },
  ERR_APP_RUN_BUSY: { text: 'This run is already in progress.', next: 'Wait for it to finish.' },
  ERR_APP_NOT_IMPLEMENTED: { text: 'This operation is not available here.' },
  ERR_APP_INTERNAL: {
    text: 'The workstation hit an unexpected problem.',
    next: 'Try again; if it persists, look at the workstation\u2019s log.',
  },
  ERR_APP_DISCONNECTED: {
    text: 'The connection to the workstation is lost.',
    next: 'Check that the workstation still runs, then press Retry.',
  },
  mismatch: {
    text: 'The guest\u2019s answer does not match the request and its SE header.',
    next: 'The guest runs another image, its stored SE header is out of date, or the answer was altered. Check the guest\u2019s SE header and attest again; if it persists, do not trust the guest.',
  },
  interrupted: {
    text: 'The workstation stopped while this attestation was running.',
    next: 'Attest the guest again.',
  },
  ERR_POLICY_IMAGE_PHKH: {
    text: 'The guest\u2019s image was built for another host key than the policy expects.',
    next: 'The guest may run on a host it was not built for. Compare expected and seen below; if the new host is right, update the expected image PHKH in the guest\u2019s policy.',
  },
  ERR_POLICY_ATTESTATION_PHKH: {
    text: 'The attestation was answered under another host key than the policy expects.',
    next: 'The guest may have moved to another machine. Compare expected and seen below, then update the policy or investigate.',
  },
  ERR_POLICY_USER_DATA: {
    text: 'The guest\u2019s user data differs from the expected value.',
    next: 'Compare expected and seen below; update the expected user data if the change is intended.',
  },
  ERR_POLICY_ADD_DATA_MISSING: {
    text: 'Additional data the policy requires is missing from the answer.',
    next: 'The guest\u2019s Ultravisor may not support it. Check the required additional data in the guest\u2019s policy.',
  },
  ERR_POLICY_HOST_KEY: {
    text: 'The request was encrypted for a host key the policy does not list.',
    next: 'Choose the guest\u2019s HKDs again in its policy.',
  },
  ERR_CREATE_NO_HOST_KEY: {
    text: 'There is no host-key document to encrypt the request for.',
    next: 'Import the HKD of the guest\u2019s host on the Trust screen.',
  },
  ERR_CREATE_TOO_MANY_HOST_KEYS: {
    text: 'Too many host-key documents for one request.',
    next: 'Choose only the HKDs of the hosts this guest can run on.',
  },
  ERR_HOST_KEY_INVALID: { text: 'Not a host-key document, certificate or CRL.' },
  ERR_HOST_KEY_NOT_P521: { text: 'The host-key document does not hold an EC P-521 key.' },
  ERR_STORE_TRUST_UNRECOGNIZED: {
    text: 'Not a certificate or CRL (PEM or DER).',
    next: 'Choose the HKD, certificate or CRL file itself.',
  },
  ERR_STORE_TRUST_NOT_FOUND: {
    text: 'An HKD the guest\u2019s policy names is not imported.',
    next: 'Import it again on the Trust screen, or choose other HKDs in the guest\u2019s policy.',
  },
  ERR_INPUT_TOO_LARGE: { text: 'The file is too large.' },
  ERR_ARCB_TAG_MISMATCH: {
    text: 'The answer does not belong to this request (wrong request key).',
    next: 'Attest again.',
  },
  ERR_SEHDR_NOT_FOUND: {
    text: 'No SE header was found in the chosen file.',
    next: 'Choose the guest\u2019s SE image or its extracted header.',
  },
  ERR_SEHDR_INVALID: { text: 'The SE header is damaged or not an SE header.', next: 'Choose the file again.' },
  ERR_SEHDR_MULTIPLE: { text: 'The file holds more than one SE header.', next: 'Choose the extracted header.' },
  // Transport
  ERR_TRANSPORT_CONNECT_FAILED: {
    text: 'The guest could not be reached over SSH.',
    next: 'Check that it is running and that its SSH target (host and port) is right.',
  },
  ERR_TRANSPORT_AUTH_FAILED: {
    text: 'The guest refused the SSH identity.',
    next: 'Check the SSH identity in the guest\u2019s settings and that its public key is authorised on the guest.',
  },
  ERR_TRANSPORT_JUMP_FAILED: { text: 'The jump host could not be reached.', next: 'Check the jump host setting.' },
  ERR_TRANSPORT_HOST_KEY_CHANGED: {
    text: 'The guest presented another SSH host key than the pinned one.',
    next: 'The guest was reinstalled, or someone is in between. Check the new fingerprint on the guest\u2019s console before changing the pinned fingerprint in the guest\u2019s settings.',
  },
  ERR_TRANSPORT_HOST_KEY_UNKNOWN: {
    text: 'The guest\u2019s SSH host key is not known yet.',
    next: 'Attest it and decide when the workstation asks, or enter its fingerprint in the guest\u2019s settings.',
  },
  ERR_TRANSPORT_HOST_KEY_REVOKED: {
    text: 'The guest\u2019s SSH host key is marked revoked.',
    next: 'Do not trust it.',
  },
  ERR_TRANSPORT_CONNECTION_LOST: { text: 'The SSH connection dropped during the run.', next: 'Attest again.' },
  ERR_TRANSPORT_TIMEOUT: {
    text: 'The guest did not answer in time.',
    next: 'Check that it is not overloaded and attest again.',
  },
  ERR_TRANSPORT_CANCELLED: { text: 'Cancelled before the guest was judged.' },
  ERR_TRANSPORT_REMOTE_COMMAND_FAILED: {
    text: 'A command on the guest failed.',
    next: 'Read the guest\u2019s own message below.',
  },
  ERR_TRANSPORT_SFTP_FAILED: {
    text: 'Copying the request to or from the guest failed.',
    next: 'Check free space and permissions of the temporary folder on the guest.',
  },
  ERR_TRANSPORT_PERFORM_FAILED: {
    text: 'The guest could not perform the attestation.',
    next: 'Read the guest\u2019s own message below; check that pvattest is installed on the guest.',
  },
  ERR_TRANSPORT_UV_DEVICE_MISSING: {
    text: 'The guest has no Ultravisor device (/dev/uv).',
    next: 'Load the uvdevice kernel module on the guest and check that it runs in Secure Execution mode.',
  },
  ERR_TRANSPORT_RESPONSE_MISSING: {
    text: 'The guest produced no answer.',
    next: 'Read the guest\u2019s message below.',
  },
  ERR_TRANSPORT_RESPONSE_TOO_LARGE: { text: 'The guest\u2019s answer is far too large to be one.' },
  ERR_TRANSPORT_IDENTITY_INVALID: {
    text: 'The SSH identity cannot be used.',
    next: 'Check the key file path in the guest\u2019s settings (or use the SSH agent).',
  },
  // Chain of trust
  ERR_HKD_NO_SIGNING_KEY: {
    text: 'No IBM Z signing-key certificate is imported, so host-key documents cannot be checked.',
    next: 'Import the IBM Z signing-key certificate, its intermediate CA and their CRLs.',
  },
  ERR_HKD_MANY_SIGNING_KEYS: {
    text: 'More than one IBM Z signing key is imported.',
    next: 'Keep only the current one.',
  },
  ERR_CHAIN_NO_ISSUER: {
    text: 'The certificate that issued {item} is not imported.',
    next: 'Import the intermediate CA and root CA certificates of the IBM Z signing key.',
  },
  ERR_CHAIN_UNTRUSTED_ROOT: {
    text: 'The chain of {item} ends at a root CA that is not trusted here.',
    next: 'Import the root CA certificate you trust.',
  },
  ERR_CHAIN_TOO_LONG: { text: 'The chain of {item} is longer than allowed.' },
  ERR_CHAIN_TOO_SHORT: { text: 'The chain of {item} is too short: an intermediate CA is missing.', next: 'Import it.' },
  ERR_CHAIN_PROFILE: { text: '{item} is not a valid CA or signing-key certificate.' },
  ERR_CHAIN_WEAK_KEY: { text: '{item} uses a key that is too weak.' },
  ERR_CHAIN_WEAK_DIGEST: { text: '{item} is signed with a digest that is too weak.' },
  ERR_CHAIN_BAD_SIGNATURE: {
    text: 'The signature of {item} does not verify.',
    next: 'The file may be altered: get it again from its source.',
  },
  ERR_CHAIN_NOT_YET_VALID: { text: '{item} is not valid yet.', next: 'Check this computer\u2019s clock.' },
  ERR_CHAIN_EXPIRED: { text: '{item} has expired.', next: 'Import its current version.' },
  ERR_CHAIN_REVOKED: { text: '{item} is revoked.', next: 'Do not use it: get the current certificate.' },
  ERR_CRL_MISSING: {
    text: 'No CRL is imported for {item}.',
    next: 'Import the CRL that its issuer publishes (the address is in the certificate). Offline checks need a CRL for every certificate of the chain.',
  },
  ERR_CRL_NO_CRLSIGN: { text: 'The issuer of the CRL for {item} may not sign CRLs.' },
  ERR_CRL_NOT_YET_VALID: { text: 'The CRL for {item} is not valid yet.', next: 'Check this computer\u2019s clock.' },
  ERR_CRL_EXPIRED: {
    text: 'The CRL for {item} is out of date.',
    next: 'Import the current CRL from its issuer (air-gapped: carry it over by hand).',
  },
  ERR_CRL_BAD_SIGNATURE: { text: 'The signature of the CRL for {item} does not verify.', next: 'Get the CRL again.' },
  ERR_HKD_WEAK_KEY: { text: 'The host-key document {item} has too weak a key.' },
  ERR_HKD_NOT_YET_VALID: {
    text: 'The host-key document {item} is not valid yet.',
    next: 'Check this computer\u2019s clock.',
  },
  ERR_HKD_EXPIRED: {
    text: 'The host-key document {item} has expired.',
    next: 'Get the host\u2019s current HKD from IBM.',
  },
  ERR_HKD_AKID_MISMATCH: {
    text: 'The host-key document {item} was issued by another signing key than the imported one.',
    next: 'Import the IBM Z signing key that issued it.',
  },
  ERR_HKD_BAD_SIGNATURE: {
    text: 'The signature of the host-key document {item} does not verify.',
    next: 'Do not use it: get the host\u2019s HKD again from IBM.',
  },
  ERR_HKD_NO_VALID_CRL: {
    text: 'There is no current CRL for the host-key document {item}.',
    next: 'Import the current CRL of the IBM Z signing key.',
  },
  ERR_HKD_REVOKED: {
    text: 'The host-key document {item} is revoked.',
    next: 'Do not use it; get the host\u2019s current HKD.',
  },
  ERR_HKD_NOT_P521: { text: 'The host-key document {item} does not hold an EC P-521 key.' },
  ERR_HKD_VERIFICATION_FAILED: { text: 'The host-key document {item} could not be verified.' },
  ERR_PKI_LOAD_ROOT: { text: 'The root CA certificate {item} could not be read.' },
  ERR_PKI_LOAD_CRL: { text: 'The CRL {item} could not be read.' },
  ERR_PKI_CERT_MALFORMED: { text: 'The certificate {item} is damaged.', next: 'Import it again.' },
  ERR_STORE_LOCKED: { text: 'Another program is writing to the workstation database.', next: 'Try again in a moment.' },
  ERR_STORE_READ_ONLY: {
    text: 'The workstation database cannot be written.',
    next: 'Check the file\u2019s permissions.',
  },
};

/** Options of `describeCode`. */
export interface DescribeOptions {
  /** The certificate, CRL or file at fault (replaces `{item}`). */
  item?: string;
}

/** The words of a code (undefined for codes without any). */
export function codeText(code: string | undefined, options: DescribeOptions = {}): CodeText | undefined {
  const t = code ? T[code] : undefined;
  if (!t) return undefined;
  const item = options.item ? `\u201c${options.item}\u201d` : 'an item of the chain';
  const fill = (s: string): string => {
    const out = s.replace('{item}', item);
    return out.charAt(0).toUpperCase() + out.slice(1);
  };
  return { text: fill(t.text), ...(t.next ? { next: fill(t.next) } : {}) };
}

/** Text for a code, or the given fallback (the reported message, made fit for the window). */
export function describeCode(code: string | undefined, fallback?: string, options: DescribeOptions = {}): string {
  const t = codeText(code, options);
  if (t) return t.text;
  if (fallback) return plainMessage(fallback);
  return code ? `Failed (${code}).` : 'Failed.';
}

/**
 * A message from the engine made fit for the window: OpenSSL's "Error occurred at level N:" dropped, and
 * every sentence or aside that tells the user to pass a command-line flag (which a window user cannot) left out.
 */
export function plainMessage(message: string): string {
  const FLAG = /(?:^|[\s(])--[a-z][a-z-]*/;
  const text = message.replace(/\s*Error occurred at level \d+:\s*/g, ' ').replace(/\s*\([^()]*--[a-z][^()]*\)/g, '');
  const sentences = text.split(/(?<=[.!?])\s+/).filter((s) => !FLAG.test(s));
  return sentences
    .join(' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** The validation issues (`field: problem`) a refused call reports in its details; none for anything else. */
export function issuesOf(error: unknown): string[] {
  const issues = error instanceof CallError ? error.details?.['issues'] : undefined;
  return Array.isArray(issues) ? issues.filter((i): i is string => typeof i === 'string') : [];
}

/** Code and text of anything thrown by a call. */
export function describeError(error: unknown): { code: string; text: string } {
  if (error instanceof CallError) return { code: error.code, text: describeCode(error.code, error.message) };
  return { code: 'ERR_APP_INTERNAL', text: describeCode('ERR_APP_INTERNAL') };
}
