/**
 * Payload validators of every contract channel (zod). Objects are strict: unknown keys are refused, sizes
 * are bounded, so a compromised renderer or a forged web request cannot smuggle in extra fields.
 */
import { z } from 'zod';
import type { Channel, RequestOf } from '../../shared/contract.js';
import { SHA256_FINGERPRINT_PATTERN } from '../../shared/fingerprint.js';
import { ADD_DATA_KINDS } from '../../shared/types/policy.js';
import { RELEASE_KINDS, UV_SECRET_KINDS } from '../../shared/types/release.js';

/** Largest accepted trust-import file (decoded), matching the HKD reader's 1 MiB limit with headroom for CRLs. */
export const MAX_IMPORT_FILE_BYTES = 4 * 1024 * 1024;
/** Most files in one trust import. */
export const MAX_IMPORT_FILES = 64;

const id = z.string().min(1).max(200);
const runId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'runId: 8-64 characters of [A-Za-z0-9_-]');
const base64 = z
  .string()
  .max(Math.ceil(MAX_IMPORT_FILE_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const hex = z
  .string()
  .max(1024)
  .regex(/^(?:[0-9a-fA-F]{2})*$/, 'not hex');
const isoDate = z.iso.datetime({ offset: true });

const sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'not a SHA-256 hex digest');
const sshTarget = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/, 'sshTarget: user@host[:port]');
/** An OpenSSH SHA-256 fingerprint (`SHA256:` + 43 base64 characters), or '' to clear a pin on edit. */
const fingerprint = z.union([z.literal(''), z.string().regex(SHA256_FINGERPRINT_PATTERN, 'not a SHA256: fingerprint')]);

const policy = z.strictObject({
  hkdSha256: z.array(sha256Hex).max(255).optional(),
  expectedImagePhkh: sha256Hex.optional(),
  expectedAttestationPhkh: sha256Hex.optional(),
  expectedUserData: hex.optional(),
  requiredAddData: z.array(z.enum(ADD_DATA_KINDS)).max(ADD_DATA_KINDS.length).optional(),
});

const guestInputShape = {
  name: z.string().trim().min(1).max(100),
  sshTarget,
  identityRef: z.string().min(1).max(4096).optional(),
  seHeaderBase64: base64.optional(),
  policy,
  notes: z.string().max(2000).optional(),
  tags: z.array(z.string().min(1).max(50)).max(20).optional(),
  hostKeyFingerprint: fingerprint.optional(),
  jumpHost: z.union([z.literal(''), sshTarget]).optional(),
};

const releaseName = z.string().trim().min(1).max(128);
const oneLine = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[^\n\r\0]*$/, 'one line');
/** A release as the UI may configure it: a file or keychain source (the desktop has no standard input). */
const valueSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), path: oneLine }),
  z.strictObject({
    kind: z.literal('keychain'),
    service: z.string().min(1).max(256),
    account: z.string().min(1).max(256),
  }),
]);
const releaseInput = z.strictObject({
  name: releaseName,
  kind: z.enum(RELEASE_KINDS),
  source: valueSource,
  cckSource: valueSource.optional(),
  uvKind: z.enum(UV_SECRET_KINDS).optional(),
  secretName: releaseName.optional(),
  useName: z.boolean().optional(),
  disableDump: z.boolean().optional(),
  lock: z.boolean().optional(),
  pvsecretCommand: oneLine.optional(),
  command: oneLine.optional(),
  hostKeyFile: oneLine.optional(),
});

/** One schema per channel; the `satisfies` clause ties each schema to the contract's request type. */
export const REQUEST_SCHEMAS = {
  'app:info': z.strictObject({}),
  'guests:list': z.strictObject({
    search: z.string().max(200).optional(),
    status: z.enum(['verified', 'stale', 'failing', 'never']).optional(),
  }),
  'guests:get': z.strictObject({ id }),
  'guests:add': z.strictObject(guestInputShape),
  'guests:edit': z.strictObject({ id, patch: z.strictObject(guestInputShape).partial() }),
  'guests:remove': z.strictObject({ id }),
  'trust:import': z.strictObject({
    runId,
    files: z
      .array(z.strictObject({ name: z.string().min(1).max(255), contentBase64: base64 }))
      .min(1)
      .max(MAX_IMPORT_FILES),
  }),
  'trust:list': z.strictObject({}),
  'trust:remove': z.strictObject({ id }),
  'attest:run': z.strictObject({ runId, guestId: id }),
  'fleet:attest': z.strictObject({ runId, guestIds: z.array(id).min(1).max(1000) }),
  'release:list': z.strictObject({ guestId: id }),
  'release:configure': z.strictObject({ guestId: id, release: releaseInput }),
  'release:run': z.strictObject({ runId, guestId: id, release: releaseName, force: z.boolean().optional() }),
  'task:cancel': z.strictObject({ runId }),
  'history:list': z.strictObject({
    guestId: id.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    offset: z.number().int().min(0),
    limit: z.number().int().min(1).max(500),
  }),
  'attestation:get': z.strictObject({ id }),
  'evidence:export': z.strictObject({
    runId,
    from: isoDate,
    to: isoDate,
    guestIds: z.array(id).max(1000),
    destination: z.string().min(1).max(4096),
    organisation: z.string().max(200).optional(),
  }),
  'hostkey:decide': z.strictObject({ promptId: id, trust: z.boolean() }),
  'guests:timeline': z.strictObject({
    guestId: id,
    from: isoDate.optional(),
    to: isoDate.optional(),
    maxPoints: z.number().int().min(10).max(5000).optional(),
  }),
  'trust:dependents': z.strictObject({ id }),
  'trust:restore': z.strictObject({ id }),
  'evidence:reveal': z.strictObject({ path: z.string().min(1).max(4096) }),
  'evidence:defaults': z.strictObject({ bundlePath: z.string().min(1).max(4096).optional() }),
  'attestation:export': z.strictObject({
    id,
    format: z.enum(['pdf', 'json']),
    destination: z.string().min(1).max(4096).optional(),
  }),
} satisfies { [C in Channel]: z.ZodType<unknown> };

// Each schema's output must be assignable to the contract request type.
type SchemaOutputs = { [C in Channel]: z.output<(typeof REQUEST_SCHEMAS)[C]> };
type Mismatched = { [C in Channel]: SchemaOutputs[C] extends RequestOf<C> ? never : C }[Channel];
const SCHEMAS_MATCH_CONTRACT: [Mismatched] extends [never] ? true : Mismatched = true;
void SCHEMAS_MATCH_CONTRACT;

/** Validates a payload for `channel`; returns the parsed request or a list of problems. */
export function parseRequest<C extends Channel>(
  channel: C,
  payload: unknown,
): { ok: true; value: RequestOf<C> } | { ok: false; issues: string[] } {
  const parsed = REQUEST_SCHEMAS[channel].safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data as RequestOf<C> };
  return {
    ok: false,
    issues: parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`),
  };
}
