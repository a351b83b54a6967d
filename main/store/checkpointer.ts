/**
 * WAL checkpoints beside the writer instead of inside its commits (issue 13, store speed).
 *
 * With `synchronous=NORMAL` a commit appends its pages to the WAL without an fsync; the fsync comes with the next
 * checkpoint (sync the WAL, copy its frames into the database file, sync that), which SQLite runs inside the
 * commit that takes the WAL to 1,000 frames. The writer waited for those fsyncs.
 *
 * The rule kept: a commit never leaves more than `WRITER_LIMIT_FRAMES` (1,000, SQLite's default) frames beyond
 * the last checkpoint, so a power loss can undo no more than before. What changed is who checkpoints:
 * - after each commit the writer reads the WAL's frame count and its checkpointed frame count from the wal-index
 *   (`<db>-shm`: the header's `mxFrame` and the checkpoint info's `nBackfill`, sqlite.org/walformat.html §2.2;
 *   one 100-byte read);
 * - from `REQUEST_AT_FRAMES` (500) it asks a worker thread with its own connection to run a PASSIVE checkpoint
 *   (the same sync, copy and sync, while the writer goes on);
 * - at `WRITER_LIMIT_FRAMES` (the worker not started, lagging or failed) the writer runs it itself, as SQLite
 *   would have. When even that leaves the frames beyond the limit (the worker is in a checkpoint begun before
 *   them, or a reader's snapshot holds them back), the writer switches to `synchronous=FULL`, each commit syncing
 *   the WAL, until they are checkpointed: stricter than before, where such frames simply waited.
 * A checkpoint beside a writer cannot restart the WAL (new frames keep arriving), so while the worker runs the
 * writer's own automatic checkpoint moves to `RESTART_AT_FRAMES` (4,000): it then finds almost nothing left to copy
 * or sync, and the next commit writes the WAL from its beginning again. Until the worker runs (or if it fails),
 * SQLite's own checkpoint every 1,000 frames stays as it was.
 *
 * The worker starts on the first request (a store that writes little never starts one), does not keep the
 * process alive, and `close()` stops it and waits for it to close its connection, so the writer's close is the
 * last one (it checkpoints and removes the WAL, as before).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Frames beyond the last checkpoint at which the worker is asked to checkpoint. */
export const REQUEST_AT_FRAMES = 500;
/** SQLite's own automatic checkpoint (its default), kept while no worker checkpoints. */
const SQLITE_AUTOCHECKPOINT_FRAMES = 1000;
/** Frames beyond the last checkpoint at which the writer checkpoints itself: SQLite's rule, kept. */
export const WRITER_LIMIT_FRAMES = SQLITE_AUTOCHECKPOINT_FRAMES;
/** The writer's own automatic checkpoint, which restarts the WAL once the worker has copied nearly everything. */
export const RESTART_AT_FRAMES = 4000;
/** How long `close()` waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 10_000;

/** The wal-index fields read after each commit (walformat.html §2.2: header copy 1, then the checkpoint info). */
const SHM_READ_BYTES = 100;
const SHM_VERSION_OFFSET = 0;
const SHM_MX_FRAME_OFFSET = 16;
const SHM_N_BACKFILL_OFFSET = 96;
const WAL_INDEX_VERSION = 3007000;

/** Slots of the memory the writer and the worker share (Int32Array indexes). */
const Slot = {
  /** Checkpoints requested so far (and once more by `close()`, to wake the worker). */
  requested: 0,
  /** Checkpoints the worker has run so far. */
  done: 1,
  /** 1 once the writer wants the worker to close its connection and end. */
  stop: 2,
  /** A `WorkerState`. */
  state: 3,
} as const;
const SLOTS = 4;

/** What the worker reports in `Slot.state` (0 while it starts). */
const WorkerState = { open: 1, closed: 2, failed: 3 } as const;

/** Counts of what the checkpointer did (tests and benchmarks). */
export interface CheckpointStats {
  /** Checkpoints the worker was asked for / ran. */
  readonly requested: number;
  readonly byWorker: number;
  /** Checkpoints the writer ran itself at `WRITER_LIMIT_FRAMES`, besides SQLite's own (the worker lagging). */
  readonly byWriter: number;
  /** Whether a worker thread was started, and whether it failed to open the database. */
  readonly workerStarted: boolean;
  readonly workerFailed: boolean;
  /** The largest number of frames beyond the last checkpoint seen after a commit (before any checkpoint it led to). */
  readonly maxFramesBeyondCheckpoint: number;
  /** Whether commits now sync the WAL themselves, and how many times that began. */
  readonly syncingEachCommit: boolean;
  readonly syncEachCommitSpells: number;
}

