/**
 * Use case: attest a guest given by its address rather than kept in the store (`se-attest attest --guest`): the
 * host-key policies of the guest and of its jump host (a pinned fingerprint; otherwise known_hosts and, when
 * allowed, trust on first use), the SSH transport, create → perform → verify, and — with a store — the run
 * recorded under a guest name (created if new), with its HKDs imported as trust material and the SE header kept
 * for evidence. The caller reads the files (HKDs, identity, header) and prints; errors carry the transport,
 * store, pki and engine codes of what failed.
 */
import { sha256Hex } from '../store/content-hash.js';
import type { Store } from '../store/index.js';
import { parseGuestAddress, type GuestAddress } from '../transport/guest-address.js';
import type { GuestTransport } from '../transport/guest-transport.js';
import {
  parseHostKeyFingerprint,
  type HostKeyInfo,
  type HostKeyPolicy,
  type KnownHostEntry,
} from '../transport/host-key.js';
import { SshGuestTransport, type SshIdentity, type SshTimeouts } from '../transport/ssh-transport.js';
import { attestGuest, type AttestGuestParams, type AttestGuestResult } from './attest-guest.js';
import { attestAndRecord, type RecordedAttestation } from './attest-recorded.js';
import { recordAdHocGuest } from './guests.js';
import { importTrustFiles } from './trust.js';

/** The host keys for the request's key slots, and the HKD verification report (undefined with --no-verify). */
export interface LoadedHostKeys {
  readonly keys: readonly Uint8Array[];
  readonly report: unknown;
}

/** How to reach a guest and whom to trust on the way. */
export interface AdHocTarget {
  /** `USER@HOST[:PORT]` of the guest. */
  readonly guest: string;
  /** `USER@HOST[:PORT]` of a jump host (ProxyJump). */
  readonly jump?: string;
  /** The guest's pinned SSH host-key fingerprint (`SHA256:…`); without it known_hosts and TOFU decide. */
  readonly hostKeyFingerprint?: string;
  readonly jumpHostKeyFingerprint?: string;
  readonly knownHosts?: readonly KnownHostEntry[];
  /** Accept an unknown (never a changed) host key on first contact. */
  readonly trustOnFirstUse?: boolean;
  /** Told when the guest's key was accepted on first contact (e.g. to warn). */
  readonly onTrustedOnFirstUse?: (info: HostKeyInfo, address: GuestAddress) => void;
}

/** Inputs of `attestAdHoc`; `seHeader` is the guest's bare SE header. */
export interface AttestAdHocParams
  extends AdHocTarget, Pick<AttestGuestParams, 'seHeader' | 'addData' | 'userData' | 'ctx' | 'signal' | 'onProgress'> {
  readonly identity: SshIdentity;
  readonly remoteCommand?: string;
  readonly sudo?: boolean;
  readonly timeouts?: Partial<SshTimeouts>;
  /** Reads and verifies the HKDs (the CLI: from files); called once the run starts. */
  readonly loadHostKeys: () => Promise<LoadedHostKeys>;
  /**
   * Record the run in `store` under `guestName` (default: the guest's host name); `hkdFiles` (the HKDs' bytes) are
   * imported as trust material.
   */
  readonly record?: {
    readonly store: Store;
    readonly guestName?: string;
    readonly hkdFiles: readonly { readonly source: string; readonly bytes: Uint8Array }[];
  };
  /** Builds the transport (default: SSH); tests pass their own. */
  readonly transportFactory?: (policies: AdHocHostKeyPolicies) => GuestTransport;
}

/** The host-key policies of an ad-hoc run. */
export interface AdHocHostKeyPolicies {
  readonly guest: GuestAddress;
  readonly guestPolicy: HostKeyPolicy;
  readonly jump?: GuestAddress;
  readonly jumpPolicy: HostKeyPolicy;
}

/** The outcome: the verification of an unrecorded run, or the stored record of a recorded one. */
export type AdHocAttestation =
  | { readonly recorded: false; readonly result: AttestGuestResult }
  | { readonly recorded: true; readonly outcome: RecordedAttestation };

