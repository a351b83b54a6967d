// The stored-guest flow end to end: trust material imported into the store, HKDs verified offline against it,
// simulated secure guests over real SSH (ssh2 server on 127.0.0.1), first-contact pinning, policy checks,
// every attempt recorded, and the audit chain intact.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createFakeIbmPki,
  p521PrivateKeyFromPem,
  readHostKeyDocument,
  systemContext,
  toHex,
  type FakeIbmPki,
} from '../../main/engine/index.js';
import { buildSyntheticSeHeader } from '../../main/sim/se-image.js';
import {
  generateSshKeyPair,
  startSimulatedGuest,
  type SimulatedGuest,
  type SimulatedFault,
} from '../../main/sim/simulated-guest.js';
import { attestStoredGuest } from '../../main/services/attest-stored-guest.js';
import { verifyAuditLog } from '../../main/services/audit.js';
import { importTrustFiles } from '../../main/services/trust.js';
import { openStore, type Store } from '../../main/store/index.js';
import { parseKnownHosts } from '../../main/transport/host-key.js';
import { tempDir } from '../support/cli.js';
import { chainPems } from '../support/pki-files.js';

const ctx = systemContext();
const tmp = tempDir();
const client = generateSshKeyPair();
const guests: SimulatedGuest[] = [];
let pki: FakeIbmPki;
let store: Store;
let hostPriv: Uint8Array;
let phkh0: Uint8Array;
let phkh1: Uint8Array;

/** Imports a fake IBM PKI's root, intermediate, signing key, their CRLs (less `omit`) and the first HKD. */
function importPki(into: Store, from: FakeIbmPki, omit: readonly string[] = []): void {
  const files: [string, string][] = [...chainPems(from), ['hkd0.crt', from.hkds[0]!.pem]];
  const results = importTrustFiles(
    into,
    files
      .filter(([name]) => !omit.includes(name))
      .map(([name, text]) => ({ source: name, bytes: new TextEncoder().encode(text) })),
  );
  assert.ok(results.every((r) => r.error === undefined));
}

async function simulate(name: string, headerFor: Uint8Array, fault?: SimulatedFault) {
  const seHeader = buildSyntheticSeHeader([headerFor], ctx);
  const g = await startSimulatedGuest({
    hostPrivateKeys: [hostPriv],
    seHeader,
    cuid: ctx.randomBytes(16),
    authorizedKeys: [client.public],
    ...(fault ? { fault } : {}),
  });
  guests.push(g);
  store.guests.add({
    name,
    sshTarget: g.address,
    identityRef: tmp.path('id_ed25519'),
    seHeaderHex: toHex(seHeader),
    policy: { requiredAddData: ['phkh-img', 'phkh-att'], expectedImagePhkh: toHex(phkh0) },
  });
  return g;
}

before(async () => {
  writeFileSync(tmp.path('id_ed25519'), client.private, { mode: 0o600 });
  pki = await createFakeIbmPki({ ctx, hkdCount: 2 });
  store = openStore({ path: tmp.path('ws.db') });
  importPki(store, pki);
  hostPriv = p521PrivateKeyFromPem(pki.hkds[0]!.privateKeyPem);
  phkh0 = readHostKeyDocument(new TextEncoder().encode(pki.hkds[0]!.pem)).phkh;
  phkh1 = readHostKeyDocument(new TextEncoder().encode(pki.hkds[1]!.pem)).phkh;
});
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
  store?.close();
  tmp.cleanup();
});

