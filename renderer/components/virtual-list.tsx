// @jsxRuntime automatic
/**
 * A windowed list: fixed-height rows, only the visible range (plus overscan) is rendered, and the parent is
 * told which range is visible so it can fetch just those rows.
 */
import { useEffect, useState, type ReactNode } from 'react';

/** Props of VirtualList. */
export interface VirtualListProps {
  count: number;
  rowHeight: number;
  /** Viewport height in pixels. */
  height: number;
  overscan?: number;
  label: string;
  renderRow: (index: number) => ReactNode;
  onRangeChange?: (start: number, end: number) => void;
}

/** The [start, end) rows to render for a scroll position. */
export function computeWindow(p: {
  scrollTop: number;
  height: number;
  rowHeight: number;
  count: number;
  overscan: number;
}): { start: number; end: number } {
  const first = Math.floor(p.scrollTop / p.rowHeight);
  const visible = Math.ceil(p.height / p.rowHeight);
  return { start: Math.max(0, first - p.overscan), end: Math.min(p.count, first + visible + p.overscan) };
}

/** Windowed list. */
export function VirtualList({
  count,
  rowHeight,
  height,
  overscan = 6,
  label,
  renderRow,
  onRangeChange,
}: VirtualListProps) {
  const [scrollTop, setScrollTop] = useState(0);
  const { start, end } = computeWindow({ scrollTop, height, rowHeight, count, overscan });
  useEffect(() => {
    onRangeChange?.(start, end);
  }, [start, end, onRangeChange]);
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    rows.push(
      <div
        key={i}
        role="listitem"
        className="vrow"
        data-index={i}
        aria-setsize={count}
        aria-posinset={i + 1}
        style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}
      >
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div
      className="vlist"
      role="list"
      aria-label={label}
      data-rowcount={count}
      tabIndex={0}
      data-rendered-rows={end - start}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
