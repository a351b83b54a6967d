// @jsxRuntime automatic
/**
 * The Release dialog of a guest: its secret releases, a Release button per release with live steps (attest →
 * store check → list → create → add → lock → attest again → check, or the channel-bound steps), the outcome in
 * plain words, recent runs, and a small form to add a release whose value comes from a file or the keychain.
 */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import {
  RELEASE_KINDS,
  UV_SECRET_KINDS,
  type ReleaseKind,
  type ReleaseRunRecord,
  type SecretRelease,
  type SecretReleaseInput,
  type UvSecretKind,
} from '../../shared/types/release.js';
import { Dialog } from '../components/dialog.js';
import { formatDateTime } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { createReleaseStore, describeReleaseCode, type ReleaseState } from '../state/release-store.js';
import { useStores } from '../state/stores.js';

const STEP_LABELS: Record<string, string> = {
  attest: 'Attest',
  'store-check': 'Check the secret store',
  list: 'List the guest’s secrets',
  'read-value': 'Read the value',
  create: 'Create the request',
  add: 'Add it (pvsecret add)',
  lock: 'Lock the store',
  're-attest': 'Attest again',
  check: 'Check the store holds it',
  'channel-check': 'Check the channel binding',
  send: 'Send over this connection',
};

function describeSource(r: SecretRelease): string {
  const s = r.source;
  return s.kind === 'file' ? s.path : s.kind === 'keychain' ? `keychain ${s.service}/${s.account}` : 'standard input';
}

function RunLine({ run }: { run: ReleaseRunRecord }) {
  return (
    <li>
      <span className="mono">{formatDateTime(run.startedAt)}</span> {run.releaseName}:{' '}
      {run.status === 'released' ? (
        <strong>released</strong>
      ) : (
        <span className="warning-text">
          {run.status} {run.failedStep ? `at “${STEP_LABELS[run.failedStep] ?? run.failedStep}”` : ''} ({run.errorCode})
        </span>
      )}
    </li>
  );
}

