/** Issue 5: guest policy checks (own codes), ad-hoc guests, guest details. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../main/store/index.js';
import { addGuest, checkGuestPolicy, recordAdHocGuest, showGuest } from '../../main/services/guests.js';

const b = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const IMG = '11'.repeat(32);
const ATT = '22'.repeat(32);

test('policy: each expectation has its own violation code; a compliant result passes', () => {
  const policy = {
    expectedImagePhkh: IMG,
    expectedAttestationPhkh: ATT,
    expectedUserData: 'cafe',
    requiredAddData: ['phkh-img' as const],
  };
  const good = { userData: b('cafe'), additional: { imagePhkh: b(IMG), attestationPhkh: b(ATT) } };
  assert.equal(checkGuestPolicy(policy, good), undefined);
  assert.equal(
    checkGuestPolicy(policy, { ...good, additional: { attestationPhkh: b(ATT) } })?.code,
    'ERR_POLICY_ADD_DATA_MISSING',
  );
  assert.equal(
    checkGuestPolicy(policy, { ...good, additional: { imagePhkh: b(ATT), attestationPhkh: b(ATT) } })?.code,
    'ERR_POLICY_IMAGE_PHKH',
  );
  assert.equal(
    checkGuestPolicy(policy, { ...good, additional: { imagePhkh: b(IMG), attestationPhkh: b(IMG) } })?.code,
    'ERR_POLICY_ATTESTATION_PHKH',
  );
  assert.equal(checkGuestPolicy(policy, { ...good, userData: b('cafd') })?.code, 'ERR_POLICY_USER_DATA');
  assert.equal(checkGuestPolicy(policy, { ...good, userData: undefined })?.code, 'ERR_POLICY_USER_DATA');
  assert.equal(
    checkGuestPolicy({ hkdSha256: ['aa'.repeat(32)] }, { hkdSha256: ['bb'.repeat(32)] })?.code,
    'ERR_POLICY_HOST_KEY',
  );
  assert.equal(checkGuestPolicy({ hkdSha256: ['AA'.repeat(32)] }, { hkdSha256: ['aa'.repeat(32)] }), undefined);
  assert.equal(checkGuestPolicy({}, {}), undefined);
});

test('ad-hoc guests are created once under their name and tagged', () => {
  const store = openStore({ path: ':memory:' });
  const a = recordAdHocGuest(store, 'adhoc-1', 'root@192.0.2.9');
  const again = recordAdHocGuest(store, 'adhoc-1', 'root@192.0.2.99');
  assert.equal(again.id, a.id);
  assert.equal(again.sshTarget, 'root@192.0.2.9');
  assert.deepEqual(a.tags, ['ad-hoc']);
  assert.equal(store.audit.list().length, 1);
  store.close();
});

test('showGuest returns the guest, its status and recent attempts', () => {
  const store = openStore({ path: ':memory:' });
  const g = addGuest(store, { name: 'g' });
  const id = store.attestations.begin(g.id);
  store.attestations.finish(id, { status: 'verified' });
  const d = showGuest(store, 'g');
  assert.equal(d.status.health, 'ok');
  assert.deepEqual(
    d.recent.map((r) => r.id),
    [id],
  );
  store.close();
});
