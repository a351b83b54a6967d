/** Issue 5: readers alongside a writing process; a locked or read-only database gives a clear coded error. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../main/store/index.js';
import { isAttestError } from '../../shared/errors/index.js';
import { killChild, seedStore, spawnTsChild, tempDb } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

test('readers see consistent snapshots while another process writes batches', async () => {
  const t = tempDb();
  try {
    const { child } = await spawnTsChild(join(FIXTURES, 'kill-child.ts'), [t.path, 'batch'], (l) =>
      l.startsWith('batch 0 '),
    );
    const reader = openStore({ path: t.path, busyTimeoutMs: 2000 });
    try {
      const guest = reader.guests.get('kill-guest');
      let last = 0;
      let rounds = 0;
      // Read until the writer has committed several more batches, checking every snapshot.
      while (last < 150) {
        const count = reader.attestations.count();
        assert.equal(count % 25, 0, 'a reader saw a partial batch');
        assert.ok(count >= last, 'counts went backwards');
        last = count;
        const latest = reader.attestations.list(guest.id, { limit: 50 });
        assert.ok(latest.length <= 50);
        for (let i = 1; i < latest.length; i++) assert.ok(latest[i - 1]!.id > latest[i]!.id);
        const [status] = reader.guests.statuses();
        assert.equal(status?.name, 'kill-guest');
        if (rounds++ % 10 === 0) assert.equal(reader.audit.verify().ok, true);
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await killChild(child);
      reader.close();
    }
  } finally {
    t.cleanup();
  }
});

test('a database held by another writer gives ERR_STORE_LOCKED after the busy timeout; reads still work', () => {
  const t = tempDb();
  try {
    const { store: seeded } = seedStore(t.path, 1);
    seeded.close();
    const holder = new Database(t.path);
    holder.exec('BEGIN IMMEDIATE');
    const store = openStore({ path: t.path, busyTimeoutMs: 100 });
    try {
      assert.equal(store.guests.list().length, 1);
      // a lower bound proves the busy timeout was waited out (behaviour, not speed: a slow machine only waits
      // longer); read on the monotonic clock so a wall-clock step cannot fake or break it
      const started = performance.now();
      assert.throws(
        () => store.guests.add({ name: 'blocked' }),
        (e) => isAttestError(e, 'ERR_STORE_LOCKED') && /locked/.test(e.message),
      );
      assert.ok(performance.now() - started >= 90, 'did not wait for the busy timeout');
      holder.exec('ROLLBACK');
      assert.equal(store.guests.add({ name: 'unblocked' }).name, 'unblocked');
    } finally {
      store.close();
      holder.close();
    }
  } finally {
    t.cleanup();
  }
});

test('a store opened read-only reads but refuses writes with ERR_STORE_READ_ONLY', () => {
  const t = tempDb();
  try {
    seedStore(t.path, 1).store.close();
    const ro = openStore({ path: t.path, readOnly: true });
    try {
      assert.equal(ro.guests.get('guest-a').name, 'guest-a');
      assert.equal(ro.audit.verify().ok, true);
      assert.throws(
        () => ro.guests.add({ name: 'x' }),
        (e) => isAttestError(e, 'ERR_STORE_READ_ONLY'),
      );
    } finally {
      ro.close();
    }
  } finally {
    t.cleanup();
  }
});

test('a database file without write permission gives ERR_STORE_READ_ONLY (read-only open still reads)', () => {
  const t = tempDb();
  try {
    seedStore(t.path, 1).store.close();
    chmodSync(t.dir, 0o755);
    chmodSync(t.path, 0o444);
    // root ignores file modes, so run the opener as an unprivileged user when we are root.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = (mode: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(FIXTURES, 'open-child.ts'), t.path, mode], {
        encoding: 'utf8',
        ...asUser,
        env: { ...process.env, TSX_TSCONFIG_PATH: undefined, HOME: '/tmp' },
      });
    const rw = run('rw');
    assert.equal(rw.stdout.trim(), 'error ERR_STORE_READ_ONLY', rw.stderr);
    // The folder is not writable either, so WAL cannot even be read: still a clear coded error.
    const roLockedFolder = run('ro');
    assert.equal(roLockedFolder.stdout.trim(), 'error ERR_STORE_READ_ONLY', roLockedFolder.stderr);
    // With a writable folder (for the -shm file) a read-only open reads but does not write.
    chmodSync(t.dir, 0o777);
    const ro = run('ro');
    assert.equal(ro.stdout.trim(), 'read guest-a\nerror ERR_STORE_READ_ONLY', ro.stderr);
  } finally {
    t.cleanup();
  }
});
