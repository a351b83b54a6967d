/**
 * Use case: attest a guest kept in the store, with its stored target, pinned host key, SE header, policy and
 * trust material — offline by default — and record the attempt. Used by `se-attest attest NAME`, the
 * workstation UI and the demo.
 */
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import type { Guest } from '../../shared/types/store.js';
import type { EngineContext } from '../engine/crypto/context.js';
import type { AddDataKind } from '../engine/formats/additional-data.js';
import { addDataNeededBy } from '../engine/attest/verdict.js';
import { extractSeHeader } from '../engine/formats/se-header.js';
import {
  hkdReportToJson,
  reportOf,
  verifiedHostKeys,
  type FetchCrl,
  type HkdResult,
} from '../engine/pki/hkd-verifier.js';
import { readHostKeyDocument } from '../engine/pki/host-key-document.js';
import { readFileBounded, withFileForReading } from '../fs/index.js';
import type { Store } from '../store/index.js';
import { parseGuestAddress } from '../transport/guest-address.js';
import type { GuestTransport } from '../transport/guest-transport.js';
import {
  parseHostKeyFingerprint,
  type HostKeyInfo,
  type HostKeyPolicy,
  type KnownHostEntry,
} from '../transport/host-key.js';
import { SshGuestTransport, type SshIdentity, type SshTimeouts } from '../transport/ssh-transport.js';
import { attestGuest, type AttestGuestProgress } from './attest-guest.js';
import { attestAndRecord, type RecordedAttestation } from './attest-recorded.js';
import { createCrlFetcher } from './crl-fetch.js';
import { createStoreHkdVerifier, importTrustFiles, loadHostKeyDocuments } from './trust.js';

const MAX_KEY_FILE_SIZE = 64 * 1024;

/**
 * How to reach and trust a guest; the default builds an SSH transport from the stored guest. `jumpHostKeys` is
 * the policy for the guest's jump host (never pinned into the guest).
 */
export type TransportFactory = (guest: Guest, hostKeys: HostKeyPolicy, jumpHostKeys: HostKeyPolicy) => GuestTransport;

/** Inputs of `attestStoredGuest`. */
export interface AttestStoredGuestParams {
  readonly store: Store;
  /** Guest name or id. */
  readonly guest: string | number;
  readonly ctx: EngineContext;
  /** HKD verification time (default now). */
  readonly at?: Date;
  /** Download missing CRLs (default false: offline); what is downloaded is imported into the store. */
  readonly online?: boolean;
  /** The downloader used online (default: `createCrlFetcher()`, short timeout and size cap). */
  readonly fetchCrl?: FetchCrl;
  /** Skip HKD verification (insecure; recorded without a report). */
  readonly noVerify?: boolean;
  /** User data for `perform -u`. */
  readonly userData?: Uint8Array;
  /** Additional data to request beyond the guest policy's (e.g. `secret-store-hash` around a secret release). */
  readonly extraAddData?: readonly AddDataKind[];
  /** First contact with an unpinned guest: trust its key without asking (CLI `--trust-on-first-use`). */
  readonly trustOnFirstUse?: boolean;
  /** OpenSSH known_hosts entries to trust an unpinned guest by (hashed and `[host]:port` entries included). */
  readonly knownHosts?: readonly KnownHostEntry[];
  /** First contact: ask (the app shows the fingerprint); resolve true to trust and pin it. */
  readonly decideHostKey?: (info: HostKeyInfo) => boolean | Promise<boolean>;
  /** Passphrase of an encrypted identity file. */
  readonly passphrase?: string;
  /** SSH agent socket for guests whose identity is "agent". */
  readonly agentSocket?: string;
  readonly timeouts?: Partial<SshTimeouts>;
  readonly remoteCommand?: string;
  readonly transportFactory?: TransportFactory;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: AttestGuestProgress) => void;
}

