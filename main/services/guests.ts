/**
 * Guest use cases: manage stored guests, derive their status, record ad-hoc guests for `attest --name`, and
 * check an attestation's decoded result against a guest's expected policy (a violation is a failure with its
 * own ERR_POLICY_* code, recorded as status `mismatch`).
 */
import { AttestError, type ErrorCode } from '../../shared/errors/index.js';
import type { AttestationRecord, Guest, GuestInput, GuestPolicy, GuestStatus } from '../../shared/types/store.js';
import { ADD_DATA_KEYS } from '../../shared/types/policy.js';
import type { Store } from '../store/index.js';

/** Parameters of `listGuestStatuses`. */
export interface GuestStatusListParams {
  /** A guest last verified longer ago than this is `stale` (default 24 h). */
  staleAfterMs?: number;
  now?: Date;
}

/** What `showGuest` returns. */
export interface GuestDetails {
  guest: Guest;
  status: GuestStatus;
  recent: AttestationRecord[];
}

/** The decoded parts of a verified response that a policy can check (engine `AttestationVerification` fits). */
export interface PolicyCheckInput {
  userData?: Uint8Array;
  additional?: {
    imagePhkh?: Uint8Array;
    attestationPhkh?: Uint8Array;
    secretStoreHash?: Uint8Array;
    firmwareState?: Uint8Array;
  };
  /** SHA-256 (hex) of the HKDs the request was made for. */
  hkdSha256?: readonly string[];
}

/** A policy violation. */
export interface PolicyViolation {
  code: ErrorCode;
  message: string;
}

/** Adds a guest. */
export function addGuest(store: Store, input: GuestInput): Guest {
  return store.guests.add(input);
}

/** Edits a guest (absent fields unchanged, null clears). */
export function editGuest(store: Store, name: string, patch: Partial<GuestInput>): Guest {
  return store.guests.edit(name, patch);
}

/** Removes a guest; its history stays. */
export function removeGuest(store: Store, name: string): Guest {
  return store.guests.remove(name);
}

/** Active guests, optionally by tag. */
export function listGuests(store: Store, tag?: string): Guest[] {
  return store.guests.list(tag === undefined ? {} : { tag });
}

/** Derived status of every active guest. */
export function listGuestStatuses(store: Store, p: GuestStatusListParams = {}): GuestStatus[] {
  return store.guests.statuses(p);
}

/** A guest with its status and latest attempts. */
export function showGuest(
  store: Store,
  name: string,
  p: GuestStatusListParams & { recent?: number } = {},
): GuestDetails {
  const guest = store.guests.get(name);
  const status = store.guests.statuses(p).find((s) => s.guestId === guest.id);
  if (!status) throw new AttestError('ERR_STORE_GUEST_NOT_FOUND', `no guest "${name}"`);
  return { guest, status, recent: store.attestations.list(guest.id, { limit: p.recent ?? 10 }) };
}

/** The guest named `name`, created with `sshTarget` if it does not exist (ad-hoc `attest --name`). */
export function recordAdHocGuest(store: Store, name: string, sshTarget?: string | null): Guest {
  return store.transaction(
    () => store.guests.find(name) ?? store.guests.add({ name, sshTarget: sshTarget ?? null, tags: ['ad-hoc'] }),
  );
}

function hexEq(expected: string, actual: Uint8Array | undefined): boolean {
  return actual !== undefined && Buffer.from(actual).toString('hex') === expected.toLowerCase();
}

/** The first way `result` breaks `policy`, or undefined when it complies. */
export function checkGuestPolicy(policy: GuestPolicy, result: PolicyCheckInput): PolicyViolation | undefined {
  if (policy.hkdSha256 && policy.hkdSha256.length > 0 && result.hkdSha256) {
    const allowed = new Set(policy.hkdSha256.map((s) => s.toLowerCase()));
    const other = result.hkdSha256.find((s) => !allowed.has(s.toLowerCase()));
    if (other)
      return {
        code: 'ERR_POLICY_HOST_KEY',
        message: `request used host key ${other.slice(0, 16)}… which the policy does not list`,
      };
  }
  for (const kind of policy.requiredAddData ?? []) {
    if (result.additional?.[ADD_DATA_KEYS[kind]] === undefined) {
      return {
        code: 'ERR_POLICY_ADD_DATA_MISSING',
        message: `required additional data "${kind}" is missing from the response`,
      };
    }
  }
  if (policy.expectedImagePhkh !== undefined && !hexEq(policy.expectedImagePhkh, result.additional?.imagePhkh)) {
    return { code: 'ERR_POLICY_IMAGE_PHKH', message: 'image PHKH differs from the expected one' };
  }
  if (
    policy.expectedAttestationPhkh !== undefined &&
    !hexEq(policy.expectedAttestationPhkh, result.additional?.attestationPhkh)
  ) {
    return { code: 'ERR_POLICY_ATTESTATION_PHKH', message: 'attestation PHKH differs from the expected one' };
  }
  if (policy.expectedUserData !== undefined && !hexEq(policy.expectedUserData, result.userData ?? new Uint8Array(0))) {
    return { code: 'ERR_POLICY_USER_DATA', message: 'user data differs from the expected value' };
  }
  return undefined;
}
