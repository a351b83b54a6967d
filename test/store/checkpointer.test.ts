/**
 * Issue 13 (store speed, third round): WAL checkpoints run on a worker thread beside the writer. A commit still
 * never leaves more than WRITER_LIMIT_FRAMES frames beyond the last checkpoint without syncing them (what a power
 * loss can undo is no more than with SQLite's own checkpoints), the WAL stays bounded, the worker starts only when
 * needed, ends with the store and never keeps a process alive, and a SIGKILLed writer loses nothing it committed.
 *
 * The wal-index fields are read here independently of the checkpointer (sqlite.org/walformat.html §2.2: mxFrame at
 * byte 16, nBackfill at byte 96, native byte order) as the oracle of what is beyond the last checkpoint.
 */
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  createCheckpointer,
  NO_CHECKPOINTER,
  RESTART_AT_FRAMES,
  WRITER_LIMIT_FRAMES,
} from '../../main/store/checkpointer.js';
import { openStore, type Store } from '../../main/store/index.js';
import { killChild, recordAttempt, spawnTsChild, tempDb } from './helpers.js';

const CHILD = join(import.meta.dirname, 'fixtures', 'kill-child.ts');

/** Frames in the WAL beyond the last checkpoint, read from the wal-index file. */
function framesBeyondCheckpoint(path: string): number {
  const fd = openSync(`${path}-shm`, 'r');
  try {
    const b = Buffer.alloc(100);
    readSync(fd, b, 0, 100, 0);
    const u32 = (o: number) => (endianness() === 'LE' ? b.readUInt32LE(o) : b.readUInt32BE(o));
    return u32(16) - u32(96);
  } finally {
    closeSync(fd);
  }
}

/** Records `n` attempts, checking after each commit that no more than the limit is left unsynced. */
function attemptsWithinLimit(store: Store, path: string, guestId: number, n: number, from = 0): number {
  let maxBeyond = 0;
  for (let i = from; i < from + n; i++) {
    recordAttempt(store, guestId, i);
    const beyond = framesBeyondCheckpoint(path);
    maxBeyond = Math.max(maxBeyond, beyond);
    if (beyond >= WRITER_LIMIT_FRAMES) {
      assert.equal(store.checkpointStats().syncingEachCommit, true, `attempt ${i}: ${beyond} frames beyond`);
      assert.equal(store.db.pragma('synchronous', { simple: true }), 2); // FULL
    }
  }
  return maxBeyond;
}

async function until(what: string, done: () => boolean): Promise<void> {
  // a hang guard only: on a quiet machine this takes milliseconds
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('issue 13: a store that writes little never starts a checkpoint worker', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    const g = store.guests.add({ name: 'g' });
    for (let i = 0; i < 10; i++) recordAttempt(store, g.id, i);
    const s = store.checkpointStats();
    assert.equal(s.workerStarted, false);
    assert.equal(s.requested, 0);
    assert.ok(framesBeyondCheckpoint(t.path) < 500);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: the worker checkpoints while the writer goes on; no commit leaves the limit unsynced', async () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    const g = store.guests.add({ name: 'g' });
    const maxBeyond = attemptsWithinLimit(store, t.path, g.id, 600);
    assert.ok(maxBeyond >= 500, `the test wrote too little to ask for a checkpoint (${maxBeyond} frames)`);
    const s = store.checkpointStats();
    assert.equal(s.workerStarted, true);
    assert.ok(s.requested >= 1);
    await until('a checkpoint by the worker', () => store.checkpointStats().byWorker >= 1);
    assert.equal(store.checkpointStats().workerFailed, false);
    // with the worker running, the writer's own automatic checkpoint only restarts the WAL
    recordAttempt(store, g.id, 600);
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), RESTART_AT_FRAMES);
    assert.equal(store.audit.verify().ok, true);
    store.close();
    // the writer's close was the last: it checkpointed and removed the WAL
    assert.equal(existsSync(`${t.path}-wal`), false);
    const again = openStore({ path: t.path });
    assert.equal(again.attestations.count(), 601);
    assert.equal(again.db.pragma('integrity_check', { simple: true }), 'ok');
    again.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: without a worker SQLite checkpoints every 1,000 frames as before (the WAL restarting each time)', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path, checkpointWorker: false });
    const g = store.guests.add({ name: 'g' });
    const maxBeyond = attemptsWithinLimit(store, t.path, g.id, 300);
    const s = store.checkpointStats();
    assert.equal(s.workerStarted, false);
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    assert.ok(maxBeyond < WRITER_LIMIT_FRAMES, `${maxBeyond} frames beyond the last checkpoint`);
    assert.equal(s.syncingEachCommit, false);
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    assert.ok((statSync(`${t.path}-wal`).size - 32) / (pageSize + 24) < 1100);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: the WAL restarts while the worker checkpoints: it stays bounded over 3,000 attempts', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    const g = store.guests.add({ name: 'g' });
    attemptsWithinLimit(store, t.path, g.id, 3000);
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    // about 33,000 frames were appended; a WAL that never restarted would hold them all
    const walFrames = (statSync(`${t.path}-wal`).size - 32) / (pageSize + 24);
    assert.ok(walFrames <= 3 * RESTART_AT_FRAMES, `the WAL grew to ${walFrames} frames`);
    assert.equal(store.audit.verify().ok, true);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: a reader holding an old snapshot: commits sync the WAL themselves until it lets go', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path, checkpointWorker: false });
    const g = store.guests.add({ name: 'g' });
    recordAttempt(store, g.id, 0);
    const reader = new Database(t.path, { readonly: true });
    reader.exec('BEGIN');
    assert.equal(reader.prepare('SELECT count(*) FROM attestations').pluck().get(), 1);
    attemptsWithinLimit(store, t.path, g.id, 150, 1);
    assert.equal(store.checkpointStats().syncingEachCommit, true);
    assert.ok(store.checkpointStats().syncEachCommitSpells >= 1);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2);
    // the snapshot is what it was, and the reader never blocked the writer
    assert.equal(reader.prepare('SELECT count(*) FROM attestations').pluck().get(), 1);
    reader.exec('COMMIT');
    reader.close();
    attemptsWithinLimit(store, t.path, g.id, 5, 151);
    assert.equal(store.checkpointStats().syncingEachCommit, false);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // NORMAL again
    assert.ok(framesBeyondCheckpoint(t.path) < WRITER_LIMIT_FRAMES);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: durability full stays FULL (the checkpointer never switches it)', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path, durability: 'full', checkpointWorker: false });
    const g = store.guests.add({ name: 'g' });
    const reader = new Database(t.path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM attestations').pluck().get();
    for (let i = 0; i < 150; i++) recordAttempt(store, g.id, i);
    reader.exec('COMMIT');
    reader.close();
    for (let i = 150; i < 160; i++) recordAttempt(store, g.id, i);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2);
    assert.equal(store.checkpointStats().syncEachCommitSpells, 0);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: a process whose store started a worker exits by itself, closed or not', async () => {
  for (const mode of ['stream-close', 'stream-exit']) {
    const t = tempDb();
    try {
      const { child, lines } = await spawnTsChild(CHILD, [t.path, mode], (l) => l === 'worker');
      const code = await new Promise<number | null>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', (c) => resolve(c));
      });
      assert.equal(code, 0, `${mode}: ${lines.slice(-3).join(' | ')}`);
      const store = openStore({ path: t.path });
      assert.equal(store.attestations.count(), 600);
      assert.equal(store.audit.verify().ok, true);
      store.close();
    } finally {
      t.cleanup();
    }
  }
});

