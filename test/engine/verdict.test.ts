// The one verdict model (issue 11): judgeAttestation decides every outcome; only `verified` counts as verified.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addDataNeededBy,
  evaluatePolicy,
  judgeAttestation,
  outcomeOfFailure,
} from '../../main/engine/attest/verdict.js';
import type { SeenValues } from '../../main/engine/attest/verdict.js';
import {
  countOutcomes,
  countsForStatus,
  isVerifiedOutcome,
  OUTCOMES,
  POLICY_CHECKS,
  POLICY_CHECK_CODES,
} from '../../shared/types/verdict.js';

const IMG = 'aa'.repeat(32);
const ATT = 'bb'.repeat(32);
const HKD = 'cc'.repeat(32);
const seen: SeenValues = {
  userData: 'cafe',
  additionalData: { imagePhkh: IMG, attestationPhkh: ATT },
  hkdSha256: [HKD],
};
const policy = {
  hkdSha256: [HKD],
  expectedImagePhkh: IMG.toUpperCase(),
  expectedAttestationPhkh: ATT,
  expectedUserData: 'CAFE',
  requiredAddData: ['phkh-img' as const, 'phkh-att' as const],
};

describe('judgeAttestation (issue 11)', () => {
  test('verified only when the measurement verified and every policy check passed', () => {
    const v = judgeAttestation({ kind: 'measured', measurementVerified: true, policy, seen });
    assert.equal(v.outcome, 'verified');
    assert.equal(v.code, null);
    assert.deepEqual(
      v.checks.map((c) => [c.check, c.passed]),
      POLICY_CHECKS.map((c) => [c, true]),
    );
  });

  test('a failed policy check is a policy violation naming the check, with expected beside seen', () => {
    const other = 'dd'.repeat(32);
    const v = judgeAttestation({
      kind: 'measured',
      measurementVerified: true,
      policy,
      seen: { ...seen, additionalData: { imagePhkh: other, attestationPhkh: ATT } },
    });
    assert.equal(v.outcome, 'policy-violation');
    assert.equal(v.code, 'ERR_POLICY_IMAGE_PHKH');
    const failed = v.checks.filter((c) => !c.passed);
    assert.deepEqual(failed, [
      {
        check: 'image-phkh',
        passed: false,
        code: 'ERR_POLICY_IMAGE_PHKH',
        expected: IMG,
        seen: other,
        message: 'the image PHKH differs from the expected one',
      },
    ]);
  });

  test('each check fails on its own input, with its own code; the first failure names the verdict', () => {
    const cases: [Partial<SeenValues>, string][] = [
      [{ hkdSha256: ['ee'.repeat(32)] }, POLICY_CHECK_CODES['host-key']],
      [{ additionalData: { imagePhkh: IMG } }, POLICY_CHECK_CODES['add-data']],
      [{ additionalData: { imagePhkh: IMG, attestationPhkh: IMG } }, POLICY_CHECK_CODES['attestation-phkh']],
      [{ userData: 'cafd' }, POLICY_CHECK_CODES['user-data']],
      [{ userData: null }, POLICY_CHECK_CODES['user-data']],
    ];
    for (const [patch, code] of cases) {
      const v = judgeAttestation({ kind: 'measured', measurementVerified: true, policy, seen: { ...seen, ...patch } });
      assert.equal(v.outcome, 'policy-violation', code);
      assert.equal(v.code, code);
    }
  });

  test('a measurement that does not verify is a mismatch, whatever the policy says', () => {
    const v = judgeAttestation({ kind: 'measured', measurementVerified: false, policy, seen });
    assert.equal(v.outcome, 'mismatch');
    assert.deepEqual(v.checks, []);
  });

  test('no policy recorded: the measurement alone decides', () => {
    assert.equal(judgeAttestation({ kind: 'measured', measurementVerified: true, seen: {} }).outcome, 'verified');
    assert.equal(
      judgeAttestation({ kind: 'measured', measurementVerified: true, policy: null, seen }).outcome,
      'verified',
    );
  });

  test('a violation recorded without its policy (before schema 6) stays a violation; a recorded policy decides', () => {
    const recordedViolation = { code: 'ERR_POLICY_IMAGE_PHKH', message: 'image PHKH differs from the expected one' };
    const old = judgeAttestation({
      kind: 'measured',
      measurementVerified: true,
      policy: null,
      seen,
      recordedViolation,
    });
    assert.deepEqual(old, {
      outcome: 'policy-violation',
      code: 'ERR_POLICY_IMAGE_PHKH',
      reason: 'image PHKH differs from the expected one',
      checks: [],
    });
    const judged = judgeAttestation({ kind: 'measured', measurementVerified: true, policy, seen, recordedViolation });
    assert.equal(judged.outcome, 'verified');
    const mismatch = judgeAttestation({ kind: 'measured', measurementVerified: false, seen, recordedViolation });
    assert.equal(mismatch.outcome, 'mismatch');
  });

  test('failures: cancelling codes give cancelled, every other code gives error; a dead process is interrupted', () => {
    for (const code of ['ERR_APP_CANCELLED', 'ERR_APP_HOSTKEY_REJECTED', 'ERR_TRANSPORT_CANCELLED']) {
      assert.equal(judgeAttestation({ kind: 'failed', code }).outcome, 'cancelled');
      assert.equal(outcomeOfFailure(code), 'cancelled');
    }
    for (const code of ['ERR_TRANSPORT_CONNECT_FAILED', 'ERR_UV_RC', 'ERR_TRANSPORT_HOST_KEY_CHANGED', null]) {
      const v = judgeAttestation({ kind: 'failed', code, message: 'boom' });
      assert.equal(v.outcome, 'error');
      assert.equal(v.code, code);
      assert.equal(v.reason, 'boom');
    }
    assert.equal(judgeAttestation({ kind: 'interrupted' }).outcome, 'interrupted');
  });

  test('evaluatePolicy evaluates only what the policy asks for', () => {
    assert.deepEqual(evaluatePolicy({}, seen), []);
    assert.deepEqual(evaluatePolicy({}, {}), []);
    // hashes compare case-insensitively
    assert.deepEqual(
      evaluatePolicy({ hkdSha256: ['AA'.repeat(32)] }, { hkdSha256: ['aa'.repeat(32)] }).map((c) => c.passed),
      [true],
    );
    assert.deepEqual(
      evaluatePolicy({ expectedUserData: '' }, { userData: null }).map((c) => c.passed),
      [true],
    );
  });
});

describe('addDataNeededBy', () => {
  test('the required kinds, plus the PHKHs an expected value is read from, in the kinds order', () => {
    assert.deepEqual(addDataNeededBy({}), []);
    assert.deepEqual(addDataNeededBy({ expectedImagePhkh: IMG }), ['phkh-img']);
    assert.deepEqual(
      addDataNeededBy({ expectedAttestationPhkh: ATT, requiredAddData: ['firmware-state', 'phkh-img'] }),
      ['phkh-img', 'phkh-att', 'firmware-state'],
    );
  });
});

describe('outcome helpers', () => {
  test('only verified counts as verified', () => {
    assert.deepEqual(
      OUTCOMES.filter((o) => isVerifiedOutcome(o)),
      ['verified'],
    );
  });
  test('cancelled and interrupted runs never change a guest status', () => {
    assert.deepEqual(
      OUTCOMES.filter((o) => !countsForStatus(o)),
      ['cancelled', 'interrupted'],
    );
  });
  test('counts per outcome', () => {
    const c = countOutcomes(['verified', 'mismatch', 'verified', 'policy-violation']);
    assert.deepEqual(c, { verified: 2, 'policy-violation': 1, mismatch: 1, error: 0, cancelled: 0, interrupted: 0 });
  });
});
