/**
 * `checkAttestation` (pvattest `check`, spec §10.2): policy checks on a response — image and attestation
 * PHKH against given host-key documents, expected user data, and the secret-store hash recomputed from an
 * ordered list of add-secret requests plus the lock state, and (`withFirmwareCheck`) the firmware state as
 * judged by IBM's firmware verification server. No ARPK is needed and the measurement is not verified (run
 * `verify` first). Each failed policy is an issue (exit 2), never an exception. The engine only builds the
 * firmware request body and reads the answer (`encodeFirmwareVerifyRequest`, `parseFirmwareVerifyResponse`); the
 * HTTP exchange is a service's (main/services/firmware-verify.ts).
 *
 * Deliberate deviation: IBM's Rust tool panics (exit 101) on any host-key issue; here it is an ordinary issue.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { equalBytes } from '../bytes.js';
import { parseArcb } from '../formats/arcb.js';
import { decodeAdditionalData, type AdditionalDataFields } from '../formats/additional-data.js';
import { parseExchangeResponse } from '../formats/exchange.js';
import { readAddSecretRequestTag } from '../formats/asrcb.js';
import { computeSecretStoreHash } from './measurement.js';

/** A host-key document given to `check`: the name printed in results (the path as given) and its PHKH. */
export interface CheckHostKey {
  readonly name: string;
  readonly phkh: Uint8Array;
}

/** Inputs of `checkAttestation`. */
export interface CheckAttestationParams {
  readonly response: Uint8Array;
  readonly hostKeys?: readonly CheckHostKey[];
  /** Enforce the image PHKH (`boot-key-hash`) and/or the attestation PHKH (`att-key-hash`). */
  readonly enforceImageKeyHash?: boolean;
  readonly enforceAttestationKeyHash?: boolean;
  /** Expected user data (`-u`). */
  readonly expectedUserData?: Uint8Array;
  /** Secret-store check: add-secret requests in the order they were added, and the lock state. */
  readonly secretStore?: {
    readonly requests: readonly { readonly name: string; readonly bytes: Uint8Array }[];
    readonly locked: boolean;
  };
}

/** The result of one host-key check. */
export interface HostKeyCheckResult {
  readonly checkEnforced: boolean;
  /** Name of the matching HKD, when exactly one matched. */
  readonly hash?: string;
}

/** The check result, mirroring pvattest's `CheckResult`. */
export interface AttestationCheck {
  readonly successful: boolean;
  readonly issues: readonly string[];
  readonly imageHostKey?: HostKeyCheckResult;
  readonly attestHostKey?: HostKeyCheckResult;
  readonly userData?: Uint8Array;
  readonly secretStore?: { readonly addSecretRequests: readonly string[]; readonly locked: boolean };
  /** Present when the firmware check ran (`--firmware`). */
  readonly validFirmware?: boolean;
  readonly additional: AdditionalDataFields | undefined;
}

function checkHostKey(
  kind: 'image' | 'attestation',
  phkh: Uint8Array | undefined,
  hostKeys: readonly CheckHostKey[] | undefined,
  enforced: boolean,
  issues: string[],
): HostKeyCheckResult | undefined {
  if (!hostKeys || hostKeys.length === 0) return undefined;
  const label = kind === 'image' ? 'image' : 'attestation';
  if (phkh === undefined) {
    if (enforced) {
      issues.push(
        `The Attestation result does not contain an ${label} public host-key hash, but checking was enabled.`,
      );
      return { checkEnforced: true };
    }
    return undefined;
  }
  const matches = hostKeys.filter((k) => equalBytes(k.phkh, phkh));
  if (matches.length === 1) return { checkEnforced: enforced, hash: (matches[0] as CheckHostKey).name };
  issues.push(
    matches.length === 0
      ? `No given host-key document matches the given ${label} public host-key hash`
      : `More than one host-key document matches the given ${label} public host-key hash`,
  );
  return { checkEnforced: enforced };
}

/** Runs the policy checks; reader errors and invalid add-secret files throw coded errors. */
export function checkAttestation(params: CheckAttestationParams): AttestationCheck {
  const response = parseExchangeResponse(params.response);
  const flags = parseArcb(response.arcb).flags;
  const additional = response.additionalData ? decodeAdditionalData(flags, response.additionalData) : undefined;
  const secretTags = params.secretStore?.requests.map((r) => readAddSecretRequestTag(r.bytes));
  const issues: string[] = [];
  const imageHostKey = checkHostKey(
    'image',
    additional?.imagePhkh,
    params.hostKeys,
    params.enforceImageKeyHash ?? false,
    issues,
  );
  const attestHostKey = checkHostKey(
    'attestation',
    additional?.attestationPhkh,
    params.hostKeys,
    params.enforceAttestationKeyHash ?? false,
    issues,
  );
  let userData: Uint8Array | undefined;
  if (params.expectedUserData !== undefined) {
    if (response.userData !== undefined && equalBytes(response.userData, params.expectedUserData))
      userData = response.userData;
    else issues.push('The Provided user data does not match the user data from the attestation response.');
  }
  let secretStore: AttestationCheck['secretStore'];
  if (params.secretStore && secretTags) {
    const got = additional?.secretStoreHash;
    if (got === undefined)
      issues.push('The Attestation response contains no secret-store-hash, but checking was enabled');
    else if (!equalBytes(got, computeSecretStoreHash(secretTags, params.secretStore.locked))) {
      issues.push('The calculated secret-store-hash does not match with the provided hash');
    } else {
      secretStore = {
        addSecretRequests: params.secretStore.requests.map((r) => r.name),
        locked: params.secretStore.locked,
      };
    }
  }
  return {
    successful: issues.length === 0,
    issues,
    ...(imageHostKey ? { imageHostKey } : {}),
    ...(attestHostKey ? { attestHostKey } : {}),
    ...(userData ? { userData } : {}),
    ...(secretStore ? { secretStore } : {}),
    additional,
  };
}

