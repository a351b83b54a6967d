/** Issue 5: ad-hoc guests, guest details (policy checks: test/engine/verdict.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../main/store/index.js';
import { addGuest, recordAdHocGuest, showGuest } from '../../main/services/guests.js';

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
