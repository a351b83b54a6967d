/**
 * The pvattest exchange file, version 0x0100 (spec §5): a request (`create`) or response (`perform`).
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 8 | magic `pvattest` |
 * | 0x08 | 4 | version 0x00000100 |
 * | 0x0C | 4 | size: total file size |
 * | 0x10 | 8 | reserved |
 * | 0x18 | 8 | entry ARCB (size u32, offset u32) |
 * | 0x20 | 8 | entry measurement |
 * | 0x28 | 8 | entry additional data |
 * | 0x30 | 8 | entry user data |
 * | 0x38 | 8 | entry config UID |
 *
 * An entry with size 0 is absent; size > 0 with offset 0 is "expected size only"; otherwise the data sits at
 * file[offset, offset+size). Writers place blobs after the header in the order above.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { readU32, writeU32 } from '../bytes.js';
import { MAX_ARCB_SIZE, type Dialect } from './arcb.js';

export const EXCHANGE_MAGIC = new Uint8Array(Buffer.from('pvattest', 'latin1'));
export const EXCHANGE_VERSION_1 = 0x0100;
export const EXCHANGE_HEADER_SIZE = 0x40;
export const MAX_MEASUREMENT_SIZE = 0x8000;
export const MAX_ADDITIONAL_DATA_SIZE = 0x8000;
export const MAX_USER_DATA_SIZE = 0x100;
export const CUID_SIZE = 0x10;
export const MEASUREMENT_SIZE_HMAC_SHA512 = 64;
/** The largest exchange file any reader accepts: header plus every entry at its maximum. */
export const MAX_EXCHANGE_SIZE =
  EXCHANGE_HEADER_SIZE +
  MAX_ARCB_SIZE +
  MAX_MEASUREMENT_SIZE +
  MAX_ADDITIONAL_DATA_SIZE +
  MAX_USER_DATA_SIZE +
  CUID_SIZE;

const ENTRY_NAMES = ['arcb', 'measurement', 'additional', 'user', 'cuid'] as const;
type EntryName = (typeof ENTRY_NAMES)[number];
const ENTRY_OFFSET: Record<EntryName, number> = {
  arcb: 0x18,
  measurement: 0x20,
  additional: 0x28,
  user: 0x30,
  cuid: 0x38,
};

/** One entry to write: data, an expected size only, or absent (undefined). An empty `data` writes (0, cursor). */
export type ExchangeEntry = { readonly data: Uint8Array } | { readonly expectedSize: number } | undefined;

/** The five entries of an exchange file. */
export type ExchangeEntries = Partial<Record<EntryName, ExchangeEntry>>;

/** A request as `perform` reads it. */
export interface ExchangeRequest {
  readonly arcb: Uint8Array;
  readonly measurementSize: number;
  readonly additionalSize: number;
}

/** A response as `verify` reads it. */
export interface ExchangeResponse {
  readonly arcb: Uint8Array;
  readonly measurement: Uint8Array;
  readonly additionalData: Uint8Array | undefined;
  readonly userData: Uint8Array | undefined;
  readonly cuid: Uint8Array;
}

/** Writes an exchange file with blobs in the fixed order ARCB, measurement, additional, user, CUID. */
export function encodeExchange(entries: ExchangeEntries): Uint8Array {
  let size = EXCHANGE_HEADER_SIZE;
  for (const name of ENTRY_NAMES) {
    const e = entries[name];
    if (e && 'data' in e) size += e.data.length;
  }
  const out = new Uint8Array(size);
  out.set(EXCHANGE_MAGIC, 0);
  writeU32(out, 0x08, EXCHANGE_VERSION_1);
  writeU32(out, 0x0c, size);
  let cursor = EXCHANGE_HEADER_SIZE;
  for (const name of ENTRY_NAMES) {
    const e = entries[name];
    const at = ENTRY_OFFSET[name];
    if (e === undefined) continue;
    if ('data' in e) {
      writeU32(out, at, e.data.length);
      writeU32(out, at + 4, cursor);
      out.set(e.data, cursor);
      cursor += e.data.length;
    } else if (e.expectedSize > 0) {
      writeU32(out, at, e.expectedSize);
    }
  }
  return out;
}

