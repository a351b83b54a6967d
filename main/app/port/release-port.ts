/**
 * The release part of the store-backed WorkstationPort: list, configure and run a guest's secret releases. A
 * release from the UI needs a pinned guest (attest it once first; the prompt happens there), and its value comes
 * from a file or the OS keychain: the desktop has no standard input, and values never cross IPC.
 */
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import type {
  GuestReleases,
  ReleaseRunRecord,
  SecretRelease,
  SecretReleaseInput,
} from '../../../shared/types/release.js';
import type { EngineContext } from '../../engine/crypto/context.js';
import type { ReleaseControl } from '../../ipc/port.js';
import { releaseSecret, type SessionTransport } from '../../services/release-secret.js';
import type { Store } from '../../store/index.js';
import type { Guest } from '../../../shared/types/store.js';
import type { HostKeyPolicy } from '../../transport/host-key.js';

/** Inputs of `createReleasePort`. */
export interface CreateReleasePortParams {
  readonly store: Store;
  readonly ctx: EngineContext;
  readonly agentSocket?: string;
  /** Tests: the guest's transport (default SSH from the stored guest). */
  readonly sessionFactory?: (guest: Guest, hostKeys: HostKeyPolicy, jumpHostKeys: HostKeyPolicy) => SessionTransport;
}

/** The port's release methods. */
export interface ReleasePort {
  listReleases(guestId: string): Promise<GuestReleases>;
  configureRelease(guestId: string, input: SecretReleaseInput): Promise<SecretRelease>;
  runRelease(guestId: string, release: string, control: ReleaseControl, force?: boolean): Promise<ReleaseRunRecord>;
}

const RECENT_RUNS = 20;

/** Builds the release methods over `store`. */
export function createReleasePort(p: CreateReleasePortParams): ReleasePort {
  const { store } = p;
  const guestOf = (id: string): Guest => {
    const n = Number(id);
    try {
      if (!Number.isSafeInteger(n) || n <= 0) throw new AttestError('ERR_APP_NOT_FOUND', `no guest ${id}`);
      return store.guests.get(n);
    } catch (e) {
      if (isAttestError(e, 'ERR_STORE_GUEST_NOT_FOUND')) throw new AttestError('ERR_APP_NOT_FOUND', e.message);
      throw e;
    }
  };
  return {
    async listReleases(guestId) {
      const g = guestOf(guestId);
      return {
        releases: store.releases.list(g.id),
        runs: store.releases.listRuns({ guestId: g.id, limit: RECENT_RUNS }),
      };
    },
    async configureRelease(guestId, input) {
      if (input.source.kind === 'stdin')
        throw new AttestError('ERR_RELEASE_INVALID', 'the desktop has no standard input: use a file or the keychain');
      return store.releases.configure(guestOf(guestId).id, input);
    },
    async runRelease(guestId, release, control, force) {
      const g = guestOf(guestId);
      if (!g.hostKeyFingerprint)
        throw new AttestError(
          'ERR_TRANSPORT_HOST_KEY_UNKNOWN',
          `${g.name} has no pinned SSH host key yet: attest it once (and trust its key) before releasing secrets to it`,
        );
      const out = await releaseSecret({
        store,
        guest: g.id,
        release,
        ctx: p.ctx,
        force: force === true,
        signal: control.signal,
        ...(p.agentSocket ? { agentSocket: p.agentSocket } : {}),
        ...(p.sessionFactory ? { transportFactory: p.sessionFactory } : {}),
        onProgress: (e) => {
          if (e.attest === undefined)
            control.reportRelease({
              guestId,
              release,
              step: e.step,
              status: e.status,
              ...(e.code ? { code: e.code } : {}),
            });
        },
      });
      return out.run;
    },
  };
}
