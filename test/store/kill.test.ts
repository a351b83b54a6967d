/** Issue 5: a writer SIGKILLed mid-attestation or mid-batch leaves a consistent, verifiable store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openStore } from '../../main/store/index.js';
import { killChild, spawnTsChild, tempDb } from './helpers.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'kill-child.ts');

test('SIGKILL while an attestation is pending: row marked interrupted, committed rows kept, chain intact', async () => {
  const t = tempDb();
  try {
    const { child, lines } = await spawnTsChild(CHILD, [t.path, 'attest'], (l) => l.startsWith('pending '));
    // While the writer still runs, another opener leaves its pending row alone.
    const live = openStore({ path: t.path });
    const livePending = Number(lines.find((l) => l.startsWith('pending '))!.split(' ')[1]);
    assert.deepEqual([...live.interruptedAtOpen], []);
    assert.equal(live.attestations.get(livePending).status, 'pending');
    live.close();
    await killChild(child);
    const done = lines.filter((l) => l.startsWith('done ')).map((l) => Number(l.split(' ')[1]));
    const pendingId = Number(lines.find((l) => l.startsWith('pending '))!.split(' ')[1]);
    assert.equal(done.length, 3);

    const store = openStore({ path: t.path });
    try {
      assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual([...store.interruptedAtOpen], [pendingId]);
      const row = store.attestations.get(pendingId);
      assert.equal(row.status, 'interrupted');
      assert.ok(row.finishedAt);
      for (const id of done) assert.equal(store.attestations.get(id).status, 'verified');
      const audit = store.audit.verify();
      assert.equal(audit.ok, true, JSON.stringify(audit.firstBroken));
      assert.equal(store.audit.list().at(-1)?.action, 'attestation.interrupted');
      // The sealed ARPK written before the guest was contacted is still readable.
      assert.deepEqual(store.attestations.secrets(pendingId).arpk, new Uint8Array(32).fill(2));
    } finally {
      store.close();
    }
    // A second open finds nothing more to recover.
    const again = openStore({ path: t.path });
    assert.deepEqual([...again.interruptedAtOpen], []);
    again.close();
  } finally {
    t.cleanup();
  }
});

test('SIGKILL in the middle of a batch of inserts: only whole batches survive, none committed is lost', async () => {
  const t = tempDb();
  try {
    const { child, lines } = await spawnTsChild(CHILD, [t.path, 'batch'], (_l, all) => all.length >= 6);
    await killChild(child);
    const batches = lines
      .filter((l) => l.startsWith('batch '))
      .map((l) => l.split(' ').map(Number) as [number, number, number, number]);
    assert.ok(batches.length >= 6);

    const store = openStore({ path: t.path });
    try {
      assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
      const count = store.attestations.count();
      assert.equal(count % 25, 0, `a partial batch was committed (${count} rows)`);
      assert.ok(count >= batches.length * 25);
      for (const [, , first, last] of batches) {
        assert.equal(store.attestations.get(first).status, 'verified');
        assert.equal(store.attestations.get(last).status, 'verified');
      }
      assert.equal(store.db.prepare("SELECT count(*) FROM attestations WHERE status <> 'verified'").pluck().get(), 0);
      const audit = store.audit.verify();
      assert.equal(audit.ok, true, JSON.stringify(audit.firstBroken));
      // guest.added + 2 entries per attempt
      assert.equal(audit.entries, 1 + 2 * count);
    } finally {
      store.close();
    }
  } finally {
    t.cleanup();
  }
});