/**
 * The host-key policies: a pinned fingerprint, or known_hosts plus trust on first use; the jump host has its own
 * pin or falls back to known_hosts, and is never pinned as the guest.
 */
export function adHocHostKeyPolicies(t: AdHocTarget): AdHocHostKeyPolicies {
  const guest = parseGuestAddress(t.guest);
  const jump = t.jump !== undefined ? parseGuestAddress(t.jump) : undefined;
  const knownHosts = t.knownHosts ?? [];
  const guestPolicy: HostKeyPolicy =
    t.hostKeyFingerprint !== undefined
      ? { pinnedFingerprints: [parseHostKeyFingerprint(t.hostKeyFingerprint)] }
      : {
          knownHosts,
          trustOnFirstUse: t.trustOnFirstUse === true,
          onAccepted: (info, first) => {
            if (first) t.onTrustedOnFirstUse?.(info, guest);
          },
        };
  const jumpPolicy: HostKeyPolicy =
    t.jumpHostKeyFingerprint !== undefined
      ? { pinnedFingerprints: [parseHostKeyFingerprint(t.jumpHostKeyFingerprint)] }
      : { knownHosts, trustOnFirstUse: t.trustOnFirstUse === true };
  return { guest, guestPolicy, ...(jump ? { jump } : {}), jumpPolicy };
}

/** Attests an ad-hoc guest; a recorded run never throws for a failed attestation (the error is in the record). */
export async function attestAdHoc(p: AttestAdHocParams): Promise<AdHocAttestation> {
  const policies = adHocHostKeyPolicies(p);
  const transport =
    p.transportFactory?.(policies) ??
    new SshGuestTransport({
      guest: { address: policies.guest, hostKeys: policies.guestPolicy },
      ...(policies.jump ? { jump: { address: policies.jump, hostKeys: policies.jumpPolicy } } : {}),
      identity: p.identity,
      ...(p.remoteCommand !== undefined ? { remoteCommand: p.remoteCommand } : {}),
      sudo: p.sudo === true,
      ...(p.timeouts ? { timeouts: p.timeouts } : {}),
    });
  let report: unknown;
  const run = (hooks: Pick<AttestGuestParams, 'onRequestCreated' | 'onProgress'> = {}) =>
    attestGuest({
      transport,
      loadHostKeys: async () => {
        const loaded = await p.loadHostKeys();
        report = loaded.report;
        return loaded.keys;
      },
      seHeader: p.seHeader,
      ...(p.addData && p.addData.length > 0 ? { addData: p.addData } : {}),
      ...(p.userData !== undefined ? { userData: p.userData } : {}),
      ctx: p.ctx,
      ...(p.signal ? { signal: p.signal } : {}),
      ...hooks,
      onProgress: (e) => {
        hooks.onProgress?.(e);
        p.onProgress?.(e);
      },
    });
  if (p.record === undefined) return { recorded: false, result: await run() };
  const { store, guestName, hkdFiles } = p.record;
  const recorded = recordAdHocGuest(store, guestName ?? policies.guest.host, p.guest);
  if (recorded.seHeaderSha256 !== sha256Hex(p.seHeader))
    store.guests.edit(recorded.id, { seHeaderHex: Buffer.from(p.seHeader).toString('hex') });
  const hkdSha256 = importTrustFiles(store, hkdFiles)
    .map((r) => r.items.find((i) => i.item.kind === 'hkd')?.item.sha256 ?? '')
    .filter((x) => x !== '');
  const outcome = await attestAndRecord({
    store,
    guestId: recorded.id,
    // an ad-hoc run is judged against what its command line names: the measurement and these HKDs
    policy: { hkdSha256 },
    ...(p.signal ? { signal: p.signal } : {}),
    addData: p.addData ?? [],
    hkdSha256,
    seHeader: p.seHeader,
    hkdReport: () => report,
    now: () => p.ctx.now(),
    run,
  });
  return { recorded: true, outcome };
}