/** The request file `create` writes (spec §5.2): ARCB data, expected measurement and additional sizes. */
export function encodeExchangeRequest(request: ExchangeRequest): Uint8Array {
  if (request.measurementSize < 1 || request.measurementSize > MAX_MEASUREMENT_SIZE) {
    throw new AttestError(
      'ERR_EXCHANGE_ENTRY_SIZE',
      `measurement size ${request.measurementSize} is outside 1..0x8000`,
    );
  }
  if (request.additionalSize > MAX_ADDITIONAL_DATA_SIZE) {
    throw new AttestError('ERR_EXCHANGE_ENTRY_SIZE', `additional-data size ${request.additionalSize} exceeds 0x8000`);
  }
  return encodeExchange({
    arcb: { data: request.arcb },
    measurement: { expectedSize: request.measurementSize },
    additional: request.additionalSize > 0 ? { expectedSize: request.additionalSize } : undefined,
  });
}

/** The response file `perform` writes (spec §5.2). */
export function encodeExchangeResponse(response: ExchangeResponse): Uint8Array {
  if (response.cuid.length !== CUID_SIZE)
    throw new AttestError('ERR_CUID_SIZE', `CUID must be 16 bytes, is ${response.cuid.length}`);
  if (response.userData && response.userData.length > MAX_USER_DATA_SIZE) {
    throw new AttestError('ERR_USER_DATA_SIZE', `user data must be at most 256 bytes, is ${response.userData.length}`);
  }
  return encodeExchange({
    arcb: { data: response.arcb },
    measurement: { data: response.measurement },
    additional:
      response.additionalData && response.additionalData.length > 0 ? { data: response.additionalData } : undefined,
    user: response.userData ? { data: response.userData } : undefined,
    cuid: { data: response.cuid },
  });
}

interface RawEntry {
  readonly size: number;
  readonly offset: number;
}

function fail(code: 'ERR_EXCHANGE_MAGIC' | 'ERR_EXCHANGE_VERSION' | 'ERR_EXCHANGE_TOO_SMALL', message: string): never {
  throw new AttestError(code, message);
}

function readHeader(bytes: Uint8Array, dialect: Dialect): Record<EntryName, RawEntry> {
  if (bytes.length > MAX_EXCHANGE_SIZE) {
    throw new AttestError(
      'ERR_INPUT_TOO_LARGE',
      `The input has not the correct format: file larger than ${MAX_EXCHANGE_SIZE} bytes`,
    );
  }
  if (bytes.length < EXCHANGE_HEADER_SIZE)
    fail('ERR_EXCHANGE_TOO_SMALL', 'The input has not the correct format: File size too small');
  for (let i = 0; i < EXCHANGE_MAGIC.length; i++) {
    if (bytes[i] !== EXCHANGE_MAGIC[i])
      fail('ERR_EXCHANGE_MAGIC', 'The input has not the correct format: not a pvattest exchange file (wrong magic)');
  }
  const version = readU32(bytes, 0x08);
  if (version !== EXCHANGE_VERSION_1)
    fail('ERR_EXCHANGE_VERSION', `The input has not the correct format: Unsupported version: (${version})`);
  const size = readU32(bytes, 0x0c);
  if (dialect === 'rust' && size > bytes.length)
    fail('ERR_EXCHANGE_TOO_SMALL', 'The input has not the correct format: File size too small');
  const out = {} as Record<EntryName, RawEntry>;
  for (const name of ENTRY_NAMES) {
    out[name] = { size: readU32(bytes, ENTRY_OFFSET[name]), offset: readU32(bytes, ENTRY_OFFSET[name] + 4) };
  }
  return out;
}

const MAX_BY_ENTRY: Record<EntryName, number> = {
  arcb: MAX_ARCB_SIZE,
  measurement: MAX_MEASUREMENT_SIZE,
  additional: MAX_ADDITIONAL_DATA_SIZE,
  user: MAX_USER_DATA_SIZE,
  cuid: CUID_SIZE,
};

/** Whether an entry carries data under the dialect's rules (C: size ≠ 0 and offset ≠ 0; Rust: the same). */
function carriesData(e: RawEntry): boolean {
  return e.size !== 0 && e.offset !== 0;
}