describe('attestStoredGuest', () => {
  test('healthy guest: verified; first contact asks and pins the host key; HKD report stored', async () => {
    const g = await simulate('healthy', phkh0);
    let asked = '';
    const out = await attestStoredGuest({
      store,
      guest: 'healthy',
      ctx,
      decideHostKey: (info) => ((asked = info.fingerprint), true),
    });
    assert.equal(out.record.status, 'verified', String(out.error));
    assert.equal(asked, g.fingerprint);
    assert.equal(store.guests.get('healthy').hostKeyFingerprint, g.fingerprint);
    assert.equal(store.guests.get('healthy').hostKeyType, 'ssh-ed25519');
    assert.equal(out.record.hostKeyFingerprint, g.fingerprint, 'the record keeps the key the guest presented');
    assert.equal(out.record.additionalData?.attestationPhkh, toHex(phkh0));
    assert.equal((out.record.hkdReport as { verified: boolean }).verified, true);
    assert.ok(out.record.steps.requestCreated && out.record.steps.guestContacted && out.record.steps.verified);
    assert.equal(store.attestations.secrets(out.record.id).arpk?.length, 32);
    assert.deepEqual(store.attestations.seHeader(out.record.id), store.guests.seHeader(store.guests.get('healthy').id));
    assert.match(out.record.seHeaderSha256 ?? '', /^[0-9a-f]{64}$/);
    const again = await attestStoredGuest({ store, guest: 'healthy', ctx });
    assert.equal(again.record.status, 'verified');
  });
  test('image built for another host: policy violation with its own code', async () => {
    await simulate('other-host', phkh1);
    const out = await attestStoredGuest({ store, guest: 'other-host', ctx, trustOnFirstUse: true });
    assert.equal(out.record.status, 'policy-violation');
    assert.equal(out.record.errorCode, 'ERR_POLICY_IMAGE_PHKH');
    assert.equal(out.record.additionalData?.imagePhkh, toHex(phkh1));
    // issue 11: the guest's policy was recorded when the attempt started; expected beside seen
    assert.deepEqual(out.record.policy, store.guests.get('other-host').policy);
    const failed = out.record.verdict?.checks.filter((c) => !c.passed);
    assert.deepEqual(
      failed?.map((c) => [c.check, c.expected, c.seen]),
      [['image-phkh', toHex(phkh0), toHex(phkh1)]],
    );
  });
  test('tampered guest: measurement mismatch recorded', async () => {
    await simulate('tampered', phkh0, 'tampered-measurement');
    const out = await attestStoredGuest({ store, guest: 'tampered', ctx, trustOnFirstUse: true });
    assert.equal(out.record.status, 'mismatch');
    assert.equal(out.record.errorCode, null);
  });
  test('unknown host key without a decision: refused before anything is sent, recorded as an error', async () => {
    const g = await simulate('unpinned', phkh0);
    const out = await attestStoredGuest({ store, guest: 'unpinned', ctx });
    assert.equal(out.record.status, 'error');
    assert.equal(out.record.errorCode, 'ERR_TRANSPORT_HOST_KEY_UNKNOWN');
    assert.equal(g.performCount, 0);
  });
  test('issue 11: refusing the host key when asked is recorded as cancelled, not as an error', async () => {
    const g = await simulate('refused', phkh0);
    const out = await attestStoredGuest({ store, guest: 'refused', ctx, decideHostKey: () => false });
    assert.equal(out.record.status, 'cancelled');
    assert.equal(out.record.errorCode, 'ERR_APP_HOSTKEY_REJECTED');
    assert.equal(g.performCount, 0);
    assert.equal(store.guests.statuses().find((s) => s.name === 'refused')?.health, 'never');
  });
  test('issue 11: a run cancelled through its signal is recorded as cancelled', async () => {
    await simulate('stopped', phkh0);
    const controller = new AbortController();
    const out = await attestStoredGuest({
      store,
      guest: 'stopped',
      ctx,
      trustOnFirstUse: true,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.step === 'upload' && e.status === 'start') controller.abort();
      },
    });
    assert.equal(out.record.status, 'cancelled', out.record.errorMessage ?? '');
    assert.equal(out.record.verdict?.outcome, 'cancelled');
  });
  test('an unpinned guest found in known_hosts (hashed [host]:port entry) is trusted and pinned; another key there is refused', async () => {
    const hostKey = generateSshKeyPair();
    const header = buildSyntheticSeHeader([phkh0], ctx);
    const g = await startSimulatedGuest({
      hostPrivateKeys: [hostPriv],
      seHeader: header,
      cuid: ctx.randomBytes(16),
      authorizedKeys: [client.public],
      hostKey: hostKey.private,
    });
    guests.push(g);
    store.guests.add({
      name: 'known',
      sshTarget: g.address,
      identityRef: tmp.path('id_ed25519'),
      seHeaderHex: toHex(header),
    });
    const hashed = (pattern: string) => {
      const salt = randomBytes(20);
      return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(pattern).digest('base64')}`;
    };
    const [type, blob] = hostKey.public.split(/\s+/);
    const other = generateSshKeyPair().public.split(/\s+/);
    const wrong = await attestStoredGuest({
      store,
      guest: 'known',
      ctx,
      knownHosts: parseKnownHosts(`${hashed(`[127.0.0.1]:${g.port}`)} ${other[0]} ${other[1]}\n`),
    });
    assert.equal(wrong.record.errorCode, 'ERR_TRANSPORT_HOST_KEY_CHANGED');
    assert.equal(store.guests.get('known').hostKeyFingerprint, null);
    const out = await attestStoredGuest({
      store,
      guest: 'known',
      ctx,
      knownHosts: parseKnownHosts(`${hashed(`[127.0.0.1]:${g.port}`)} ${type} ${blob}\n`),
    });
    assert.equal(out.record.status, 'verified', out.record.errorMessage ?? '');
    assert.equal(store.guests.get('known').hostKeyFingerprint, g.fingerprint);
  });
  test('a revoked HKD stops the run before the guest is contacted', async () => {
    const revoked = await createFakeIbmPki({ ctx, hkdCount: 1, revokedHkds: [0] });
    const s2 = openStore({ path: ':memory:' });
    importPki(s2, revoked);
    const g = guests[0]!;
    s2.guests.add({
      name: 'r',
      sshTarget: g.address,
      identityRef: tmp.path('id_ed25519'),
      seHeaderHex: toHex(buildSyntheticSeHeader([phkh0], ctx)),
      hostKeyFingerprint: g.fingerprint,
    });
    const before = g.performCount;
    const out = await attestStoredGuest({ store: s2, guest: 'r', ctx });
    assert.equal(out.record.status, 'error');
    assert.equal(out.record.errorCode, 'ERR_HKD_REVOKED');
    assert.equal(g.performCount, before);
    s2.close();
  });
  test('online mode downloads a missing CRL and keeps it in the store for later offline runs', async () => {
    const s3 = openStore({ path: ':memory:' });
    importPki(s3, pki, ['ibm.crl']);
    const g = guests[0]!;
    const healthyHeader = store.guests.seHeader(store.guests.get('healthy').id)!;
    s3.guests.add({
      name: 'o',
      sshTarget: g.address,
      identityRef: tmp.path('id_ed25519'),
      seHeaderHex: toHex(healthyHeader),
      hostKeyFingerprint: g.fingerprint,
    });
    const offline = await attestStoredGuest({ store: s3, guest: 'o', ctx });
    assert.equal(offline.record.status, 'error');
    assert.match(offline.record.errorCode ?? '', /CRL/);
    const fetched: string[] = [];
    const online = await attestStoredGuest({
      store: s3,
      guest: 'o',
      ctx,
      online: true,
      fetchCrl: async (url) => {
        fetched.push(url);
        if (url.endsWith('ibm-z-signing-key.crl')) return new TextEncoder().encode(pki.signingKeyCrl.pem);
        throw new Error('not found');
      },
    });
    assert.equal(online.record.status, 'verified', online.record.errorMessage ?? '');
    assert.ok(fetched.some((u) => u.endsWith('ibm-z-signing-key.crl')));
    assert.equal(s3.trust.list({ kind: 'crl' }).length, 3);
    const again = await attestStoredGuest({ store: s3, guest: 'o', ctx });
    assert.equal(again.record.status, 'verified');
    s3.close();
  });
  test('every attempt is in the history and the audit chain verifies', () => {
    const statuses = store.guests.statuses();
    assert.equal(statuses.find((s) => s.name === 'healthy')?.health, 'ok');
    assert.equal(statuses.find((s) => s.name === 'tampered')?.health, 'failing');
    assert.equal(verifyAuditLog(store).ok, true);
  });
});
