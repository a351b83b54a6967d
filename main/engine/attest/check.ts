/**
 * `checkAttestation` (pvattest `check`, spec §10.2): policy checks on a response — image and attestation
 * PHKH against given host-key documents, expected user data, and the secret-store hash recomputed from an
 * ordered list of add-secret requests plus the lock state. No ARPK is needed and the measurement is not
 * verified (run `verify` first). Each failed policy is an issue (exit 2), never an exception.
 *
 * Deliberate deviation: IBM's Rust tool panics (exit 101) on any host-key issue; here it is an ordinary issue.
 */
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
