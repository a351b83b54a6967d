/** Issue 15: the timeline of a guest: every attempt when few, fixed buckets counting each outcome when dense. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTimeline, TIMELINE_BUCKETS, type TimelineRow } from '../../../main/app/port/timeline.js';
import { type OUTCOMES } from '../../../shared/types/verdict.js';

const T0 = Date.parse('2027-01-01T00:00:00.000Z');
const row = (i: number, minutes: number, outcome: TimelineRow['outcome'] = 'verified'): TimelineRow => ({
  id: i + 1,
  startedAt: new Date(T0 + minutes * 60_000).toISOString(),
  finishedAt: new Date(T0 + minutes * 60_000 + 1500).toISOString(),
  outcome,
  ...(outcome !== 'verified' ? { reasonCode: 'ERR_POLICY_IMAGE_PHKH' } : {}),
});

test('few attempts: one point each with outcome, duration and code; the period defaults to first..last', () => {
  const t = buildTimeline({ guestId: '7', rows: [row(0, 0), row(1, 90, 'policy-violation')] });
  assert.equal(t.total, 2);
  assert.deepEqual(t.buckets, []);
  assert.deepEqual(
    t.points.map((p) => [p.id, p.outcome, p.durationMs, p.reasonCode]),
    [
      ['1', 'verified', 1500, undefined],
      ['2', 'policy-violation', 1500, 'ERR_POLICY_IMAGE_PHKH'],
    ],
  );
  assert.equal(t.from, '2027-01-01T00:00:00.000Z');
  assert.equal(t.to, '2027-01-01T01:30:00.000Z');
});

test('dense: buckets over the period count every attempt by outcome; none is lost', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => row(i, i, i % 50 === 0 ? 'mismatch' : 'verified'));
  const t = buildTimeline({
    guestId: '7',
    rows,
    from: new Date(T0).toISOString(),
    to: new Date(T0 + 5000 * 60_000).toISOString(),
    maxPoints: 1000,
  });
  assert.deepEqual(t.points, []);
  assert.equal(t.buckets.length, TIMELINE_BUCKETS);
  const sum = (o: (typeof OUTCOMES)[number]) => t.buckets.reduce((n, b) => n + b.counts[o], 0);
  assert.equal(sum('verified'), 4900);
  assert.equal(sum('mismatch'), 100);
  assert.equal(t.buckets[0]!.start, t.from);
  assert.ok(Date.parse(t.buckets.at(-1)!.end) - Date.parse(t.to) < 2, 'the buckets cover the whole period');
});

test('an empty period keeps the asked period and the guest span', () => {
  const t = buildTimeline({
    guestId: '7',
    rows: [],
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-12-31T23:59:59.999Z',
    firstAt: '2027-01-01T00:00:00.000Z',
    lastAt: '2027-02-01T00:00:00.000Z',
  });
  assert.equal(t.total, 0);
  assert.equal(t.from, '2026-01-01T00:00:00.000Z');
  assert.equal(t.lastAt, '2027-02-01T00:00:00.000Z');
});
