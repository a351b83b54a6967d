/**
 * The demo workspace: its own database, a DEMO PKI whose names follow IBM's (root → intermediate → IBM Z signing
 * key → host-key documents, with CRLs), and three simulated secure guests on loopback SSH — one healthy, one
 * whose image was built for another host, one tampered. Everything DEMO lives in this folder and its database
 * only; nothing here is trusted anywhere else.
 *
 * | Path | What |
 * |---|---|
 * | `workstation.db` (+ `.key`) | the demo database |
 * | `demo.json` | the guests: name, role, fault, files |
 * | `pki/` | DEMO root, intermediate, signing key, HKDs of host A and B, CRLs (PEM) |
 * | `secrets/` | host private keys, SSH keys (mode 0600) |
 * | `guests/<name>.hdr` | each guest's SE header |
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError } from '../../shared/errors/index.js';
import { toHex } from '../engine/bytes.js';
import type { EngineContext } from '../engine/crypto/context.js';
import { p521PrivateKeyFromPem } from '../engine/crypto/p521.js';
import { createFakeIbmPki } from '../engine/pki/demo-pki.js';
import { readHostKeyDocument } from '../engine/pki/host-key-document.js';
import { importTrustFiles } from '../services/trust.js';
import { buildSyntheticSeHeader } from '../sim/se-image.js';
import {
  generateSshKeyPair,
  startSimulatedGuest,
  type SimulatedFault,
  type SimulatedGuest,
} from '../sim/simulated-guest.js';
import { computeHostKeyFingerprint } from '../transport/host-key.js';
import { openStore, type Store } from '../store/index.js';
import { readFileBounded, writeSecretFile } from '../fs/index.js';

export const DEMO_LABEL = 'DEMO';
export { DEFAULT_DEMO_DIR } from './defaults.js';
const MANIFEST = 'demo.json';

/** One demo guest as kept in `demo.json`. */
export interface DemoGuestSpec {
  readonly name: string;
  readonly role: 'healthy' | 'other-host' | 'tampered';
  /** What the demo expects and why, for the summary. */
  readonly expectation: string;
  readonly fault?: SimulatedFault;
  readonly cuid: string;
}

/** The demo manifest. */
export interface DemoManifest {
  readonly version: 1;
  readonly createdAt: string;
  readonly guests: readonly DemoGuestSpec[];
}

/** Paths of a demo workspace. */
export function demoPaths(dir: string) {
  return {
    dir,
    db: join(dir, 'workstation.db'),
    manifest: join(dir, MANIFEST),
    pki: join(dir, 'pki'),
    secrets: join(dir, 'secrets'),
    guests: join(dir, 'guests'),
    evidence: join(dir, 'evidence'),
    keys: join(dir, 'keys'),
    clientKey: join(dir, 'secrets', 'ssh-client-ed25519'),
  };
}

/** The workspace's own files are small: larger ones (or directories, FIFOs) get main/fs's coded errors. */
const MAX_WORKSPACE_FILE_SIZE = 1024 * 1024;

function readText(path: string): string {
  return Buffer.from(readFileBounded(path, MAX_WORKSPACE_FILE_SIZE)).toString('utf8');
}

function writeSecret(path: string, text: string): void {
  writeSecretFile(path, text); // a new 0600 file, never written through a symlink
}

/** True when `dir` holds a demo workspace. */
export function isDemoWorkspace(dir: string): boolean {
  return existsSync(demoPaths(dir).manifest);
}

/** Reads the manifest of a demo workspace. */
export function readDemoManifest(dir: string): DemoManifest {
  const p = demoPaths(dir);
  if (!existsSync(p.manifest))
    throw new AttestError('ERR_STORE_OPEN', `${dir} is not a demo workspace (no ${MANIFEST})`);
  return JSON.parse(readText(p.manifest)) as DemoManifest;
}

/**
 * Creates a demo workspace in `dir` (which must not hold one yet): the DEMO PKI, two hosts (A runs the
 * guests; B is another machine), three guests with their SE headers, SSH keys and pinned host keys, the trust
 * material imported and the guests added to the database.
 */
