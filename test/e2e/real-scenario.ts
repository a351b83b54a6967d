/**
 * The e2e scenario over the real services: a temp SQLite database opened by the real port adapter, a DEMO
 * PKI (root → intermediate → IBM Z signing key → one HKD, with CRLs; the signing key's CRL is due in 12
 * days so the Trust screen must warn) written to files for the import, two simulated secure guests on
 * loopback SSH holding the HKD's private key — one genuine, one whose answer is tampered
 * ('tampered-measurement') — with synthetic SE headers built for that HKD, and a client SSH key (0600).
 * History for the scale checks is seeded straight into the same database through the store's repositories.
 */
import 'reflect-metadata';
import { chmodSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkstationPort } from '../../main/app/port-adapter.js';
import { systemContext } from '../../main/engine/crypto/context.js';
import { p521PrivateKeyFromPem } from '../../main/engine/crypto/p521.js';
import { createFakeIbmPki, issueCrl } from '../../main/engine/pki/demo-pki.js';
import { readHostKeyDocument } from '../../main/engine/pki/host-key-document.js';
import type { WorkstationPort } from '../../main/ipc/port.js';
import { buildSyntheticSeHeader } from '../../main/sim/se-image.js';
import { generateSshKeyPair, startSimulatedGuest, type SimulatedGuest } from '../../main/sim/simulated-guest.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { E2eScenario } from './scenario.js';

const DAY_MS = 86_400_000;

/** Rows written per transaction when seeding history. */
const SEED_BATCH = 2000;

/** Writes `count` finished attempts (mostly verified) for guest `guestId` in batched transactions. */
export function seedAttempts(store: Store, guestId: number, count: number): void {
  const cuid = new Uint8Array(16);
  const measurement = new Uint8Array(64);
  for (let done = 0; done < count;) {
    const n = Math.min(SEED_BATCH, count - done);
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const k = done + i;
        cuid[0] = k & 0xff;
        cuid[1] = (k >> 8) & 0xff;
        const id = store.attestations.begin(guestId, { hkdSha256: ['ab'.repeat(32)] });
        store.attestations.finish(id, {
          status: k % 97 === 0 ? 'mismatch' : 'verified',
          ...(k % 97 === 0 ? { errorMessage: 'measurement does not match (wrong image, header or ARPK)' } : {}),
          cuid,
          measurement,
        });
      }
    });
    done += n;
  }
}

/** The real scenario plus what its tests need to look at. */
export interface RealScenario extends E2eScenario {
  dbPath: string;
  dir: string;
  genuine: SimulatedGuest;
  tampered: SimulatedGuest;
}

/** Creates the real-services scenario. */
export async function createRealScenario(): Promise<RealScenario> {
  const dir = await mkdtemp(join(tmpdir(), 'sea-e2e-real-'));
  const ctx = systemContext();
  const guests: SimulatedGuest[] = [];
  let closePort: (() => Promise<void>) | undefined;
  try {
    const pki = await createFakeIbmPki({ ctx, hkdCount: 1, label: 'DEMO' });
    const hkd = pki.hkds[0]!;
    const now = ctx.now().getTime();
    const shortCrl = await issueCrl({
      issuerName: pki.signingKey.name,
      signer: pki.signingKey.keyPair,
      authorityKeyId: pki.signingKey.keyId,
      thisUpdate: new Date(now - 3_600_000),
      nextUpdate: new Date(now + 12 * DAY_MS + 3_600_000),
    });
    const files: [string, string][] = [
      ['demo-host-a.crt', hkd.pem], // first: a single-item file (the drag-and-drop re-import)
      ['demo-root-ca.crt', pki.root.pem],
      ['demo-intermediate-ca.crt', pki.intermediate.pem],
      ['demo-ibm-z-signing-key.crt', pki.signingKey.pem],
      ['demo-ibm-z-signing-key.crl', shortCrl.pem], // first CRL row: due in 12 days
      ['demo-intermediate-ca.crl', pki.intermediateCrl.pem],
      ['demo-root-ca.crl', pki.rootCrl.pem],
    ];
    const trustFiles = files.map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    });

    const client = generateSshKeyPair();
    const identity = join(dir, 'id_ed25519');
    writeFileSync(identity, client.private, { mode: 0o600 });
    chmodSync(identity, 0o600);
    const hostKey = p521PrivateKeyFromPem(hkd.privateKeyPem);
    const phkh = readHostKeyDocument(new TextEncoder().encode(hkd.pem)).phkh;
    const startGuest = async (name: string, fault?: 'tampered-measurement') => {
      const header = buildSyntheticSeHeader([phkh], ctx);
      const headerPath = join(dir, `${name}.hdr`);
      writeFileSync(headerPath, header);
      const guest = await startSimulatedGuest({
        hostPrivateKeys: [hostKey],
        seHeader: header,
        cuid: ctx.randomBytes(16),
        authorizedKeys: [client.public],
        ...(fault ? { fault } : {}),
      });
      guests.push(guest);
      return { guest, headerPath };
    };
    const good = await startGuest('guest-genuine');
    const bad = await startGuest('guest-tampered', 'tampered-measurement');

    const dbPath = join(dir, 'workstation.db');
    const handle = await createWorkstationPort({ dbPath });
    closePort = () => handle.close();
    let rowsServed = 0;
    const port: WorkstationPort = {
      ...handle.port,
      async listHistory(query) {
        const page = await handle.port.listHistory(query);
        rowsServed += page.items.length;
        return page;
      },
    };
    const withStore = <T>(fn: (store: Store) => T): T => {
      const store = openStore({ path: dbPath });
      try {
        return fn(store);
      } finally {
        store.close();
      }
    };

    return {
      port,
      dbPath,
      dir,
      genuine: good.guest,
      tampered: bad.guest,
      goodGuest: {
        name: 'guest-genuine',
        sshTarget: good.guest.address,
        seHeaderPath: good.headerPath,
        identityRef: identity,
        hostKeyFingerprint: good.guest.fingerprint,
      },
      tamperedGuest: {
        name: 'guest-tampered',
        sshTarget: bad.guest.address,
        seHeaderPath: bad.headerPath,
        identityRef: identity,
        hostKeyFingerprint: bad.guest.fingerprint,
      },
      trustFiles,
      evidenceDir: join(dir, 'evidence'),
      expectedFailure: /measurement (mismatch|does not match)/i,
      async seedHistory(guestName, count) {
        withStore((store) => seedAttempts(store, store.guests.get(guestName).id, count));
      },
      async seedStoredAttestations(count) {
        const stored = withStore((store) => {
          const per = Math.ceil(count / 10);
          for (let i = 0; i < 10; i++) {
            const g = store.guests.add({ name: `bulk-${i}`, sshTarget: `root@10.1.0.${i + 1}` });
            seedAttempts(store, g.id, Math.min(per, count - i * per));
          }
          return store.attestations.count();
        });
        if (stored < count) throw new Error(`seeded ${stored} attestations, wanted ${count}`);
      },
      rowsServed: () => rowsServed,
      async close() {
        await closePort?.();
        await Promise.all(guests.map((g) => g.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await closePort?.();
    await Promise.all(guests.map((g) => g.close()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
