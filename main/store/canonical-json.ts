/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code unit (as RFC 8785 JCS does), no white space,
 * `undefined` members dropped. Only plain JSON values are accepted (no bigint, NaN or Infinity), so two
 * equal values always give the same bytes.
 */
import { AttestError } from '../../shared/errors/index.js';

/** The canonical JSON text of `value`; throws ERR_STORE_INTERNAL for values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new AttestError('ERR_STORE_INTERNAL', 'canonical JSON: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new AttestError('ERR_STORE_INTERNAL', `canonical JSON: cannot encode a ${typeof value}`);
  }
}
