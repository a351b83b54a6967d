// @jsxRuntime automatic
/** Coloured, labelled badges for guest status, outcomes and health (text, not colour alone, carries meaning). */
import type { AttestationOutcome, GuestStatus, Health, StepState } from '../../shared/types/ui.js';
import { OUTCOME_LABELS } from '../../shared/types/verdict.js';

const STATUS_TEXT: Record<GuestStatus, string> = {
  verified: 'Verified',
  stale: 'Stale',
  failing: 'Failing',
  never: 'Never attested',
};
/** Text of an outcome: the shared label, capitalised ("Policy violation"); a run in progress is "Running". */
export function describeOutcome(outcome: AttestationOutcome): string {
  const label = outcome === 'pending' ? 'running' : OUTCOME_LABELS[outcome];
  return label.charAt(0).toUpperCase() + label.slice(1);
}
/** Badge colour of an outcome: only verified is green; runs that judged nothing are neutral. */
const OUTCOME_CLASS: Record<AttestationOutcome, 'verified' | 'stale' | 'failing'> = {
  verified: 'verified',
  'policy-violation': 'failing',
  mismatch: 'failing',
  error: 'failing',
  cancelled: 'stale',
  interrupted: 'stale',
  pending: 'stale',
};
const HEALTH_TEXT: Record<Health, string> = { ok: 'OK', warning: 'Expiring', error: 'Problem', unknown: 'None' };

/** Badge of a guest status. */
export function StatusBadge({ status }: { status: GuestStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {STATUS_TEXT[status]}
    </span>
  );
}

/** Badge of an attestation outcome. */
export function OutcomeBadge({ outcome }: { outcome: AttestationOutcome }) {
  return (
    <span className={`badge badge-${OUTCOME_CLASS[outcome]}`} data-outcome={outcome}>
      {describeOutcome(outcome)}
    </span>
  );
}

/** Badge of trust health. */
export function HealthBadge({ health, label }: { health: Health; label: string }) {
  return (
    <span className={`badge badge-health-${health}`} title={`${label}: ${HEALTH_TEXT[health]}`}>
      {HEALTH_TEXT[health]}
    </span>
  );
}

/** Text of a step state. */
export function describeStepState(state: StepState): string {
  return { pending: 'Waiting', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[state];
}
