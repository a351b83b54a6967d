/**
 * The guest side of the secret store as `pvsecret` shows it (spec add-secret §6.4, §6.5): the binary list the
 * Ultravisor returns, its human and YAML forms, and retrieved secrets (plaintext unpacking, PEM forms).
 *
 * List buffer:
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 2 | num_secrets_stored (entries in this buffer) |
 * | 0x02 | 2 | total_num_secrets |
 * | 0x04 | 2 | next_secret_idx |
 * | 0x06 | 10 | reserved |
 * | 0x10 + 48·i | 48 | entry: index u16 · type u16 · length u32 · reserved 8 · ID 32 |
 */
import { AttestError } from '../../../shared/errors/index.js';
import { readU32, viewOf, writeU32 } from '../bytes.js';
import { SECRET_ID_SIZE } from '../formats/asrcb.js';
import { encodePem } from '../pki/pem.js';
import { MAX_PLAINTEXT_PAYLOAD, SECRET_TYPE_PLAINTEXT, secretTypeListName } from './kinds.js';
import { formatSecretId, secretIdHex } from './secret-id.js';

export const SECRET_LIST_HEADER_SIZE = 16;
export const SECRET_LIST_ENTRY_SIZE = 48;

/** One listed secret. */
export interface SecretListEntry {
  readonly index: number;
  readonly type: number;
  readonly length: number;
  readonly id: Uint8Array;
}

/** A secret list as the UV returns it. */
export interface SecretList {
  readonly total: number;
  readonly nextIndex: number;
  readonly entries: readonly SecretListEntry[];
}

/** The binary list (`--format bin`): header and the entries. */
export function encodeSecretList(list: SecretList): Uint8Array {
  const out = new Uint8Array(SECRET_LIST_HEADER_SIZE + SECRET_LIST_ENTRY_SIZE * list.entries.length);
  const v = viewOf(out);
  v.setUint16(0, list.entries.length, false);
  v.setUint16(2, list.total, false);
  v.setUint16(4, list.nextIndex, false);
  list.entries.forEach((e, i) => {
    const at = SECRET_LIST_HEADER_SIZE + SECRET_LIST_ENTRY_SIZE * i;
    v.setUint16(at, e.index, false);
    v.setUint16(at + 2, e.type, false);
    writeU32(out, at + 4, e.length);
    out.set(e.id, at + 16);
  });
  return out;
}

/** Decodes a binary list; throws ERR_SECRET_LIST_INVALID when the buffer does not hold its entries. */
export function decodeSecretList(bytes: Uint8Array): SecretList {
  if (bytes.length < SECRET_LIST_HEADER_SIZE)
    throw new AttestError('ERR_SECRET_LIST_INVALID', 'the secret list is shorter than its 16-byte header');
  const v = viewOf(bytes);
  const count = v.getUint16(0, false);
  if (bytes.length < SECRET_LIST_HEADER_SIZE + SECRET_LIST_ENTRY_SIZE * count)
    throw new AttestError('ERR_SECRET_LIST_INVALID', `the secret list announces ${count} entries but holds fewer`);
  const entries: SecretListEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = SECRET_LIST_HEADER_SIZE + SECRET_LIST_ENTRY_SIZE * i;
    entries.push({
      index: v.getUint16(at, false),
      type: v.getUint16(at + 2, false),
      length: readU32(bytes, at + 4),
      id: bytes.slice(at + 16, at + 16 + SECRET_ID_SIZE),
    });
  }
  return { total: v.getUint16(2, false), nextIndex: v.getUint16(4, false), entries };
}

/** `pvsecret list` (human): the total, an empty line when there are entries, then `<index> <type>:` and the ID. */
export function formatSecretListHuman(list: SecretList): string {
  let out = `Total number of secrets: ${list.total}\n`;
  if (list.entries.length > 0) out += '\n';
  for (const e of list.entries) out += `${e.index} ${secretTypeListName(e.type)}:\n ${formatSecretId(e.id)}\n`;
  return out;
}

/** `pvsecret list --format yaml` (serde_yaml): the total and each entry's index, type, length and ID. */
export function formatSecretListYaml(list: SecretList): string {
  let out = `total_num_secrets: ${list.total}\n`;
  if (list.entries.length === 0) return `${out}secrets: []\n`;
  out += 'secrets:\n';
  for (const e of list.entries)
    out += `- index: ${e.index}\n  stype: ${e.type}\n  len: ${e.length}\n  id: ${secretIdHex(e.id)}\n`;
  return out;
}

/** The payload of a retrieved plaintext when it is well formed (length ≤ 8190, only zero padding), else undefined. */
export function unpackPlaintext(buffer: Uint8Array): Uint8Array | undefined {
  if (buffer.length < 2) return undefined;
  const len = viewOf(buffer).getUint16(0, false);
  if (len > MAX_PLAINTEXT_PAYLOAD || len + 2 > buffer.length || buffer.length - (len + 2) >= 16) return undefined;
  for (let i = len + 2; i < buffer.length; i++) if (buffer[i] !== 0) return undefined;
  return buffer.slice(2, 2 + len);
}

/** `pvsecret retrieve --outform pem`: a PLAINTEXT SECRET block, or an IBM PROTECTED KEY block with its kind. */
export function formatRetrievedSecretPem(type: number, buffer: Uint8Array): string {
  if (type === SECRET_TYPE_PLAINTEXT) return encodePem('PLAINTEXT SECRET', unpackPlaintext(buffer) ?? buffer);
  return encodePem('IBM PROTECTED KEY', buffer, [`kind: ${secretTypeListName(type)}`]);
}

/** `pvsecret retrieve --outform bin`: the plaintext payload, or the protected-key blob as it came. */
export function retrievedSecretBytes(type: number, buffer: Uint8Array): Uint8Array {
  return type === SECRET_TYPE_PLAINTEXT ? (unpackPlaintext(buffer) ?? buffer) : buffer;
}
