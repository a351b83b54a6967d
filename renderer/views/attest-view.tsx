// @jsxRuntime automatic
/** Attest: the live stepper of the current run, the first-contact host-key prompt, cancel and the outcome. */
import { useStore } from 'zustand';
import { Dialog } from '../components/dialog.js';
import { EmptyState } from '../components/empty-state.js';
import { HashText } from '../components/hash-text.js';
import { OutcomeBadge } from '../components/status-badge.js';
import { Stepper } from '../components/stepper.js';
import { useStores } from '../state/stores.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

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
          <p>Choose a guest on the Guests screen and press Attest, or select several to attest them as a batch.</p>
        </EmptyState>
      </section>
    );
  }
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
          <button type="button" onClick={() => stores.ui.getState().navigate({ name: 'guests' })}>
            Back to guests
          </button>
        </div>
      </header>
      <p role="status" aria-live="polite" data-run-status={run.status}>
        {run.status === 'running' ? `Running… ${run.done} of ${run.total} done` : null}
        {run.status === 'finished' ? `Finished: ${run.done} of ${run.total}` : null}
        {run.status === 'cancelled' ? 'Cancelled.' : null}
        {run.status === 'error' ? run.error?.text : null}
      </p>
      {run.guestIds.map((id) => {
        const g = run.guests[id]!;
        const o = g.outcome;
        return (
          <section key={id} className="card run-card" aria-label={`Run of ${nameOf(id)}`} data-guest={nameOf(id)}>
            <h2>
              {nameOf(id)} {o ? <OutcomeBadge outcome={o.outcome} /> : null}
            </h2>
            <Stepper steps={g.steps} label={`Steps for ${nameOf(id)}`} />
            {o && !isVerifiedOutcome(o.outcome) ? (
              <p className="error-box" role="alert" data-reason-code={o.reasonCode}>
                {o.reasonText}
                {o.reasonDetail ? <span className="reason-detail">{o.reasonDetail}</span> : null}
              </p>
            ) : null}
            {o?.attestationId ? (
              <button
                type="button"
                className="link"
                onClick={() =>
                  stores.ui.getState().navigate({ name: 'attestation', attestationId: o.attestationId!, guestId: id })
                }
              >
                Open report
              </button>
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
