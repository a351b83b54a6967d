/**
 * A guest's attempts over a period for the timeline chart: every attempt when there are few, else fixed-width
 * buckets counting each outcome (a 10,000-attempt history never crosses the contract point by point).
 */
import { emptyOutcomeCounts, type Outcome } from '../../../shared/types/verdict.js';
import type { GuestTimeline, TimelineBucket, TimelinePoint } from '../../../shared/types/ui.js';

/** Default and number of buckets of a dense timeline. */
export const DEFAULT_TIMELINE_POINTS = 1000;
export const TIMELINE_BUCKETS = 120;

/** One attempt as read for the timeline. */
export interface TimelineRow {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: Outcome;
  reasonCode?: string;
}

/** Builds the timeline of `rows` (oldest first) over [from, to]. */
export function buildTimeline(p: {
  guestId: string;
  rows: readonly TimelineRow[];
  from?: string;
  to?: string;
  maxPoints?: number;
  firstAt?: string;
  lastAt?: string;
}): GuestTimeline {
  const rows = p.rows;
  const from = p.from ?? rows[0]?.startedAt ?? p.firstAt ?? new Date(0).toISOString();
  const to = p.to ?? rows[rows.length - 1]?.startedAt ?? p.lastAt ?? from;
  const max = p.maxPoints ?? DEFAULT_TIMELINE_POINTS;
  const base = {
    guestId: p.guestId,
    from,
    to,
    total: rows.length,
    ...(p.firstAt ? { firstAt: p.firstAt } : {}),
    ...(p.lastAt ? { lastAt: p.lastAt } : {}),
  };
  if (rows.length <= max) {
    const points: TimelinePoint[] = rows.map((r) => ({
      id: String(r.id),
      at: r.startedAt,
      outcome: r.outcome,
      durationMs: r.finishedAt ? Math.max(0, Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : 0,
      ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
    }));
    return { ...base, points, buckets: [] };
  }
  const t0 = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - t0);
  const width = span / TIMELINE_BUCKETS;
  const buckets: TimelineBucket[] = Array.from({ length: TIMELINE_BUCKETS }, (_, i) => ({
    start: new Date(t0 + i * width).toISOString(),
    end: new Date(t0 + (i + 1) * width).toISOString(),
    counts: emptyOutcomeCounts(),
  }));
  for (const r of rows) {
    const i = Math.min(TIMELINE_BUCKETS - 1, Math.max(0, Math.floor((Date.parse(r.startedAt) - t0) / width)));
    buckets[i]!.counts[r.outcome] += 1;
  }
  return { ...base, points: [], buckets };
}