/**
 * The guest's bare SE header: the stored bytes, or the header read out of the image file it names (by position:
 * the image may be of any size). Errors: main/fs's ERR_FS_* (naming the guest), ERR_SEHDR_*.
 */
export function loadGuestSeHeader(store: Store, guest: Guest): Uint8Array {
  const stored = store.guests.seHeader(guest.id);
  if (stored) return stored;
  const imagePath = guest.imagePath;
  if (imagePath) {
    try {
      return withFileForReading(imagePath, {}, (image) => extractSeHeader(image));
    } catch (e) {
      if (isAttestError(e)) throw new AttestError(e.code, `${e.message} (SE image of guest ${guest.name})`, e.details);
      throw e;
    }
  }
  throw new AttestError('ERR_SEHDR_NOT_FOUND', `guest ${guest.name} has no SE header or image: add one first`);
}

/** An SSH transport for a stored guest: its target, jump host and identity (a key file path or "agent"). */
export function sshTransportForGuest(
  guest: Guest,
  hostKeys: HostKeyPolicy,
  jumpHostKeys: HostKeyPolicy,
  p: Pick<AttestStoredGuestParams, 'passphrase' | 'agentSocket' | 'timeouts' | 'remoteCommand'> = {},
): GuestTransport {
  if (!guest.sshTarget) throw new AttestError('ERR_TRANSPORT_ADDRESS_INVALID', `guest ${guest.name} has no SSH target`);
  let identity: SshIdentity;
  if (!guest.identityRef || guest.identityRef === 'agent') {
    if (!p.agentSocket)
      throw new AttestError(
        'ERR_TRANSPORT_IDENTITY_INVALID',
        `guest ${guest.name} uses the SSH agent, but none is running`,
      );
    identity = { agent: p.agentSocket };
  } else {
    let key: Uint8Array;
    try {
      key = readFileBounded(guest.identityRef, MAX_KEY_FILE_SIZE);
    } catch (e) {
      throw new AttestError(
        'ERR_TRANSPORT_IDENTITY_INVALID',
        isAttestError(e, 'ERR_FS_TOO_LARGE')
          ? `identity file of guest ${guest.name} is too large`
          : `cannot read the identity file of guest ${guest.name}: ${isAttestError(e) ? e.message : guest.identityRef}`,
      );
    }
    identity = { privateKey: key, ...(p.passphrase !== undefined ? { passphrase: p.passphrase } : {}) };
  }
  return new SshGuestTransport({
    guest: { address: parseGuestAddress(guest.sshTarget), hostKeys },
    ...(guest.jumpHost ? { jump: { address: parseGuestAddress(guest.jumpHost), hostKeys: jumpHostKeys } } : {}),
    identity,
    ...(p.remoteCommand !== undefined ? { remoteCommand: p.remoteCommand } : {}),
    ...(p.timeouts ? { timeouts: p.timeouts } : {}),
  });
}

/** A CRL fetcher that imports every CRL it downloads into the store, for later offline use. */
export function keepingFetchedCrls(store: Store, fetchCrl: FetchCrl): FetchCrl {
  return async (url) => {
    const body = await fetchCrl(url);
    importTrustFiles(store, [{ source: url, bytes: body }]);
    return body;
  };
}

