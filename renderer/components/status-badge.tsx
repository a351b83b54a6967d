// @jsxRuntime automatic
/** Coloured, labelled badges for guest status, verdicts and health (text, not colour alone, carries meaning). */
import type { AttestationVerdict, GuestStatus, Health, StepState } from '../../shared/types/ui.js';

const STATUS_TEXT: Record<GuestStatus, string> = {
  verified: 'Verified',
  stale: 'Stale',
  failing: 'Failing',
  never: 'Never attested',
};
const VERDICT_TEXT: Record<AttestationVerdict, string> = { verified: 'Verified', failed: 'Failed', error: 'Error' };
const HEALTH_TEXT: Record<Health, string> = { ok: 'OK', warning: 'Expiring', error: 'Problem', unknown: 'None' };

/** Badge of a guest status. */
export function StatusBadge({ status }: { status: GuestStatus }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {STATUS_TEXT[status]}
    </span>
  );
}

/** Badge of an attestation verdict. */
export function VerdictBadge({ verdict }: { verdict: AttestationVerdict }) {
  return (
    <span className={`badge badge-${verdict === 'verified' ? 'verified' : 'failing'}`} data-verdict={verdict}>
      {VERDICT_TEXT[verdict]}
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
