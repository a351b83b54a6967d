/**
 * Secret IDs (spec add-secret §3.3): SHA-256 of the name, or with `--use-name` the first 31 bytes of the name
 * padded with zeros; IBM's display (`ascii | 0x…` or `0x…`) and the YAML form (`0x` + 64 hex digits).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { toHex } from '../bytes.js';
import { sha256 } from '../crypto/primitives.js';
import { SECRET_ID_SIZE } from '../formats/asrcb.js';

/** The 32-byte ID of a secret called `name`. */
export function secretIdFromName(name: string, useName = false): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  if (!useName) return sha256(bytes);
  const id = new Uint8Array(SECRET_ID_SIZE);
  id.set(bytes.subarray(0, SECRET_ID_SIZE - 1));
  return id;
}

function isPrintable(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d;
}

/** The ID as IBM prints it: `<ascii> | 0x<hex>` for a printable, NUL-terminated name, else `0x<hex>`. */
export function formatSecretId(id: Uint8Array): string {
  const hex = `0x${toHex(id)}`;
  const nul = id.indexOf(0);
  const end = nul < 0 ? id.length : nul;
  if (end === 0) return hex;
  for (let i = 0; i < end; i++) if (!isPrintable(id[i]!)) return hex;
  for (let i = end; i < id.length; i++) if (id[i] !== 0) return hex;
  return `${Buffer.from(id.subarray(0, end)).toString('latin1')} | ${hex}`;
}

/** The YAML / hex form of an ID: `0x` and 64 lower-case hex digits. */
export function secretIdHex(id: Uint8Array): string {
  return `0x${toHex(id)}`;
}

/** Parses the YAML / `--inform hex` form (exactly `0x` + 64 hex digits); throws ERR_SECRET_ID_INVALID. */
export function parseSecretIdHex(text: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text))
    throw new AttestError('ERR_SECRET_ID_INVALID', 'a secret ID is 0x followed by 64 hex digits');
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
}
