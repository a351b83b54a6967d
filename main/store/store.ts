/**
 * Opening the store: one SQLite file (path injected), WAL journal, foreign keys on, a busy timeout, numbered
 * migrations applied at open, then recovery of attempts a crashed process left `pending`.
 */
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AttestError } from '../../shared/errors/index.js';
import { ArpkSealer } from './arpk-seal.js';
import { AttestationRepository, currentOwner } from './attestation-repository.js';
import { AuditLog } from './audit-log.js';
import { createCheckpointer, NO_CHECKPOINTER, type Checkpointer, type CheckpointStats } from './checkpointer.js';
import { GuestRepository } from './guest-repository.js';
import { applyMigrations, readSchemaVersion } from './migrations.js';
import { SettingsRepository } from './settings-repository.js';
import { toStoreError } from './sqlite-errors.js';
import { statementCache, type StoreContext } from './store-context.js';
import { ReleaseRepository } from './release-repository.js';
import { TrustRepository } from './trust-repository.js';

/**
 * The page size of a new store file. Each commit appends every page it changes to the WAL, and the checkpoints
 * fsync what was appended: an attempt changes about ten pages over its two commits (its row, three index leaves,
 * the audit log's leaf, the header page when the file grows, an interior page now and then), so 2 KiB pages write
 * 42 % fewer bytes than SQLite's 4 KiB default (22 vs 38 KiB per attempt) while a finished row (≈ 1.9 KiB) still
 * fits a page (a larger one, e.g. with a big HKD report, spills into overflow pages as any row larger than a page
 * does). A checkpoint still runs every 1,000 pages (SQLite's default), now of 2 KiB: what a power loss can undo
 * shrinks (≈ 90 attempts instead of ≈ 105). Files created before keep their page size (SQLite reads any).
 */
export const STORE_PAGE_SIZE = 2048;

/** Options of `openStore`. */
export interface OpenStoreParams {
  /** Database file, or `:memory:`. */
  path: string;
  /** ARPK key file (default `<path>.key`; an in-memory key for `:memory:`). */
  keyPath?: string;
  /** An explicit 32-byte ARPK sealing key instead of a key file (tests). */
  key?: Uint8Array;
  /** How long to wait for another writer before ERR_STORE_LOCKED (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Open without writing (no migration, no recovery); writes then fail with ERR_STORE_READ_ONLY. */
  readOnly?: boolean;
  /** `normal` (default) survives process crashes; `full` also survives power loss, at one fsync per commit. */
  durability?: 'normal' | 'full';
  /** Clock (tests). */
  now?: () => Date;
  /** Skip marking stale pending rows as interrupted (tests of the recovery itself). */
  skipRecovery?: boolean;
  /** false: no checkpoint worker thread; SQLite's own checkpoints every 1,000 frames, as before (tests of that path). */
  checkpointWorker?: boolean;
}

/** An open store: repositories over one connection. Call `close()` when done. */
export class Store {
  readonly guests: GuestRepository;
  readonly trust: TrustRepository;
  readonly attestations: AttestationRepository;
  /** Per-workspace settings (schema 6), audited on change. */
  readonly settings: SettingsRepository;
  readonly releases: ReleaseRepository;
  readonly audit: AuditLog;
  /** Ids of pending attempts marked `interrupted` while opening. */
  readonly interruptedAtOpen: readonly number[];

  constructor(
    readonly ctx: StoreContext,
    interrupted: readonly number[] = [],
  ) {
    this.guests = new GuestRepository(ctx);
    this.trust = new TrustRepository(ctx);
    this.attestations = new AttestationRepository(ctx);
    this.settings = new SettingsRepository(ctx);
    this.releases = new ReleaseRepository(ctx);
    this.audit = ctx.audit;
    this.interruptedAtOpen = interrupted;
  }

  /** The underlying connection (tests, benchmarks). */
  get db(): Database.Database {
    return this.ctx.db;
  }

  /** The schema version of the file. */
  schemaVersion(): number {
    return readSchemaVersion(this.ctx.db);
  }

  /** Runs `fn` in one write transaction (several repository calls committed together). */
  transaction<T>(fn: () => T): T {
    let result: T;
    try {
      result = this.ctx.db.transaction(fn).immediate();
    } catch (error) {
      throw toStoreError(error, this.ctx.path);
    }
    if (!this.ctx.db.inTransaction) this.ctx.checkpoints.afterCommit();
    return result;
  }

  /** What the WAL checkpointer did so far (tests, benchmarks). */
  checkpointStats(): CheckpointStats {
    return this.ctx.checkpoints.stats();
  }

  /** Closes the connection (checkpointing the WAL when this is the last connection). */
  close(): void {
    this.ctx.checkpoints.close();
    if (this.ctx.db.open) this.ctx.db.close();
  }
}

/** Opens (creating if needed) and migrates the store at `p.path`; throws ERR_STORE_LOCKED / READ_ONLY / OPEN. */
export function openStore(p: OpenStoreParams): Store {
  const memory = p.path === ':memory:';
  const readOnly = p.readOnly ?? false;
  if (!memory && !readOnly) assertWritable(p.path);
  if (!memory && readOnly && !existsSync(p.path)) {
    throw new AttestError('ERR_STORE_OPEN', `database ${p.path} does not exist`, { path: p.path });
  }
  const openedAt = (p.now ?? (() => new Date()))();
  const created = !memory && !existsSync(p.path);
  let db: Database.Database;
  let checkpoints: Checkpointer | undefined;
  try {
    db = new Database(p.path, { readonly: readOnly, fileMustExist: readOnly, timeout: p.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw toStoreError(error, p.path);
  }
  try {
    // The file holds requests, responses and sealed ARPKs: keep it private to its owner.
    if (created) chmodSync(p.path, 0o600);
    if (!readOnly) {
      // only a file without pages takes a page size (an existing one keeps its own)
      if (!memory && db.pragma('page_count', { simple: true }) === 0) db.pragma(`page_size = ${STORE_PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${p.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    }
    db.pragma('foreign_keys = ON');
    if (!readOnly) applyMigrations(db, undefined, { now: p.now ?? (() => new Date()) });
    const ctx: StoreContext = {
      db,
      path: p.path,
      now: p.now ?? (() => new Date()),
      audit: undefined as unknown as AuditLog,
      sealer: new ArpkSealer(memory ? undefined : (p.keyPath ?? `${p.path}.key`), p.key),
      owner: currentOwner(),
      stmt: statementCache(db),
      checkpoints:
        memory || readOnly
          ? NO_CHECKPOINTER
          : createCheckpointer(db, p.path, { worker: p.checkpointWorker, durability: p.durability }),
    };
    checkpoints = ctx.checkpoints;
    (ctx as { audit: AuditLog }).audit = new AuditLog(db, ctx.now);
    const store = new Store(ctx);
    const interrupted = readOnly || p.skipRecovery ? [] : store.attestations.recoverInterrupted(openedAt);
    if (!readOnly && !p.skipRecovery) store.releases.recoverInterrupted(openedAt);
    return interrupted.length > 0 ? new Store(ctx, interrupted) : store;
  } catch (error) {
    checkpoints?.close();
    db.close();
    throw toStoreError(error, p.path);
  }
}

function assertWritable(path: string): void {
  if (!existsSync(dirname(path))) {
    throw new AttestError('ERR_STORE_OPEN', `cannot create database ${path}: folder ${dirname(path)} does not exist`, {
      path,
    });
  }
  try {
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch {
    throw new AttestError('ERR_STORE_READ_ONLY', `database ${path} is not writable (open it read-only to look at it)`, {
      path,
    });
  }
}
