/**
 * Issue 13 (store speed, second round): new store files take 2 KiB pages while existing files keep theirs; the
 * finished row's steps are merged without reading `steps_json` back, and the audit entries carry the time stamped
 * on the row they record. What is stored, returned and audited stays what it was, and stays durable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore, STORE_PAGE_SIZE } from '../../main/store/index.js';
import { patternBytes, recordAttempt, tempDb } from './helpers.js';

test('issue 13: a new store file takes STORE_PAGE_SIZE pages, WAL and synchronous=NORMAL; rows fit its pages', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    assert.equal(STORE_PAGE_SIZE, 2048);
    assert.equal(store.db.pragma('page_size', { simple: true }), STORE_PAGE_SIZE);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // NORMAL
    const g = store.guests.add({ name: 'g' });
    for (let i = 0; i < 20; i++) recordAttempt(store, g.id, i);
    const overflow = store.db
      .prepare("SELECT count(*) FROM dbstat WHERE name = 'attestations' AND pagetype = 'overflow'")
      .pluck()
      .get();
    assert.equal(overflow, 0);
    assert.equal(store.audit.verify().ok, true);
    store.close();
    // the page size is the file's own: a reopened store keeps it, and reads back every row
    const again = openStore({ path: t.path });
    assert.equal(again.db.pragma('page_size', { simple: true }), STORE_PAGE_SIZE);
    assert.equal(again.attestations.count(), 20);
    assert.equal(again.audit.verify().ok, true);
    again.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: an existing file keeps its page size (4 KiB, written before) and is read and written as before', () => {
  const t = tempDb();
  try {
    const old = new Database(t.path);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE keep (x)');
    old.close();
    const store = openStore({ path: t.path });
    assert.equal(store.db.pragma('page_size', { simple: true }), 4096);
    const g = store.guests.add({ name: 'g' });
    const id = recordAttempt(store, g.id, 1);
    assert.equal(store.attestations.get(id).status, 'verified');
    assert.equal(store.audit.verify().ok, true);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: an empty file (0 bytes) is a new store and takes STORE_PAGE_SIZE pages', () => {
  const t = tempDb();
  try {
    new Database(t.path).close(); // creates the file, writes no page
    const store = openStore({ path: t.path });
    assert.equal(store.db.pragma('page_size', { simple: true }), STORE_PAGE_SIZE);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: the steps finish returns are what the stored steps_json reads back, undefined steps removed', () => {
  const t = tempDb();
  try {
    let clock = Date.parse('2026-12-02T04:00:00.000Z');
    const now = () => new Date((clock += 1000));
    const store = openStore({ path: t.path, now });
    const g = store.guests.add({ name: 'g' });
    const begin = (steps: Record<string, string | undefined>) =>
      store.attestations.begin(g.id, { request: patternBytes(640, 1), arpk: patternBytes(32, 2), steps });
    const finish = (id: number, steps: Record<string, string | undefined>) =>
      store.attestations.finish(id, {
        status: 'verified',
        response: patternBytes(520, 3),
        measurement: patternBytes(64, 4),
        steps,
      });
    // remembered by this connection (no read-back) and not remembered (another connection finishes it)
    const a = begin({ requestCreated: 'r1', guestContacted: 'c1', verified: undefined });
    const doneA = finish(a, { guestContacted: undefined, responseReceived: 'rr', started: 'overridden' });
    const other = openStore({ path: t.path, now });
    const b = begin({ requestCreated: 'r1', guestContacted: 'c1', verified: undefined });
    const doneB = other.attestations.finish(b, {
      status: 'verified',
      response: patternBytes(520, 3),
      measurement: patternBytes(64, 4),
      steps: { guestContacted: undefined, responseReceived: 'rr', started: 'overridden' },
    });
    for (const [done, id] of [
      [doneA, a],
      [doneB, b],
    ] as const) {
      const stored = store.db.prepare('SELECT steps_json FROM attestations WHERE id = ?').pluck().get(id) as string;
      assert.deepEqual(Object.keys(done.steps), ['started', 'requestCreated', 'responseReceived', 'finished']);
      assert.deepEqual(done.steps, JSON.parse(stored));
      assert.equal(JSON.stringify(done.steps), stored);
      assert.deepEqual(store.attestations.get(id).steps, done.steps);
      assert.equal(done.steps.started, 'overridden');
      assert.equal(done.steps.finished, done.finishedAt);
      assert.equal(done.contentHash, store.attestations.get(id).contentHash);
    }
    assert.equal(store.audit.verify().ok, true);
    other.close();
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: each attempt audit entry carries the time stamped on its row; tampering is still found', () => {
  const t = tempDb();
  try {
    let clock = Date.parse('2026-12-02T04:00:00.000Z');
    const store = openStore({ path: t.path, now: () => new Date((clock += 1000)) });
    const g = store.guests.add({ name: 'g' });
    const id = recordAttempt(store, g.id, 1);
    const rec = store.attestations.get(id);
    const entries = store.audit.list().filter((e) => e.subjectType === 'attestation' && e.subjectId === id);
    assert.deepEqual(
      entries.map((e) => [e.action, e.at]),
      [
        ['attestation.started', rec.startedAt],
        ['attestation.finished', rec.finishedAt],
      ],
    );
    assert.equal(entries[1]!.data.contentHash, rec.contentHash);
    assert.equal(store.audit.verify().ok, true);
    store.db.prepare('UPDATE attestations SET response = ? WHERE id = ?').run(Buffer.from(patternBytes(520, 9)), id);
    const v = store.audit.verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBroken?.subjectId, id);
    store.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: the audit head a writer remembers is checked by its insert: a rollback or another writer is seen', () => {
  const t = tempDb();
  try {
    const a = openStore({ path: t.path });
    const g = a.guests.add({ name: 'g' });
    recordAttempt(a, g.id, 1);
    // a transaction that appended entries and rolled back: the entry a remembers is gone
    assert.throws(
      () =>
        a.transaction(() => {
          recordAttempt(a, g.id, 2);
          throw new Error('rolled back');
        }),
      /rolled back/,
    );
    recordAttempt(a, g.id, 3);
    // another connection appends between two of a's writes: a's remembered head is no longer the head
    const b = openStore({ path: t.path });
    recordAttempt(b, g.id, 4);
    recordAttempt(a, g.id, 5);
    recordAttempt(b, g.id, 6);
    for (const s of [a, b]) {
      const v = s.audit.verify();
      assert.equal(v.ok, true, JSON.stringify(v.firstBroken));
      // guest.added + 2 entries for each of the 5 attempts that committed
      assert.equal(v.entries, 1 + 2 * 5);
    }
    const seqs = a.audit.list().map((e) => e.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
    );
    b.close();
    a.close();
  } finally {
    t.cleanup();
  }
});

test('issue 13: attempt ids stay max(id) + 1: after a rollback, and between two writers', () => {
  const t = tempDb();
  try {
    const a = openStore({ path: t.path });
    const g = a.guests.add({ name: 'g' });
    const first = recordAttempt(a, g.id, 1);
    let rolledBack = 0;
    assert.throws(() =>
      a.transaction(() => {
        rolledBack = recordAttempt(a, g.id, 2);
        throw new Error('rolled back');
      }),
    );
    assert.equal(rolledBack, first + 1);
    // the id freed by the rollback is taken again, as SELECT max(id) + 1 gave it before
    assert.equal(recordAttempt(a, g.id, 3), first + 1);
    const b = openStore({ path: t.path });
    assert.equal(recordAttempt(b, g.id, 4), first + 2);
    assert.equal(recordAttempt(a, g.id, 5), first + 3);
    assert.equal(recordAttempt(b, g.id, 6), first + 4);
    // each sealed ARPK opens under its own id (it was sealed for the id it got)
    for (const id of [first, first + 1, first + 2, first + 3, first + 4]) {
      assert.equal(a.attestations.secrets(id).arpk?.length, 32);
      assert.equal(a.attestations.get(id).status, 'verified');
    }
    assert.equal(a.audit.verify().ok, true);
    b.close();
    a.close();
  } finally {
    t.cleanup();
  }
});
