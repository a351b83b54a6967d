/**
 * Canonical JSON for hashing and signing: object keys sorted by UTF-16 code unit (as RFC 8785 JCS does), no
 * white space, `undefined` object members dropped (`undefined` array items become null), strings and numbers
 * as `JSON.stringify` writes them. Only plain JSON values are accepted (no bigint, NaN or Infinity), so two
 * equal values always give the same text. The store's audit chain and evidence bundles (which re-walk it)
 * both hash entries in this form.
 */
import { AttestError } from './errors/index.js';

/** The canonical JSON text of `value`; throws ERR_INPUT_INVALID for values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new AttestError('ERR_INPUT_INVALID', 'canonical JSON: non-finite number');
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
      throw new AttestError('ERR_INPUT_INVALID', `canonical JSON: cannot encode a ${typeof value}`);
  }
}
