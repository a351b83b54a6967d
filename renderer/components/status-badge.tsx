// @jsxRuntime automatic
/** Coloured, labelled badges for guest status, outcomes and health (text, not colour alone, carries meaning). */
import type { GuestStatus, Health, StepState } from '../../shared/types/ui.js';
import type { Outcome } from '../../shared/types/verdict.js';
import { outcomeLabel } from './outcome.js';

const STATUS_TEXT: Record<GuestStatus, string> = {
  verified: 'Verified',
  stale: 'Stale',
  failing: 'Failing',
  never: 'Never attested',
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

/** Badge of an attestation outcome, one colour per outcome. */
export function OutcomeBadge({ outcome }: { outcome: Outcome }) {
  return (
    <span className={`badge outcome-${outcome}`} data-outcome={outcome}>
      {outcomeLabel(outcome)}
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

/**
 * Text of a step state. Once the run is over, a step that never started was skipped (not "waiting"), and a
 * step stopped by the user was cancelled.
 */
export function describeStepState(state: StepState, runOver = false): string {
  if (state === 'pending') return runOver ? 'Skipped' : 'Waiting';
  return { running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[state];
}
