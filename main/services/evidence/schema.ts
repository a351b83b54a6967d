/**
 * The JSON Schema (draft 2020-12) of evidence.json, shipped in every bundle as evidence.schema.json.
 * Human documentation: docs/evidence-schema.md.
 */
import { EVIDENCE_SCHEMA_VERSION } from '../../../shared/types/evidence.js';

const hex = { type: 'string', pattern: '^[0-9a-f]*$' } as const;
const hexOrNull = { anyOf: [hex, { type: 'null' }] } as const;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;

/** The schema object. */
export const EVIDENCE_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://se-attestation-workstation.invalid/evidence/${EVIDENCE_SCHEMA_VERSION}/evidence.schema.json`,
  title: 'SE Attestation Workstation evidence bundle',
  type: 'object',
  required: [
    'schemaVersion',
    'organisation',
    'period',
    'generatedAt',
    'workstationKey',
    'totals',
    'guests',
    'trust',
    'audit',
    'attestations',
  ],
  properties: {
    schemaVersion: { const: EVIDENCE_SCHEMA_VERSION },
    organisation: { type: 'string' },
    period: {
      type: 'object',
      required: ['from', 'to'],
      properties: { from: time, to: time },
      description: 'from inclusive, to exclusive',
    },
    generatedAt: time,
    guestFilter: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    workstationKey: {
      type: 'object',
      required: ['algorithm', 'fingerprint', 'path'],
      properties: {
        algorithm: { const: 'ed25519' },
        fingerprint: {
          type: 'string',
          pattern: '^SHA256:[A-Za-z0-9+/]{43}$',
          description: 'unpadded base64 SHA-256 of the SPKI DER',
        },
        path: { type: 'string' },
      },
    },
    totals: {
      type: 'object',
      required: ['guests', 'attestations', 'verified', 'failed'],
      properties: {
        guests: { type: 'integer' },
        attestations: { type: 'integer' },
        verified: { type: 'integer' },
        failed: { type: 'integer' },
      },
    },
    guests: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'name',
          'attestations',
          'verified',
          'failed',
          'longestGapSeconds',
          'longestGapFrom',
          'longestGapTo',
          'hkdSha256',
        ],
        properties: {
          name: { type: 'string' },
          attestations: { type: 'integer' },
          verified: { type: 'integer' },
          failed: { type: 'integer' },
          longestGapSeconds: {
            type: 'number',
            description: 'longest time without a verified attestation, period edges included',
          },
          longestGapFrom: time,
          longestGapTo: time,
          hkdSha256: { type: 'array', items: sha256 },
        },
      },
    },
    trust: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'sha256', 'role'],
        properties: {
          path: { type: 'string' },
          sha256,
          role: { enum: ['hkd', 'certificate', 'root', 'crl'] },
          subject: strOrNull,
          issuer: strOrNull,
        },
      },
    },
    audit: {
      type: 'object',
      required: ['entries', 'firstSeq', 'lastSeq', 'anchorPrevHash', 'headHash'],
      properties: {
        entries: { type: 'integer' },
        firstSeq: { type: ['integer', 'null'] },
        lastSeq: { type: ['integer', 'null'] },
        anchorPrevHash: { anyOf: [sha256, { type: 'null' }] },
        headHash: { anyOf: [sha256, { type: 'null' }] },
      },
    },
    attestations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'guest', 'status', 'startedAt', 'verdict', 'hkdChain', 'folder', 'files'],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
          guest: { type: 'string' },
          status: {
            enum: ['pending', 'verified', 'mismatch', 'error', 'interrupted'],
            description: 'as recorded at attestation time',
          },
          startedAt: time,
          finishedAt: { anyOf: [time, { type: 'null' }] },
          verdict: {
            enum: ['verified', 'mismatch', 'no-response', 'unreadable'],
            description: 'recomputed from the folder at export',
          },
          verdictCode: strOrNull,
          cuid: hexOrNull,
          userData: hexOrNull,
          measurement: hexOrNull,
          requestPhkhs: { type: 'array', items: sha256 },
          imagePhkh: hexOrNull,
          attestationPhkh: hexOrNull,
          additionalData: hexOrNull,
          errorCode: strOrNull,
          errorMessage: strOrNull,
          hkdSha256: { type: 'array', items: sha256 },
          hkdChain: {
            type: 'object',
            required: ['verdict', 'crlState', 'storedVerdict'],
            properties: {
              verdict: { enum: ['verified', 'failed', 'not-checked'] },
              code: { type: 'string' },
              reason: { type: 'string' },
              crlState: { enum: ['valid', 'revoked', 'missing', 'expired', 'not-yet-valid', 'not-checked'] },
              storedVerdict: { type: ['boolean', 'null'] },
            },
          },
          folder: { type: 'string' },
          files: {
            type: 'array',
            items: { enum: ['request.bin', 'response.bin', 'arpk.key', 'se-header.bin', 'verification.json'] },
          },
        },
      },
    },
  },
} as const;
