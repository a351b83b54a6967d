/**
 * Additional data returned by the Ultravisor (spec §8.1): the concatenation, in this order, of the fields
 * whose PAF bit is set; bytes left over are "unrecognized".
 *
 * | Field | PAF bit | Size |
 * |---|---|---|
 * | image PHKH | 2 | 32 |
 * | attestation PHKH | 3 | 32 |
 * | secret-store hash | 4 | 64 |
 * | firmware state | 5 | 320 |
 */
import { AttestError } from '../../../shared/errors/index.js';
import { ADD_DATA_KEYS, ADD_DATA_KINDS, type AddDataKind } from '../../../shared/types/policy.js';
import {
  KEY_SLOT_PHKH_SIZE,
  PAF_ATTESTATION_PHKH,
  PAF_FIRMWARE_STATE,
  PAF_IMAGE_PHKH,
  PAF_SECRET_STORE_HASH,
} from './arcb.js';

export { ADD_DATA_KINDS, type AddDataKind };

/** Sizes of the additional-data fields (the table above). */
export const SECRET_STORE_HASH_SIZE = 64;
export const FIRMWARE_STATE_SIZE = 320;

/** Per kind: PAF bit, size, display name (pvattest's) and the result key. */
export const ADD_DATA_FIELDS = [
  {
    kind: 'phkh-img',
    flag: PAF_IMAGE_PHKH,
    size: KEY_SLOT_PHKH_SIZE,
    name: 'Image PHKH',
    key: ADD_DATA_KEYS['phkh-img'],
  },
  {
    kind: 'phkh-att',
    flag: PAF_ATTESTATION_PHKH,
    size: KEY_SLOT_PHKH_SIZE,
    name: 'Attestation PHKH',
    key: ADD_DATA_KEYS['phkh-att'],
  },
  {
    kind: 'secret-store-hash',
    flag: PAF_SECRET_STORE_HASH,
    size: SECRET_STORE_HASH_SIZE,
    name: 'Secret store hash',
    key: ADD_DATA_KEYS['secret-store-hash'],
  },
  {
    kind: 'firmware-state',
    flag: PAF_FIRMWARE_STATE,
    size: FIRMWARE_STATE_SIZE,
    name: 'Firmware state',
    key: ADD_DATA_KEYS['firmware-state'],
  },
] as const satisfies readonly { kind: AddDataKind; flag: bigint; size: number; name: string; key: string }[];

/** Decoded additional data; each field present iff requested (and, for `unrecognized`, iff bytes were left). */
export interface AdditionalDataFields {
  imagePhkh?: Uint8Array;
  attestationPhkh?: Uint8Array;
  secretStoreHash?: Uint8Array;
  firmwareState?: Uint8Array;
  unrecognized?: Uint8Array;
}

/** The PAF bits for a list of kinds (duplicates are fine). */
export function flagsForAddData(kinds: readonly AddDataKind[]): bigint {
  let flags = 0n;
  for (const kind of kinds) {
    const field = ADD_DATA_FIELDS.find((f) => f.kind === kind);
    if (!field) throw new AttestError('ERR_INPUT_INVALID', `unknown additional-data kind '${String(kind)}'`);
    flags |= field.flag;
  }
  return flags;
}

/** The additional-data size the flags ask for (sum of the field sizes; Rust's rule). */
export function expectedAddDataSize(flags: bigint): number {
  return ADD_DATA_FIELDS.reduce((sum, f) => sum + ((flags & f.flag) !== 0n ? f.size : 0), 0);
}

/**
 * Splits additional data by the flags (Rust `AdditionalData::from_slice`). Too few bytes for a requested field
 * throws ERR_ADD_DATA_MISSING with pvattest's message.
 */
export function decodeAdditionalData(flags: bigint, data: Uint8Array): AdditionalDataFields {
  const out: AdditionalDataFields = {};
  let at = 0;
  for (const f of ADD_DATA_FIELDS) {
    if ((flags & f.flag) === 0n) continue;
    if (at + f.size > data.length) {
      throw new AttestError(
        'ERR_ADD_DATA_MISSING',
        `Attestation flags indicating that the additional data contains ${f.name}, but no data was provided.`,
        { field: f.kind },
      );
    }
    out[f.key] = data.slice(at, at + f.size);
    at += f.size;
  }
  if (at < data.length) out.unrecognized = data.slice(at);
  return out;
}

/** Parses a comma-separated `--add-data` list; throws ERR_INPUT_INVALID naming the unknown entry. */
export function parseAddDataList(list: string): AddDataKind[] {
  const out: AddDataKind[] = [];
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (!(ADD_DATA_KINDS as readonly string[]).includes(item)) {
      throw new AttestError(
        'ERR_INPUT_INVALID',
        `invalid additional-data kind '${item}' (possible values: ${ADD_DATA_KINDS.join(', ')})`,
      );
    }
    out.push(item as AddDataKind);
  }
  return out;
}
