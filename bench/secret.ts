/**
 * Secret benchmarks (issue 14): `secret create` (1 HKD, a 64-byte plaintext) beside the raw Node crypto floor of
 * the same work (customer keygen, one ECDH, two AES-GCM), `secret verify` with an ECDSA-signed request, the
 * software Ultravisor's Add Secret, and one whole release (attest → add → lock → attest again → check) against a
 * simulated guest over loopback SSH.
 */
import { createCipheriv, createECDH, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SoftwareSecretStore,
  createAddSecretRequest,
  createFakeIbmPki,
  p521PrivateKeyFromPem,
  readHostKeyDocument,
  readSeHeaderTags,
  retrievableSecret,
  sealSeHeader,
  sec1FromCoords,
  systemContext,
  toHex,
  verifyAddSecretRequest,
} from '../main/engine/index.js';
import { releaseSecret } from '../main/services/release-secret.js';
import { importTrustFiles } from '../main/services/trust.js';
import { generateSshKeyPair, startSimulatedGuest } from '../main/sim/simulated-guest.js';
import { openStore } from '../main/store/index.js';
import { measure } from './engine.js';

const KEYS = new URL('../test/vectors/interop-secret/keys/', import.meta.url).pathname;

function rawCreate(hostPoint: Buffer): void {
  const customer = createECDH('secp521r1');
  customer.generateKeys();
  const key = randomBytes(32);
  const z = customer.computeSecret(hostPoint);
  const slot = createCipheriv('aes-256-gcm', z.subarray(0, 32), Buffer.alloc(12));
  slot.update(key);
  slot.final();
  const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
  c.setAAD(Buffer.alloc(1208 + 80 + 48));
  c.update(Buffer.alloc(80 + 32));
  c.final();
}

/** Returns one record per measured operation. */
export async function runSecretBench(): Promise<object[]> {
  const ctx = systemContext();
  const host = readHostKeyDocument(new Uint8Array(readFileSync(`${KEYS}hostA.crt`))).publicCoords;
  const hostPriv = p521PrivateKeyFromPem(readFileSync(`${KEYS}hostA.key`, 'utf8'));
  const seHeader = new Uint8Array(readFileSync(`${KEYS}hdr1.bin`));
  const bootTags = readSeHeaderTags(seHeader);
  const secret = retrievableSecret({ name: 'bench', type: 'plain', input: randomBytes(64), inputName: 'bench' });
  const out: object[] = [];
  const point = Buffer.from(sec1FromCoords(host));
  const floor = measure(() => rawCreate(point));
  const ours = measure(() => createAddSecretRequest({ secret, hostKeys: [host], bootTags, ctx }));
  out.push({
    op: 'secret-create',
    hkds: 1,
    ops_per_s: ours.ops_per_s,
    mean_us: ours.mean_us,
    floor_mean_us: floor.mean_us,
    ratio_to_floor: Math.round((ours.mean_us / floor.mean_us) * 100) / 100,
  });
  const signer = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
  const signed = createAddSecretRequest({
    secret,
    hostKeys: [host],
    bootTags,
    ctx,
    userData: randomBytes(200),
    userSigningKey: createPrivateKey(signer.privateKey.export({ format: 'pem', type: 'pkcs8' })),
  }).bytes;
  const verify = measure(() => verifyAddSecretRequest(signed, signer.publicKey));
  out.push({ op: 'secret-verify-ecdsa', ops_per_s: verify.ops_per_s, mean_us: verify.mean_us });
  const request = createAddSecretRequest({ secret, hostKeys: [host], bootTags, ctx }).bytes;
  const add = measure(() => {
    const store = new SoftwareSecretStore({ hostPrivateKeys: [hostPriv], seHeader, cuid: new Uint8Array(16) }, { ctx });
    if (store.add(request).rc !== 1) throw new Error('bench request refused');
  });
  out.push({ op: 'uv-add-secret', ops_per_s: add.ops_per_s, mean_us: add.mean_us });
  out.push(await benchRelease());
  return out;
}

/** One uv release end to end (two attestations, pvsecret list/add/lock) against a simulated guest on loopback. */
async function benchRelease(): Promise<object> {
  const ctx = systemContext();
  const dir = mkdtempSync(join(tmpdir(), 'bench-release-'));
  const client = generateSshKeyPair();
  writeFileSync(join(dir, 'id'), client.private, { mode: 0o600 });
  writeFileSync(join(dir, 'value'), 'bench value', { mode: 0o600 });
  const pki = await createFakeIbmPki({ ctx, hkdCount: 1 });
  const store = openStore({ path: join(dir, 'ws.db') });
  const files = [
    pki.root,
    pki.intermediate,
    pki.signingKey,
    pki.rootCrl,
    pki.intermediateCrl,
    pki.signingKeyCrl,
    pki.hkds[0]!,
  ];
  const imported = importTrustFiles(
    store,
    files.map((f, i) => ({ source: `f${i}`, bytes: new TextEncoder().encode(f.pem) })),
  );
  const doc = readHostKeyDocument(new TextEncoder().encode(pki.hkds[0]!.pem));
  const header = sealSeHeader({ hostKeys: [doc.publicCoords], cck: ctx.randomBytes(32), ctx });
  const guest = await startSimulatedGuest({
    hostPrivateKeys: [p521PrivateKeyFromPem(pki.hkds[0]!.privateKeyPem)],
    seHeader: header,
    cuid: ctx.randomBytes(16),
    authorizedKeys: [client.public],
  });
  try {
    const g = store.guests.add({
      name: 'bench',
      sshTarget: guest.address,
      identityRef: join(dir, 'id'),
      hostKeyFingerprint: guest.fingerprint,
      seHeaderHex: toHex(header),
      policy: { hkdSha256: [imported[6]!.items[0]!.item.sha256], requiredAddData: ['phkh-att'] },
    });
    const runs = 5;
    const started = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
      store.releases.configure(g.id, {
        name: `r${i}`,
        kind: 'uv',
        uvKind: 'plain',
        source: { kind: 'file', path: join(dir, 'value') },
      });
      const { run } = await releaseSecret({ store, guest: 'bench', release: `r${i}`, ctx });
      if (run.status !== 'released') throw new Error(`bench release failed: ${run.errorMessage}`);
    }
    const meanMs = Number(process.hrtime.bigint() - started) / 1e6 / runs;
    return {
      op: 'release-uv-simulated-guest',
      runs,
      mean_ms: Math.round(meanMs * 10) / 10,
      attestations_per_release: 2,
    };
  } finally {
    await guest.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
