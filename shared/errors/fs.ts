/**
 * Error codes of the file-system helpers (`main/fs/`): reading input files and writing secret files, shared by
 * the CLI, the services and the store. Append only; never rename a code once used.
 */
export const FS_ERROR_CODES = [
  /** The file cannot be opened (missing, no permission, a loop of symlinks, ...); the errno is in the message. */
  'ERR_FS_OPEN',
  /** A directory where a file is expected. */
  'ERR_FS_IS_DIRECTORY',
  /** A FIFO, socket or device where a regular file is expected (it may never end; it is not read). */
  'ERR_FS_NOT_REGULAR_FILE',
  /** The file is larger than the reader accepts; nothing was read. */
  'ERR_FS_TOO_LARGE',
  /** Reading failed after the file was opened (an I/O error). */
  'ERR_FS_READ',
  /** A file could not be written (its folder is missing or read-only, the disk is full, ...). */
  'ERR_FS_WRITE',
  /** A secret file's target is a symlink: refused, the link and what it points to are left untouched. */
  'ERR_FS_SYMLINK',
] as const;
