/**
 * Store benchmarks (issues 5 and 13): insert 10,000 attestations, each in its own begin + finish transactions as
 * the attest use case writes them (goal < 2 s, beside the bare better-sqlite3 floor of the same writes); with
 * 100,000 attestations over 500 guests, one guest's latest 50 (goal < 5 ms) and the derived status of all guests
 * (goal < 50 ms); bytes per stored attestation. Requests and responses have realistic sizes (640 B and 520-700 B),
 * the ARPK is sealed, the policy recorded, the audit chain written, both commits durable (WAL, synchronous=NORMAL).
 *
 * The insert figure is the median of ROUNDS runs, each alternating with a floor run, on inputs drawn before the
 * clock starts (the random test data is not the store's cost; the floor gets the same inputs), so a busy
 * machine moves both figures alike. One untimed run of WARM_UP attempts each comes first (the steady state of a
 * long-running app: its code compiled). The record also gives the writer thread's own CPU time (Linux), the rest of
 * the CPU time being the checkpoint worker's, and how many checkpoints each of them ran.
 *
 * Where the time goes, in the same record: each round also replays the statements the store ran (recorded once,
 * untimed: SQL text and arguments, transaction by transaction) on a new store with its checkpointer, so
 * `statements_only_ms` is what SQLite, better-sqlite3's binding and the checkpoints cost for exactly these
 * writes, and `store_code_ms` (each round's store run less its replay) what the store's own code adds to them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CheckpointStats } from '../main/store/checkpointer.js';
import { openStore, STORE_PAGE_SIZE, type Store } from '../main/store/index.js';
import { statementCache } from '../main/store/store-context.js';

const ROUNDS = 5;
const WARM_UP = 1000;
/** `SE_BENCH_STORE_INSERT_ONLY=1`: only the first case (the 10,000 durable attempts), to iterate quickly. */
const INSERT_ONLY = process.env.SE_BENCH_STORE_INSERT_ONLY === '1';

/** The inputs of one attempt, drawn before it is timed. */
interface AttemptInputs {
  readonly request: Uint8Array;
  readonly arpk: Uint8Array;
  readonly response: Uint8Array;
  readonly cuid: Uint8Array;
  readonly measurement: Uint8Array;
  readonly userData: Uint8Array;
  readonly imagePhkh: Uint8Array;
}

function drawInputs(i: number): AttemptInputs {
  return {
    request: randomBytes(640),
    arpk: randomBytes(32),
    response: randomBytes(520 + (i % 180)),
    cuid: randomBytes(16),
    measurement: randomBytes(64),
    userData: randomBytes(16),
    imagePhkh: randomBytes(32),
  };
}

const POLICY = { hkdSha256: ['ab'.repeat(32)], requiredAddData: ['phkh-img' as const] };

function attempt(store: Store, guestId: number, i: number, x: AttemptInputs = drawInputs(i)): number {
  const id = store.attestations.begin(guestId, {
    hkdSha256: ['ab'.repeat(32)],
    addData: ['phkh-img'],
    request: x.request,
    arpk: x.arpk,
    policy: POLICY,
  });
  store.attestations.finish(id, {
    status: i % 17 === 0 ? 'mismatch' : 'verified',
    response: x.response,
    cuid: x.cuid,
    measurement: x.measurement,
    userData: x.userData,
    additionalData: { imagePhkh: x.imagePhkh },
  });
  return id;
}

/** Wall and CPU (user + system, all threads of this process; this thread's alone) milliseconds of one run. */
interface RunTimes {
  readonly ms: number;
  readonly cpuMs: number;
  /** null where /proc/self/task is not there. */
  readonly threadCpuMs: number | null;
}

/** CPU milliseconds of this (the main) thread so far, from /proc (clock ticks of 10 ms), or null. */
function threadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime
  } catch {
    return null;
  }
}

function timeRun(fn: () => void): RunTimes {
  const cpu = process.cpuUsage();
  const thread = threadCpuMs();
  const ms = timeMs(fn);
  const used = process.cpuUsage(cpu);
  const threadAfter = threadCpuMs();
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    threadCpuMs: thread === null || threadAfter === null ? null : threadAfter - thread,
  };
}

/** `n` attempts through the store, on a new file, with what its checkpointer did. */
function storeRun(path: string, inputs: readonly AttemptInputs[]): RunTimes & { checkpoints: CheckpointStats } {
  const store = openStore({ path });
  try {
    const g = store.guests.add({ name: 'bench-guest' });
    const times = timeRun(() => {
      for (let i = 0; i < inputs.length; i++) attempt(store, g.id, i, inputs[i]);
    });
    return { ...times, checkpoints: store.checkpointStats() };
  } finally {
    store.close();
  }
}

