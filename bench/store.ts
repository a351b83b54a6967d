/**
 * Store benchmarks (issue 5): insert 10,000 attestations, each in its own begin + finish transactions as the
 * attest use case writes them (goal < 2 s); with 100,000 attestations over 500 guests, one guest's latest 50
 * (goal < 5 ms) and the derived status of all guests (goal < 50 ms); bytes per stored attestation. Requests
 * and responses have realistic sizes (640 B and 520-700 B), the ARPK is sealed, the audit chain is written.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../main/store/index.js';

function attempt(store: Store, guestId: number, i: number): number {
  const id = store.attestations.begin(guestId, {
    hkdSha256: ['ab'.repeat(32)],
    addData: ['phkh-img'],
    request: randomBytes(640),
    arpk: randomBytes(32),
  });
  store.attestations.finish(id, {
    status: i % 17 === 0 ? 'mismatch' : 'verified',
    response: randomBytes(520 + (i % 180)),
    cuid: randomBytes(16),
    measurement: randomBytes(64),
    userData: randomBytes(16),
    additionalData: { imagePhkh: randomBytes(32) },
  });
  return id;
}

/**
 * The same durable writes with bare better-sqlite3 and nothing else (no hashing, sealing or audit logic): per
 * attempt one transaction inserting the pending row and an audit row, one updating it and adding an audit row,
 * same page sizes, WAL and synchronous=NORMAL. What any two-phase, audited design costs on this machine.
 */
function rawSqliteFloorMs(path: string, n: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE a (id INTEGER PRIMARY KEY, guest INTEGER, status TEXT, request BLOB, response BLOB, meta TEXT);
           CREATE INDEX a_pending ON a(id) WHERE status = 'pending'; CREATE INDEX a_guest ON a(guest, status);
           CREATE TABLE log (seq INTEGER PRIMARY KEY, data TEXT, hash TEXT)`);
  const ins = db.prepare('INSERT INTO a (id, guest, status, request, meta) VALUES (?, 1, ?, ?, ?)');
  const upd = db.prepare('UPDATE a SET status = ?, response = ?, meta = ? WHERE id = ?');
  const log = db.prepare('INSERT INTO log (data, hash) VALUES (?, ?)');
  const begin = db.transaction((i: number) => {
    ins.run(i, 'pending', randomBytes(640), 'x'.repeat(300));
    log.run('y'.repeat(200), 'z'.repeat(64));
  });
  const finish = db.transaction((i: number) => {
    upd.run('verified', randomBytes(600), 'x'.repeat(500), i);
    log.run('y'.repeat(200), 'z'.repeat(64));
  });
  const ms = timeMs(() => {
    for (let i = 1; i <= n; i++) {
      begin(i);
      finish(i);
    }
  });
  db.close();
  return ms;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Runs the store benchmarks and returns one record per measurement. */
export async function runStoreBench(): Promise<object[]> {
  const dir = mkdtempSync(join(tmpdir(), 'se-store-bench-'));
  const records: object[] = [];
  try {
    // 1. 10,000 attempts, each begin + finish in their own transactions (WAL, synchronous=NORMAL).
    {
      const store = openStore({ path: join(dir, 'insert.db') });
      const g = store.guests.add({ name: 'bench-guest' });
      const n = 10_000;
      const cpu = process.cpuUsage();
      const ms = timeMs(() => {
        for (let i = 0; i < n; i++) attempt(store, g.id, i);
      });
      const used = process.cpuUsage(cpu);
      const floor = rawSqliteFloorMs(join(dir, 'floor.db'), n);
      records.push({
        op: 'store-insert-attestations',
        count: n,
        transactions_per_attestation: 2,
        total_ms: Math.round(ms),
        cpu_ms: Math.round((used.user + used.system) / 1000),
        ops_per_s: Math.round((n / ms) * 1000),
        goal_ms: 2000,
        within_goal: ms < 2000,
        raw_sqlite_floor_ms: Math.round(floor),
        ratio_to_floor: Math.round((ms / floor) * 100) / 100,
      });
      store.close();
    }
    // 2. 100,000 attempts over 500 guests (written in batches to set up quickly).
    {
      const path = join(dir, 'big.db');
      const store = openStore({ path });
      const guests: number[] = [];
      store.transaction(() => {
        for (let i = 0; i < 500; i++) guests.push(store.guests.add({ name: `guest-${String(i).padStart(3, '0')}` }).id);
      });
      const total = 100_000;
      const setupMs = timeMs(() => {
        for (let b = 0; b < total / 1000; b++) {
          store.transaction(() => {
            for (let i = 0; i < 1000; i++) {
              const k = b * 1000 + i;
              attempt(store, guests[k % guests.length]!, k);
            }
          });
        }
      });
      records.push({
        op: 'store-insert-batched',
        count: total,
        total_ms: Math.round(setupMs),
        ops_per_s: Math.round((total / setupMs) * 1000),
        batch: 1000,
      });

      const latest: number[] = [];
      for (let r = 0; r < 200; r++) {
        const gid = guests[(r * 37) % guests.length]!;
        latest.push(timeMs(() => store.attestations.list(gid, { limit: 50 })));
      }
      records.push({
        op: 'store-guest-latest-50',
        attestations: total,
        guests: guests.length,
        median_ms: round(median(latest)),
        max_ms: round(Math.max(...latest)),
        goal_ms: 5,
        within_goal: median(latest) < 5,
      });

      const statuses: number[] = [];
      for (let r = 0; r < 20; r++) statuses.push(timeMs(() => store.guests.statuses()));
      records.push({
        op: 'store-all-guest-status',
        attestations: total,
        guests: guests.length,
        median_ms: round(median(statuses)),
        max_ms: round(Math.max(...statuses)),
        goal_ms: 50,
        within_goal: median(statuses) < 50,
      });

      const verifyMs = timeMs(() => {
        if (!store.audit.verify().ok) throw new Error('audit chain broken in bench');
      });
      records.push({ op: 'store-audit-verify', attestations: total, total_ms: Math.round(verifyMs) });

      store.db.pragma('wal_checkpoint(TRUNCATE)');
      const pageSize = store.db.pragma('page_size', { simple: true }) as number;
      const pages =
        (store.db.pragma('page_count', { simple: true }) as number) -
        (store.db.pragma('freelist_count', { simple: true }) as number);
      const auditPages =
        (store.db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name IN ('audit_log')").pluck().get() as
          number | null) ?? null;
      records.push({
        op: 'store-bytes-per-attestation',
        attestations: total,
        file_bytes: pages * pageSize,
        bytes_per_attestation: Math.round((pages * pageSize) / total),
        audit_bytes_per_attestation: auditPages === null ? null : Math.round(auditPages / total),
        payload_bytes_per_attestation: 640 + 610 + 60 + 16 + 64 + 16 + 32,
      });
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return records;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await runStoreBench()) console.log(JSON.stringify(r));
}
