/**
 * Maps SQLite failures to the store's coded errors: a database held by another writer beyond the busy timeout
 * is ERR_STORE_LOCKED, a file or folder that cannot be written is ERR_STORE_READ_ONLY, a file that cannot be
 * opened or is not a database is ERR_STORE_OPEN. Anything else is ERR_STORE_INTERNAL.
 */
import { AttestError } from '../../shared/errors/index.js';

/** The coded error for `error` raised while using the database at `path`. */
export function toStoreError(error: unknown, path: string): AttestError {
  if (error instanceof AttestError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const message = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AttestError(
      'ERR_STORE_LOCKED',
      `database ${path} is locked by another process (still busy after the timeout)`,
      {
        path,
        sqlite: code,
      },
    );
  }
  if (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT') {
    return new AttestError(
      'ERR_STORE_READ_ONLY',
      `database ${path} is in a folder that cannot be written; WAL mode needs to create ${path}-shm there (copy the file to a writable folder to inspect it)`,
      { path, sqlite: code },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new AttestError('ERR_STORE_READ_ONLY', `database ${path} is read-only: ${message}`, { path, sqlite: code });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new AttestError('ERR_STORE_OPEN', `cannot open database ${path}: ${message}`, { path, sqlite: code });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new AttestError('ERR_STORE_GUEST_NOT_FOUND', `referenced row does not exist: ${message}`, {
      path,
      sqlite: code,
    });
  }
  return new AttestError('ERR_STORE_INTERNAL', `database error: ${message}`, { path, sqlite: code || undefined });
}

/** Runs `fn`, turning SQLite errors into coded store errors. */
export function withStoreErrors<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toStoreError(error, path);
  }
}
