/** The one outcome model in the UI (shared/types/verdict.ts): labels, and the outcome a row shows. */
import type { AttestationOutcome } from '../../shared/types/ui.js';
import { OUTCOME_LABELS, type Outcome } from '../../shared/types/verdict.js';

/**
 * The outcome a history row, a guest's last attestation or a fleet result shows. A row still `pending` belongs
 * to a run that has not ended (or whose process died: the next start marks it interrupted): nothing was judged.
 */
export function outcomeOf(row: { outcome: AttestationOutcome }): Outcome {
  return row.outcome === 'pending' ? 'interrupted' : row.outcome;
}

/** The label of an outcome with a capital first letter ("Policy violation"). */
export function outcomeLabel(outcome: Outcome): string {
  const l = OUTCOME_LABELS[outcome];
  return l.charAt(0).toUpperCase() + l.slice(1);
}
