/**
 * Content hashes of stored rows: SHA-256 over a JSON array of every column that carries meaning, in the fixed
 * order written below (a type tag first; blobs replaced by their SHA-256). Never reorder: stored hashes depend
 * on it. They are recorded in the audit chain whenever a row is written, so editing a
 * row with plain SQL shows up in `audit verify` as a row whose hash no longer matches its last audit entry.
 */
import { sha256Hex } from '../engine/crypto/primitives.js';

export { sha256Hex };

/** SHA-256 (hex) of a blob column's value, or null. */
export function blobHash(b: Uint8Array | null | undefined): string | null {
  return b == null ? null : sha256Hex(b);
}

/** A row of `guests` as read with `SELECT *`. */
export interface GuestRow {
  id: number;
  name: string;
  ssh_target: string | null;
  jump_host: string | null;
  identity_ref: string | null;
  host_key_fingerprint: string | null;
  /** Since schema 5; null when unknown. */
  host_key_type?: string | null;
  se_header: Uint8Array | null;
  se_header_sha256: string | null;
  image_path: string | null;
  policy_json: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
  removed_at: string | null;
}

/** A row of `trust_items`. */
export interface TrustRow {
  id: number;
  kind: string;
  sha256: string;
  der: Uint8Array;
  subject: string | null;
  issuer: string;
  serial: string | null;
  this_update: string | null;
  next_update: string | null;
  phkh: string | null;
  source: string | null;
  imported_at: string;
  /** Since schema 4; null while the item is in use. */
  removed_at?: string | null;
}

/** A row of `attestations`. */
export interface AttestationRow {
  id: number;
  guest_id: number;
  status: string;
  error_code: string | null;
  error_message: string | null;
  started_at: string;
  finished_at: string | null;
  steps_json: string;
  hkd_sha256_json: string;
  hkd_report_json: string | null;
  add_data_json: string;
  cuid: Uint8Array | null;
  measurement: Uint8Array | null;
  user_data: Uint8Array | null;
  additional_data_json: string | null;
  request: Uint8Array | null;
  response: Uint8Array | null;
  arpk_sealed: Uint8Array | null;
  arpk_key_id: string | null;
  owner: string | null;
  /** Since schema 3; null for older rows. */
  se_header_sha256?: string | null;
  /** Since schema 5: the SSH host key the guest presented; null when not contacted or older. */
  host_key_fingerprint?: string | null;
  /** Since schema 6: the policy the attempt is judged against (canonical JSON); null = not recorded. */
  policy_json?: string | null;
  content_hash: string;
}

/** A row of `settings` (schema 6). */
export interface SettingRow {
  id: number;
  key: string;
  value: string;
  updated_at: string;
}

/** Content hash of a guest row with its tags. */
export function hashGuestRow(row: GuestRow, tags: readonly string[]): string {
  return sha256Hex(
    JSON.stringify([
      'guest',
      row.id,
      row.name,
      row.ssh_target,
      row.jump_host,
      row.identity_ref,
      row.host_key_fingerprint,
      blobHash(row.se_header),
      row.se_header_sha256,
      row.image_path,
      row.policy_json,
      row.notes,
      row.created_at,
      row.updated_at,
      row.removed_at,
      [...tags].sort(),
      // appended in schema 5 only when set, tagged, so the hashes of older rows stay valid
      ...(row.host_key_type ? [['host_key_type', row.host_key_type]] : []),
    ]),
  );
}

/** Content hash of a trust row (the DER is hashed afresh, so a swapped blob is caught). */
export function hashTrustRow(row: TrustRow): string {
  return sha256Hex(
    JSON.stringify([
      'trust',
      row.id,
      row.kind,
      row.sha256,
      blobHash(row.der),
      row.subject,
      row.issuer,
      row.serial,
      row.this_update,
      row.next_update,
      row.phkh,
      row.source,
      row.imported_at,
      // appended in schema 4 only when set, so the hashes of older rows stay valid
      ...(row.removed_at ? [row.removed_at] : []),
    ]),
  );
}

/** The blob columns of an attestation row, hashed into its content hash by their SHA-256. */
export type AttestationBlobColumn = 'cuid' | 'measurement' | 'user_data' | 'request' | 'response' | 'arpk_sealed';

/** SHA-256 (hex) of each blob column of a row (null where the column is null). */
export type AttestationBlobHashes = Record<AttestationBlobColumn, string | null>;

/** The blob hashes of `row`, computed afresh. */
export function attestationBlobHashes(row: Pick<AttestationRow, AttestationBlobColumn>): AttestationBlobHashes {
  return {
    cuid: blobHash(row.cuid),
    measurement: blobHash(row.measurement),
    user_data: blobHash(row.user_data),
    request: blobHash(row.request),
    response: blobHash(row.response),
    arpk_sealed: blobHash(row.arpk_sealed),
  };
}

/**
 * Content hash of an attestation row (every column but `content_hash` itself). `blobs` are the SHA-256 of its
 * blob columns when the caller already has them (a writer that just hashed them); verification always
 * recomputes them from the row.
 */
export function hashAttestationRow(
  row: Omit<AttestationRow, 'content_hash'>,
  blobs: AttestationBlobHashes = attestationBlobHashes(row),
): string {
  return sha256Hex(
    JSON.stringify([
      'attestation',
      row.id,
      row.guest_id,
      row.status,
      row.error_code,
      row.error_message,
      row.started_at,
      row.finished_at,
      row.steps_json,
      row.hkd_sha256_json,
      row.hkd_report_json,
      row.add_data_json,
      blobs.cuid,
      blobs.measurement,
      blobs.user_data,
      row.additional_data_json,
      blobs.request,
      blobs.response,
      blobs.arpk_sealed,
      row.arpk_key_id,
      row.owner,
      // appended in schema 3 only when set, so the hashes of older rows stay valid
      ...(row.se_header_sha256 ? [row.se_header_sha256] : []),
      // appended in schema 5 only when set, tagged, so the hashes of older rows stay valid
      ...(row.host_key_fingerprint ? [['host_key', row.host_key_fingerprint]] : []),
      // appended in schema 6 only when recorded, tagged, so the hashes of older rows stay valid
      ...(row.policy_json != null ? [['policy', row.policy_json]] : []),
    ]),
  );
}

/** Content hash of a settings row. */
export function hashSettingRow(row: SettingRow): string {
  return sha256Hex(JSON.stringify(['setting', row.id, row.key, row.value, row.updated_at]));
}
