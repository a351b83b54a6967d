// @jsxRuntime automatic
/** One attestation's full report: outcome, policy checks, CUID, measurement, PHKHs, user data, steps and HKD checks. */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { formatDateTime, formatDuration } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { OutcomeBadge, describeStepState } from '../components/status-badge.js';
import { STEP_TITLES } from '../components/stepper.js';
import { describeCode } from '../state/errors.js';
import { useStores } from '../state/stores.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

/** The report screen. */
export function AttestationView({ attestationId, guestId }: { attestationId: string; guestId?: string }) {
  const stores = useStores();
  const report = useStore(stores.history, (s) => s.report);
  const reportError = useStore(stores.history, (s) => s.reportError);
  useEffect(() => {
    void stores.history.getState().openReport(attestationId);
  }, [stores, attestationId]);
  const back = (): void => stores.ui.getState().navigate(guestId ? { name: 'guest', guestId } : { name: 'guests' });
  if (reportError)
    return (
      <p role="alert" className="error-box">
        {reportError}
      </p>
    );
  if (!report || report.id !== attestationId) return <p aria-busy="true">Loading report…</p>;
  return (
    <section className="screen" aria-labelledby="report-title">
      <header className="screen-header">
        <h1 id="report-title">
          Attestation of {report.guestName} <OutcomeBadge outcome={report.outcome} />
        </h1>
        <div className="toolbar">
          <button type="button" onClick={back}>
            Back
          </button>
        </div>
      </header>
      {!isVerifiedOutcome(report.outcome) ? (
        <p role="status" className="error-box" data-reason-code={report.reasonCode}>
          {describeCode(report.reasonCode, report.reason)}
          {report.reason && describeCode(report.reasonCode) !== report.reason ? (
            <span className="reason"> — {report.reason}</span>
          ) : null}
        </p>
      ) : null}
      <dl className="card facts">
        <dt>Started</dt>
        <dd>{formatDateTime(report.startedAt)}</dd>
        <dt>Duration</dt>
        <dd className="mono">{formatDuration(report.durationMs)}</dd>
        <dt>CUID</dt>
        <dd>{report.cuidHex ? <HashText value={report.cuidHex} label="CUID" /> : '\u2014'}</dd>
        <dt>Measurement</dt>
        <dd>
          {report.measurementHex ? <HashText value={report.measurementHex} label="measurement" short /> : '\u2014'}
        </dd>
        <dt>Image PHKH</dt>
        <dd>{report.imagePhkhHex ? <HashText value={report.imagePhkhHex} label="image PHKH" short /> : '\u2014'}</dd>
        <dt>Attestation PHKH</dt>
        <dd>
          {report.attestationPhkhHex ? (
            <HashText value={report.attestationPhkhHex} label="attestation PHKH" short />
          ) : (
            '\u2014'
          )}
        </dd>
        <dt>User data</dt>
        <dd>{report.userDataHex ? <HashText value={report.userDataHex} label="user data" short /> : 'none'}</dd>
        <dt>Host key</dt>
        <dd>
          {report.hostKeyFingerprint ? (
            <HashText value={report.hostKeyFingerprint} label="host-key fingerprint" />
          ) : (
            '\u2014'
          )}
        </dd>
        <dt>Request SHA-256</dt>
        <dd>
          {report.requestSha256Hex ? (
            <HashText value={report.requestSha256Hex} label="request SHA-256" short />
          ) : (
            '\u2014'
          )}
        </dd>
        <dt>Response SHA-256</dt>
        <dd>
          {report.responseSha256Hex ? (
            <HashText value={report.responseSha256Hex} label="response SHA-256" short />
          ) : (
            '\u2014'
          )}
        </dd>
      </dl>
      {report.policyChecks.length > 0 ? (
        <section aria-labelledby="policy-h">
          <h2 id="policy-h">Policy checks</h2>
          <table className="table" aria-label="Policy checks">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Expected</th>
                <th scope="col">Seen</th>
              </tr>
            </thead>
            <tbody>
              {report.policyChecks.map((c) => (
                <tr key={c.check} data-check={c.check} data-passed={c.passed}>
                  <td>{c.message}</td>
                  <td>{c.passed ? 'Passed' : 'Failed'}</td>
                  <td className="mono">{c.expected || '\u2014'}</td>
                  <td className="mono">{c.seen ?? '\u2014'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section aria-labelledby="steps-h">
        <h2 id="steps-h">Steps</h2>
        <ol className="plain">
          {report.steps.map((s) => (
            <li key={s.step} data-state={s.state}>
              {STEP_TITLES[s.step]}: {describeStepState(s.state)}
              {s.durationMs !== undefined ? <span className="mono"> ({formatDuration(s.durationMs)})</span> : null}
              {s.message ? <span className="reason"> — {s.message}</span> : null}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="hkd-h">
        <h2 id="hkd-h">HKD verification</h2>
        {report.hkdSteps.length === 0 ? (
          <p className="hint">No HKD verification recorded.</p>
        ) : (
          <table className="table" aria-label="HKD verification steps">
            <thead>
              <tr>
                <th scope="col">HKD</th>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {report.hkdSteps.map((s, i) => (
                <tr key={i}>
                  <td>{s.hkdSubject}</td>
                  <td>{s.check}</td>
                  <td>{s.ok ? 'Passed' : 'Failed'}</td>
                  <td>{s.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
