/**
 * JSON from an evidence bundle, bounded: the bytes are scanned once for nesting depth before `JSON.parse`
 * sees them, so a 100,000-deep array never reaches a recursive consumer (canonical JSON, schema validation)
 * and fails as a coded result instead of a stack overflow. Sizes are bounded by the reader (zip.ts) before.
 */

/** Deepest nesting any bundle file uses is < 10; audit `data` objects are small. */
export const MAX_JSON_DEPTH = 64;

/** A parse result: the value, or why the bytes are not acceptable JSON. */
export type BoundedJson = { ok: true; value: unknown } | { ok: false; reason: string };

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of `bytes` outside strings, stopping early once `limit` is exceeded. */
export function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return max;
}

/** Parses UTF-8 JSON whose nesting is at most `maxDepth`. */
export function parseBoundedJson(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): BoundedJson {
  if (jsonDepth(bytes, maxDepth) > maxDepth) return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) };
  } catch (e) {
    return { ok: false, reason: `not JSON (${(e as Error).message.slice(0, 120)})` };
  }
}
