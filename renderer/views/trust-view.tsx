// @jsxRuntime automatic
/**
 * Trust: import HKDs, certificates and CRLs (file picker or drag-and-drop; the toast counts new, already present
 * and rejected files); each item by its short name with the full DN on demand, its chain status explained in
 * plain words naming the item at fault, CRL freshness; removal asks first, names the guests and chains that
 * depend on the item, and can be undone.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { TrustImportFile, TrustItem, TrustKind } from '../../shared/types/ui.js';
import { ConfirmDialog } from '../components/dialog.js';
import { DistinguishedName } from '../components/dn.js';
import { EmptyState } from '../components/empty-state.js';
import { formatDate, itemName, formatDateTime, shortDn, shortenHex } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { HealthBadge } from '../components/status-badge.js';
import { describeCode } from '../state/errors.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { bytesToBase64, describeImport, EXPIRY_WARNING_DAYS, selectExpiringSoon } from '../state/trust-store.js';

const GROUPS: { kinds: TrustKind[]; title: string }[] = [
  { kinds: ['hkd'], title: 'Host-key documents' },
  { kinds: ['signing-key', 'ca', 'certificate'], title: 'Certificates' },
  { kinds: ['crl'], title: 'CRLs' },
];

const KIND_TEXT: Record<TrustKind, string> = {
  hkd: 'Host-key document',
  'signing-key': 'IBM Z signing key',
  ca: 'CA certificate',
  certificate: 'Certificate',
  crl: 'CRL',
};

async function readFiles(list: FileList | File[]): Promise<TrustImportFile[]> {
  const files = [...list];
  return Promise.all(
    files.map(async (f) => ({ name: f.name, contentBase64: bytesToBase64(new Uint8Array(await f.arrayBuffer())) })),
  );
}

/** Days left as text with the warning threshold applied. */
export function describeDaysLeft(item: TrustItem): string {
  if (item.daysLeft === undefined) return '\u2014';
  if (item.daysLeft < 0) return `expired ${-item.daysLeft} d ago`;
  return `${item.daysLeft} d`;
}

/** The chain status of an item, explained (never a bare dash). */
export function describeChain(t: TrustItem, all: readonly TrustItem[]): string {
  if (t.kind === 'crl') {
    const freshness =
      t.health === 'ok'
        ? 'Fresh'
        : t.health === 'warning'
          ? 'Expiring soon: import its next version'
          : 'Out of date: import the current CRL';
    return `${freshness}. Proves which certificates of \u201c${shortDn(t.issuer)}\u201d are revoked.`;
  }
  if (t.chainStatus === 'valid')
    return t.kind === 'hkd'
      ? 'Chain valid: signed by the IBM Z signing key, not revoked, valid now.'
      : 'Chain valid up to an imported root CA, with current CRLs.';
  if (t.chainStatus === 'invalid')
    return describeCode(t.chainCode, t.chainDetail, { item: t.chainItem ? itemName(t.chainItem) : t.fileName });
  if (t.chainStatus === 'unknown')
    return 'Not checked yet: import the IBM Z signing-key certificate, its intermediate CA and their CRLs.';
  if (t.kind === 'ca') {
    if (t.subject === t.issuer)
      return 'Root CA: the trust anchor. Chains that end here are trusted because you imported it.';
    const issued = all.filter((x) => x.issuer === t.subject && x.id !== t.id && x.kind !== 'crl');
    return `Intermediate CA: checked as part of the chain of ${issued.length > 0 ? issued.map((x) => `\u201c${shortDn(x.subject)}\u201d`).join(', ') : 'the certificates it issues'}.`;
  }
  return 'Not part of an HKD chain: kept for reference.';
}

