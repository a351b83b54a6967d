/** Issue 5: exports are recorded in the audit chain. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, computeEntryHash, GENESIS_HASH } from '../../main/store/index.js';
import { listAuditEntries, recordExport, verifyAuditLog } from '../../main/services/audit.js';

test('recordExport appends a chained export.made entry', () => {
  const store = openStore({ path: ':memory:' });
  const g = store.guests.add({ name: 'g' });
  const e = recordExport(store, { path: '/tmp/x.zip', sha256: 'ab'.repeat(32), attestationIds: [1, 2], guestId: g.id });
  assert.equal(e.action, 'export.made');
  const [first, second] = listAuditEntries(store);
  assert.equal(first?.prevHash, GENESIS_HASH);
  assert.equal(second?.prevHash, first?.hash);
  assert.equal(second?.hash, computeEntryHash(first!.hash, second!));
  assert.deepEqual(verifyAuditLog(store), { ok: true, entries: 2, headHash: e.hash });
  store.close();
});