/** Attests a stored guest and records the attempt; failures are in the returned record, not thrown. */
export async function attestStoredGuest(p: AttestStoredGuestParams): Promise<RecordedAttestation> {
  const { store } = p;
  const guest = store.guests.get(p.guest);
  // the policy of the guest when the attempt starts is recorded with it and is the one it is judged against
  const policy = guest.policy;
  let refused = false;
  const decideHostKey = p.decideHostKey
    ? async (info: HostKeyInfo): Promise<boolean> => {
        const trusted = (await p.decideHostKey!(info)) === true;
        if (!trusted) refused = true;
        return trusted;
      }
    : undefined;
  const addData: AddDataKind[] = [...new Set([...addDataNeededBy(policy), ...(p.extraAddData ?? [])])];
  const hkdItems = loadHostKeyDocuments(store, policy.hkdSha256);
  let report: unknown;
  // Without a pin a host is trusted by known_hosts, on first use or by decision; the jump host is never pinned.
  const jumpHostKeys: HostKeyPolicy = {
    ...(p.knownHosts ? { knownHosts: p.knownHosts } : {}),
    trustOnFirstUse: p.trustOnFirstUse === true,
    ...(decideHostKey ? { decide: decideHostKey } : {}),
  };
  const hostKeys: HostKeyPolicy = guest.hostKeyFingerprint
    ? { pinnedFingerprints: [parseHostKeyFingerprint(guest.hostKeyFingerprint)] }
    : {
        ...jumpHostKeys,
        // the key accepted for an unpinned guest becomes its pin
        onAccepted: (info) =>
          void store.guests.edit(guest.id, { hostKeyFingerprint: info.fingerprint, hostKeyType: info.keyType }),
      };
  const loadHostKeys = async (): Promise<Uint8Array[]> => {
    if (hkdItems.length === 0)
      throw new AttestError(
        'ERR_CREATE_NO_HOST_KEY',
        `no host-key document to encrypt for: import the HKDs of ${guest.name}'s hosts first`,
      );
    if (p.noVerify) return hkdItems.map((h) => readHostKeyDocument(h.der).publicCoords);
    const verifier = await createStoreHkdVerifier(store, {
      at: p.at ?? p.ctx.now(),
      ...(p.online ? { fetchCrl: keepingFetchedCrls(store, p.fetchCrl ?? createCrlFetcher()) } : {}),
    });
    const results: HkdResult[] = [];
    for (const h of hkdItems) results.push(await verifier.verify(h.der, h.item.source ?? h.item.sha256));
    const full = reportOf(verifier, results, { at: p.at ?? p.ctx.now(), offline: p.online !== true });
    report = hkdReportToJson(full);
    return verifiedHostKeys(full).map((k) => k.publicCoords);
  };
  let seHeader: Uint8Array | undefined;
  let bareHeader: Uint8Array | undefined;
  try {
    seHeader = loadGuestSeHeader(store, guest);
    bareHeader = extractSeHeader(seHeader);
  } catch {
    // recorded as the run's error below
  }
  return attestAndRecord({
    store,
    guestId: guest.id,
    ...(bareHeader ? { seHeader: bareHeader } : {}),
    policy,
    addData,
    hkdSha256: hkdItems.map((h) => h.item.sha256),
    hkdReport: () => report,
    now: () => p.ctx.now(),
    ...(p.onProgress ? { onProgress: p.onProgress } : {}),
    ...(p.signal ? { signal: p.signal } : {}),
    run: (hooks) =>
      refusalAware(
        () => refused,
        guest.name,
        attestGuest({
          transport: (p.transportFactory ?? ((g, k, j) => sshTransportForGuest(g, k, j, p)))(
            guest,
            hostKeys,
            jumpHostKeys,
          ),
          loadHostKeys,
          seHeader: seHeader ?? loadGuestSeHeader(store, guest),
          addData,
          ...(p.userData ? { userData: p.userData } : {}),
          ctx: p.ctx,
          ...(p.signal ? { signal: p.signal } : {}),
          ...hooks,
        }),
      ),
  });
}

/** A run the user stopped by refusing the guest's host key ends as ERR_APP_HOSTKEY_REJECTED (cancelled). */
async function refusalAware<T>(refused: () => boolean, guest: string, run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    if (!refused()) throw error;
    throw new AttestError(
      'ERR_APP_HOSTKEY_REJECTED',
      `the SSH host key of ${guest} was not trusted; nothing was sent to it`,
      isAttestError(error) ? { cause: error.code } : undefined,
    );
  }
}
