/**
 * A workstation with a fake IBM PKI imported and simulated guests on host 0 (sealed SE headers, pinned SSH host
 * keys, a strict policy), for the release tests of the CLI, the app port and evidence.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import type { SecretReleaseInput } from '../../shared/types/release.js';
import {
  createFakeIbmPki,
  p521PrivateKeyFromPem,
  readHostKeyDocument,
  sealSeHeader,
  systemContext,
  toHex,
} from '../../main/engine/index.js';
import { importTrustFiles } from '../../main/services/trust.js';
import {
  generateSshKeyPair,
  startSimulatedGuest,
  type SimulatedFault,
  type SimulatedGuest,
  type SimulatedGuestParams,
} from '../../main/sim/simulated-guest.js';
import { openStore, type Store } from '../../main/store/index.js';
import { tempDir } from './cli.js';
import { chainPems } from './pki-files.js';

/** What `releaseWorkstation` sets up. */
export interface ReleaseWorkstation {
  readonly dir: string;
  readonly dbPath: string;
  readonly store: Store;
  readonly path: (name: string) => string;
  /** The host's P-521 private key (the guests' Ultravisors hold it). */
  readonly hostPrivateKey: Uint8Array;
  /** SHA-256 (hex) of the stored HKD the guests' policies allow. */
  readonly hkdSha256: string;
  /** Starts a simulated guest and stores it (optionally with a release; its sealed SE header's CCK and SCF). */
  addGuest(
    name: string,
    opts?: {
      fault?: SimulatedFault;
      release?: SecretReleaseInput;
      sim?: Partial<SimulatedGuestParams>;
      header?: { cck?: Uint8Array; scf?: bigint };
    },
  ): Promise<SimulatedGuest>;
  close(): Promise<void>;
}

/** A temp workstation; `close()` stops its guests and removes it. */
export async function releaseWorkstation(): Promise<ReleaseWorkstation> {
  const ctx = systemContext();
  const tmp = tempDir('se-attest-release-ws-');
  const client = generateSshKeyPair();
  writeFileSync(tmp.path('id_ed25519'), client.private, { mode: 0o600 });
  const pki = await createFakeIbmPki({ ctx, hkdCount: 2 });
  const dbPath = tmp.path('ws.db');
  const store = openStore({ path: dbPath });
  const files: [string, string][] = [...chainPems(pki), ['hkd0.crt', pki.hkds[0]!.pem]];
  const imported = importTrustFiles(
    store,
    files.map(([name, text]) => ({ source: name, bytes: new TextEncoder().encode(text) })),
  );
  const hkdSha = imported[6]!.items[0]!.item.sha256;
  const hostPriv = p521PrivateKeyFromPem(pki.hkds[0]!.privateKeyPem);
  const doc = readHostKeyDocument(new TextEncoder().encode(pki.hkds[0]!.pem));
  const phkh = toHex(doc.phkh);
  const running: SimulatedGuest[] = [];
  return {
    dir: tmp.dir,
    dbPath,
    store,
    path: tmp.path,
    hostPrivateKey: hostPriv,
    hkdSha256: hkdSha,
    async addGuest(name, opts = {}) {
      const seHeader = sealSeHeader({
        hostKeys: [doc.publicCoords],
        cck: opts.header?.cck ?? ctx.randomBytes(32),
        scf: opts.header?.scf ?? 0n,
        ctx,
      });
      const g = await startSimulatedGuest({
        hostPrivateKeys: [hostPriv],
        seHeader,
        cuid: ctx.randomBytes(16),
        authorizedKeys: [client.public],
        ...(opts.fault ? { fault: opts.fault } : {}),
        ...opts.sim,
      });
      running.push(g);
      const guest = store.guests.add({
        name,
        sshTarget: g.address,
        identityRef: tmp.path('id_ed25519'),
        hostKeyFingerprint: g.fingerprint,
        seHeaderHex: toHex(seHeader),
        policy: {
          hkdSha256: [hkdSha],
          requiredAddData: ['phkh-img', 'phkh-att'],
          expectedImagePhkh: phkh,
          expectedAttestationPhkh: phkh,
        },
      });
      if (opts.release) store.releases.configure(guest.id, opts.release);
      return g;
    },
    async close() {
      await Promise.all(running.map((g) => g.close()));
      store.close();
      tmp.cleanup();
    },
  };
}