/** Reads an entry's bytes with the dialect's range rules, or undefined when absent. */
function readEntry(bytes: Uint8Array, name: EntryName, e: RawEntry, dialect: Dialect): Uint8Array | undefined {
  if (!carriesData(e)) return undefined;
  if (dialect === 'c') {
    if (e.offset < EXCHANGE_HEADER_SIZE || e.offset + e.size > bytes.length || e.size > MAX_BY_ENTRY[name]) {
      throw new AttestError('ERR_EXCHANGE_ENTRY_RANGE', 'Input file is not in a valid format.', { entry: name });
    }
  } else {
    if (name === 'user' && e.size > MAX_USER_DATA_SIZE) {
      throw new AttestError(
        'ERR_EXCHANGE_USER_DATA_SIZE',
        `The input has not the correct format: The User data field is too large (${e.size})`,
      );
    }
    if (name === 'cuid' && e.size !== CUID_SIZE) {
      throw new AttestError(
        'ERR_EXCHANGE_CUID_SIZE',
        `The input has not the correct format: Configuration UID has an invalid size. Expected size 16, is ${e.size}`,
      );
    }
    if (e.size > MAX_BY_ENTRY[name]) {
      throw new AttestError(
        'ERR_EXCHANGE_ENTRY_SIZE',
        `The input has not the correct format: the ${name} entry is too large (${e.size})`,
        { entry: name },
      );
    }
    if (e.offset + e.size > bytes.length) {
      throw new AttestError(
        'ERR_EXCHANGE_ENTRY_RANGE',
        `failed to fill whole buffer (the ${name} entry runs past the end of the file)`,
        { entry: name },
      );
    }
  }
  return bytes.slice(e.offset, e.offset + e.size);
}

/** Reads a request exchange file as `perform` does (Rust §5.4 request rules, or C's). */
export function parseExchangeRequest(bytes: Uint8Array, dialect: Dialect = 'rust'): ExchangeRequest {
  const h = readHeader(bytes, dialect);
  const arcb = readEntry(bytes, 'arcb', h.arcb, dialect);
  if (arcb === undefined)
    throw new AttestError(
      'ERR_EXCHANGE_NO_ARCB',
      'The input has not the correct format: Contains no attestation request.',
    );
  const measurementSize = h.measurement.size;
  if (measurementSize < 1 || measurementSize > MAX_MEASUREMENT_SIZE) {
    throw new AttestError(
      'ERR_EXCHANGE_ENTRY_SIZE',
      `The input has not the correct format: measurement size ${measurementSize} is outside 1..0x8000`,
    );
  }
  const additionalSize =
    dialect === 'c' && h.additional.offset === 0 && h.additional.size === 0 ? 0 : h.additional.size;
  if (additionalSize > MAX_ADDITIONAL_DATA_SIZE) {
    throw new AttestError(
      'ERR_EXCHANGE_ENTRY_SIZE',
      `The input has not the correct format: additional-data size ${additionalSize} exceeds 0x8000`,
    );
  }
  return { arcb, measurementSize, additionalSize };
}

/** Reads a response exchange file as `verify` does (Rust §5.4 response rules, or C's). */
export function parseExchangeResponse(bytes: Uint8Array, dialect: Dialect = 'rust'): ExchangeResponse {
  const h = readHeader(bytes, dialect);
  const arcb = readEntry(bytes, 'arcb', h.arcb, dialect);
  if (arcb === undefined)
    throw new AttestError(
      'ERR_EXCHANGE_NO_ARCB',
      'The input has not the correct format: Contains no attestation request.',
    );
  const measurement = readEntry(bytes, 'measurement', h.measurement, dialect);
  if (measurement === undefined) {
    throw new AttestError(
      'ERR_EXCHANGE_NO_MEASUREMENT',
      'The input has not the correct format: Contains no attestation response (Measurement missing).',
    );
  }
  const additionalData = readEntry(bytes, 'additional', h.additional, dialect);
  const userData = readEntry(bytes, 'user', h.user, dialect);
  if (dialect === 'c' && h.cuid.size !== 0 && h.cuid.size !== CUID_SIZE) {
    throw new AttestError('ERR_EXCHANGE_CUID_SIZE', 'Input file is not in a valid format. (CUID size is not 16)');
  }
  const cuid = readEntry(bytes, 'cuid', h.cuid, dialect);
  if (cuid === undefined) {
    throw new AttestError(
      'ERR_EXCHANGE_NO_CUID',
      'The input has not the correct format: Contains no attestation response (CUID missing).',
    );
  }
  return { arcb, measurement, additionalData, userData, cuid };
}
