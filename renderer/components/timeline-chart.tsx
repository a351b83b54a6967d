// @jsxRuntime automatic
/**
 * A guest's attestations over time: one outcome-coloured mark per attempt (or, for a dense period, stacked
 * bars counting each outcome per bucket), gaps without any attestation longer than a day shaded and labelled,
 * and zoom to a period by dragging across the chart or with the period buttons. The time axis comes from
 * d3-scale (UTC time scale and its ticks); the marks are plain SVG drawn here, styled by CSS classes (the CSP
 * allows no inline styles), so the chart follows the light and dark themes.
 */
import { scaleUtc } from 'd3-scale';
import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type RefObject } from 'react';
import type { GuestTimeline } from '../../shared/types/ui.js';
import { isVerifiedOutcome, OUTCOMES, type Outcome } from '../../shared/types/verdict.js';
import { formatDateTime } from './format.js';
import { outcomeLabel } from './outcome.js';

/** A period with no attestation longer than this is drawn as a gap. */
export const GAP_MS = 24 * 3_600_000;
const HEIGHT = 132;
const MARGIN = { left: 12, right: 12, top: 22, bottom: 26 };
const DAY = 86_400_000;

/** A time span in words: `3 d 4 h`, `5 h`, `12 min`. */
export function describeSpan(ms: number): string {
  if (ms >= DAY) {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / 3_600_000);
    return h > 0 && d < 10 ? `${d} d ${h} h` : `${d} d`;
  }
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

/** Periods without any attempt longer than `minMs`, from the timeline's points or empty buckets. */
export function findGaps(t: GuestTimeline, minMs = GAP_MS): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  if (t.points.length > 0) {
    const times = t.points.map((p) => Date.parse(p.at)).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++)
      if (times[i]! - times[i - 1]! > minMs) gaps.push({ from: times[i - 1]!, to: times[i]! });
    return gaps;
  }
  let start: number | undefined;
  for (const b of t.buckets) {
    const empty = Object.values(b.counts).every((n) => n === 0);
    if (empty && start === undefined) start = Date.parse(b.start);
    if (!empty && start !== undefined) {
      if (Date.parse(b.start) - start > minMs) gaps.push({ from: start, to: Date.parse(b.start) });
      start = undefined;
    }
  }
  return gaps;
}

/** Counts of each outcome in the timeline. */
export function countTimeline(t: GuestTimeline): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const p of t.points) counts[p.outcome] += 1;
  for (const b of t.buckets) for (const o of OUTCOMES) counts[o] += b.counts[o];
  return counts;
}

/** One line describing the chart (its accessible name and caption). */
export function summarizeTimeline(t: GuestTimeline): string {
  if (t.total === 0) return `No attestation between ${formatDateTime(t.from)} and ${formatDateTime(t.to)}.`;
  const counts = countTimeline(t);
  const parts = OUTCOMES.filter((o) => counts[o] > 0).map((o) => `${counts[o]} ${outcomeLabel(o).toLowerCase()}`);
  const gaps = findGaps(t);
  const longest = gaps.reduce((m, g) => Math.max(m, g.to - g.from), 0);
  return (
    `${t.total} attestation${t.total === 1 ? '' : 's'} from ${formatDateTime(t.from)} to ${formatDateTime(t.to)}: ` +
    `${parts.join(', ')}.` +
    (gaps.length > 0
      ? ` ${gaps.length} gap${gaps.length === 1 ? '' : 's'} of more than a day (longest ${describeSpan(longest)}).`
      : '')
  );
}

/** Props of TimelineChart. */
export interface TimelineChartProps {
  timeline: GuestTimeline;
  /** Zooms to a period (undefined: all time). */
  onZoom(period: { from: string; to: string } | undefined): void;
  /** Opens one attempt's report. */
  onOpen(attestationId: string): void;
  /** Whether a period is shown (offers "All time"). */
  zoomed: boolean;
}

function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setWidth(Math.max(240, Math.floor(el.clientWidth))));
    ro.observe(el);
    setWidth(Math.max(240, Math.floor(el.clientWidth)));
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