/**
 * The same durable writes with bare better-sqlite3 and nothing else (no hashing, sealing or audit logic): per
 * attempt one transaction inserting the pending row and an audit row, one updating it and adding an audit row,
 * same payload sizes, the store's page size, WAL and synchronous=NORMAL. What any two-phase, audited design costs
 * on this machine.
 */
function rawSqliteFloor(path: string, inputs: readonly AttemptInputs[]): RunTimes {
  const db = new Database(path);
  db.pragma(`page_size = ${STORE_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE a (id INTEGER PRIMARY KEY, guest INTEGER, status TEXT, request BLOB, response BLOB, meta TEXT);
           CREATE INDEX a_pending ON a(id) WHERE status = 'pending'; CREATE INDEX a_guest ON a(guest, status);
           CREATE TABLE log (seq INTEGER PRIMARY KEY, data TEXT, hash TEXT)`);
  const ins = db.prepare('INSERT INTO a (id, guest, status, request, meta) VALUES (?, 1, ?, ?, ?)');
  const upd = db.prepare('UPDATE a SET status = ?, response = ?, meta = ? WHERE id = ?');
  const log = db.prepare('INSERT INTO log (data, hash) VALUES (?, ?)');
  const begin = db.transaction((i: number) => {
    ins.run(i, 'pending', inputs[i - 1]!.request, 'x'.repeat(300));
    log.run('y'.repeat(200), 'z'.repeat(64));
  });
  const finish = db.transaction((i: number) => {
    upd.run('verified', inputs[i - 1]!.response, 'x'.repeat(500), i);
    log.run('y'.repeat(200), 'z'.repeat(64));
  });
  const times = timeRun(() => {
    for (let i = 1; i <= inputs.length; i++) {
      begin(i);
      finish(i);
    }
  });
  db.close();
  return times;
}

/** One statement the store ran: its SQL, whether through `get` (else `run`), and the arguments it was given. */
interface RecordedStatement {
  readonly sql: string;
  readonly get: boolean;
  readonly args: readonly unknown[];
}

/** The statements of adding the guest and of `inputs.length` attempts, by write transaction, and the audit head. */
interface RecordedRun {
  readonly transactions: readonly (readonly RecordedStatement[])[];
  readonly headHash: string | null;
}

/**
 * Runs the attempts through the store (untimed) with better-sqlite3's `Statement#run` and `#get` wrapped, keeping
 * every statement between a `BEGIN` and its `COMMIT` (the store's BEGIN/COMMIT themselves are what the replay's
 * transactions stand for).
 */
function recordStatements(path: string, inputs: readonly AttemptInputs[]): RecordedRun {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get', (...a: unknown[]) => unknown>;
  probe.close();
  const original = { run: proto.run, get: proto.get };
  const transactions: RecordedStatement[][] = [];
  let current: RecordedStatement[] | undefined;
  const wrap = (method: 'run' | 'get') =>
    function (this: Database.Statement, ...args: unknown[]): unknown {
      const sql = this.source;
      if (sql.startsWith('BEGIN')) current = [];
      else if (sql === 'COMMIT') {
        if (current) transactions.push(current);
        current = undefined;
      } else current?.push({ sql, get: method === 'get', args });
      return original[method].apply(this, args);
    };
  proto.run = wrap('run');
  proto.get = wrap('get');
  const store = openStore({ path });
  try {
    const g = store.guests.add({ name: 'bench-guest' });
    for (let i = 0; i < inputs.length; i++) attempt(store, g.id, i, inputs[i]);
    return { transactions, headHash: store.audit.headHash() };
  } finally {
    proto.run = original.run;
    proto.get = original.get;
    store.close();
  }
}

/**
 * The recorded statements run again on a new store, each recorded transaction as one IMMEDIATE transaction followed
 * by the checkpointer's look at the WAL, as the store's own transactions are; the result must end in the recorded
 * audit head (the same rows and chain were written).
 */
function replayStatements(path: string, recorded: RecordedRun): RunTimes {
  const store = openStore({ path });
  try {
    const stmt = statementCache(store.db);
    const steps = recorded.transactions.map((t) => t.map((s) => ({ st: stmt(s.sql), get: s.get, args: s.args })));
    const tx = store.db.transaction((t: (typeof steps)[number]) => {
      for (const s of t) {
        if (s.get) s.st.get(...s.args);
        else s.st.run(...s.args);
      }
    });
    const times = timeRun(() => {
      for (const t of steps) {
        tx.immediate(t);
        store.ctx.checkpoints.afterCommit();
      }
    });
    if (store.audit.headHash() !== recorded.headHash) throw new Error('the replay did not write the recorded chain');
    return times;
  } finally {
    store.close();
  }
}

