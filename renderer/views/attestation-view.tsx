// @jsxRuntime automatic
/**
 * One attestation's report: the outcome once (what happened in plain words, the next step, the code), expected
 * beside seen for every policy check, the facts, the steps (steps never reached are "Skipped"), the HKDs by
 * host name with their full names on demand, and the HKD checks. One time format throughout.
 */
import { Fragment, useEffect } from 'react';
import { useStore } from 'zustand';
import type { AttestationDetail } from '../../shared/types/ui.js';
import type { PolicyCheckResult } from '../../shared/types/verdict.js';
import { DistinguishedName, TextWithNames } from '../components/dn.js';
import { formatDateTime, itemName, formatDuration, formatTimesIn, shortDn, shortenHex } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { outcomeLabel, outcomeOf } from '../components/outcome.js';
import { describeStepState, OutcomeBadge } from '../components/status-badge.js';
import { STEP_TITLES } from '../components/stepper.js';
import { codeText, describeCode, plainMessage } from '../state/errors.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

const CHECK_TITLES: Record<PolicyCheckResult['check'], string> = {
  'host-key': 'HKDs used',
  'add-data': 'Required additional data',
  'image-phkh': 'Image PHKH',
  'attestation-phkh': 'Attestation PHKH',
  'user-data': 'User data',
};

function Value({ value, label }: { value: string | null; label: string }) {
  if (value === null || value === '') return <span className="hint">absent</span>;
  if (/^[0-9a-f]{21,}$/i.test(value)) return <HashText value={value} label={label} short />;
  return <span className="mono wrap">{value}</span>;
}

/** `Image PHKH` → `image PHKH` (acronyms kept), for accessible names inside sentences. */
function lowerFirst(title: string): string {
  return /^[A-Z]{2}/.test(title) ? title : title.charAt(0).toLowerCase() + title.slice(1);
}

/** The outcome banner: said once. */
function OutcomeBox({ report }: { report: AttestationDetail }) {
  const outcome = outcomeOf(report);
  if (isVerifiedOutcome(outcome)) {
    return (
      <p role="status" className="ok-box" data-outcome="verified">
        Verified: the guest answered with the expected measurement and every policy check passed.
      </p>
    );
  }
  const words = codeText(report.reasonCode);
  const reported = report.reason ? formatTimesIn(plainMessage(report.reason)) : undefined;
  const title = words?.text ?? reported ?? outcomeLabel(outcome);
  return (
    <div role="status" className="error-box outcome-box" data-reason-code={report.reasonCode} data-outcome={outcome}>
      <p className="outcome-title">
        {title.toLowerCase().startsWith(outcomeLabel(outcome).toLowerCase()) ? (
          title
        ) : (
          <>
            <strong>{outcomeLabel(outcome)}:</strong> {title}
          </>
        )}
      </p>
      {reported && reported !== title && !report.policyChecks.some((c) => !c.passed && c.message === report.reason) ? (
        <p className="reason-detail">Reported: {reported}</p>
      ) : null}
      {words?.next ? <p>Next step: {words.next}</p> : null}
      {report.reasonCode ? (
        <p className="hint">
          Code <code className="code">{report.reasonCode}</code>
        </p>
      ) : null}
    </div>
  );
}

