/**
 * How the CLI shows the one verdict model (shared/types/verdict.ts): an outcome's label, and each failed
 * policy check with what was expected beside what was seen. Exit codes of a recorded attestation: 0 verified,
 * 2 policy violation or measurement mismatch (pvattest's "attestation failed"), 1 error or cancelled.
 */
import type { AttestationStatus } from '../../../shared/types/store.js';
import { OUTCOME_LABELS, type Outcome, type Verdict } from '../../../shared/types/verdict.js';
import { EXIT_ATTESTATION_FAILED, EXIT_ERROR, EXIT_OK } from '../io.js';

/** The label of a status: the outcome's label, or "pending". */
export function statusLabel(status: AttestationStatus | null): string | null {
  if (status === null) return null;
  return status === 'pending' ? 'pending' : OUTCOME_LABELS[status];
}

/** The exit code of an outcome. */
export function exitCodeOf(outcome: Outcome): number {
  switch (outcome) {
    case 'verified':
      return EXIT_OK;
    case 'policy-violation':
    case 'mismatch':
      return EXIT_ATTESTATION_FAILED;
    default:
      return EXIT_ERROR;
  }
}

/** One line per failed policy check, expected beside seen, each line starting with `indent`. */
export function formatFailedChecks(verdict: Verdict | null, indent = '  '): string {
  let out = '';
  for (const c of verdict?.checks ?? []) {
    if (c.passed) continue;
    out += `${indent}${c.check} (${c.code}): ${c.message}\n`;
    out += `${indent}  expected: ${c.expected || '(empty)'}\n`;
    out += `${indent}  seen:     ${c.seen ?? '(absent)'}\n`;
  }
  return out;
}