/** Removes a database file and what SQLite and the store keep beside it. */
function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '.key']) rmSync(`${path}${suffix}`, { force: true });
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
    // 1. 10,000 attempts, each begin + finish in their own transactions (WAL, synchronous=NORMAL), ROUNDS times,
    //    each run beside a floor run on the same inputs; the medians are reported, wall and CPU, with the load
    //    average (on the shared machine, wall time is mostly waiting for a core; CPU time is the steadier figure).
    {
      const n = 10_000;
      const inputs = Array.from({ length: n }, (_, i) => drawInputs(i));
      const ours: (RunTimes & { checkpoints: CheckpointStats })[] = [];
      const floors: RunTimes[] = [];
      const replays: RunTimes[] = [];
      const load = loadavg()[0]!;
      storeRun(join(dir, 'warm-up.db'), inputs.slice(0, WARM_UP));
      rawSqliteFloor(join(dir, 'warm-up-floor.db'), inputs.slice(0, WARM_UP));
      const recorded = recordStatements(join(dir, 'recorded.db'), inputs);
      for (const f of ['warm-up', 'warm-up-floor', 'recorded']) removeDb(join(dir, `${f}.db`));
      for (let r = 0; r < ROUNDS; r++) {
        ours.push(storeRun(join(dir, `insert-${r}.db`), inputs));
        floors.push(rawSqliteFloor(join(dir, `floor-${r}.db`), inputs));
        replays.push(replayStatements(join(dir, `replay-${r}.db`), recorded));
        // each round's files go before the next (their writeback would otherwise run beside the next rounds)
        for (const f of ['insert', 'floor', 'replay']) removeDb(join(dir, `${f}-${r}.db`));
      }
      const ms = median(ours.map((x) => x.ms));
      const cpuMs = median(ours.map((x) => x.cpuMs));
      const floor = median(floors.map((x) => x.ms));
      const floorCpu = median(floors.map((x) => x.cpuMs));
      records.push({
        op: 'store-insert-attestations',
        count: n,
        transactions_per_attestation: 2,
        rounds: ROUNDS,
        total_ms: Math.round(ms),
        cpu_ms: Math.round(cpuMs),
        runs_ms: ours.map((x) => Math.round(x.ms)),
        runs_cpu_ms: ours.map((x) => Math.round(x.cpuMs)),
        runs_writer_thread_cpu_ms: ours.map((x) => (x.threadCpuMs === null ? null : Math.round(x.threadCpuMs))),
        checkpoints_by_worker: ours.map((x) => x.checkpoints.byWorker),
        checkpoints_by_writer: ours.map((x) => x.checkpoints.byWriter),
        ops_per_s: Math.round((n / ms) * 1000),
        goal_ms: 2000,
        within_goal: ms < 2000,
        page_size: STORE_PAGE_SIZE,
        raw_sqlite_floor_ms: Math.round(floor),
        raw_sqlite_floor_cpu_ms: Math.round(floorCpu),
        floor_runs_ms: floors.map((x) => Math.round(x.ms)),
        floor_runs_cpu_ms: floors.map((x) => Math.round(x.cpuMs)),
        ratio_to_floor: Math.round((ms / floor) * 100) / 100,
        cpu_ratio_to_floor: Math.round((cpuMs / floorCpu) * 100) / 100,
        statements_only_ms: Math.round(median(replays.map((x) => x.ms))),
        statements_only_cpu_ms: Math.round(median(replays.map((x) => x.cpuMs))),
        statements_only_runs_ms: replays.map((x) => Math.round(x.ms)),
        store_code_ms: Math.round(median(ours.map((x, r) => x.ms - replays[r]!.ms))),
        load_average_1m: Math.round(load * 10) / 10,
      });
    }
    // 2. 100,000 attempts over 500 guests (written in batches to set up quickly).
    if (!INSERT_ONLY) {
      const path = join(dir, 'big.db');
      const store = openStore({ path });
      const guests: number[] = [];
      store.transaction(() => {
        for (let i = 0; i < 500; i++) guests.push(store.guests.add({ name: `guest-${String(i).padStart(3, '0')}` }).id);
      });
      const total = 100_000;
      let setupMs = 0;
      for (let b = 0; b < total / 1000; b++) {
        // each batch's inputs are drawn before its clock starts, as in case 1
        const batch = Array.from({ length: 1000 }, (_, i) => drawInputs(b * 1000 + i));
        setupMs += timeMs(() => {
          store.transaction(() => {
            for (let i = 0; i < 1000; i++) {
              const k = b * 1000 + i;
              attempt(store, guests[k % guests.length]!, k, batch[i]);
            }
          });
        });
      }
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
