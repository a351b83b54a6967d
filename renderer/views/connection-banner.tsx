// @jsxRuntime automatic
/** The banner shown while the connection to the workstation is lost: what happened, and Retry. */
import { useStore } from 'zustand';
import { formatDateTime } from '../components/format.js';
import { useStores } from '../state/stores.js';

/** Connection-lost banner (renders nothing while connected). */
export function ConnectionBanner() {
  const stores = useStores();
  const status = useStore(stores.connection, (s) => s.status);
  const cause = useStore(stores.connection, (s) => s.cause);
  const checking = useStore(stores.connection, (s) => s.checking);
  const lostAt = useStore(stores.connection, (s) => s.lostAt);
  if (status !== 'lost') return null;
  const electron = stores.client.mode === 'electron';
  const what =
    cause === 'session'
      ? 'This window\u2019s session is no longer accepted: the workstation was restarted.'
      : cause === 'not-answering'
        ? 'The workstation is not answering (it may be busy or stuck).'
        : electron
          ? 'The workstation\u2019s main process has stopped.'
          : 'The workstation server has stopped or cannot be reached.';
  const next =
    cause === 'session'
      ? 'Run \u201cnpx se-attest open\u201d in a terminal on this computer and open the link it prints.'
      : 'Nothing can be changed until it is back; the window checks again every few seconds.';
  return (
    <div className="connection-banner" role="alert" data-connection="lost" data-cause={cause}>
      <div>
        <strong>Connection to the workstation lost</strong>
        {lostAt ? <span className="hint"> since {formatDateTime(lostAt)}</span> : null}
        <p>
          {what} {next}
        </p>
      </div>
      <button
        type="button"
        className="primary"
        disabled={checking}
        onClick={() => void stores.connection.getState().retry()}
      >
        {checking ? 'Checking…' : 'Retry'}
      </button>
    </div>
  );
}
