/**
 * Guest use cases: manage stored guests, derive their status and record ad-hoc guests for `attest --name`.
 * A guest's policy is judged by the engine's `judgeAttestation` when an attempt is recorded (services/history).
 */
import { AttestError } from '../../shared/errors/index.js';
import type { AttestationRecord, Guest, GuestInput, GuestStatus } from '../../shared/types/store.js';
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