/** The firmware verification protocol's versions (`--firmware-check-version 1|2`, alias `--fw-ver`). */
export const FIRMWARE_CHECK_VERSIONS = [1, 2] as const;
export type FirmwareCheckVersion = (typeof FIRMWARE_CHECK_VERSIONS)[number];

/** IBM's firmware verification server (pvattest's default `--firmware-verify-url`). */
export const IBM_FIRMWARE_VERIFY_URL = 'https://esupport.ibm.com/eccedge/ent/z';

/** The answer of the firmware verification server, as far as the check needs it. */
export interface FirmwareVerdict {
  readonly valid: boolean;
  /** The issue text for an invalid state (multi-line, as IBM's tool writes it). */
  readonly issue?: string;
  /** v2: the hashes the server verified, with their signatures. */
  readonly verifiedHashes?: readonly { readonly hash: string; readonly signature: string }[];
}

/** The path the request is POSTed to below the verification URL (spec §10.2). */
export function firmwareVerifyPath(version: FirmwareCheckVersion): string {
  return `/hmrs/firmware/attestation/v${version}/verify`;
}

/** The JSON body IBM's tool POSTs: `{"version":"1.0","payload":"<base64 of the firmware state>"}`, for v1 and v2. */
export function encodeFirmwareVerifyRequest(firmwareState: Uint8Array): string {
  return JSON.stringify({ version: '1.0', payload: Buffer.from(firmwareState).toString('base64') });
}

const FIRMWARE_INVALID = 'The firmware is not in a valid state';

function invalidAnswer(why: string): AttestError {
  return new AttestError(
    'ERR_FIRMWARE_RESPONSE_INVALID',
    `The firmware verification server's answer is not valid: ${why}`,
  );
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidAnswer(`"${key}" is not a string`);
  return v;
}

/**
 * Reads the server's JSON answer: v1 `{version, valid, referenceId, reason?}`, v2 `{version, valid, reason,
 * verifiedHashes: [{hash, signature}]}` (unknown keys ignored). `valid: false` gives IBM's issue text: v1 the
 * reason and reference id on indented lines, v2 the answer as pretty-printed JSON. Throws
 * ERR_FIRMWARE_RESPONSE_INVALID for anything else (not JSON, missing or mistyped fields).
 */
export function parseFirmwareVerifyResponse(version: FirmwareCheckVersion, body: string): FirmwareVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidAnswer('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidAnswer('not a JSON object');
  const o = parsed as Record<string, unknown>;
  if (typeof o.valid !== 'boolean') throw invalidAnswer('"valid" is missing or not a boolean');
  const answerVersion = optionalString(o, 'version');
  const reason = optionalString(o, 'reason');
  if (version === 1) {
    const referenceId = optionalString(o, 'referenceId');
    if (referenceId === undefined) throw invalidAnswer('"referenceId" is missing');
    if (o.valid) return { valid: true };
    const lines = [FIRMWARE_INVALID];
    if (reason !== undefined) lines.push(`  Reason: ${reason}`);
    lines.push(`  ReferenceId: ${referenceId}`);
    return { valid: false, issue: lines.join('\n') };
  }
  if (!Array.isArray(o.verifiedHashes)) throw invalidAnswer('"verifiedHashes" is missing or not a list');
  const verifiedHashes = o.verifiedHashes.map((h: unknown) => {
    if (typeof h !== 'object' || h === null) throw invalidAnswer('an entry of "verifiedHashes" is not an object');
    const e = h as Record<string, unknown>;
    if (typeof e.hash !== 'string' || typeof e.signature !== 'string')
      throw invalidAnswer('an entry of "verifiedHashes" lacks "hash" or "signature"');
    return { hash: e.hash, signature: e.signature };
  });
  if (o.valid) return { valid: true, verifiedHashes };
  const shown = { version: answerVersion ?? null, valid: false, reason: reason ?? null, verifiedHashes };
  return { valid: false, issue: `${FIRMWARE_INVALID}\n${JSON.stringify(shown, null, 2)}`, verifiedHashes };
}

/**
 * Adds the firmware check (run last, as IBM orders the checks): `undefined` means the response carries no
 * firmware state (an issue, and no request was made); otherwise the server's verdict.
 */
export function withFirmwareCheck(check: AttestationCheck, verdict: FirmwareVerdict | undefined): AttestationCheck {
  const issue =
    verdict === undefined
      ? 'The Attestation response contains no firmware hash, but checking was enabled'
      : verdict.valid
        ? undefined
        : (verdict.issue ?? FIRMWARE_INVALID);
  const issues = issue === undefined ? check.issues : [...check.issues, issue];
  return { ...check, issues, successful: issues.length === 0, validFirmware: verdict?.valid === true };
}