function AddReleaseForm({ onAdd }: { onAdd: (input: SecretReleaseInput) => Promise<boolean> }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ReleaseKind>('uv');
  const [uvKind, setUvKind] = useState<UvSecretKind>('plain');
  const [sourceKind, setSourceKind] = useState<'file' | 'keychain'>('file');
  const [path, setPath] = useState('');
  const [keychain, setKeychain] = useState('');
  const [lock, setLock] = useState(true);
  const [command, setCommand] = useState('');
  const [hostKeyFile, setHostKeyFile] = useState('');
  const submit = async () => {
    const [service = '', account = ''] = keychain.split(':');
    const source =
      sourceKind === 'file' ? { kind: 'file' as const, path } : { kind: 'keychain' as const, service, account };
    const input: SecretReleaseInput =
      kind === 'uv'
        ? { name, kind, uvKind, source, lock }
        : { name, kind, source, command, ...(hostKeyFile ? { hostKeyFile } : {}) };
    if (await onAdd(input)) setName('');
  };
  return (
    <form
      aria-label="Add a release"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
      </label>
      <label>
        Kind{' '}
        <select value={kind} onChange={(e) => setKind(e.target.value as ReleaseKind)}>
          {RELEASE_KINDS.map((k) => (
            <option key={k} value={k}>
              {k === 'uv' ? 'Ultravisor secret (pvsecret)' : 'Over the attested SSH channel'}
            </option>
          ))}
        </select>
      </label>
      {kind === 'uv' ? (
        <>
          <label>
            Secret type{' '}
            <select value={uvKind} onChange={(e) => setUvKind(e.target.value as UvSecretKind)}>
              {UV_SECRET_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={lock} onChange={(e) => setLock(e.target.checked)} /> Lock the store
            afterwards
          </label>
        </>
      ) : (
        <>
          <label>
            Guest command (reads the value on stdin){' '}
            <input
              value={command}
              onChange={(e) => setCommand(e.target.value)}
              placeholder="cryptsetup open --key-file=- /dev/vdb data"
              required
            />
          </label>
          <label>
            Guest host-key file (optional){' '}
            <input
              value={hostKeyFile}
              onChange={(e) => setHostKeyFile(e.target.value)}
              placeholder="/etc/ssh/ssh_host_ed25519_key.pub"
            />
          </label>
        </>
      )}
      <fieldset>
        <legend>The value comes from</legend>
        <label className="check">
          <input type="radio" checked={sourceKind === 'file'} onChange={() => setSourceKind('file')} /> a file on this
          computer{' '}
          <input
            aria-label="value file"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            disabled={sourceKind !== 'file'}
          />
        </label>
        <label className="check">
          <input type="radio" checked={sourceKind === 'keychain'} onChange={() => setSourceKind('keychain')} /> the OS
          keychain{' '}
          <input
            aria-label="keychain service:account"
            value={keychain}
            onChange={(e) => setKeychain(e.target.value)}
            placeholder="service:account"
            disabled={sourceKind !== 'keychain'}
          />
        </label>
      </fieldset>
      <button type="submit">Add release</button>
    </form>
  );
}

/** Props of ReleaseDialog. */
export interface ReleaseDialogProps {
  guestId: string;
  guestName: string;
  onClose: () => void;
  /** The dialog's state (default: a fresh store over the window's client). */
  store?: StoreApi<ReleaseState>;
}

/** The Release dialog (opened from the guest detail view). */
export function ReleaseDialog({ guestId, guestName, onClose, store: given }: ReleaseDialogProps) {
  const stores = useStores();
  const store = useMemo(() => given ?? createReleaseStore(stores.client), [given, stores.client]);
  const state = useStore(store);
  const [force, setForce] = useState(false);
  useEffect(() => {
    void store.getState().load(guestId);
  }, [store, guestId]);
  const busy = state.running !== undefined;
  return (
    <Dialog title={`Release a secret to ${guestName}`} {...(busy ? {} : { onClose })}>
      <p className="hint">
        The guest is attested first. Only if it verifies, policy included, is the secret made for that very attestation,
        sent, and checked by attesting again. The value is read from its file or keychain entry only then, and never
        stored.
      </p>
      {state.loading && state.releases.length === 0 ? <p aria-busy="true">Loading releases…</p> : null}
      {state.releases.length > 0 ? (
        <table>
          <caption>Releases of {guestName}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Value from</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.releases.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td>{r.kind === 'uv' ? `${r.uvKind ?? ''}${r.lock ? ', lock' : ''}` : 'SSH channel'}</td>
                <td className="mono">{describeSource(r)}</td>
                <td>
                  <button
                    type="button"
                    className="primary"
                    disabled={busy}
                    onClick={() => void state.run(r.name, force)}
                  >
                    Release {r.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : state.loading ? null : (
        <p>No release configured for this guest yet.</p>
      )}
      <label className="check">
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Add again even if the
        guest already holds a secret with this ID
      </label>
      {state.running ? (
        <div role="status" aria-live="polite">
          <p>Releasing {state.running.release}…</p>
          <ol>
            {state.running.steps.map((s) => (
              <li key={s.step}>
                {STEP_LABELS[s.step] ?? s.step}: {s.status === 'start' ? 'running' : s.status}
                {s.code ? ` (${s.code})` : ''}
              </li>
            ))}
          </ol>
          <button type="button" onClick={() => void state.cancel()}>
            Cancel
          </button>
        </div>
      ) : null}
      {state.result ? (
        <div role="status" className={state.result.status === 'released' ? undefined : 'error-box'}>
          {state.result.status === 'released' ? (
            <p>
              Released {state.result.releaseName} (attestations {state.result.gateAttestationId}
              {state.result.checkAttestationId ? ` and ${state.result.checkAttestationId}` : ''}).{' '}
              {state.result.requestSha256 ? (
                <>
                  Request <HashText value={state.result.requestSha256} label="request SHA-256" short />
                </>
              ) : null}
            </p>
          ) : (
            <p>
              Not released — failed at “{STEP_LABELS[state.result.failedStep ?? ''] ?? state.result.failedStep}”:{' '}
              {describeReleaseCode(state.result.errorCode, state.result.errorMessage ?? undefined)}
            </p>
          )}
        </div>
      ) : null}
      {state.error ? (
        <p role="alert" className="error-box">
          {state.error}
        </p>
      ) : null}
      {state.runs.length > 0 ? (
        <section aria-label="Recent releases">
          <h3>Recent releases</h3>
          <ul>
            {state.runs.slice(0, 5).map((run) => (
              <RunLine key={run.id} run={run} />
            ))}
          </ul>
        </section>
      ) : null}
      <details>
        <summary>Add a release</summary>
        <AddReleaseForm onAdd={(input) => state.configure(input)} />
      </details>
      <div className="toolbar">
        <button type="button" onClick={onClose} disabled={busy}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
