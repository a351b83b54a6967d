/**
 * Issue 15's renderer pieces: hash routing (links, reload, unknown hashes), the connection store (lost on an
 * unreachable or silent workstation, Retry, reload on reconnect), the timeline chart (gaps, buckets, zoom
 * controls, accessible summary), plain words for codes (no "level 0", no CLI flags), evidence presets, DNs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createElement, type FunctionComponent } from 'react';
import { renderToString } from 'react-dom/server';
import { emptyOutcomeCounts } from '../../shared/types/verdict.js';
import type { GuestTimeline } from '../../shared/types/ui.js';
import type { WorkstationClient } from '../../renderer/api/client.js';
import { shortDn } from '../../renderer/components/format.js';
import { outcomeOf } from '../../renderer/components/outcome.js';
import { createConnectionStore, watchedClient } from '../../renderer/state/connection-store.js';
import { codeText, describeCode, plainMessage } from '../../renderer/state/errors.js';
import { hrefOf, viewOf, type View } from '../../renderer/state/router.js';
import { describeImport } from '../../renderer/state/trust-store.js';

async function load<T>(path: string): Promise<T> {
  return (await import(new URL(`../../renderer/${path}`, import.meta.url).href)) as T;
}
const chart = await load<{
  TimelineChart: FunctionComponent<{ timeline: GuestTimeline; onZoom(): void; onOpen(): void; zoomed: boolean }>;
  findGaps(t: GuestTimeline): { from: number; to: number }[];
  summarizeTimeline(t: GuestTimeline): string;
}>('components/timeline-chart.tsx');
const evidence = await load<{
  presetPeriod(p: string, now: Date): { from: string; to: string };
  isIsoDate(s: string): boolean;
}>('views/evidence-view.tsx');
const history = await load<{
  fillHeight(p: { topInPage: number; viewport: number; rows: number; rowHeight: number }): number;
}>('views/history-list.tsx');
const dn = await load<{ TextWithNames: FunctionComponent<{ text: string }> }>('components/dn.tsx');

describe('routing', () => {
  test('every view has a link and the link gives the view back', () => {
    const views: View[] = [
      { name: 'guests' },
      { name: 'guest', guestId: '12' },
      { name: 'attestation', attestationId: '340' },
      { name: 'attest' },
      { name: 'trust' },
      { name: 'evidence' },
    ];
    for (const v of views) assert.deepEqual(viewOf(hrefOf(v)), v, hrefOf(v));
    assert.equal(hrefOf({ name: 'guest', guestId: '12' }), '#/guests/12');
    assert.equal(hrefOf({ name: 'attestation', attestationId: '340' }), '#/attestations/340');
  });

  test('unknown, empty or hostile hashes show the guests', () => {
    for (const h of ['', '#', '#/nope', '#/guests/%zz', '#/guests/a b', '#/attestations/', '#/trust/x'])
      assert.deepEqual(viewOf(h), { name: 'guests' }, h);
  });
});

describe('connection store', () => {
  function client(answer: () => Promise<unknown>): WorkstationClient & { transport?: (s: 'up' | 'down') => void } {
    const c: WorkstationClient & { transport?: (s: 'up' | 'down') => void } = {
      mode: 'web',
      call: (() => answer()) as WorkstationClient['call'],
      on: () => () => undefined,
      onTransport: (l) => {
        c.transport = l;
        return () => undefined;
      },
    };
    return c;
  }
  const noTimers = { setTimeout: (fn: () => void) => void fn, clearTimeout: () => undefined };

  test('a call that cannot reach the workstation marks it lost; Retry brings it back and reloads', async () => {
    let up = false;
    let reloaded = 0;
    const raw = client(async () =>
      up
        ? { ok: true, value: { name: 'x', version: '1', mode: 'web' } }
        : { ok: false, error: { code: 'ERR_APP_DISCONNECTED', message: 'down' } },
    );
    const conn = createConnectionStore(raw, {
      onReconnect: () => reloaded++,
      timers: { ...noTimers, setTimeout: () => 0 },
    });
    const watched = watchedClient(raw, conn);
    await watched.call('guests:list', {});
    assert.equal(conn.getState().status, 'lost');
    assert.equal(conn.getState().cause, 'unreachable');
    assert.equal(await conn.getState().retry(), false);
    up = true;
    assert.equal(await conn.getState().retry(), true);
    assert.equal(conn.getState().status, 'online');
    assert.equal(reloaded, 1, 'what the screens show is reloaded');
  });

  test('a refused session in web mode is its own cause; a silent workstation is "not answering"', async () => {
    const raw = client(async () => ({ ok: false, error: { code: 'ERR_APP_FORBIDDEN', message: 'no session' } }));
    const conn = createConnectionStore(raw, { timers: { ...noTimers, setTimeout: () => 0 } });
    await watchedClient(raw, conn).call('trust:list', {});
    assert.equal(conn.getState().cause, 'session');
    const silent = client(() => new Promise(() => undefined));
    let fire: () => void = () => undefined;
    const conn2 = createConnectionStore(silent, {
      timers: { setTimeout: (fn) => ((fire = fn), 0), clearTimeout: () => undefined },
    });
    const pending = conn2.getState().retry();
    fire(); // the check's timeout elapses
    assert.equal(await pending, false);
    assert.equal(conn2.getState().cause, 'not-answering');
  });

  test('the event stream dropping triggers a check', async () => {
    let calls = 0;
    const raw = client(async () => {
      calls++;
      return { ok: false, error: { code: 'ERR_APP_DISCONNECTED', message: 'down' } };
    });
    const conn = createConnectionStore(raw, { timers: { ...noTimers, setTimeout: () => 0 } });
    conn.getState().start();
    raw.transport!('down');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
    assert.equal(conn.getState().status, 'lost');
  });
});

describe('timeline chart', () => {
  const base = (over: Partial<GuestTimeline>): GuestTimeline => ({
    guestId: '1',
    from: '2027-01-01T00:00:00.000Z',
    to: '2027-01-10T00:00:00.000Z',
    total: 0,
    points: [],
    buckets: [],
    ...over,
  });

  test('gaps of more than a day are found, shaded and counted in the summary', () => {
    const t = base({
      total: 3,
      points: [
        { id: '1', at: '2027-01-01T00:00:00.000Z', outcome: 'verified', durationMs: 1 },
        { id: '2', at: '2027-01-01T12:00:00.000Z', outcome: 'mismatch', durationMs: 1, reasonCode: 'mismatch' },
        { id: '3', at: '2027-01-05T12:00:00.000Z', outcome: 'verified', durationMs: 1 },
      ],
    });
    assert.deepEqual(chart.findGaps(t), [
      { from: Date.parse('2027-01-01T12:00:00.000Z'), to: Date.parse('2027-01-05T12:00:00.000Z') },
    ]);
    assert.match(
      chart.summarizeTimeline(t),
      /3 attestations .*2 verified, 1 measurement mismatch\. 1 gap of more than a day \(longest 4 d\)/,
    );
    const html = renderToString(
      createElement(chart.TimelineChart, {
        timeline: t,
        onZoom: () => undefined,
        onOpen: () => undefined,
        zoomed: false,
      }),
    );
    assert.match(html, /data-points="3"/);
    assert.match(html, /data-gaps="1"/);
    assert.match(html, /class="timeline-mark outcome-fill-mismatch" data-outcome="mismatch"/);
    assert.match(html, />gap 4 d</);
    assert.match(html, /role="img" aria-label="3 attestations/);
    for (const b of ['Last 24 h', '7 days', '30 days', '12 months', 'Zoom out'])
      assert.ok(html.includes(`>${b}</button>`), b);
    assert.match(html, /<button type="button" disabled="">All time<\/button>/, 'nothing to reset when not zoomed');
    assert.match(html, /2027-01-0\d</, 'ISO dates on the axis');
  });

  test('a dense period is drawn as stacked buckets; empty buckets make gaps', () => {
    const counts = (v: number, m: number) => ({ ...emptyOutcomeCounts(), verified: v, mismatch: m });
    const buckets = Array.from({ length: 9 }, (_, d) => ({
      start: new Date(Date.parse('2027-01-01T00:00:00.000Z') + d * 86_400_000).toISOString(),
      end: new Date(Date.parse('2027-01-01T00:00:00.000Z') + (d + 1) * 86_400_000).toISOString(),
      counts: d >= 3 && d <= 5 ? counts(0, 0) : counts(100, d),
    }));
    const t = base({ total: 600, buckets });
    assert.equal(chart.findGaps(t).length, 1);
    const html = renderToString(
      createElement(chart.TimelineChart, {
        timeline: t,
        onZoom: () => undefined,
        onOpen: () => undefined,
        zoomed: true,
      }),
    );
    assert.match(html, /data-buckets="9"/);
    assert.equal((html.match(/outcome-fill-mismatch" data-outcome="mismatch"/g) ?? []).length, 5, 'buckets 1,2,6,7,8');
    assert.match(html, /<button type="button">All time<\/button>/);
  });
});

describe('words', () => {
  test('chain errors in plain words naming the item; no "level 0"; no command-line flags', () => {
    assert.equal(
      describeCode('ERR_CRL_MISSING', undefined, { item: 'demo-intermediate-ca.crt' }),
      'No CRL is imported for “demo-intermediate-ca.crt”.',
    );
    assert.match(codeText('ERR_CRL_MISSING')!.next!, /Import the CRL/);
    const raw =
      'The IBM Z signing key could not be verified. Error occurred at level 1: unable to get certificate CRL (CN=x) (use --offline or pass --crl FILE)';
    const plain = plainMessage(raw);
    assert.doesNotMatch(plain, /level \d|--[a-z]/);
    assert.match(plain, /unable to get certificate CRL/);
    assert.doesNotMatch(describeCode(undefined, 'self-signed: accepted with --no-verify only'), /--/);
    for (const code of [
      'ERR_APP_HOSTKEY_REJECTED',
      'ERR_TRANSPORT_HOST_KEY_CHANGED',
      'mismatch',
      'ERR_POLICY_IMAGE_PHKH',
    ])
      assert.ok(codeText(code)?.next, `${code} has a next step`);
    assert.doesNotMatch(describeCode('ERR_APP_DISCONNECTED'), /Something went wrong/);
    assert.match(describeCode('ERR_APP_DISCONNECTED'), /connection to the workstation is lost/);
  });

  test('a row shows its outcome; a pending one shows as not judged (interrupted)', () => {
    assert.equal(outcomeOf({ outcome: 'policy-violation' }), 'policy-violation');
    assert.equal(outcomeOf({ outcome: 'verified' }), 'verified');
    assert.equal(outcomeOf({ outcome: 'pending' }), 'interrupted');
  });

  test('import toasts count new, already present and rejected files', () => {
    assert.equal(
      describeImport({ imported: [], alreadyPresent: [], rejected: [] }),
      'Imported: 0 new, 0 already present',
    );
    const item = {} as never;
    assert.equal(
      describeImport({
        imported: [item, item],
        alreadyPresent: [item],
        rejected: [{ name: 'x', code: 'E', message: 'm' }],
      }),
      'Imported: 2 new, 1 already present, 1 rejected',
    );
  });

  test('DNs by their host name; IBM names the host in the OU; DNs inside messages shown short', () => {
    assert.equal(shortDn('C=US, O=Example, CN=hostA'), 'hostA');
    assert.equal(
      shortDn(
        'C=US, O=International Business Machines Corporation, CN=International Business Machines Corporation, OU=IBM Z Host Key 3931 0000000A0000',
      ),
      'IBM Z Host Key 3931 0000000A0000',
    );
    const html = renderToString(
      createElement(dn.TextWithNames, { text: 'not listed in root.crl (C=US, O=Example, CN=Root CA, OU=PKI)' }),
    );
    assert.match(html, /not listed in root\.crl \(<span class="dn"><span class="dn-short">Root CA · PKI<\/span>/);
    assert.match(html, /Full name<\/button><\/span>\)$/);
  });
});

describe('evidence and history helpers', () => {
  test('presets: this year, last year, last 12 months, as ISO dates', () => {
    const now = new Date('2027-03-15T10:00:00Z');
    assert.deepEqual(evidence.presetPeriod('this-year', now), { from: '2027-01-01', to: '2027-03-15' });
    assert.deepEqual(evidence.presetPeriod('last-year', now), { from: '2026-01-01', to: '2026-12-31' });
    assert.deepEqual(evidence.presetPeriod('last-12-months', now), { from: '2026-03-16', to: '2027-03-15' });
    assert.equal(evidence.isIsoDate('2027-02-29'), false);
    assert.equal(evidence.isIsoDate('2028-02-29'), true);
    assert.equal(evidence.isIsoDate('03/15/2027'), false);
  });

  test('the history fills the space below it, never more than its rows need', () => {
    assert.equal(history.fillHeight({ topInPage: 300, viewport: 768, rows: 1000, rowHeight: 44 }), 452);
    assert.equal(history.fillHeight({ topInPage: 300, viewport: 768, rows: 2, rowHeight: 44 }), 88);
    assert.equal(
      history.fillHeight({ topInPage: 700, viewport: 768, rows: 1000, rowHeight: 44 }),
      648,
      'a screen once scrolled to',
    );
  });
});
