/**
 * What every repository of one open store shares: the connection, its path, the clock, the audit log, the
 * ARPK sealer and the transaction helpers that map SQLite failures to coded errors.
 */
import type Database from 'better-sqlite3';
import type { ArpkSealer } from './arpk-seal.js';
import type { AuditLog } from './audit-log.js';
import type { Checkpointer } from './checkpointer.js';
import { withStoreErrors } from './sqlite-errors.js';

/** Shared state of one open store. */
export interface StoreContext {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
  readonly audit: AuditLog;
  readonly sealer: ArpkSealer;
  /** `pid@hostname` of this process, stored on pending attestations. */
  readonly owner: string;
  /** Told of every committed write transaction (it keeps the WAL checkpointed). */
  readonly checkpoints: Checkpointer;
  /** A prepared statement for `sql`, cached per connection (preparing costs more than running). */
  stmt(sql: string): Database.Statement;
}

/** A memoising `stmt` for `db`. */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
}

/** Runs `fn` in an IMMEDIATE write transaction (waits up to the busy timeout, then ERR_STORE_LOCKED). */
export function writeTransaction<T>(ctx: StoreContext, fn: () => T): T {
  // Nested calls become savepoints of the outer transaction (better-sqlite3 semantics).
  if (ctx.db.inTransaction) return withStoreErrors(ctx.path, () => runInSavepoint(ctx, fn));
  const result = withStoreErrors(ctx.path, () => runIn(ctx, 'BEGIN IMMEDIATE', fn));
  ctx.checkpoints.afterCommit();
  return result;
}

function runInSavepoint<T>(ctx: StoreContext, fn: () => T): T {
  ctx.stmt('SAVEPOINT store_nested').run();
  try {
    const result = fn();
    ctx.stmt('RELEASE store_nested').run();
    return result;
  } catch (error) {
    if (ctx.db.inTransaction) {
      ctx.stmt('ROLLBACK TO store_nested').run();
      ctx.stmt('RELEASE store_nested').run();
    }
    throw error;
  }
}

/** Runs `fn` as a read (one consistent snapshot when it issues several statements). */
export function readTransaction<T>(ctx: StoreContext, fn: () => T): T {
  if (ctx.db.inTransaction) return withStoreErrors(ctx.path, fn);
  return withStoreErrors(ctx.path, () => runIn(ctx, 'BEGIN DEFERRED', fn));
}

function runIn<T>(ctx: StoreContext, begin: string, fn: () => T): T {
  ctx.stmt(begin).run();
  try {
    const result = fn();
    ctx.stmt('COMMIT').run();
    return result;
  } catch (error) {
    if (ctx.db.inTransaction) ctx.stmt('ROLLBACK').run();
    throw error;
  }
}
