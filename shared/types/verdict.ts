/**
 * The one verdict model (issue 11): every place that shows or counts the result of an attestation — store,
 * CLI, UI, evidence.json, the PDF and `evidence verify` — uses these outcomes, computed by one function
 * (`judgeAttestation` in main/engine/attest/verdict.ts). Only `verified` ever counts as verified.
 */
export type { AddDataKind, AttestationPolicy } from './policy.js';

/** The outcome of one attestation attempt. */
export const OUTCOMES = ['verified', 'policy-violation', 'mismatch', 'error', 'cancelled', 'interrupted'] as const;

/**
 * - `verified`: the measurement verified AND every policy check passed;
 * - `policy-violation`: the measurement verified, a policy check failed (the checks say which);
 * - `mismatch`: the measurement does not verify;
 * - `error`: no answer that could be judged (transport, Ultravisor, input);
 * - `cancelled`: the user stopped the run, or refused the guest's host key, before anything was judged;
 * - `interrupted`: the process recording it died.
 */
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes where the guest's answer was judged (a measurement was checked). */
export const JUDGED_OUTCOMES = ['verified', 'policy-violation', 'mismatch'] as const satisfies readonly Outcome[];

/**
 * Outcomes that a guest's derived status takes into account: the judged ones and `error` (a guest that could
 * not be proven is not proven). `cancelled` and `interrupted` runs are recorded but never change the status.
 */
export const STATUS_OUTCOMES = [
  'verified',
  'policy-violation',
  'mismatch',
  'error',
] as const satisfies readonly Outcome[];

/** Short human label of each outcome (CLI tables, PDF, UI). */
export const OUTCOME_LABELS: Readonly<Record<Outcome, string>> = {
  verified: 'verified',
  'policy-violation': 'policy violation',
  mismatch: 'measurement mismatch',
  error: 'error',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** True only for `verified`: the single rule for "counts as verified". */
export function isVerifiedOutcome(outcome: unknown): outcome is 'verified' {
  return outcome === 'verified';
}

/** True when the guest's answer was judged (JUDGED_OUTCOMES: a measurement was checked). */
export function isJudgedOutcome(outcome: unknown): outcome is (typeof JUDGED_OUTCOMES)[number] {
  return (JUDGED_OUTCOMES as readonly unknown[]).includes(outcome);
}

/** True when `value` is one of the outcomes. */
export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/** True when a guest's derived status takes `outcome` into account (see STATUS_OUTCOMES). */
export function countsForStatus(outcome: Outcome): boolean {
  return (STATUS_OUTCOMES as readonly string[]).includes(outcome);
}

/** A count per outcome (totals per guest and per period). */
export type OutcomeCounts = Record<Outcome, number>;

/** All-zero counts. */
export function emptyOutcomeCounts(): OutcomeCounts {
  return { verified: 0, 'policy-violation': 0, mismatch: 0, error: 0, cancelled: 0, interrupted: 0 };
}

/** Counts of `outcomes`. */
export function countOutcomes(outcomes: Iterable<Outcome>): OutcomeCounts {
  const counts = emptyOutcomeCounts();
  for (const o of outcomes) counts[o] += 1;
  return counts;
}

/** The policy checks, in the order they are evaluated. */
export const POLICY_CHECKS = ['host-key', 'add-data', 'image-phkh', 'attestation-phkh', 'user-data'] as const;

/** One policy check. */
export type PolicyCheckName = (typeof POLICY_CHECKS)[number];

/** The error code that names a failure of each check. */
export const POLICY_CHECK_CODES = {
  'host-key': 'ERR_POLICY_HOST_KEY',
  'add-data': 'ERR_POLICY_ADD_DATA_MISSING',
  'image-phkh': 'ERR_POLICY_IMAGE_PHKH',
  'attestation-phkh': 'ERR_POLICY_ATTESTATION_PHKH',
  'user-data': 'ERR_POLICY_USER_DATA',
} as const satisfies Record<PolicyCheckName, string>;

/** The result of one policy check: what was expected beside what was seen (hex, or a list). */
export interface PolicyCheckResult {
  check: PolicyCheckName;
  passed: boolean;
  /** ERR_POLICY_* of this check (also set when it passed, to name it). */
  code: (typeof POLICY_CHECK_CODES)[PolicyCheckName];
  /** What the policy expects (hex value, or a comma-separated list of HKD hashes or add-data kinds). */
  expected: string;
  /** What the attestation showed (null: absent). */
  seen: string | null;
  /** One line in plain words. */
  message: string;
}

/** The verdict of one attempt. */
export interface Verdict {
  outcome: Outcome;
  /** The code that explains a non-verified outcome (first failed policy check, ERR_… of the error), else null. */
  code: string | null;
  /** One line in plain words. */
  reason: string;
  /** Every policy check that was evaluated (empty when the measurement did not verify or nothing was judged). */
  checks: PolicyCheckResult[];
}
