// @jsxRuntime automatic
/**
 * Attest: the live stepper of the current run, the first-contact host-key prompt, cancel, the outcome, and
 * "Try again" (one click) after a refused host key, a cancellation or a failure.
 */
import { useStore } from 'zustand';
import { Dialog } from '../components/dialog.js';
import { EmptyState } from '../components/empty-state.js';
import { HashText } from '../components/hash-text.js';
import { outcomeOf } from '../components/outcome.js';
import { OutcomeBadge } from '../components/status-badge.js';
import { Stepper } from '../components/stepper.js';
import type { GuestRunView } from '../state/attest-store.js';
import { codeText, plainMessage } from '../state/errors.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { ATTEST_STEPS } from '../../shared/types/ui.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

/** The steps of a run with their messages in plain words (no command-line flags), as the stepper shows them. */
function plainSteps(steps: GuestRunView['steps']): GuestRunView['steps'] {
  const out = { ...steps };
  for (const id of ATTEST_STEPS) {
    const message = steps[id].message;
    if (message) out[id] = { ...steps[id], message: plainMessage(message) };
  }
  return out;
}

/** The attest screen. */
export function AttestView() {
  const stores = useStores();
  const run = useStore(stores.attest, (s) => s.current);
  const prompt = useStore(stores.attest, (s) => s.prompt);
  const guests = useStore(stores.guests, (s) => s.guests);
  const nameOf = (id: string): string => guests.find((g) => g.id === id)?.name ?? id;

  if (!run) {
    return (
      <section className="screen" aria-labelledby="attest-title">
        <h1 id="attest-title">Attest</h1>
        <EmptyState title="Nothing running">
          <p>
            Choose a guest on the <a href={hrefOf({ name: 'guests' })}>Guests</a> screen and press Attest, or select
            several to attest them as a batch.
          </p>
        </EmptyState>
      </section>
    );
  }
  const over = run.status !== 'running';
  const failedIds = run.guestIds.filter((id) => {
    const o = run.guests[id]?.outcome;
    return !o || !isVerifiedOutcome(outcomeOf(o));
  });
  const runError = run.error ? codeText(run.error.code) : undefined;
  return (
    <section className="screen" aria-labelledby="attest-title">
      <header className="screen-header">
        <h1 id="attest-title">
          {run.kind === 'fleet' ? `Attesting ${run.total} guests` : `Attesting ${nameOf(run.guestIds[0]!)}`}
        </h1>
        <div className="toolbar">
          {run.status === 'running' ? (
            <button type="button" className="danger" onClick={() => void stores.attest.getState().cancel()}>
              Cancel
            </button>
          ) : null}
          {over && failedIds.length > 0 ? (
            <button type="button" className="primary" onClick={() => void stores.attest.getState().retry(failedIds)}>
              Try again{run.kind === 'fleet' ? ` (${failedIds.length})` : ''}
            </button>
          ) : null}
          <a className="button" href={hrefOf({ name: 'guests' })}>
            Back to guests
          </a>
        </div>
      </header>
      <div role="status" aria-live="polite" data-run-status={run.status} className="run-status">
        {run.status === 'running' ? `Running… ${run.done} of ${run.total} done` : null}
        {run.status === 'finished' ? `Finished: ${run.done} of ${run.total}` : null}
        {run.status === 'cancelled' ? 'Cancelled: steps not reached were skipped.' : null}
        {run.status === 'error' ? (
          <div className="error-box" data-error-code={run.error?.code}>
            <p>{run.error?.text}</p>
            {runError?.next ? <p>Next step: {runError.next}</p> : null}
          </div>
        ) : null}
      </div>
      {run.guestIds.map((id) => {
        const g = run.guests[id]!;
        const o = g.outcome;
        const outcome = o ? outcomeOf(o) : undefined;
        return (
          <section key={id} className="card run-card" aria-label={`Run of ${nameOf(id)}`} data-guest={nameOf(id)}>
            <h2>
              <a href={hrefOf({ name: 'guest', guestId: id })}>{nameOf(id)}</a>{' '}
              {outcome ? <OutcomeBadge outcome={outcome} /> : null}
            </h2>
            <Stepper steps={plainSteps(g.steps)} label={`Steps for ${nameOf(id)}`} over={over || o !== undefined} />
            {o && !isVerifiedOutcome(outcome) ? (
              <div className="error-box" role="alert" data-reason-code={o.reasonCode}>
                <p>{o.reasonText}</p>
                {o.reasonDetail ? <p className="reason-detail">{o.reasonDetail}</p> : null}
                {codeText(o.reasonCode)?.next ? <p>Next step: {codeText(o.reasonCode)!.next}</p> : null}
                {o.reasonCode && o.reasonCode.startsWith('ERR_') ? (
                  <p className="hint">
                    Code <code className="code">{o.reasonCode}</code>
                  </p>
                ) : null}
              </div>
            ) : null}
            {o?.attestationId ? (
              <a href={hrefOf({ name: 'attestation', attestationId: o.attestationId })}>Open report</a>
            ) : null}
          </section>
        );
      })}
      {prompt ? (
        <Dialog title="Trust this host key?" onClose={() => void stores.attest.getState().decide(false)}>
          <p>
            First contact with <span className="mono">{prompt.target}</span>. Compare the fingerprint with the one the
            guest&apos;s administrator gave you before trusting it.
          </p>
          <p>
            {prompt.algorithm} <HashText value={prompt.fingerprintSha256} label="offered host-key fingerprint" />
          </p>
          <div className="actions">
            <button type="button" data-autofocus onClick={() => void stores.attest.getState().decide(false)}>
              Reject
            </button>
            <button type="button" className="primary" onClick={() => void stores.attest.getState().decide(true)}>
              Trust and pin
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
