/**
 * The JSON Schema (draft 2020-12) of evidence.json, shipped in every bundle as evidence.schema.json, and the
 * verifier's own schemas of the other JSON files it reads (the DSSE envelope, its in-toto Statement, the
 * audit log, an attestation's verification.json). Human documentation: docs/evidence-schema.md.
 */
import {
  ATTESTATION_FILES,
  EVIDENCE_PREDICATE_TYPE,
  EVIDENCE_SCHEMA_VERSION,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  RELEASE_FILES,
} from '../../../shared/types/evidence.js';
import { ADD_DATA_KINDS } from '../../../shared/types/policy.js';
import { RELEASE_KINDS, RELEASE_RUN_STATUSES, RELEASE_STEPS } from '../../../shared/types/release.js';
import { ASRCB_TAG_SIZE } from '../../engine/formats/asrcb.js';
import { OUTCOMES, POLICY_CHECK_CODES, POLICY_CHECKS } from '../../../shared/types/verdict.js';

const hex = { type: 'string', pattern: '^[0-9a-f]*$' } as const;
const hexOrNull = { anyOf: [hex, { type: 'null' }] } as const;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;
/** A count per outcome (OutcomeCounts). */
const outcomeCounts = {
  type: 'object',
  required: [...OUTCOMES],
  additionalProperties: false,
  properties: Object.fromEntries(OUTCOMES.map((o) => [o, count])),
} as const;
/** The policy recorded with an attestation (AttestationPolicy). */
const policy = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hkdSha256: { type: 'array', items: sha256 },
    expectedImagePhkh: hex,
    expectedAttestationPhkh: hex,
    expectedUserData: hex,
    requiredAddData: { type: 'array', items: { enum: [...ADD_DATA_KINDS] } },
  },
} as const;
/** One policy check with expected vs seen (PolicyCheckResult). */
const policyCheck = {
  type: 'object',
  required: ['check', 'passed', 'code', 'expected', 'seen', 'message'],
  additionalProperties: false,
  properties: {
    check: { enum: [...POLICY_CHECKS] },
    passed: { type: 'boolean' },
    code: { enum: [...new Set(Object.values(POLICY_CHECK_CODES))] },
    expected: { type: 'string' },
    seen: strOrNull,
    message: { type: 'string' },
  },
} as const;

/** One secret release (issue 14; EvidenceReleaseRecord): what was sent and the attestations that gated it, never the value. */
const release = {
  type: 'object',
  required: [
    'id',
    'guest',
    'release',
    'kind',
    'status',
    'failedStep',
    'errorCode',
    'startedAt',
    'finishedAt',
    'cuid',
    'secretName',
    'secretType',
    'secretId',
    'requestSha256',
    'added',
    'locked',
    'priorRequests',
    'bindingSha256',
    'gatingAttestations',
    'folder',
    'files',
  ],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
    guest: { type: 'string' },
    release: { type: 'string', description: 'the name of the configured release' },
    kind: {
      enum: [...RELEASE_KINDS],
      description: 'uv: an Ultravisor secret (pvsecret add); channel: written over the attested SSH channel',
    },
    status: { enum: [...RELEASE_RUN_STATUSES] },
    failedStep: { anyOf: [{ enum: [...RELEASE_STEPS] }, { type: 'null' }] },
    errorCode: strOrNull,
    startedAt: time,
    finishedAt: { anyOf: [time, { type: 'null' }] },
    cuid: {
      ...hexOrNull,
      description: 'the attested instance the release was bound to; recorded only once the gate verified',
    },
    secretName: strOrNull,
    secretType: { type: ['integer', 'null'], minimum: 0 },
    secretId: hexOrNull,
    requestSha256: {
      anyOf: [sha256, { type: 'null' }],
      description: 'SHA-256 of releases/<id>/add-secret-request.bin',
    },
    added: { type: 'boolean' },
    locked: { type: 'boolean' },
    priorRequests: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sha256', 'tag'],
        additionalProperties: false,
        properties: { sha256, tag: { type: 'string', pattern: `^[0-9a-f]{${2 * ASRCB_TAG_SIZE}}$` } },
      },
    },
    bindingSha256: { anyOf: [sha256, { type: 'null' }] },
    gatingAttestations: {
      type: 'array',
      maxItems: 2,
      items: {
        type: 'object',
        required: ['id', 'role', 'outcome'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
          role: { enum: ['gate', 'check'] },
          outcome: { anyOf: [{ enum: [...OUTCOMES] }, { type: 'null' }] },
        },
      },
    },
    folder: strOrNull,
    files: { type: 'array', uniqueItems: true, items: { enum: Object.values(RELEASE_FILES) } },
  },
} as const;

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
    'releases',
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
      required: ['guests', 'attestations', 'outcomes'],
      properties: {
        guests: count,
        attestations: count,
        outcomes: { ...outcomeCounts, description: 'attestations per outcome; only verified counts as verified' },
      },
    },
    guests: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'name',
          'createdAt',
          'attestations',
          'outcomes',
          'longestGapSeconds',
          'longestGapFrom',
          'longestGapTo',
          'hkdSha256',
        ],
        properties: {
          name: { type: 'string' },
          createdAt: { anyOf: [time, { type: 'null' }] },
          attestations: count,
          outcomes: outcomeCounts,
          longestGapSeconds: {
            type: 'number',
            minimum: 0,
            description:
              'longest time without a verified attestation, from the later of the period start and the guest creation',
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
          subjectCn: strOrNull,
          subjectOu: strOrNull,
          serial: strOrNull,
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
    releases: { type: 'array', items: release, description: 'the secret releases of the period, by start time' },
    attestations: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'guest',
          'status',
          'startedAt',
          'finishedAt',
          'outcome',
          'outcomeCode',
          'outcomeReason',
          'policy',
          'policySource',
          'checks',
          'measurementResult',
          'measurementCode',
          'cuid',
          'userData',
          'measurement',
          'requestPhkhs',
          'imagePhkh',
          'attestationPhkh',
          'secretStoreHash',
          'firmwareState',
          'additionalData',
          'errorCode',
          'errorMessage',
          'hkdSha256',
          'hkdChain',
          'folder',
          'files',
        ],
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
          guest: { type: 'string' },
          status: {
            enum: ['pending', ...OUTCOMES],
            description: 'as recorded at attestation time (stores before schema 6: policy violations as mismatch)',
          },
          startedAt: time,
          finishedAt: { anyOf: [time, { type: 'null' }] },
          outcome: {
            enum: [...OUTCOMES],
            description: 'judged from the folder files and the recorded policy (judgeAttestation)',
          },
          outcomeCode: strOrNull,
          outcomeReason: { type: 'string' },
          policy: { anyOf: [policy, { type: 'null' }] },
          policySource: { enum: ['recorded', 'guest-current', 'none'] },
          checks: { type: 'array', items: policyCheck },
          measurementResult: {
            enum: ['verified', 'mismatch', 'no-response', 'unreadable'],
            description: 'the measurement recomputed from the folder at export',
          },
          measurementCode: strOrNull,
          cuid: hexOrNull,
          userData: hexOrNull,
          measurement: hexOrNull,
          requestPhkhs: { type: 'array', items: sha256 },
          imagePhkh: hexOrNull,
          attestationPhkh: hexOrNull,
          secretStoreHash: hexOrNull,
          firmwareState: hexOrNull,
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
          files: { type: 'array', uniqueItems: true, items: { enum: Object.values(ATTESTATION_FILES) } },
        },
      },
    },
  },
} as const;