/** Options of `createCheckpointer` (tests). */
export interface CheckpointerOptions {
  /** false: never start the worker (SQLite's own checkpoints every 1,000 frames, as before; the FULL rule kept). */
  readonly worker?: boolean;
  /** The connection's `synchronous` setting: `normal` (default) = NORMAL, `full` = FULL. */
  readonly durability?: 'normal' | 'full';
  /** The module the worker loads SQLite from (default: better-sqlite3 as resolved here; tests of a failing worker). */
  readonly sqliteModule?: string;
}

/** Runs the checkpoints of one writing connection; `afterCommit()` after each commit, `close()` before closing it. */
export interface Checkpointer {
  afterCommit(): void;
  stats(): CheckpointStats;
  close(): void;
}

/** The checkpointer of a connection that leaves checkpoints to SQLite (in memory, read-only, no wal-index). */
export const NO_CHECKPOINTER: Checkpointer = {
  afterCommit() {},
  stats: () => ({
    requested: 0,
    byWorker: 0,
    byWriter: 0,
    workerStarted: false,
    workerFailed: false,
    maxFramesBeyondCheckpoint: 0,
    syncingEachCommit: false,
    syncEachCommitSpells: 0,
  }),
  close() {},
};

/**
 * The checkpointer of writing connection `db` to the WAL-mode database file `path`. When the wal-index cannot be
 * read (no `-shm` file, an unknown version), it leaves SQLite's own checkpoints as they are and does nothing.
 */
export function createCheckpointer(db: Database.Database, path: string, o: CheckpointerOptions = {}): Checkpointer {
  let shm: number;
  try {
    shm = openSync(`${path}-shm`, 'r');
  } catch {
    return NO_CHECKPOINTER;
  }
  const checkpointer = new WalCheckpointer(db, path, shm, {
    useWorker: o.worker ?? true,
    normal: (o.durability ?? 'normal') === 'normal',
    sqliteModule: o.sqliteModule,
  });
  if (!checkpointer.readable()) {
    closeSync(shm);
    return NO_CHECKPOINTER;
  }
  return checkpointer;
}

class WalCheckpointer implements Checkpointer {
  private readonly buf = Buffer.alloc(SHM_READ_BYTES);
  private readonly shared = new Int32Array(new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly littleEndian = endianness() === 'LE';
  private worker: Worker | undefined;
  private byWriter = 0;
  private maxBeyond = 0;
  private fullSync = false;
  private autocheckpointFrames = SQLITE_AUTOCHECKPOINT_FRAMES;
  private fullSyncSpells = 0;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly shm: number,
    private readonly o: {
      readonly useWorker: boolean;
      /** Whether the connection runs `synchronous=NORMAL` (FULL syncs every commit anyway). */
      readonly normal: boolean;
      readonly sqliteModule: string | undefined;
    },
  ) {}

  /** Reads the wal-index; false when it is not one this code knows. */
  readable(): boolean {
    try {
      return (
        readSync(this.shm, this.buf, 0, SHM_READ_BYTES, 0) === SHM_READ_BYTES &&
        this.u32(SHM_VERSION_OFFSET) === WAL_INDEX_VERSION
      );
    } catch {
      return false;
    }
  }

  /** Sets the writer's `wal_autocheckpoint` when it changes. */
  private autocheckpoint(frames: number): void {
    if (frames === this.autocheckpointFrames) return;
    this.db.pragma(`wal_autocheckpoint = ${frames}`);
    this.autocheckpointFrames = frames;
  }

  /** Frames beyond the last checkpoint, as last read. */
  private beyond(): number {
    return this.u32(SHM_MX_FRAME_OFFSET) - this.u32(SHM_N_BACKFILL_OFFSET);
  }

  /** `synchronous=FULL` (each commit syncs the WAL) while on, the store's NORMAL otherwise. */
  private syncEachCommit(on: boolean): void {
    if (on === this.fullSync || !this.o.normal) return;
    this.db.pragma(`synchronous = ${on ? 'FULL' : 'NORMAL'}`);
    this.fullSync = on;
    if (on) this.fullSyncSpells++;
  }

  private u32(offset: number): number {
    return this.littleEndian ? this.buf.readUInt32LE(offset) : this.buf.readUInt32BE(offset);
  }

  afterCommit(): void {
    try {
      this.check();
    } catch {
      // the commit before is in the WAL whatever happens here; the next commit checks again
    }
  }