/** The report screen. */
export function AttestationView({ attestationId }: { attestationId: string }) {
  const stores = useStores();
  const report = useStore(stores.history, (s) => s.report);
  const reportError = useStore(stores.history, (s) => s.reportError);
  const reportExport = useStore(stores.history, (s) => s.reportExport);
  useEffect(() => {
    void stores.history.getState().openReport(attestationId);
  }, [stores, attestationId]);
  if (reportError)
    return (
      <p role="alert" className="error-box">
        {reportError} <a href={hrefOf({ name: 'guests' })}>Back to the guests</a>
      </p>
    );
  if (!report || report.id !== attestationId) return <p aria-busy="true">Loading report…</p>;
  const outcome = outcomeOf(report);
  const checks = report.policyChecks;
  const failedChecks = checks.filter((c) => !c.passed);
  return (
    <section className="screen" aria-labelledby="report-title">
      <header className="screen-header">
        <h1 id="report-title">
          Attestation of {report.guestName} <OutcomeBadge outcome={outcome} />
        </h1>
        <div className="toolbar">
          <button type="button" onClick={() => void stores.history.getState().exportReport(report.id, 'pdf')}>
            Export report
          </button>
          <a className="button" href={hrefOf({ name: 'guest', guestId: report.guestId })}>
            Guest {report.guestName}
          </a>
        </div>
      </header>
      {reportExport ? (
        <p role="status" className={'error' in reportExport ? 'error-box' : 'note'}>
          {'error' in reportExport ? reportExport.error : `Report saved to ${reportExport.path}`}
        </p>
      ) : null}
      <OutcomeBox report={report} />
      {checks.length > 0 ? (
        <section aria-labelledby="checks-h">
          <h2 id="checks-h">Policy checks</h2>
          <table className="table" aria-label="Policy checks: expected and seen">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Expected</th>
                <th scope="col">Seen</th>
              </tr>
            </thead>
            <tbody>
              {checks.map((c) => (
                <tr key={c.check} data-check={c.check} data-passed={c.passed}>
                  <td>
                    {CHECK_TITLES[c.check]}
                    <div className="hint">{c.message}</div>
                  </td>
                  <td>{c.passed ? 'Passed' : <span className="error-text">Failed ({c.code})</span>}</td>
                  <td>
                    <Value value={c.expected} label={`expected ${CHECK_TITLES[c.check]}`} />
                  </td>
                  <td>
                    <Value value={c.seen} label={`seen ${CHECK_TITLES[c.check]}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {failedChecks.length === 0 ? <p className="hint">Every policy check passed.</p> : null}
        </section>
      ) : null}
      <dl className="card facts">
        <dt>Started</dt>
        <dd>{formatDateTime(report.startedAt)}</dd>
        <dt>Duration</dt>
        <dd className="mono">{formatDuration(report.durationMs)}</dd>
        {(
          [
            ['CUID', report.cuidHex, false],
            ['Measurement', report.measurementHex, true],
            ['Image PHKH', report.imagePhkhHex, true],
            ['Attestation PHKH', report.attestationPhkhHex, true],
            ['User data', report.userDataHex, true],
            ['Host key', report.hostKeyFingerprint, true],
            ['Request SHA-256', report.requestSha256Hex, true],
            ['Response SHA-256', report.responseSha256Hex, true],
          ] as const
        ).map(([title, value, short]) => (
          <Fragment key={title}>
            <dt>{title}</dt>
            <dd>
              {value ? (
                <HashText value={value} label={lowerFirst(title)} short={short} />
              ) : title === 'User data' ? (
                'none'
              ) : (
                '\u2014'
              )}
            </dd>
          </Fragment>
        ))}
      </dl>
      <section aria-labelledby="steps-h">
        <h2 id="steps-h">Steps</h2>
        <ol className="plain report-steps">
          {report.steps.map((s) => (
            <li key={s.step} data-step={s.step} data-state={s.state}>
              {STEP_TITLES[s.step]}: {describeStepState(s.state, true)}
              {s.durationMs !== undefined ? <span className="mono"> ({formatDuration(s.durationMs)})</span> : null}
              {s.message && s.message !== report.reason ? (
                <span className="reason"> — {formatTimesIn(plainMessage(s.message))}</span>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
      {report.hkds && report.hkds.length > 0 ? (
        <section aria-labelledby="hkds-h">
          <h2 id="hkds-h">Host-key documents</h2>
          <table className="table" aria-label="Host-key documents of the request">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Serial</th>
                <th scope="col">Valid until</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {report.hkds.map((h, i) => (
                <tr key={i}>
                  <td>
                    <DistinguishedName dn={h.subject} />
                  </td>
                  <td className="mono">{h.serialHex ? shortenHex(h.serialHex) : '\u2014'}</td>
                  <td>{formatDateTime(h.notAfter)}</td>
                  <td>
                    {h.verified ? (
                      'Verified'
                    ) : (
                      <span className="error-text">{describeCode(h.code, h.reason, { item: shortDn(h.subject) })}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section aria-labelledby="hkd-h">
        <h2 id="hkd-h">HKD verification</h2>
        {report.hkdSteps.length === 0 ? (
          <p className="hint">No HKD verification recorded.</p>
        ) : (
          <table className="table" aria-label="HKD verification steps">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {report.hkdSteps.map((s, i) => {
                const item = itemName(s.hkdSubject);
                return (
                  <tr key={i} data-ok={s.ok}>
                    <td title={s.hkdSubject}>{item}</td>
                    <td>{s.check}</td>
                    <td>{s.ok ? 'Passed' : <span className="error-text">Failed</span>}</td>
                    <td>
                      <TextWithNames
                        text={
                          s.ok
                            ? formatTimesIn(plainMessage(s.detail ?? ''))
                            : describeCode(s.code, formatTimesIn(s.detail ?? ''), { item })
                        }
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
