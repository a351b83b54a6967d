// Issue 11: the CLI's exit code per outcome (0 verified; 2 policy violation or mismatch; 1 error or cancelled)
// and the expected-beside-seen lines of failed policy checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeOf, formatFailedChecks, statusLabel } from '../../main/cli/format/verdict-output.js';
import { judgeAttestation } from '../../main/engine/attest/verdict.js';
import { OUTCOMES } from '../../shared/types/verdict.js';

test('exit codes per outcome', () => {
  assert.deepEqual(Object.fromEntries(OUTCOMES.map((o) => [o, exitCodeOf(o)])), {
    verified: 0,
    'policy-violation': 2,
    mismatch: 2,
    error: 1,
    cancelled: 1,
    interrupted: 1,
  });
});

test('failed checks only, expected beside seen; labels', () => {
  const v = judgeAttestation({
    kind: 'measured',
    measurementVerified: true,
    policy: { expectedUserData: 'cafe', requiredAddData: ['phkh-img'] },
    seen: { userData: 'beef', additionalData: {} },
  });
  assert.equal(
    formatFailedChecks(v),
    '  add-data (ERR_POLICY_ADD_DATA_MISSING): required additional data missing from the response: phkh-img\n' +
      '    expected: phkh-img\n' +
      '    seen:     (absent)\n' +
      '  user-data (ERR_POLICY_USER_DATA): the user data differs from the expected one\n' +
      '    expected: cafe\n' +
      '    seen:     beef\n',
  );
  assert.equal(formatFailedChecks(judgeAttestation({ kind: 'failed', code: 'ERR_UV_RC' })), '');
  assert.equal(statusLabel('policy-violation'), 'policy violation');
  assert.equal(statusLabel('pending'), 'pending');
  assert.equal(statusLabel(null), null);
});
