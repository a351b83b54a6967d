// @jsxRuntime automatic
/** Guest detail: target, pinned host key, SE header facts, policy, trust material and the history timeline. */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { formatDateTime } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { HealthBadge, StatusBadge } from '../components/status-badge.js';
import { useStores } from '../state/stores.js';
import { GuestForm } from './guest-form.js';
import { HistoryList } from './history-list.js';

/** The guest detail screen. */
export function GuestDetailView({ guestId }: { guestId: string }) {
  const stores = useStores();
  const detail = useStore(stores.guests, (s) => s.detail);
  const detailError = useStore(stores.guests, (s) => s.detailError);
  const running = useStore(stores.attest, (s) => s.current?.status === 'running');
  const trustItems = useStore(stores.trust, (s) => s.items);
  const hkds = useMemo(() => trustItems.filter((t) => t.kind === 'hkd'), [trustItems]);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    void stores.guests.getState().loadDetail(guestId);
  }, [stores, guestId]);

  if (detailError)
    return (
      <p role="alert" className="error-box">
        {detailError}
      </p>
    );
  if (!detail || detail.id !== guestId) return <p aria-busy="true">Loading guest…</p>;
  const policy = detail.policy;
  return (
    <section className="screen" aria-labelledby="guest-title">
      <header className="screen-header">
        <h1 id="guest-title">
          {detail.name} <StatusBadge status={detail.status} />
        </h1>
        <div className="toolbar">
          <button type="button" onClick={() => stores.ui.getState().navigate({ name: 'guests' })}>
            Back to guests
          </button>
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
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (globalThis.confirm?.(`Remove ${detail.name}? Its records stay in the audit log.`) ?? true) {
                void stores.guests
                  .getState()
                  .remove(detail.id)
                  .then(() => stores.ui.getState().navigate({ name: 'guests' }));
              }
            }}
          >
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
            <dt>Identity</dt>
            <dd className="mono">{detail.identityRef ?? '\u2014'}</dd>
            <dt>Pinned host key</dt>
            <dd>
              {detail.pinnedHostKey ? (
                <>
                  {detail.pinnedHostKey.algorithm}{' '}
                  <HashText value={detail.pinnedHostKey.fingerprintSha256} label="host-key fingerprint" />
                  <span className="hint"> pinned {formatDateTime(detail.pinnedHostKey.pinnedAt)}</span>
                </>
              ) : (
                'Not pinned yet — asked at first contact'
              )}
            </dd>
            <dt>Trust material</dt>
            <dd>
              HKD <HealthBadge health={detail.hkdHealth} label="HKD" /> CRL{' '}
              <HealthBadge health={detail.crlHealth} label="CRL" />
            </dd>
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
              <dt>Key-slot PHKHs</dt>
              <dd>
                {detail.seHeader.keySlotPhkhs.map((p, i) => (
                  <div key={i}>
                    <HashText value={p} label={`PHKH of key slot ${i + 1}`} short />
                  </div>
                ))}
              </dd>
            </dl>
          ) : (
            <p className="hint">No SE header stored. Edit the guest and choose its SE header or image.</p>
          )}
        </section>
        <section className="card" aria-labelledby="policy-h">
          <h2 id="policy-h">Policy</h2>
          <dl>
            <dt>HKDs</dt>
            <dd>
              {policy.hkdSha256?.length
                ? `${policy.hkdSha256.length} selected`
                : `all imported (${detail.hostKeyDocuments.length})`}
            </dd>
            <dt>Additional data</dt>
            <dd>{policy.requiredAddData?.length ? policy.requiredAddData.join(', ') : 'none'}</dd>
            <dt>Expected user data</dt>
            <dd>
              {policy.expectedUserData ? (
                <HashText value={policy.expectedUserData} label="expected user data" short />
              ) : (
                'not checked'
              )}
            </dd>
            <dt>Expected image PHKH</dt>
            <dd>
              {policy.expectedImagePhkh ? (
                <HashText value={policy.expectedImagePhkh} label="expected image PHKH" short />
              ) : (
                'not checked'
              )}
            </dd>
          </dl>
        </section>
      </div>
      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
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
            policy,
            ...(detail.notes ? { notes: detail.notes } : {}),
          }}
          onSubmit={(input) => stores.guests.getState().edit(detail.id, input)}
          onClose={() => setEditing(false)}
        />
      ) : null}
    </section>
  );
}
