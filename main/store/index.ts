/** The store's public surface: open a database and use its repositories. */
export { openStore, Store, STORE_PAGE_SIZE, type OpenStoreParams } from './store.js';
export {
  MIGRATIONS,
  LATEST_SCHEMA_VERSION,
  applyMigrations,
  readSchemaVersion,
  type MigrationContext,
} from './migrations.js';
export { GuestRepository, type GuestStatusParams } from './guest-repository.js';
export { TrustRepository, type TrustItemInput } from './trust-repository.js';
export { SettingsRepository, MAX_SETTING_VALUE_LENGTH } from './settings-repository.js';
export {
  AttestationRepository,
  judgeStoredRow,
  type BeginAttestationParams,
  type FinishAttestationParams,
  type AttestationSecrets,
  type ListAttestationsParams,
} from './attestation-repository.js';
export { AuditLog, GENESIS_HASH, computeEntryHash } from './audit-log.js';
export { canonicalJson } from '../../shared/canonical-json.js';
export { ArpkSealer } from './arpk-seal.js';
export { ReleaseRepository, type FinishReleaseRunParams, type ReleaseRunFacts } from './release-repository.js';
