/** Issue 5: the service calls the attest use case makes, and history listing. */
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
import { AttestError } from '../../shared/errors/index.js';

const v = (verified: boolean, imagePhkh = 0x11) => ({
  verified,
  cuid: new Uint8Array(16).fill(0xc0),
  measurement: new Uint8Array(64).fill(0x33),
  userData: new Uint8Array([1, 2]),
  additional: { imagePhkh: new Uint8Array(32).fill(imagePhkh) },
});

test('verified, measurement mismatch, policy violation and error outcomes', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g', policy: { expectedImagePhkh: '11'.repeat(32) } });
  const policy = g.policy;
  const ok = recordVerification(store, beginAttestation(store, g.id), {
    verification: v(true),
    response: new Uint8Array(500),
    policy,
  });
  assert.equal(ok.status, 'verified');
  assert.equal(ok.cuid, 'c0'.repeat(16));
  assert.equal(ok.userData, '0102');
  assert.equal(ok.additionalData?.imagePhkh, '11'.repeat(32));
  const mm = recordVerification(store, beginAttestation(store, g.id), {
    verification: v(false),
    response: new Uint8Array(500),
    policy,
  });
  assert.equal(mm.status, 'mismatch');
  assert.equal(mm.errorCode, null);
  const pv = recordVerification(store, beginAttestation(store, g.id), {
    verification: v(true, 0x99),
    response: new Uint8Array(500),
    policy,
  });
  assert.equal(pv.status, 'mismatch');
  assert.equal(pv.errorCode, 'ERR_POLICY_IMAGE_PHKH');
  const err = recordFailure(
    store,
    beginAttestation(store, g.id),
    new AttestError('ERR_UV_RC', 'uv said no', { rc: 0x104 }),
  );
  assert.equal(err.status, 'error');
  assert.equal(err.errorCode, 'ERR_UV_RC');
  const statuses = store.guests.statuses();
  assert.equal(statuses[0]?.health, 'failing');
  assert.equal(statuses[0]?.lastErrorCode, 'ERR_UV_RC');

  const json = listHistory(store, 'g').map(toHistoryJson);
  assert.deepEqual(
    json.map((j) => j.status),
    ['error', 'mismatch', 'mismatch', 'verified'],
  );
  for (const j of json)
    for (const k of ['id', 'status', 'started_at', 'finished_at', 'cuid', 'error_code']) assert.ok(k in j);
  assert.equal(store.audit.verify().ok, true);
  store.close();
});

test('history of a removed guest stays readable by name; unknown names are coded errors', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'gone' });
  recordFailure(store, beginAttestation(store, g.id), new Error('boom'));
  store.guests.remove('gone');
  assert.equal(listHistory(store, 'gone').length, 1);
  assert.throws(
    () => listHistory(store, 'nobody'),
    (e) => (e as AttestError).code === 'ERR_STORE_GUEST_NOT_FOUND',
  );
  store.close();
});
