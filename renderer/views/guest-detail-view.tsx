// @jsxRuntime automatic
/**
 * Guest detail: target, pinned host key, trust material (missing material in red, with a link to Trust), SE
 * header facts, policy, notes; the timeline chart of its attestations (zoom to a period) above the history of
 * that period, which fills the space below.
 */
import { Fragment, useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { ConfirmDialog } from '../components/dialog.js';
import { DistinguishedName } from '../components/dn.js';
import { formatDateTime, shortDn } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { StatusBadge } from '../components/status-badge.js';
import { TimelineChart } from '../components/timeline-chart.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { ADD_DATA_TEXT, GuestForm } from './guest-form.js';
import { TrustCell } from './guests-view.js';
import { HistoryList } from './history-list.js';
import { ReleaseDialog } from './release-dialog.js';

/** The guest detail screen. */
export function GuestDetailView({ guestId }: { guestId: string }) {
  const stores = useStores();
  const detail = useStore(stores.guests, (s) => s.detail);
  const detailError = useStore(stores.guests, (s) => s.detailError);
  const running = useStore(stores.attest, (s) => s.current?.status === 'running');
  const trustItems = useStore(stores.trust, (s) => s.items);
  const timeline = useStore(stores.history, (s) => (s.guestId === guestId ? s.timeline : undefined));
  const period = useStore(stores.history, (s) => s.period);
  const hkds = useMemo(() => trustItems.filter((t) => t.kind === 'hkd'), [trustItems]);
  const [editing, setEditing] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [releasing, setReleasing] = useState(false);
  useEffect(() => {
    void stores.guests.getState().loadDetail(guestId);
    void stores.trust.getState().load();
  }, [stores, guestId]);

  if (detailError)
    return (
      <p role="alert" className="error-box">
        {detailError} <a href={hrefOf({ name: 'guests' })}>Back to the guests</a>
      </p>
    );
  if (!detail || detail.id !== guestId) return <p aria-busy="true">Loading guest…</p>;
  const policy = detail.policy;
  const hkdByHash = new Map(hkds.map((h) => [h.sha256Hex, h]));
  return (
    <section className="screen guest-detail" aria-labelledby="guest-title">
      <header className="screen-header">
        <h1 id="guest-title">
          {detail.name} <StatusBadge status={detail.status} />
        </h1>
        <div className="toolbar">
          <a className="button" href={hrefOf({ name: 'guests' })}>
            All guests
          </a>
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="primary"
            disabled={running}
            onClick={() => {
              stores.ui.getState().navigate({ name: 'attest' });
              void stores.attest.getState().start([detail.id]);
            }}
          >
            Attest now
          </button>
          <button type="button" disabled={running} onClick={() => setReleasing(true)}>
            Release…
          </button>
          <button type="button" className="danger" onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        </div>
      </header>
      <div className="cards">
        <section className="card" aria-labelledby="target-h">
          <h2 id="target-h">Target</h2>
          <dl>
            <dt>SSH target</dt>
            <dd className="mono">{detail.sshTarget}</dd>
            {detail.jumpHost ? (
              <>
                <dt>Jump host</dt>
                <dd className="mono">{detail.jumpHost}</dd>
              </>
            ) : null}
            <dt>Identity</dt>
            <dd className="mono">{detail.identityRef ?? 'SSH agent'}</dd>
            <dt>Pinned host key</dt>
            <dd>
              {detail.pinnedHostKey ? (
                <>
                  {detail.pinnedHostKey.algorithm}{' '}
                  <HashText value={detail.pinnedHostKey.fingerprintSha256} label="host-key fingerprint" short />
                  <span className="hint"> pinned {formatDateTime(detail.pinnedHostKey.pinnedAt)}</span>
                </>
              ) : (
                'Not pinned yet — asked at first contact'
              )}
            </dd>
            <dt>Trust material</dt>
            <dd>
              <TrustCell guest={detail} />
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="policy-h">
          <h2 id="policy-h">Policy</h2>
          <dl>
            <dt>HKDs</dt>
            <dd>
              {policy.hkdSha256?.length ? (
                <ul className="plain-list">
                  {policy.hkdSha256.map((sha) => {
                    const h = hkdByHash.get(sha);
                    return (
                      <li key={sha}>
                        {h ? (
                          <DistinguishedName dn={h.subject} />
                        ) : (
                          <span className="error-text">
                            not imported (<HashText value={sha} label="SHA-256 of the missing HKD" short />)
                          </span>
                        )}
                      </li>
                    );
                  })}
                </ul>
              ) : (
                `every imported HKD (${detail.hostKeyDocuments.length}${
                  detail.hostKeyDocuments.length > 0
                    ? `: ${detail.hostKeyDocuments.map((h) => shortDn(h.subject)).join('; ')}`
                    : ''
                })`
              )}
            </dd>
            <dt>Additional data</dt>
            <dd>
              {policy.requiredAddData?.length
                ? policy.requiredAddData.map((k) => ADD_DATA_TEXT[k].title).join(', ')
                : 'none required'}
            </dd>
            {(
              [
                ['Expected image PHKH', policy.expectedImagePhkh],
                ['Expected attestation PHKH', policy.expectedAttestationPhkh],
                ['Expected user data', policy.expectedUserData],
              ] as const
            ).map(([title, value]) => (
              <Fragment key={title}>
                <dt>{title}</dt>
                <dd>{value ? <HashText value={value} label={`e${title.slice(1)}`} short /> : 'not checked'}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
        <section className="card" aria-labelledby="sehdr-h">
          <h2 id="sehdr-h">SE header</h2>
          {detail.seHeader ? (
            <dl>
              <dt>Size</dt>
              <dd className="mono">{detail.seHeader.sizeBytes} bytes</dd>
              <dt>PLD</dt>
              <dd>
                <HashText value={detail.seHeader.pldHex} label="PLD digest" short />
              </dd>
              <dt>ALD</dt>
              <dd>
                <HashText value={detail.seHeader.aldHex} label="ALD digest" short />
              </dd>
              <dt>TLD</dt>
              <dd>
                <HashText value={detail.seHeader.tldHex} label="TLD digest" short />
              </dd>
              <dt>Key slots</dt>
              <dd>
                {detail.seHeader.keySlotPhkhs.map((p, i) => {
                  const host = hkds.find((h) => h.phkhHex === p);
                  return (
                    <div key={i}>
                      <HashText value={p} label={`PHKH of key slot ${i + 1}`} short />
                      {host ? <span className="hint"> {shortDn(host.subject)}</span> : null}
                    </div>
                  );
                })}
              </dd>
            </dl>
          ) : (
            <p className="error-text">No SE header stored. Edit the guest and choose its SE header or image.</p>
          )}
        </section>
        <section className="card" aria-labelledby="notes-h">
          <h2 id="notes-h">Notes</h2>
          {detail.notes ? <p className="notes">{detail.notes}</p> : <p className="hint">No notes.</p>}
          {detail.tags.length > 0 ? (
            <p>
              {detail.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))}
            </p>
          ) : null}
          <p className="hint">Added {formatDateTime(detail.createdAt)}</p>
        </section>
      </div>
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Attestations over time</h2>
        {timeline ? (
          <TimelineChart
            timeline={timeline}
            zoomed={period !== undefined}
            onZoom={(p) => void stores.history.getState().setPeriod(p)}
            onOpen={(id) => stores.ui.getState().navigate({ name: 'attestation', attestationId: id })}
          />
        ) : (
          <p aria-busy="true" className="hint">
            Loading the timeline…
          </p>
        )}
      </section>
      <section aria-labelledby="history-h" className="history-section">
        <h2 id="history-h">
          History
          {period ? (
            <span className="hint">
              {' '}
              {formatDateTime(period.from)} to {formatDateTime(period.to)}
            </span>
          ) : null}
        </h2>
        <HistoryList guestId={detail.id} />
      </section>
      {editing ? (
        <GuestForm
          title="Edit guest"
          hkds={hkds}
          initial={{
            name: detail.name,
            sshTarget: detail.sshTarget,
            ...(detail.identityRef ? { identityRef: detail.identityRef } : {}),
            ...(detail.jumpHost ? { jumpHost: detail.jumpHost } : {}),
            ...(detail.pinnedHostKey ? { hostKeyFingerprint: detail.pinnedHostKey.fingerprintSha256 } : {}),
            policy,
            ...(detail.notes ? { notes: detail.notes } : {}),
            tags: detail.tags,
          }}
          {...(detail.seHeader ? { currentHeader: detail.seHeader } : {})}
          onSubmit={(input) => stores.guests.getState().edit(detail.id, input)}
          onSaved={(s) => stores.ui.getState().notify('info', `Guest ${s.name} saved`)}
          onClose={() => setEditing(false)}
        />
      ) : null}
      {confirmRemove ? (
        <RemoveGuestDialog
          name={detail.name}
          onCancel={() => setConfirmRemove(false)}
          onConfirm={() => {
            setConfirmRemove(false);
            void stores.guests
              .getState()
              .remove(detail.id)
              .then(() => {
                stores.ui.getState().notify('info', `Guest ${detail.name} removed; its history stays in the audit log`);
                stores.ui.getState().navigate({ name: 'guests' });
              });
          }}
        />
      ) : null}
      {releasing ? (
        <ReleaseDialog
          guestId={detail.id}
          guestName={detail.name}
          onClose={() => {
            setReleasing(false);
            // a release attests the guest: show its new status and history
            void stores.guests.getState().loadDetail(detail.id);
          }}
        />
      ) : null}
    </section>
  );
}

/** Asks before removing a guest. */
function RemoveGuestDialog(p: { name: string; onCancel(): void; onConfirm(): void }) {
  return (
    <ConfirmDialog title={`Remove ${p.name}?`} confirm="Remove guest" onCancel={p.onCancel} onConfirm={p.onConfirm}>
      <p>Its attestation history and audit entries stay; it is no longer listed or attested.</p>
    </ConfirmDialog>
  );
}