/** The DSSE envelope of manifest.intoto.json. */
export const ENVELOPE_JSON_SCHEMA = {
  type: 'object',
  required: ['payloadType', 'payload', 'signatures'],
  properties: {
    payloadType: { const: IN_TOTO_PAYLOAD_TYPE },
    payload: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
    signatures: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      items: {
        type: 'object',
        required: ['sig'],
        properties: { keyid: { type: 'string' }, sig: { type: 'string', maxLength: 1024 } },
      },
    },
  },
} as const;

/** The in-toto Statement v1 inside the envelope. */
export const STATEMENT_JSON_SCHEMA = {
  type: 'object',
  required: ['_type', 'subject', 'predicateType', 'predicate'],
  properties: {
    _type: { const: IN_TOTO_STATEMENT_TYPE },
    predicateType: { const: EVIDENCE_PREDICATE_TYPE },
    subject: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'digest'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 1024 },
          digest: { type: 'object', required: ['sha256'], properties: { sha256 } },
          annotations: { type: 'object', properties: { size: count } },
        },
      },
    },
    predicate: {
      type: 'object',
      required: ['workstationKeyFingerprint', 'attestations', 'auditHeadHash'],
      properties: {
        schemaVersion: { type: 'string' },
        workstationKeyFingerprint: { type: 'string' },
        attestations: count,
        guests: count,
        releases: count,
        auditHeadHash: { anyOf: [sha256, { type: 'null' }] },
      },
    },
  },
} as const;

/** audit-log.json. */
export const AUDIT_LOG_JSON_SCHEMA = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['seq', 'at', 'action', 'subjectType', 'subjectId', 'data', 'prevHash', 'hash'],
        properties: {
          seq: { type: 'integer', minimum: 1 },
          at: { type: 'string' },
          action: { type: 'string' },
          subjectType: { type: 'string' },
          subjectId: { type: ['integer', 'null'] },
          data: { type: 'object' },
          prevHash: sha256,
          hash: sha256,
        },
      },
    },
  },
} as const;

/** attestations/<id>/verification.json (the parts the verifier compares). */
export const VERIFICATION_JSON_SCHEMA = {
  type: 'object',
  required: ['attestation'],
  properties: {
    attestation: {
      type: 'object',
      required: ['id', 'outcome'],
      properties: { id: { type: 'string' }, outcome: { enum: [...OUTCOMES] } },
    },
  },
} as const;
