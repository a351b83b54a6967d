/**
 * A small YAML emitter for pvattest's result documents, matching serde_yaml 0.9's choices for them: block
 * mappings indented by two, indentless sequences, `[]` for an empty sequence, and single quotes around any
 * string that would read back as something other than a string.
 */

const NUMBER_LIKE = [
  /^[-+]?[0-9]+$/,
  /^[-+]?0x[0-9a-fA-F]+$/,
  /^[-+]?0o[0-7]+$/,
  /^[-+]?0b[01]+$/,
  /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(inf|Inf|INF)$/,
  /^\.(nan|NaN|NAN)$/,
];
const RESERVED = new Set(['~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** Whether a plain scalar would be read back as a non-string or break the document. */
export function needsQuotes(value: string): boolean {
  if (value === '') return true;
  if (RESERVED.has(value)) return true;
  if (value.startsWith('0x') && value.length > 2 && value.length <= 34 && /^0x[0-9a-f]+$/.test(value)) return true;
  if (value.startsWith('0x') && /^0x[0-9a-f]+$/.test(value)) return false;
  if (NUMBER_LIKE.some((r) => r.test(value))) return true;
  if (INDICATOR_START.test(value)) return true;
  if (/^\s|\s$/.test(value)) return true;
  if (value.includes(': ') || value.endsWith(':') || value.includes(' #')) return true;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return true;
  return false;
}

/** A YAML scalar for `value`: plain, or single-quoted when needed. */
export function yamlString(value: string): string {
  return needsQuotes(value) ? `'${value.replace(/'/g, "''")}'` : value;
}

/** pvattest's hex rendering: `0x` and lower-case hex (HexSlice `{:#}`). */
export function hexString(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** A YAML value: string, boolean, list of strings or nested mapping. */
export type YamlValue = string | boolean | readonly string[] | YamlMapping;
export type YamlMapping = ReadonlyArray<readonly [string, YamlValue]>;

/** Emits a block mapping. */
export function emitYaml(mapping: YamlMapping, indent = ''): string {
  let out = '';
  for (const [key, value] of mapping) {
    if (typeof value === 'boolean') out += `${indent}${key}: ${value}\n`;
    else if (typeof value === 'string') {
      if (value.includes('\n'))
        out += `${indent}${key}: |-\n${value
          .split('\n')
          .map((l) => `${indent}  ${l}`)
          .join('\n')}\n`;
      else out += `${indent}${key}: ${yamlString(value)}\n`;
    } else if (isStringList(value)) {
      if (value.length === 0) out += `${indent}${key}: []\n`;
      else {
        out += `${indent}${key}:\n`;
        for (const item of value) {
          if (item.includes('\n'))
            out += `${indent}- |-\n${item
              .split('\n')
              .map((l) => `${indent}  ${l}`)
              .join('\n')}\n`;
          else out += `${indent}- ${yamlString(item)}\n`;
        }
      }
    } else if (value.length === 0) out += `${indent}${key}: {}\n`;
    else out += `${indent}${key}:\n${emitYaml(value, `${indent}  `)}`;
  }
  return out;
}

function isStringList(value: readonly string[] | YamlMapping): value is readonly string[] {
  return value.length === 0 || typeof value[0] === 'string';
}
