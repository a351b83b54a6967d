// Issue 12 ("Several IBM Z signing keys in one workspace"): a store holding two IBM Z signing keys (IBM's key
// rotation: same subject, new key) and HKDs signed by each attests simulated secure guests of both hosts over SSH;
// each attestation's HKD report names the signing key that issued its HKD, and a guest whose HKD none of the
// stored keys issued fails with ERR_HKD_NO_ISSUING_SIGNING_KEY. The Trust screen agrees with the verifier.
import 'reflect-metadata';
import assert from 'node:assert/strict';
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
import { generateSshKeyPair, startSimulatedGuest, type SimulatedGuest } from '../../main/sim/simulated-guest.js';
import { attestStoredGuest } from '../../main/services/attest-stored-guest.js';
import { importTrustFiles } from '../../main/services/trust.js';
import { createTrustView } from '../../main/app/port/trust-view.js';
import { openStore, type Store } from '../../main/store/index.js';
import { tempDir } from '../support/cli.js';
import { chainPems } from '../support/pki-files.js';
import { rotateSigningKey, type RotatedSigningKey } from '../support/pki-factory.js';

const ctx = systemContext();
const tmp = tempDir();
const client = generateSshKeyPair();
const guests: SimulatedGuest[] = [];
let pki: FakeIbmPki;
let rotated: RotatedSigningKey;
let foreign: FakeIbmPki;
let store: Store;

interface HkdReportJson {
  verified: boolean;
  signingKeyRule: string;
  hkds: { name: string; verified: boolean; code?: string; signingKey?: { source: string; sha256: string } }[];
}

function importFiles(files: [string, string][]): void {
  const results = importTrustFiles(
    store,
    files.map(([name, text]) => ({ source: name, bytes: new TextEncoder().encode(text) })),
  );
  assert.deepEqual(
    results.filter((r) => r.error),
    [],
  );
}

const sha256Of = (source: string): string => store.trust.list().find((i) => i.source === source)!.sha256;

/** A simulated guest on the host of `hkdPem` (its private key answers), stored with a policy naming that HKD. */
async function guestOn(name: string, hkdPem: string, privateKeyPem: string, hkdSource: string): Promise<void> {
  const phkh = readHostKeyDocument(new TextEncoder().encode(hkdPem)).phkh;
  const seHeader = buildSyntheticSeHeader([phkh], ctx);
  const g = await startSimulatedGuest({
    hostPrivateKeys: [p521PrivateKeyFromPem(privateKeyPem)],
    seHeader,
    cuid: ctx.randomBytes(16),
    authorizedKeys: [client.public],
  });
  guests.push(g);
  store.guests.add({
    name,
    sshTarget: g.address,
    identityRef: tmp.path('id_ed25519'),
    seHeaderHex: toHex(seHeader),
    policy: {
      requiredAddData: ['phkh-img', 'phkh-att'],
      expectedImagePhkh: toHex(phkh),
      hkdSha256: [sha256Of(hkdSource)],
    },
  });
}

before(async () => {
  writeFileSync(tmp.path('id_ed25519'), client.private, { mode: 0o600 });
  pki = await createFakeIbmPki({ ctx, hkdCount: 1 });
  rotated = await rotateSigningKey(pki);
  foreign = await createFakeIbmPki({ ctx, hkdCount: 1 });
  store = openStore({ path: tmp.path('ws.db') });
  importFiles([
    ...chainPems(pki),
    ['ibm-rotated.crt', rotated.signingKey.pem],
    ['ibm-rotated.crl', rotated.crl.pem],
    ['host-old.crt', pki.hkds[0]!.pem],
    ['host-new.crt', rotated.hkd.pem],
    ['host-foreign.crt', foreign.hkds[0]!.pem],
  ]);
  assert.equal(store.trust.list({ kind: 'signing-key' }).length, 2, 'two IBM Z signing keys in the workspace');
  await guestOn('old-machine', pki.hkds[0]!.pem, pki.hkds[0]!.privateKeyPem, 'host-old.crt');
  await guestOn('new-machine', rotated.hkd.pem, rotated.hkd.privateKeyPem, 'host-new.crt');
  await guestOn('foreign-machine', foreign.hkds[0]!.pem, foreign.hkds[0]!.privateKeyPem, 'host-foreign.crt');
});
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
  store?.close();
  tmp.cleanup();
});

describe('a workspace with two IBM Z signing keys (issue 12)', () => {
  for (const [guest, hkd, key] of [
    ['old-machine', 'host-old.crt', 'ibm.crt'],
    ['new-machine', 'host-new.crt', 'ibm-rotated.crt'],
  ] as const) {
    test(`${guest}: verified, and the HKD report names ${key}`, async () => {
      const out = await attestStoredGuest({ store, guest, ctx, trustOnFirstUse: true });
      assert.equal(out.record.status, 'verified', String(out.error));
      const report = out.record.hkdReport as HkdReportJson;
      assert.equal(report.verified, true);
      assert.equal(report.signingKeyRule, 'per-hkd');
      assert.deepEqual(
        report.hkds.map((h) => [h.name, h.verified, h.signingKey?.source, h.signingKey?.sha256]),
        [[hkd, true, key, sha256Of(key)]],
      );
    });
  }

  test('a guest whose HKD none of the stored signing keys issued: ERR_HKD_NO_ISSUING_SIGNING_KEY', async () => {
    const out = await attestStoredGuest({ store, guest: 'foreign-machine', ctx, trustOnFirstUse: true });
    assert.notEqual(out.record.status, 'verified');
    assert.equal(out.record.errorCode, 'ERR_HKD_NO_ISSUING_SIGNING_KEY');
  });

  test('the Trust screen shows both signing keys and both HKDs valid, the foreign HKD invalid', async () => {
    const items = await createTrustView(store).list(new Date());
    const bySource = new Map(items.map((i) => [i.stored.source, i.ui]));
    for (const s of ['ibm.crt', 'ibm-rotated.crt', 'host-old.crt', 'host-new.crt'])
      assert.equal(bySource.get(s)?.chainStatus, 'valid', `${s}: ${bySource.get(s)?.chainDetail}`);
    assert.match(bySource.get('host-new.crt')?.chainDetail ?? '', /ibm-rotated\.crt/);
    assert.equal(bySource.get('host-foreign.crt')?.chainStatus, 'invalid');
    assert.match(bySource.get('host-foreign.crt')?.chainDetail ?? '', /no IBM Z signing key that issued/);
  });
});
