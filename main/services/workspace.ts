/**
 * The workstation's database as the front ends (the CLI, the app) open it for a use case (where it lives:
 * `db-path.ts`). The CLI reaches the store only through this module and the other services, which it hands the
 * opened store to (issue 13; test/main/layering.test.ts holds it to that).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { refuseSpecialFile } from '../fs/index.js';
import { openStore, type Store } from '../store/index.js';

export type { Store };

/** Options of `openWorkspace`. */
export interface OpenWorkspaceParams {
  /** Open without writing (ERR_STORE_READ_ONLY on a write). */
  readonly readOnly?: boolean;
  /** Create the database's folder (mode 0700) when it is missing, for a command that may create the database. */
  readonly createFolder?: boolean;
}

/**
 * Opens the database at `path`; a folder, FIFO or device there is refused (ERR_FS_*) before SQLite could block
 * on it. Errors: ERR_FS_*, ERR_STORE_OPEN and the store's migration codes.
 */
export function openWorkspace(path: string, params: OpenWorkspaceParams = {}): Store {
  refuseSpecialFile(path);
  if (params.createFolder === true && params.readOnly !== true)
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return openStore({ path, ...(params.readOnly === true ? { readOnly: true } : {}) });
}
