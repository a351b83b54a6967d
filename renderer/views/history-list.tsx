// @jsxRuntime automatic
/**
 * A guest's (or all guests') attestation history as a virtualised, paged list that fills the space below it
 * in the window. Each row links to its report; a long reason is cut to one line with the full text on hover.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { formatDateTime, formatDuration, shortenHex } from '../components/format.js';
import { outcomeOf } from '../components/outcome.js';
import { OutcomeBadge } from '../components/status-badge.js';
import { VirtualList } from '../components/virtual-list.js';
import { describeCode } from '../state/errors.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';

/** Height of one history row in pixels. */
export const HISTORY_ROW_HEIGHT = 44;
/** The list is never shorter than this many rows (when it has them). */
const MIN_ROWS = 6;

/**
 * The height the list gets: the window's height below the list's top (as laid out with the page scrolled to
 * the top), or nearly a whole window when that leaves too little, and never more than its rows need.
 */
export function fillHeight(p: { topInPage: number; viewport: number; rows: number; rowHeight: number }): number {
  const need = p.rows * p.rowHeight;
  const below = p.viewport - p.topInPage - 16;
  const min = Math.min(need, MIN_ROWS * p.rowHeight);
  const room = below >= min ? below : p.viewport - 120;
  return Math.max(min, Math.min(need, room));
}

/** History list for one guest (or all). */
export function HistoryList({ guestId }: { guestId?: string }) {
  const stores = useStores();
  const total = useStore(stores.history, (s) => s.total);
  const loaded = useStore(stores.history, (s) => s.loaded);
  const shownGuest = useStore(stores.history, (s) => s.guestId);
  const error = useStore(stores.history, (s) => s.error);
  useStore(stores.history, (s) => s.pages);
  const box = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(8 * HISTORY_ROW_HEIGHT);
  useEffect(() => {
    void stores.history.getState().open(guestId);
  }, [stores, guestId]);
  useLayoutEffect(() => {
    const measure = (): void => {
      const el = box.current;
      if (!el) return;
      const topInPage = el.getBoundingClientRect().top + globalThis.scrollY;
      setHeight(
        fillHeight({ topInPage, viewport: globalThis.innerHeight, rows: total, rowHeight: HISTORY_ROW_HEIGHT }),
      );
    };
    measure();
    globalThis.addEventListener('resize', measure);
    return () => globalThis.removeEventListener('resize', measure);
  }, [total, loaded]);
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
  if (total === 0)
    return (
      <p className="hint">
        {stores.history.getState().period
          ? 'No attestation in this period.'
          : 'No attestation yet. Press “Attest now” to make the first one.'}
      </p>
    );
  return (
    <div className="history">
      <p className="hint">
        <span className="mono">{total}</span> attestation{total === 1 ? '' : 's'}, newest first
      </p>
      <div className="history-head" aria-hidden="true">
        <span>When</span>
        <span>Outcome</span>
        <span>Reason</span>
        <span>CUID</span>
        <span>Duration</span>
      </div>
      <div ref={box}>
        <VirtualList
          label="Attestation history"
          count={total}
          rowHeight={HISTORY_ROW_HEIGHT}
          height={height}
          onRangeChange={onRange}
          renderRow={(i) => {
            const row = stores.history.getState().rowAt(i);
            if (!row) return <span className="hint">Loading…</span>;
            const outcome = outcomeOf(row);
            const reason = isVerifiedOutcome(outcome) ? '' : describeCode(row.reasonCode, row.reason);
            const full = isVerifiedOutcome(outcome)
              ? ''
              : [
                  reason,
                  row.reason && row.reason !== reason ? row.reason : '',
                  row.reasonCode ? `(${row.reasonCode})` : '',
                ]
                  .filter(Boolean)
                  .join(' ');
            return (
              <a
                className="history-row"
                href={hrefOf({ name: 'attestation', attestationId: row.id })}
                data-outcome={outcome}
                title={full || undefined}
              >
                <span>{formatDateTime(row.startedAt)}</span>
                <OutcomeBadge outcome={outcome} />
                <span className="reason">
                  {reason}
                  {row.reasonCode ? <code className="code"> {row.reasonCode}</code> : null}
                </span>
                <span className="mono">{row.cuidHex ? shortenHex(row.cuidHex) : '\u2014'}</span>
                <span className="mono">{formatDuration(row.durationMs)}</span>
              </a>
            );
          }}
        />
      </div>
    </div>
  );
}