export async function createDemoWorkspace(dir: string, ctx: EngineContext): Promise<DemoManifest> {
  const p = demoPaths(dir);
  if (existsSync(p.manifest)) throw new AttestError('ERR_STORE_OPEN', `${dir} already holds a demo workspace`);
  for (const d of [p.dir, p.pki, p.guests]) mkdirSync(d, { recursive: true });
  mkdirSync(p.secrets, { recursive: true, mode: 0o700 });
  const pki = await createFakeIbmPki({
    ctx,
    hkdCount: 2,
    label: DEMO_LABEL,
    machines: [
      { type: '3931', serial: '00000000DEA0A' },
      { type: '3931', serial: '00000000DEB0B' },
    ],
  });
  const [hostA, hostB] = [pki.hkds[0]!, pki.hkds[1]!];
  const pkiFiles: [string, string][] = [
    ['demo-root-ca.crt', pki.root.pem],
    ['demo-intermediate-ca.crt', pki.intermediate.pem],
    ['demo-ibm-z-signing-key.crt', pki.signingKey.pem],
    ['demo-root-ca.crl', pki.rootCrl.pem],
    ['demo-intermediate-ca.crl', pki.intermediateCrl.pem],
    ['demo-ibm-z-signing-key.crl', pki.signingKeyCrl.pem],
    ['demo-host-a.crt', hostA.pem],
    ['demo-host-b.crt', hostB.pem],
  ];
  for (const [name, text] of pkiFiles) writeFileSync(join(p.pki, name), text);
  writeSecret(join(p.secrets, 'host-a.key'), hostA.privateKeyPem);
  const client = generateSshKeyPair();
  writeSecret(p.clientKey, client.private);
  writeFileSync(`${p.clientKey}.pub`, client.public);
  const phkhA = readHostKeyDocument(new TextEncoder().encode(hostA.pem)).phkh;
  const phkhB = readHostKeyDocument(new TextEncoder().encode(hostB.pem)).phkh;
  const guests: DemoGuestSpec[] = [
    {
      name: 'payments',
      role: 'healthy',
      expectation: 'verified: runs as a secure guest on host A, as built',
      cuid: toHex(ctx.randomBytes(16)),
    },
    {
      name: 'analytics',
      role: 'other-host',
      expectation: 'policy violation: its image was built for host B, not for the host it must run on',
      cuid: toHex(ctx.randomBytes(16)),
    },
    {
      name: 'ledger',
      role: 'tampered',
      expectation: 'measurement mismatch: its answer was altered on the way',
      fault: 'tampered-measurement',
      cuid: toHex(ctx.randomBytes(16)),
    },
  ];
  const store = openStore({ path: p.db });
  try {
    const imported = importTrustFiles(
      store,
      pkiFiles.map(([name, text]) => ({ source: `demo/pki/${name}`, bytes: new TextEncoder().encode(text) })),
    );
    const failed = imported.find((r) => r.error);
    if (failed) throw failed.error;
    const hkdA = imported[6]!.items[0]!.item.sha256;
    for (const g of guests) {
      const header = buildSyntheticSeHeader([g.role === 'other-host' ? phkhB : phkhA], ctx);
      writeFileSync(join(p.guests, `${g.name}.hdr`), header);
      const sshHost = generateSshKeyPair();
      writeSecret(join(p.secrets, `${g.name}-ssh-host-key`), sshHost.private);
      const blob = Buffer.from(sshHost.public.split(/\s+/)[1] ?? '', 'base64');
      store.guests.add({
        name: g.name,
        sshTarget: null,
        identityRef: p.clientKey,
        hostKeyFingerprint: computeHostKeyFingerprint(blob),
        seHeaderHex: toHex(header),
        policy: {
          hkdSha256: [hkdA],
          requiredAddData: ['phkh-img', 'phkh-att'],
          expectedImagePhkh: toHex(phkhA),
          expectedAttestationPhkh: toHex(phkhA),
        },
        notes: `DEMO guest — ${g.expectation}`,
        tags: ['demo', g.role],
      });
    }
  } finally {
    store.close();
  }
  const manifest: DemoManifest = { version: 1, createdAt: ctx.now().toISOString(), guests };
  writeFileSync(p.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The secret each demo guest may be given once it verified (an Ultravisor plaintext secret, store locked after). */
export const DEMO_RELEASE = 'api-token';

/**
 * Configures the demo release of every guest (idempotent; older workspaces get it on their next run): a random
 * token per guest in `secrets/<name>-api-token` (0600), released as a pvsecret plaintext secret and locked.
 */
export function ensureDemoReleases(dir: string, store: Store, ctx: EngineContext): void {
  const p = demoPaths(dir);
  for (const spec of readDemoManifest(dir).guests) {
    const file = join(p.secrets, `${spec.name}-${DEMO_RELEASE}`);
    if (!existsSync(file)) writeSecret(file, `demo-${spec.name}-${toHex(ctx.randomBytes(16))}`);
    const guest = store.guests.get(spec.name);
    if (store.releases.list(guest.id).some((r) => r.name === DEMO_RELEASE)) continue;
    store.releases.configure(guest.id, {
      name: DEMO_RELEASE,
      kind: 'uv',
      uvKind: 'plain',
      source: { kind: 'file', path: file },
      lock: true,
    });
  }
}

/** Running simulated guests of a workspace. */
export interface DemoGuests {
  readonly guests: readonly { spec: DemoGuestSpec; guest: SimulatedGuest }[];
  close(): Promise<void>;
}

/**
 * Starts the workspace's simulated guests on loopback (fresh ports, the same SSH host keys) and points the
 * stored guests at them.
 */
export async function startDemoGuests(dir: string, store?: Store): Promise<DemoGuests> {
  const p = demoPaths(dir);
  const manifest = readDemoManifest(dir);
  const hostKey = p521PrivateKeyFromPem(readText(join(p.secrets, 'host-a.key')));
  const clientPublic = readText(`${p.clientKey}.pub`);
  const started: { spec: DemoGuestSpec; guest: SimulatedGuest }[] = [];
  const own = store === undefined;
  const db = store ?? openStore({ path: p.db });
  try {
    for (const spec of manifest.guests) {
      const guest = await startSimulatedGuest({
        hostPrivateKeys: [hostKey],
        seHeader: readFileBounded(join(p.guests, `${spec.name}.hdr`), MAX_WORKSPACE_FILE_SIZE),
        cuid: new Uint8Array(Buffer.from(spec.cuid, 'hex')),
        authorizedKeys: [clientPublic],
        hostKey: readText(join(p.secrets, `${spec.name}-ssh-host-key`)),
        ...(spec.fault ? { fault: spec.fault } : {}),
      });
      started.push({ spec, guest });
      db.guests.edit(spec.name, { sshTarget: guest.address });
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.guest.close()));
    throw e;
  } finally {
    if (own) db.close();
  }
  return { guests: started, close: async () => void (await Promise.all(started.map((s) => s.guest.close()))) };
}