function axisLabel(d: Date, spanMs: number): string {
  const iso = d.toISOString();
  if (spanMs > 2 * DAY) return iso.slice(0, 10);
  if (spanMs > 6 * 3_600_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  if (spanMs > 10 * 60_000) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

/** The timeline chart. */
export function TimelineChart({ timeline, onZoom, onOpen, zoomed }: TimelineChartProps) {
  const [box, width] = useWidth();
  const [drag, setDrag] = useState<{ x0: number; x1: number } | undefined>();
  let t0 = Date.parse(timeline.from);
  let t1 = Date.parse(timeline.to);
  if (!(t1 > t0)) {
    t0 -= 60_000;
    t1 += 60_000;
  }
  // A little room on both sides so the first and last marks do not sit on the edge.
  const pad = (t1 - t0) * 0.03;
  t0 -= pad;
  t1 += pad;
  const x = scaleUtc()
    .domain([new Date(t0), new Date(t1)])
    .range([MARGIN.left, width - MARGIN.right]);
  const innerTop = MARGIN.top;
  const innerBottom = HEIGHT - MARGIN.bottom;
  const ticks = x.ticks(Math.max(2, Math.floor(width / 130)));
  const gaps = findGaps(timeline);
  const summary = summarizeTimeline(timeline);
  const last = timeline.lastAt ? Date.parse(timeline.lastAt) : undefined;

  const toTime = (px: number): number => x.invert(Math.min(width - MARGIN.right, Math.max(MARGIN.left, px))).getTime();
  const localX = (e: ReactPointerEvent<SVGSVGElement>): number => {
    const rect = e.currentTarget.getBoundingClientRect();
    return ((e.clientX - rect.left) / Math.max(1, rect.width)) * width;
  };

  const zoomBy = (days: number): void => {
    const end = last ?? Date.now();
    onZoom({ from: new Date(end - days * DAY).toISOString(), to: new Date(end + 60_000).toISOString() });
  };
  const zoomOut = (): void => {
    const span = t1 - t0;
    onZoom({ from: new Date(t0 - span / 2).toISOString(), to: new Date(t1 + span / 2).toISOString() });
  };

  let maxBucket = 1;
  for (const b of timeline.buckets)
    maxBucket = Math.max(
      maxBucket,
      OUTCOMES.reduce((n, o) => n + b.counts[o], 0),
    );
  const laneHeight = innerBottom - innerTop;

  return (
    <figure className="timeline" aria-labelledby="timeline-caption">
      <div className="timeline-tools" role="group" aria-label="Timeline period">
        <button type="button" onClick={() => zoomBy(1)}>
          Last 24 h
        </button>
        <button type="button" onClick={() => zoomBy(7)}>
          7 days
        </button>
        <button type="button" onClick={() => zoomBy(30)}>
          30 days
        </button>
        <button type="button" onClick={() => zoomBy(365)}>
          12 months
        </button>
        <button type="button" onClick={zoomOut}>
          Zoom out
        </button>
        <button type="button" disabled={!zoomed} onClick={() => onZoom(undefined)}>
          All time
        </button>
        <span className="hint">Drag across the chart to zoom to a period.</span>
      </div>
      <div ref={box} className="timeline-box">
        <svg
          className="timeline-svg"
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          role="img"
          aria-label={summary}
          data-points={timeline.points.length}
          data-buckets={timeline.buckets.length}
          data-gaps={gaps.length}
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            e.currentTarget.setPointerCapture?.(e.pointerId);
            const px = localX(e);
            setDrag({ x0: px, x1: px });
          }}
          onPointerMove={(e) => {
            if (drag) setDrag({ ...drag, x1: localX(e) });
          }}
          onPointerUp={() => {
            if (!drag) return;
            setDrag(undefined);
            const a = Math.min(drag.x0, drag.x1);
            const b = Math.max(drag.x0, drag.x1);
            if (b - a < 6) return; // a click, not a drag
            onZoom({ from: new Date(toTime(a)).toISOString(), to: new Date(toTime(b)).toISOString() });
          }}
        >
          <rect
            className="timeline-lane"
            x={MARGIN.left}
            y={innerTop}
            width={width - MARGIN.left - MARGIN.right}
            height={laneHeight}
          />
          {gaps.map((g) => {
            const a = x(new Date(g.from));
            const b = x(new Date(g.to));
            return (
              <g key={g.from} className="timeline-gap">
                <rect x={a} y={innerTop} width={Math.max(1, b - a)} height={laneHeight}>
                  <title>{`No attestation for ${describeSpan(g.to - g.from)}: ${formatDateTime(new Date(g.from).toISOString())} to ${formatDateTime(new Date(g.to).toISOString())}`}</title>
                </rect>
                {b - a > 48 ? (
                  <text x={(a + b) / 2} y={innerTop - 6} textAnchor="middle" className="timeline-gap-label">
                    {`gap ${describeSpan(g.to - g.from)}`}
                  </text>
                ) : null}
              </g>
            );
          })}
          {timeline.points.map((p) => {
            const cx = x(new Date(p.at));
            const failed = !isVerifiedOutcome(p.outcome);
            return (
              <rect
                key={p.id}
                className={`timeline-mark outcome-fill-${p.outcome}`}
                data-outcome={p.outcome}
                x={cx - 2}
                y={failed ? innerTop + 4 : innerTop + laneHeight / 2 - 4}
                width={4}
                height={failed ? laneHeight - 8 : laneHeight / 2}
                onClick={() => onOpen(p.id)}
              >
                <title>{`${formatDateTime(p.at)} \u2014 ${outcomeLabel(p.outcome)}${p.reasonCode ? ` (${p.reasonCode})` : ''}`}</title>
              </rect>
            );
          })}
          {timeline.buckets.map((b) => {
            const a = x(new Date(b.start));
            const w = Math.max(1, x(new Date(b.end)) - a - 1);
            let y = innerBottom;
            return (
              <g key={b.start}>
                {OUTCOMES.filter((o) => b.counts[o] > 0).map((o) => {
                  const h = Math.max(2, (b.counts[o] / maxBucket) * (laneHeight - 4));
                  y -= h;
                  return (
                    <rect
                      key={o}
                      className={`timeline-mark outcome-fill-${o}`}
                      data-outcome={o}
                      x={a}
                      y={y}
                      width={w}
                      height={h}
                    >
                      <title>{`${formatDateTime(b.start)} to ${formatDateTime(b.end)}: ${b.counts[o]} ${outcomeLabel(o).toLowerCase()}`}</title>
                    </rect>
                  );
                })}
              </g>
            );
          })}
          {drag ? (
            <rect
              className="timeline-brush"
              x={Math.min(drag.x0, drag.x1)}
              y={innerTop}
              width={Math.abs(drag.x1 - drag.x0)}
              height={laneHeight}
            />
          ) : null}
          {ticks
            .map((d) => ({ d, label: axisLabel(d, t1 - t0) }))
            .filter((t, i, all) => i === 0 || t.label !== all[i - 1]!.label)
            .map(({ d, label }) => (
              <g key={d.getTime()} className="timeline-tick">
                <line x1={x(d)} x2={x(d)} y1={innerBottom} y2={innerBottom + 4} />
                <text x={x(d)} y={HEIGHT - 8} textAnchor={x(d) < 40 ? 'start' : x(d) > width - 40 ? 'end' : 'middle'}>
                  {label}
                </text>
              </g>
            ))}
        </svg>
      </div>
      <figcaption id="timeline-caption" className="timeline-caption">
        <span>{summary}</span>
        <span className="timeline-legend" aria-hidden="true">
          {OUTCOMES.map((o) => (
            <span key={o} className="legend-item">
              <span className={`legend-swatch outcome-fill-${o}`} />
              {outcomeLabel(o)}
            </span>
          ))}
          <span className="legend-item">
            <span className="legend-swatch gap-swatch" />
            Gap over a day
          </span>
        </span>
      </figcaption>
    </figure>
  );
}
