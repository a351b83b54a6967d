/**
 * IBM's secret types (spec add-secret §3.1): ids, the names IBM prints in lists and PEM headers, value lengths,
 * and which types are listable and retrievable. The one table every other module reads.
 */
import { SECRET_TYPE_META } from '../formats/asrcb.js';

/** How `pvsecret create` names the kinds of secret it makes. */
export type SecretKind = 'meta' | 'association' | 'retrievable' | 'update-cck';

/** `retrievable --type` values. */
export const RETRIEVABLE_TYPES = ['plain', 'aes', 'aes-xts', 'hmac-sha', 'ec'] as const;
export type RetrievableType = (typeof RETRIEVABLE_TYPES)[number];

/** One secret type. */
export interface SecretTypeInfo {
  readonly id: number;
  /** IBM's display name (`Display` of the list entry / PEM `kind:`). */
  readonly name: string;
  /** Value lengths the Ultravisor accepts (plaintext: any multiple of 16 in [16, 8192]). */
  readonly lengths: readonly number[] | 'plaintext';
  readonly listable: boolean;
  readonly retrievable: boolean;
}

export const SECRET_TYPE_ASSOCIATION = 0x0002;
export const SECRET_TYPE_PLAINTEXT = 0x0003;
export const SECRET_TYPE_UPDATE_CCK = 0x0016;
/** Largest plaintext payload (the retrieve buffer of 8 KiB minus the u16 length). */
export const MAX_PLAINTEXT_PAYLOAD = 8190;
export const MAX_PLAINTEXT_LENGTH = 8192;
export const PLAINTEXT_BLOCK = 16;

export const SECRET_TYPES: readonly SecretTypeInfo[] = [
  { id: SECRET_TYPE_META, name: 'Meta', lengths: [0], listable: false, retrievable: false },
  { id: SECRET_TYPE_ASSOCIATION, name: 'Association', lengths: [32], listable: true, retrievable: false },
  { id: SECRET_TYPE_PLAINTEXT, name: 'PLAINTEXT', lengths: 'plaintext', listable: true, retrievable: true },
  { id: 0x0004, name: 'AES-128-KEY', lengths: [16], listable: true, retrievable: true },
  { id: 0x0005, name: 'AES-192-KEY', lengths: [24], listable: true, retrievable: true },
  { id: 0x0006, name: 'AES-256-KEY', lengths: [32], listable: true, retrievable: true },
  { id: 0x0007, name: 'AES-XTS-128-KEY', lengths: [32], listable: true, retrievable: true },
  { id: 0x0008, name: 'AES-XTS-256-KEY', lengths: [64], listable: true, retrievable: true },
  { id: 0x0009, name: 'HMAC-SHA-256-KEY', lengths: [64], listable: true, retrievable: true },
  { id: 0x000a, name: 'HMAC-SHA-512-KEY', lengths: [128], listable: true, retrievable: true },
  { id: 0x0011, name: 'EC-SECP256R1-PRIVATE-KEY', lengths: [32], listable: true, retrievable: true },
  { id: 0x0012, name: 'EC-SECP384R1-PRIVATE-KEY', lengths: [48], listable: true, retrievable: true },
  { id: 0x0013, name: 'EC-SECP521R1-PRIVATE-KEY', lengths: [80], listable: true, retrievable: true },
  { id: 0x0014, name: 'EC-ED25519-PRIVATE-KEY', lengths: [32], listable: true, retrievable: true },
  { id: 0x0015, name: 'EC-ED448-PRIVATE-KEY', lengths: [64], listable: true, retrievable: true },
  { id: SECRET_TYPE_UPDATE_CCK, name: 'UpdateCck', lengths: [32], listable: false, retrievable: false },
];

const BY_ID = new Map(SECRET_TYPES.map((t) => [t.id, t]));

/** The type with this id, or undefined for reserved and unknown ids. */
export function secretTypeInfo(id: number): SecretTypeInfo | undefined {
  return BY_ID.get(id);
}

/**
 * IBM's display of a type as it appears in a list: the name of a listable type, `Invalid(0x0001)` for meta and
 * update-CCK (which never appear in a list) and for 0, `Unknown(0x000b)` otherwise.
 */
export function secretTypeListName(id: number): string {
  const t = BY_ID.get(id);
  const hex = `0x${id.toString(16).padStart(4, '0')}`;
  if (t?.listable) return t.name;
  if (t || id === 0) return `Invalid(${hex})`;
  return `Unknown(${hex})`;
}

/** True when `length` is a value length the Ultravisor accepts for the type. */
export function isValidSecretLength(id: number, length: number): boolean {
  const t = BY_ID.get(id);
  if (!t) return false;
  if (t.lengths === 'plaintext')
    return length >= PLAINTEXT_BLOCK && length <= MAX_PLAINTEXT_LENGTH && length % PLAINTEXT_BLOCK === 0;
  return t.lengths.includes(length);
}
