/** Issues 5 and 11: the service calls the attest use case makes (outcomes judged by judgeAttestation), history. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../main/store/index.js';
import {
  beginAttestation,
  listHistory,
  recordFailure,
  recordVerification,
  toHistoryJson,
} from '../../main/services/history.js';
import { AttestError, isAttestError } from '../../shared/errors/index.js';

const IMG = '11'.repeat(32);
const v = (verified: boolean, imagePhkh = 0x11) => ({
  verified,
  cuid: new Uint8Array(16).fill(0xc0),
  measurement: new Uint8Array(64).fill(0x33),
  userData: new Uint8Array([1, 2]),
  additional: { imagePhkh: new Uint8Array(32).fill(imagePhkh) },
});

test('verified, policy violation, mismatch, error and cancelled outcomes, each as judgeAttestation decides', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g', policy: { expectedImagePhkh: IMG } });
  const begin = () => beginAttestation(store, g.id, { policy: g.policy });
  const ok = recordVerification(store, begin(), { verification: v(true), response: new Uint8Array(500) });
  assert.equal(ok.status, 'verified');
  assert.equal(ok.verdict?.outcome, 'verified');
  assert.deepEqual(ok.policy, { expectedImagePhkh: IMG });
  assert.equal(ok.cuid, 'c0'.repeat(16));
  assert.equal(ok.userData, '0102');
  assert.equal(ok.additionalData?.imagePhkh, IMG);
  const mm = recordVerification(store, begin(), { verification: v(false), response: new Uint8Array(500) });
  assert.equal(mm.status, 'mismatch');
  assert.equal(mm.errorCode, null);
  const pv = recordVerification(store, begin(), { verification: v(true, 0x99), response: new Uint8Array(500) });
  assert.equal(pv.status, 'policy-violation');
  assert.equal(pv.errorCode, 'ERR_POLICY_IMAGE_PHKH');
  assert.deepEqual(
    pv.verdict?.checks.map((c) => [c.check, c.passed, c.expected, c.seen]),
    [['image-phkh', false, IMG, '99'.repeat(32)]],
  );
  const err = recordFailure(store, begin(), new AttestError('ERR_UV_RC', 'uv said no', { rc: 0x104 }));
  assert.equal(err.status, 'error');
  assert.equal(err.errorCode, 'ERR_UV_RC');
  const statuses = store.guests.statuses();
  assert.equal(statuses[0]?.health, 'failing');
  assert.equal(statuses[0]?.lastErrorCode, 'ERR_UV_RC');
  const cancelled = recordFailure(store, begin(), new AttestError('ERR_TRANSPORT_CANCELLED', 'cancelled'));
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.verdict?.outcome, 'cancelled');

  const json = listHistory(store, 'g').map(toHistoryJson);
  assert.deepEqual(
    json.map((j) => [j.status, j.outcome, j.code]),
    [
      ['cancelled', 'cancelled', 'ERR_TRANSPORT_CANCELLED'],
      ['error', 'error', 'ERR_UV_RC'],
      ['policy-violation', 'policy-violation', 'ERR_POLICY_IMAGE_PHKH'],
      ['mismatch', 'mismatch', null],
      ['verified', 'verified', null],
    ],
  );
  for (const j of json)
    for (const k of ['id', 'status', 'started_at', 'finished_at', 'cuid', 'error_code', 'reason', 'policy', 'checks'])
      assert.ok(k in j, k);
  assert.equal(json[2]?.checks[0]?.expected, IMG);
  assert.equal(json[2]?.checks[0]?.seen, '99'.repeat(32));
  assert.equal(store.audit.verify().ok, true);
  store.close();
});

test('the policy recorded at begin is the one judged against, not the guest policy at the end', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g', policy: { expectedImagePhkh: IMG } });
  const id = beginAttestation(store, g.id, { policy: g.policy });
  store.guests.edit('g', { policy: { expectedImagePhkh: '99'.repeat(32) } }); // changed while the guest is contacted
  const r = recordVerification(store, id, { verification: v(true), response: new Uint8Array(500) });
  assert.equal(r.status, 'verified');
  assert.deepEqual(r.policy, { expectedImagePhkh: IMG });
  store.close();
});

test('the store refuses an outcome other than the verdict of the row (ERR_STORE_OUTCOME_MISMATCH)', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g' });
  const id = store.attestations.begin(g.id, { policy: { expectedImagePhkh: IMG } });
  const wrong = () =>
    store.attestations.finish(id, { status: 'verified', additionalData: { imagePhkh: new Uint8Array(32) } });
  assert.throws(wrong, (e) => isAttestError(e, 'ERR_STORE_OUTCOME_MISMATCH'));
  assert.throws(
    () => store.attestations.finish(id, { status: 'error', errorCode: 'ERR_APP_CANCELLED' }),
    (e) => isAttestError(e, 'ERR_STORE_OUTCOME_MISMATCH'),
  );
  assert.equal(store.attestations.get(id).status, 'pending', 'nothing was written');
  assert.equal(store.attestations.get(id).verdict, null);
  store.close();
});

test('history of a removed guest stays readable by name; unknown names are coded errors', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'gone' });
  recordFailure(store, beginAttestation(store, g.id, { policy: null }), new Error('boom'));
  store.guests.remove('gone');
  assert.equal(listHistory(store, 'gone').length, 1);
  assert.throws(
    () => listHistory(store, 'nobody'),
    (e) => (e as AttestError).code === 'ERR_STORE_GUEST_NOT_FOUND',
  );
  store.close();
});
