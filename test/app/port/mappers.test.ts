/** Store → UI translation of the port adapter: ids, statuses, outcomes, reason codes, recorded steps, HKD steps. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAttestError, AttestError } from '../../../shared/errors/index.js';
import type { AttestationRecord } from '../../../shared/types/store.js';
import {
  parseId,
  reasonCodeOf,
  toAppError,
  toAttestationDetail,
  toAttestationSummary,
  toGuestStatus,
  toHkdSteps,
  toLastAttestation,
  toOutcome,
  toRecordedSteps,
} from '../../../main/app/port/mappers.js';
import { judgeStoredRow } from '../../../main/store/index.js';

/** A record as the store returns it: its verdict recomputed from the same fields by the store's own function. */
function record(p: Partial<AttestationRecord>): AttestationRecord {
  const r: AttestationRecord = {
    id: 7,
    guestId: 3,
    guestName: 'g',
    status: 'verified',
    policy: null,
    verdict: null,
    errorCode: null,
    errorMessage: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.500Z',
    steps: {},
    hkdSha256: [],
    hkdReport: null,
    addData: [],
    cuid: null,
    measurement: null,
    userData: null,
    additionalData: null,
    requestSha256: null,
    requestSize: null,
    responseSha256: null,
    responseSize: null,
    hasArpk: false,
    seHeaderSha256: null,
    hostKeyFingerprint: null,
    contentHash: 'x',
    ...p,
  };
  const verdict = judgeStoredRow({
    status: r.status,
    error_code: r.errorCode,
    error_message: r.errorMessage,
    user_data: r.userData === null ? null : Buffer.from(r.userData, 'hex'),
    additional_data_json: r.additionalData === null ? null : JSON.stringify(r.additionalData),
    hkd_sha256_json: JSON.stringify(r.hkdSha256),
    policy_json: r.policy === null ? null : JSON.stringify(r.policy),
  });
  return { ...r, verdict: 'verdict' in p ? p.verdict! : verdict };
}

const states = (r: AttestationRecord) =>
  toRecordedSteps(r)
    .map((s) => `${s.step}:${s.state}`)
    .join(' ');

