// @jsxRuntime automatic
/** Trust: import HKDs, certificates and CRLs (file picker or drag-and-drop); chain status; CRL freshness. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { TrustImportFile, TrustItem, TrustKind } from '../../shared/types/ui.js';
import { EmptyState } from '../components/empty-state.js';
import { formatDateTime } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { HealthBadge } from '../components/status-badge.js';
import { describeCode } from '../state/errors.js';
import { useStores } from '../state/stores.js';
import { bytesToBase64, EXPIRY_WARNING_DAYS, selectExpiringSoon } from '../state/trust-store.js';

const GROUPS: { kinds: TrustKind[]; title: string }[] = [
  { kinds: ['hkd'], title: 'Host-key documents' },
  { kinds: ['signing-key', 'ca', 'certificate'], title: 'Certificates' },
  { kinds: ['crl'], title: 'CRLs' },
];

const CHAIN_TEXT: Record<TrustItem['chainStatus'], string> = {
  valid: 'Chain valid',
  invalid: 'Chain invalid',
  unknown: 'Chain not verified',
  'not-applicable': '\u2014',
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

/** The trust screen. */
export function TrustView() {
  const stores = useStores();
  const items = useStore(stores.trust, (s) => s.items);
  const loaded = useStore(stores.trust, (s) => s.loaded);
  const importing = useStore(stores.trust, (s) => s.importing);
  const lastImport = useStore(stores.trust, (s) => s.lastImport);
  const error = useStore(stores.trust, (s) => s.error);
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
    if (result)
      stores.ui.getState().notify('info', `Imported ${result.imported.length}, rejected ${result.rejected.length}`);
  }

  return (
    <section className="screen" aria-labelledby="trust-title">
      <header className="screen-header">
        <h1 id="trust-title">Trust</h1>
      </header>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
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
                <span className="mono">{r.name}</span>: {describeCode(r.code, r.message)}
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
                {t.kind.toUpperCase()} {t.subject}: {describeDaysLeft(t)}
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
          return (
            <section key={group.title} aria-label={group.title}>
              <h2>{group.title}</h2>
              <table className="table" aria-label={group.title}>
                <thead>
                  <tr>
                    <th scope="col">{isCrl ? 'Issuer' : 'Subject'}</th>
                    <th scope="col">File</th>
                    <th scope="col">{isCrl ? 'Next update' : 'Valid until'}</th>
                    <th scope="col">Days left</th>
                    <th scope="col">{isCrl ? 'Freshness' : 'Chain'}</th>
                    <th scope="col">Health</th>
                    <th scope="col">{group.kinds.includes('hkd') ? 'PHKH' : 'SHA-256'}</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((t) => (
                    <tr key={t.id} data-kind={t.kind} data-health={t.health}>
                      <td>
                        {isCrl ? t.issuer : t.subject}
                        {t.warnings.map((w) => (
                          <div key={w} className="warning-text">
                            {w}
                          </div>
                        ))}
                      </td>
                      <td className="mono">{t.fileName}</td>
                      <td>{formatDateTime(isCrl ? t.nextUpdate : t.notAfter)}</td>
                      <td
                        className={`mono${t.daysLeft !== undefined && t.daysLeft < EXPIRY_WARNING_DAYS ? ' warning-text' : ''}`}
                      >
                        {describeDaysLeft(t)}
                      </td>
                      <td title={t.chainDetail}>
                        {isCrl
                          ? t.health === 'ok'
                            ? 'Fresh'
                            : t.health === 'warning'
                              ? 'Expiring'
                              : 'Stale'
                          : CHAIN_TEXT[t.chainStatus]}
                      </td>
                      <td>
                        <HealthBadge health={t.health} label={t.subject} />
                      </td>
                      <td>
                        <HashText
                          value={t.phkhHex ?? t.sha256Hex}
                          label={`${t.phkhHex ? 'PHKH' : 'SHA-256'} of ${t.fileName}`}
                          short
                        />
                      </td>
                      <td>
                        <button
                          type="button"
                          aria-label={`Remove ${t.fileName}`}
                          onClick={() => void stores.trust.getState().remove(t.id)}
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
    </section>
  );
}
