// @jsxRuntime automatic
/** A guest's (or all guests') attestation history as a virtualised, paged list. */
import { useCallback, useEffect } from 'react';
import { useStore } from 'zustand';
import { formatDateTime, formatDuration, shortenHex } from '../components/format.js';
import { OutcomeBadge, describeOutcome } from '../components/status-badge.js';
import { VirtualList } from '../components/virtual-list.js';
import { useStores } from '../state/stores.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

/** Height of one history row in pixels. */
export const HISTORY_ROW_HEIGHT = 44;

/** History list for one guest (or all). */
export function HistoryList({ guestId, height = 440 }: { guestId?: string; height?: number }) {
  const stores = useStores();
  const total = useStore(stores.history, (s) => s.total);
  const loaded = useStore(stores.history, (s) => s.loaded);
  const shownGuest = useStore(stores.history, (s) => s.guestId);
  const error = useStore(stores.history, (s) => s.error);
  useStore(stores.history, (s) => s.pages);
  useEffect(() => {
    void stores.history.getState().open(guestId);
  }, [stores, guestId]);
  const onRange = useCallback(
    (start: number, end: number) => void stores.history.getState().ensureRange(start, end),
    [stores],
  );
  if (error)
    return (
      <p role="alert" className="error-box">
        {error}
      </p>
    );
  if (!loaded || shownGuest !== guestId) return <p aria-busy="true">Loading history…</p>;
  if (total === 0) return <p className="hint">No attestation yet. Press “Attest now” to make the first one.</p>;
  return (
    <div>
      <p className="hint">
        <span className="mono">{total}</span> attestations
      </p>
      <div className="history-head" aria-hidden="true">
        <span>When</span>
        <span>Verdict</span>
        <span>CUID</span>
        <span>Image PHKH</span>
        <span>User data</span>
        <span>Duration</span>
        <span>Reason</span>
      </div>
      <VirtualList
        label="Attestation history"
        count={total}
        rowHeight={HISTORY_ROW_HEIGHT}
        height={height}
        onRangeChange={onRange}
        renderRow={(i) => {
          const row = stores.history.getState().rowAt(i);
          if (!row) return <span className="hint">Loading…</span>;
          return (
            <button
              type="button"
              className="history-row"
              data-outcome={row.outcome}
              aria-label={`Open attestation of ${formatDateTime(row.startedAt)}, ${describeOutcome(row.outcome)}`}
              onClick={() =>
                stores.ui
                  .getState()
                  .navigate({ name: 'attestation', attestationId: row.id, ...(guestId ? { guestId } : {}) })
              }
            >
              <span>{formatDateTime(row.startedAt)}</span>
              <OutcomeBadge outcome={row.outcome} />
              <span className="mono">{row.cuidHex ? shortenHex(row.cuidHex) : '\u2014'}</span>
              <span className="mono">{row.imagePhkhHex ? shortenHex(row.imagePhkhHex) : '\u2014'}</span>
              <span className="mono">{row.userDataHex ? shortenHex(row.userDataHex) : '\u2014'}</span>
              <span className="mono">{formatDuration(row.durationMs)}</span>
              <span className="reason">
                {isVerifiedOutcome(row.outcome) ? '' : (row.reason ?? row.reasonCode ?? '')}
              </span>
            </button>
          );
        }}
      />
    </div>
  );
}
