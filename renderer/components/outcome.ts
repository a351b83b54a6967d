/**
 * The one outcome model in the UI (shared/types/verdict.ts): labels and the outcome of a row. Until every port
 * field carries an Outcome, a row's outcome is read from its verdict and reason code (a failed verdict with an
 * ERR_POLICY_* code is a policy violation; a cancelling code is cancelled).
 */
import { isOutcome, OUTCOME_LABELS, type Outcome } from '../../shared/types/verdict.js';

/** Codes that mean the run was stopped (by the user, or a refused host key) before anything was judged. */
const CANCELLED_CODES = ['ERR_APP_CANCELLED', 'ERR_APP_HOSTKEY_REJECTED', 'ERR_TRANSPORT_CANCELLED'];

/** What a row needs for its outcome. */
export interface OutcomeSource {
  outcome?: string;
  verdict?: string;
  reasonCode?: string;
}

/** The outcome of a history row, a guest's last attestation or a fleet result. */
export function outcomeOf(row: OutcomeSource): Outcome {
  if (isOutcome(row.outcome)) return row.outcome;
  // A row still `pending` belongs to a run that has not ended: nothing was judged yet.
  if (row.outcome === 'pending') return 'interrupted';
  if (row.verdict === 'failed') return row.reasonCode?.startsWith('ERR_POLICY_') ? 'policy-violation' : 'mismatch';
  if (row.verdict === 'error' || row.verdict === undefined) {
    if (row.reasonCode === 'interrupted') return 'interrupted';
    if (row.reasonCode && CANCELLED_CODES.includes(row.reasonCode)) return 'cancelled';
    return 'error';
  }
  return isOutcome(row.verdict) ? row.verdict : 'error';
}

/** The label of an outcome with a capital first letter ("Policy violation"). */
export function outcomeLabel(outcome: Outcome): string {
  const l = OUTCOME_LABELS[outcome];
  return l.charAt(0).toUpperCase() + l.slice(1);
}