/** The trust screen. */
export function TrustView() {
  const stores = useStores();
  const items = useStore(stores.trust, (s) => s.items);
  const loaded = useStore(stores.trust, (s) => s.loaded);
  const importing = useStore(stores.trust, (s) => s.importing);
  const lastImport = useStore(stores.trust, (s) => s.lastImport);
  const error = useStore(stores.trust, (s) => s.error);
  const pending = useStore(stores.trust, (s) => s.pendingRemoval);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const expiring = useMemo(() => selectExpiringSoon(items), [items]);
  useEffect(() => {
    void stores.trust.getState().load();
  }, [stores]);

  async function importList(list: FileList | File[] | null): Promise<void> {
    if (!list || list.length === 0) return;
    const files = await readFiles(list);
    const result = await stores.trust.getState().importFiles(files);
    if (result) stores.ui.getState().notify(result.rejected.length > 0 ? 'error' : 'info', describeImport(result));
  }

  async function remove(): Promise<void> {
    const removed = await stores.trust.getState().confirmRemove();
    if (!removed) return;
    stores.ui.getState().notify('info', `Removed ${KIND_TEXT[removed.kind]} \u201c${shortDn(removed.subject)}\u201d`, {
      label: 'Undo',
      run: async () => {
        if (await stores.trust.getState().restore(removed.id)) {
          stores.ui.getState().notify('info', `Restored \u201c${shortDn(removed.subject)}\u201d`);
          void stores.guests.getState().load();
        }
      },
    });
    void stores.guests.getState().load();
  }

  return (
    <section className="screen" aria-labelledby="trust-title">
      <header className="screen-header">
        <h1 id="trust-title">Trust</h1>
      </header>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        role="region"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void importList(e.dataTransfer.files);
        }}
        aria-label="Drop zone for trust material"
      >
        <p>Drop host-key documents, IBM signing-key and CA certificates, and CRLs here, or</p>
        <label className="button primary">
          Import files…
          <input
            ref={input}
            className="sr-only"
            type="file"
            multiple
            accept=".crt,.pem,.der,.cer,.crl"
            aria-label="Import trust files"
            onChange={(e) => {
              void importList(e.target.files).then(() => {
                if (input.current) input.current.value = '';
              });
            }}
          />
        </label>
        {importing ? (
          <p role="status">
            Importing {importing.done} of {importing.total}…{' '}
            <button type="button" onClick={() => void stores.trust.getState().cancelImport()}>
              Cancel
            </button>
          </p>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="error-box">
          {error}
        </p>
      ) : null}
      {lastImport && lastImport.rejected.length > 0 ? (
        <div role="alert" className="error-box">
          <p>Not imported:</p>
          <ul>
            {lastImport.rejected.map((r) => (
              <li key={r.name}>
                <span className="mono">{r.name}</span>: {describeCode(r.code, r.message, { item: r.name })}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {expiring.length > 0 ? (
        <div className="warning-box" role="status" aria-label="Expiring soon">
          <p>Expiring within {EXPIRY_WARNING_DAYS} days:</p>
          <ul>
            {expiring.map((t) => (
              <li key={t.id}>
                {KIND_TEXT[t.kind]} {shortDn(t.kind === 'crl' ? t.issuer : t.subject)}: {describeDaysLeft(t)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {loaded && items.length === 0 ? (
        <EmptyState title="No trust material yet">
          <p>
            Import the host-key document (HKD) of each IBM Z machine your guests run on, the IBM Z signing-key
            certificate, its intermediate CA certificate, and their CRLs. Attestation requests are encrypted for the
            HKDs you import here.
          </p>
        </EmptyState>
      ) : (
        GROUPS.map((group) => {
          const rows = items.filter((t) => group.kinds.includes(t.kind));
          if (rows.length === 0) return null;
          const isCrl = group.kinds.includes('crl');
          const isHkd = group.kinds.includes('hkd');
          return (
            <section key={group.title} aria-label={group.title}>
              <h2>{group.title}</h2>
              <table className="table trust-table" aria-label={group.title}>
                <thead>
                  <tr>
                    <th scope="col">{isCrl ? 'Issuer' : 'Name'}</th>
                    <th scope="col">{isCrl ? 'Next update' : 'Valid until'}</th>
                    <th scope="col">Status</th>
                    <th scope="col">{isHkd ? 'PHKH' : 'SHA-256'}</th>
                    <th scope="col" className="col-action">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((t) => (
                    <tr key={t.id} data-kind={t.kind} data-health={t.health} data-item={t.fileName}>
                      <td>
                        <DistinguishedName
                          dn={isCrl ? t.issuer : t.subject}
                          {...(t.serialHex && !isCrl ? { extra: `serial ${shortenHex(t.serialHex)}` } : {})}
                        />
                        <div className="hint mono wrap">
                          {group.kinds.length > 1 ? `${KIND_TEXT[t.kind]} \u00b7 ` : ''}
                          {t.fileName}
                        </div>
                        {t.warnings
                          .filter((w) => !w.startsWith('chain invalid'))
                          .map((w) => (
                            <div key={w} className="warning-text">
                              {w}
                            </div>
                          ))}
                      </td>
                      <td>
                        <span className="mono nowrap">{formatDate(isCrl ? t.nextUpdate : t.notAfter)}</span>
                        <div
                          className={`mono${t.daysLeft !== undefined && t.daysLeft < EXPIRY_WARNING_DAYS ? ' warning-text' : ''}`}
                          title={formatDateTime(isCrl ? t.nextUpdate : t.notAfter)}
                        >
                          {describeDaysLeft(t)}
                        </div>
                      </td>
                      <td className="chain-cell">
                        <HealthBadge health={t.health} label={shortDn(t.subject)} />{' '}
                        <span
                          className={t.chainStatus === 'invalid' ? 'error-text' : undefined}
                          data-chain={t.chainStatus}
                        >
                          {describeChain(t, items)}
                        </span>
                      </td>
                      <td>
                        <HashText
                          value={t.phkhHex ?? t.sha256Hex}
                          label={`${t.phkhHex ? 'PHKH' : 'SHA-256'} of ${t.fileName}`}
                          short
                        />
                      </td>
                      <td className="col-action">
                        <button
                          type="button"
                          aria-label={`Remove ${t.fileName}`}
                          onClick={() => void stores.trust.getState().askRemove(t.id)}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          );
        })
      )}
      {pending ? (
        <ConfirmDialog
          title={`Remove ${pending.item.fileName}?`}
          confirm="Remove"
          onCancel={() => stores.trust.getState().cancelRemove()}
          onConfirm={() => void remove()}
        >
          <p>
            {KIND_TEXT[pending.item.kind]} “
            {shortDn(pending.item.kind === 'crl' ? pending.item.issuer : pending.item.subject)}” will no longer be used
            to verify anything. Attestations made with it keep what they need, and you can undo this right after.
          </p>
          {pending.dependents.guests.length > 0 ? (
            <>
              <p>These guests depend on it:</p>
              <ul aria-label="Guests that depend on it">
                {pending.dependents.guests.map((g) => (
                  <li key={g.id}>
                    <a href={hrefOf({ name: 'guest', guestId: g.id })}>{g.name}</a>: {g.why}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>No guest depends on it.</p>
          )}
          {pending.dependents.chains.length > 0 ? (
            <>
              <p>These chains of trust go through it and would no longer verify:</p>
              <ul aria-label="Chains that depend on it">
                {pending.dependents.chains.map((c) => (
                  <li key={c.id}>
                    {KIND_TEXT[c.kind]} “{shortDn(c.subject)}” <span className="mono">({c.fileName})</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
