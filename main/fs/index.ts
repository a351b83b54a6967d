/**
 * Node file-system helpers shared by the store, the services and the CLI: bounded whole-file reads, positioned
 * reads of large files, and secret-file writes (0600, atomic, never through a symlink).
 */
export {
  openFileForReading,
  readFileBounded,
  refuseSpecialFile,
  resolvePath,
  withFileForReading,
  type FileParams,
  type RandomAccessFile,
} from './read.js';
export { SECRET_FILE_MODE, checkSecretFileTarget, writeSecretFile, type WriteSecretFileParams } from './secret-file.js';