  private check(): void {
    if (this.closed || !this.readable()) return;
    // SQLite checkpoints every 1,000 frames itself until the worker runs, and again if it fails
    const state = this.worker ? Atomics.load(this.shared, Slot.state) : 0;
    this.autocheckpoint(state === WorkerState.open ? RESTART_AT_FRAMES : SQLITE_AUTOCHECKPOINT_FRAMES);
    const beyond = this.beyond();
    if (beyond > this.maxBeyond) this.maxBeyond = beyond;
    if (beyond >= WRITER_LIMIT_FRAMES) {
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
        this.byWriter++;
      } catch {
        // as SQLite's own automatic checkpoint: a failed checkpoint does not fail the commit before it
      }
      // Still beyond the limit: another connection is checkpointing (the worker, since before these frames) or a
      // reader's snapshot holds the frames back. Until that passes, every commit syncs the WAL itself.
      this.syncEachCommit(!this.readable() || this.beyond() >= WRITER_LIMIT_FRAMES);
      return;
    }
    if (this.fullSync) this.syncEachCommit(false);
    if (beyond < REQUEST_AT_FRAMES || !this.o.useWorker) return;
    const s = this.shared;
    if (Atomics.load(s, Slot.requested) !== Atomics.load(s, Slot.done)) return; // one request at a time
    if (!this.startWorker()) return;
    Atomics.add(s, Slot.requested, 1);
    Atomics.notify(s, Slot.requested);
  }

  /** Starts the worker on first use; false when it cannot run (SQLite's own checkpoints every 1,000 frames stay). */
  private startWorker(): boolean {
    if (this.worker) return Atomics.load(this.shared, Slot.state) !== WorkerState.failed;
    try {
      this.worker = new Worker(`(${checkpointWorker.toString()})(require, require('node:worker_threads').workerData)`, {
        eval: true,
        workerData: {
          sqlite: this.o.sqliteModule ?? createRequire(import.meta.url).resolve('better-sqlite3'),
          path: this.path,
          shared: this.shared,
          slot: Slot,
          states: WorkerState,
        } satisfies CheckpointWorkerData,
        // plain JavaScript: none of the writer's loaders or flags
        execArgv: [],
      });
      this.worker.unref();
      // an error in the worker (it reports a failed open in the shared state) must not end the process
      this.worker.on('error', () => Atomics.store(this.shared, Slot.state, WorkerState.failed));
      return true;
    } catch {
      this.worker = undefined;
      return false;
    }
  }

  stats(): CheckpointStats {
    const s = this.shared;
    return {
      requested: Atomics.load(s, Slot.requested),
      byWorker: Atomics.load(s, Slot.done),
      byWriter: this.byWriter,
      workerStarted: this.worker !== undefined,
      workerFailed: Atomics.load(s, Slot.state) === WorkerState.failed,
      maxFramesBeyondCheckpoint: this.maxBeyond,
      syncingEachCommit: this.fullSync,
      syncEachCommitSpells: this.fullSyncSpells,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.shm);
    const worker = this.worker;
    if (!worker) return;
    const s = this.shared;
    Atomics.store(s, Slot.stop, 1);
    Atomics.add(s, Slot.requested, 1);
    Atomics.notify(s, Slot.requested);
    // wait (bounded) until its connection is closed: the writer's close must be the last, to remove the WAL
    const deadline = Date.now() + CLOSE_WAIT_MS;
    for (;;) {
      const state = Atomics.load(s, Slot.state);
      if (state === WorkerState.closed || state === WorkerState.failed) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(s, Slot.state, state, left);
    }
    void worker.terminate();
  }
}

/** What the worker is given. */
interface CheckpointWorkerData {
  /** The resolved path of better-sqlite3 (the worker runs from a string: no module of its own to resolve from). */
  readonly sqlite: string;
  readonly path: string;
  readonly shared: Int32Array;
  readonly slot: typeof Slot;
  readonly states: typeof WorkerState;
}

/**
 * The worker's whole program, run from its source text (`toString()`): it may use only its arguments and globals.
 */
function checkpointWorker(load: (id: string) => unknown, data: CheckpointWorkerData): void {
  const { shared: s, slot, states } = data;
  let db: Database.Database;
  try {
    const Sqlite = load(data.sqlite) as typeof Database;
    // PASSIVE checkpoints wait for nobody; the timeout covers opening beside a writer
    db = new Sqlite(data.path, { fileMustExist: true, timeout: 1000 });
  } catch {
    Atomics.store(s, slot.state, states.failed);
    Atomics.notify(s, slot.state);
    return;
  }
  Atomics.store(s, slot.state, states.open);
  let done = 0;
  for (;;) {
    const requested = Atomics.load(s, slot.requested);
    if (Atomics.load(s, slot.stop) === 1) break;
    if (requested === done) {
      Atomics.wait(s, slot.requested, requested);
      continue;
    }
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // (a failed checkpoint leaves its frames to the next one, or to the writer at its limit)
    }
    done = requested;
    Atomics.store(s, slot.done, done);
  }
  db.close();
  Atomics.store(s, slot.state, states.closed);
  Atomics.notify(s, slot.state);
}
