/**
 * Add-secret request control blocks (ASRCB), read only as far as the secret-store hash needs (spec §8.3):
 * the generic 48-byte request header with magic `asrcbM` + u16 kind (0..4), and the request tag (last 16 bytes).
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x00 | 6 | magic `asrcbM` |
 * | 0x06 | 2 | kind (0..4) |
 * | 0x08 | 4 | version 0x100 |
 * | 0x0C | 4 | rql |
 * | 0x2C | 4 | sea |
 * | rql−16 | 16 | request tag |
 */
import { AttestError } from '../../../shared/errors/index.js';
import { readU32, viewOf } from '../bytes.js';
import { REQUEST_HEADER_SIZE } from './arcb.js';

export const ASRCB_MAGIC = new Uint8Array(Buffer.from('asrcbM', 'latin1'));
export const ASRCB_MAX_SIZE = 0x100000;
export const ASRCB_TAG_SIZE = 16;

/** Validates an add-secret request and returns its 16-byte tag. Throws ERR_ASRCB_INVALID. */
export function readAddSecretRequestTag(bytes: Uint8Array): Uint8Array {
  const bad = (why: string): never => {
    throw new AttestError('ERR_ASRCB_INVALID', `Input does not contain an add-secret request (${why})`);
  };
  if (bytes.length > ASRCB_MAX_SIZE) bad('larger than 1 MiB');
  if (bytes.length < REQUEST_HEADER_SIZE) bad('too short');
  for (let i = 0; i < ASRCB_MAGIC.length; i++) if (bytes[i] !== ASRCB_MAGIC[i]) bad('wrong magic');
  const kind = viewOf(bytes).getUint16(6, false);
  if (kind > 4) bad(`unknown kind ${kind}`);
  const version = readU32(bytes, 0x08);
  const rql = readU32(bytes, 0x0c);
  const sea = readU32(bytes, 0x2c);
  if (version !== 0x100) bad(`unsupported version 0x${version.toString(16)}`);
  if (rql !== bytes.length) bad('length field does not match the file');
  if (sea + ASRCB_TAG_SIZE > rql || rql - sea - ASRCB_TAG_SIZE < REQUEST_HEADER_SIZE) bad('inconsistent sizes');
  return bytes.slice(rql - ASRCB_TAG_SIZE, rql);
}
