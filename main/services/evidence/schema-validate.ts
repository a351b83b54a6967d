/**
 * Schema validation of a bundle's JSON files with ajv (draft 2020-12), each validator compiled once per
 * process. Violations are reported with the JSON path of the offending value (`$.attestations[3].startedAt`).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { canonicalJson } from '../../../shared/canonical-json.js';
import {
  AUDIT_LOG_JSON_SCHEMA,
  ENVELOPE_JSON_SCHEMA,
  EVIDENCE_JSON_SCHEMA,
  STATEMENT_JSON_SCHEMA,
  VERIFICATION_JSON_SCHEMA,
} from './schema.js';

/** The bundle files that have a schema. */
export type BundleSchemaName = 'evidence' | 'envelope' | 'statement' | 'audit-log' | 'verification';

const SCHEMAS: Record<BundleSchemaName, object> = {
  evidence: EVIDENCE_JSON_SCHEMA,
  envelope: ENVELOPE_JSON_SCHEMA,
  statement: STATEMENT_JSON_SCHEMA,
  'audit-log': AUDIT_LOG_JSON_SCHEMA,
  verification: VERIFICATION_JSON_SCHEMA,
};

/** RFC 3339 date-time (what `Date.prototype.toISOString` writes, offsets allowed) that is a real date. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

let ajv: Ajv2020 | undefined;
const compiled = new Map<BundleSchemaName, ValidateFunction>();

function validator(name: BundleSchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    ajv ??= new Ajv2020({
      allErrors: true,
      strict: false,
      formats: {
        'date-time': { type: 'string', validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) },
      },
    });
    v = ajv.compile(SCHEMAS[name]);
    compiled.set(name, v);
  }
  return v;
}

/** One schema violation. */
export interface SchemaViolation {
  /** JSON path of the offending value (`$` = the document). */
  readonly path: string;
  readonly message: string;
}

/** A JSON Pointer (`/attestations/0/startedAt`) as a JSON path (`$.attestations[0].startedAt`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '$';
  return `$${pointer
    .split('/')
    .slice(1)
    .map((raw) => {
      const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      return /^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$-]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
    })
    .join('')}`;
}

/** Validates `value` against the named schema; an empty list means valid. At most `max` violations are listed. */
export function validateBundleJson(name: BundleSchemaName, value: unknown, max = 1000): SchemaViolation[] {
  const v = validator(name);
  if (v(value)) return [];
  return (v.errors ?? []).slice(0, max).map((e) => {
    const extra =
      e.keyword === 'required'
        ? ` (${String((e.params as { missingProperty?: string }).missingProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return { path: pointerToPath(e.instancePath), message: `${e.message ?? 'invalid'}${extra}` };
  });
}

/** True when `schema` (parsed) is exactly the evidence.json schema this verifier ships (canonical JSON). */
export function isKnownEvidenceSchema(schema: unknown): boolean {
  try {
    return canonicalJson(schema) === canonicalJson(EVIDENCE_JSON_SCHEMA);
  } catch {
    return false;
  }
}