test('issue 13: SIGKILL while the worker checkpoints: every committed attempt survives, chain intact', async () => {
  const t = tempDb();
  try {
    const { child, lines } = await spawnTsChild(CHILD, [t.path, 'stream'], (l, all) => {
      const at = all.indexOf('worker');
      return l !== 'worker' && at >= 0 && all.length >= at + 200;
    });
    await killChild(child);
    const done = lines.filter((l) => l.startsWith('done ')).map((l) => Number(l.split(' ')[1]));
    assert.ok(done.length >= 200);
    const store = openStore({ path: t.path });
    try {
      assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
      for (const id of done) assert.equal(store.attestations.get(id).status, 'verified');
      const audit = store.audit.verify();
      assert.equal(audit.ok, true, JSON.stringify(audit.firstBroken));
    } finally {
      store.close();
    }
  } finally {
    t.cleanup();
  }
});

test('issue 13: a worker that cannot load SQLite is reported failed; SQLite checkpoints as before', async () => {
  const t = tempDb();
  try {
    openStore({ path: t.path }).close();
    const db = new Database(t.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE filler (x BLOB)');
    const checkpoints = createCheckpointer(db, t.path, { sqliteModule: join(t.dir, 'no-such-module.js') });
    const insert = db.prepare('INSERT INTO filler VALUES (?)');
    const write = (n: number) => {
      for (let i = 0; i < n; i++) {
        db.transaction(() => insert.run(Buffer.alloc(1500, i))).immediate();
        checkpoints.afterCommit();
        assert.ok(framesBeyondCheckpoint(t.path) < WRITER_LIMIT_FRAMES);
      }
    };
    write(700);
    assert.equal(checkpoints.stats().workerStarted, true);
    await until('the worker reporting its failure', () => checkpoints.stats().workerFailed);
    write(1500);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    assert.equal(checkpoints.stats().byWorker, 0);
    checkpoints.close();
    db.close();
    assert.equal(existsSync(`${t.path}-wal`), false);
  } finally {
    t.cleanup();
  }
});

test('issue 13: a wal-index that is empty, garbage, huge or a folder leaves checkpoints to SQLite', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path, checkpointWorker: false });
    const bogus = join(t.dir, 'bogus.db');
    const cases: [string, () => void][] = [
      ['missing', () => undefined],
      ['empty', () => writeFileSync(`${bogus}-shm`, '')],
      ['garbage', () => writeFileSync(`${bogus}-shm`, Buffer.alloc(32768, 0x5a))],
      ['huge', () => writeFileSync(`${bogus}-shm`, Buffer.alloc(8 * 1024 * 1024, 0xff))],
      ['folder', () => mkdirSync(`${bogus}-shm`)],
    ];
    for (const [what, make] of cases) {
      rmSync(`${bogus}-shm`, { recursive: true, force: true });
      make();
      const checkpoints = createCheckpointer(store.db, bogus);
      for (let i = 0; i < 5; i++) checkpoints.afterCommit();
      assert.deepEqual(checkpoints.stats(), NO_CHECKPOINTER.stats(), what);
      checkpoints.close();
    }
    // the store's own connection was left as it was
    assert.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
    assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
    store.close();
  } finally {
    t.cleanup();
  }
});