describe('port mappers', () => {
  test('ids: positive integers only, else not found', () => {
    assert.equal(parseId('42', 'guest'), 42);
    for (const bad of ['0', '-1', '1.5', 'abc', '', '01', '12345678901234567'])
      assert.throws(
        () => parseId(bad, 'guest'),
        (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'),
        bad,
      );
  });

  test('guest status from store health; a run in progress shows what was known before', () => {
    assert.equal(toGuestStatus({ health: 'ok', lastVerifiedAt: 'x' }), 'verified');
    assert.equal(toGuestStatus({ health: 'stale', lastVerifiedAt: 'x' }), 'stale');
    assert.equal(toGuestStatus({ health: 'failing', lastVerifiedAt: null }), 'failing');
    assert.equal(toGuestStatus({ health: 'never', lastVerifiedAt: null }), 'never');
    assert.equal(toGuestStatus({ health: 'pending', lastVerifiedAt: null }), 'never');
    assert.equal(toGuestStatus({ health: 'pending', lastVerifiedAt: '2026-01-01T00:00:00Z' }), 'stale');
  });

  test('issue 11: outcomes as recorded, with their code and reason; only verified has none', () => {
    const rows = (
      [
        ['verified', null],
        ['policy-violation', 'ERR_POLICY_USER_DATA'],
        ['mismatch', null],
        ['error', null],
        ['error', 'ERR_UV_RC'],
        ['cancelled', 'ERR_APP_CANCELLED'],
        ['interrupted', null],
        ['pending', null],
      ] as const
    ).map(([status, errorCode]) => record({ status, errorCode }));
    assert.deepEqual(
      rows.map((r) => [toOutcome(r), reasonCodeOf(r)]),
      [
        ['verified', undefined],
        ['policy-violation', 'ERR_POLICY_USER_DATA'],
        ['mismatch', 'mismatch'],
        ['error', 'ERR_APP_INTERNAL'],
        ['error', 'ERR_UV_RC'],
        ['cancelled', 'ERR_APP_CANCELLED'],
        ['interrupted', 'interrupted'],
        ['pending', 'pending'],
      ],
    );
    const last = toLastAttestation(
      record({ status: 'cancelled', errorCode: 'ERR_APP_CANCELLED', errorMessage: 'stop' }),
    );
    assert.deepEqual(last, {
      id: '7',
      at: '2026-01-01T00:00:00.000Z',
      outcome: 'cancelled',
      reasonCode: 'ERR_APP_CANCELLED',
      reason: 'stop',
    });
  });

  test('issue 11: the detail shows the recorded policy and each check, expected beside seen', () => {
    const detail = toAttestationDetail(
      record({
        status: 'policy-violation',
        errorCode: 'ERR_POLICY_IMAGE_PHKH',
        policy: { expectedImagePhkh: 'aa'.repeat(32) },
        additionalData: { imagePhkh: 'bb'.repeat(32) },
      }),
      null,
    );
    assert.equal(detail.outcome, 'policy-violation');
    assert.equal(detail.reasonCode, 'ERR_POLICY_IMAGE_PHKH');
    assert.equal(detail.reason, 'the image PHKH differs from the expected one');
    assert.deepEqual(detail.policy, { expectedImagePhkh: 'aa'.repeat(32) });
    assert.deepEqual(
      detail.policyChecks.map((c) => [c.check, c.passed, c.expected, c.seen]),
      [['image-phkh', false, 'aa'.repeat(32), 'bb'.repeat(32)]],
    );
    assert.equal(detail.steps.find((st) => st.state === 'failed')?.step, 'verify');
  });

  test('summary: string ids, duration, reason only when not verified', () => {
    assert.equal(toAttestationSummary(record({})).reason, undefined);
    const s = toAttestationSummary(
      record({
        status: 'mismatch',
        errorMessage: 'measurement does not match',
        cuid: 'ab',
        additionalData: { imagePhkh: 'cd' },
      }),
    );
    assert.deepEqual(s, {
      id: '7',
      guestId: '3',
      guestName: 'g',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 1500,
      outcome: 'mismatch',
      reasonCode: 'mismatch',
      reason: 'the measurement does not match (wrong image, SE header or ARPK, or an altered response)',
      cuidHex: 'ab',
      imagePhkhHex: 'cd',
    });
  });

  test('recorded steps: all done, mismatch fails verify, errors fail the step after the last stamp', () => {
    assert.equal(
      states(record({})),
      'verify-hkds:done create:done connect:done upload:done perform:done download:done verify:done record:done',
    );
    assert.equal(
      states(record({ status: 'mismatch' })),
      'verify-hkds:done create:done connect:done upload:done perform:done download:done verify:failed record:done',
    );
    assert.equal(
      states(record({ status: 'policy-violation', errorCode: 'ERR_POLICY_HOST_KEY' })),
      'verify-hkds:done create:done connect:done upload:done perform:done download:done verify:failed record:done',
    );
    // issue 11: a cancelled run is cancelled where it stopped, not failed; a run in progress is running there
    assert.equal(
      states(
        record({
          status: 'cancelled',
          errorCode: 'ERR_APP_CANCELLED',
          steps: { requestCreated: '2026-01-01T00:00:00.100Z' },
        }),
      ),
      'verify-hkds:done create:done connect:cancelled upload:pending perform:pending download:pending verify:pending record:done',
    );
    assert.equal(
      states(record({ status: 'pending', steps: { requestCreated: '2026-01-01T00:00:00.100Z' } })),
      'verify-hkds:done create:done connect:running upload:pending perform:pending download:pending verify:pending record:pending',
    );
    assert.equal(
      states(
        record({ status: 'error', errorMessage: 'no route', steps: { requestCreated: '2026-01-01T00:00:00.100Z' } }),
      ),
      'verify-hkds:done create:done connect:failed upload:pending perform:pending download:pending verify:pending record:done',
    );
    assert.equal(
      states(record({ status: 'error' })),
      'verify-hkds:failed create:pending connect:pending upload:pending perform:pending download:pending verify:pending record:done',
    );
    assert.equal(
      states(record({ status: 'error', hkdReport: { verified: true } })),
      'verify-hkds:done create:failed connect:pending upload:pending perform:pending download:pending verify:pending record:done',
    );
    assert.equal(
      toRecordedSteps(record({ status: 'error', errorMessage: 'no route' })).find((s) => s.state === 'failed')?.message,
      'no route',
    );
  });

  test('HKD steps: chain checks, then each HKD with its verdict', () => {
    const steps = toHkdSteps({
      verified: false,
      chain: { steps: [{ certificate: 'signing key', check: 'signature', result: 'pass', detail: 'ok' }] },
      hkds: [
        {
          name: 'a.crt',
          verified: false,
          reason: 'revoked',
          facts: { subject: 'CN=A' },
          steps: [{ certificate: 'a.crt', check: 'crl', result: 'fail' }],
        },
      ],
    });
    assert.deepEqual(steps, [
      { hkdSubject: 'signing key', check: 'signature', ok: true, detail: 'ok' },
      { hkdSubject: 'CN=A', check: 'crl', ok: false },
      { hkdSubject: 'CN=A', check: 'verdict', ok: false, detail: 'revoked' },
    ]);
    assert.deepEqual(toHkdSteps(null), []);
  });

  test('store errors with a UI counterpart become app errors', () => {
    assert.ok(isAttestError(toAppError(new AttestError('ERR_STORE_GUEST_EXISTS', 'x')), 'ERR_APP_CONFLICT'));
    assert.ok(isAttestError(toAppError(new AttestError('ERR_STORE_GUEST_NOT_FOUND', 'x')), 'ERR_APP_NOT_FOUND'));
    const other = new AttestError('ERR_STORE_GUEST_INVALID', 'x');
    assert.equal(toAppError(other), other);
  });
});
