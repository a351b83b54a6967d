// @jsxRuntime automatic
/** The attestation stepper: verify HKDs → create → connect → upload → perform → download → verify → record. */
import { ATTEST_STEPS, type AttestStepId, type StepState } from '../../shared/types/ui.js';
import { describeStepState } from './status-badge.js';

/** Names of the steps. */
export const STEP_TITLES: Record<AttestStepId, string> = {
  'verify-hkds': 'Verify HKDs',
  create: 'Create request',
  connect: 'Connect',
  upload: 'Upload',
  perform: 'Perform',
  download: 'Download',
  verify: 'Verify',
  record: 'Record',
};

/** Ordered list of steps with their state and message. */
export function Stepper({
  steps,
  label,
  over = false,
}: {
  /** Each step's state and message (already in plain words: the stepper shows it as given). */
  steps: Record<AttestStepId, { readonly state: StepState; readonly message?: string }>;
  label: string;
  /** The run has ended: steps that never started are shown as skipped. */
  over?: boolean;
}) {
  return (
    <ol className="stepper" aria-label={label}>
      {ATTEST_STEPS.map((id) => {
        const s = steps[id];
        return (
          <li
            key={id}
            className={`step step-${s.state}${over && s.state === 'pending' ? ' step-skipped' : ''}`}
            data-step={id}
            data-state={over && s.state === 'pending' ? 'skipped' : s.state}
            aria-current={s.state === 'running' ? 'step' : undefined}
          >
            <span className="step-dot" aria-hidden="true" />
            <span className="step-title">{STEP_TITLES[id]}</span>
            <span className="step-state">{describeStepState(s.state, over)}</span>
            {s.message ? <span className="step-message">{s.message}</span> : null}
          </li>
        );
      })}
    </ol>
  );
}
