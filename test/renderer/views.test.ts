/**
 * Component tests of the key views, rendered to HTML with react-dom/server over stores filled through the
 * real dispatcher and the in-memory port. (Views are .tsx; they are loaded by URL so the root type check,
 * which has no JSX/DOM settings, does not compile them — renderer/tsconfig.json checks them.)
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createElement, type FunctionComponent } from 'react';
import { renderToString } from 'react-dom/server';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createStores, StoresContext, type Stores } from '../../renderer/state/stores.js';
import { bytesToBase64 } from '../../renderer/state/trust-store.js';
import { describeCode } from '../../renderer/state/errors.js';
import { writeCaAndCrl } from '../e2e/fake-scenario.js';
import { createTestClient } from './fake-client.js';

/** Loads a view module (.tsx) by path. */
async function load<T>(path: string): Promise<T> {
  return (await import(new URL(`../../renderer/${path}`, import.meta.url).href)) as T;
}

type C<P = object> = FunctionComponent<P>;
const { GuestsView } = await load<{ GuestsView: C }>('views/guests-view.tsx');
const { TrustView } = await load<{ TrustView: C }>('views/trust-view.tsx');
const { AttestView } = await load<{ AttestView: C }>('views/attest-view.tsx');
const { AttestationView } = await load<{ AttestationView: C<{ attestationId: string }> }>('views/attestation-view.tsx');
const { App } = await load<{ App: C }>('views/app.tsx');
const { VirtualList } = await load<{
  VirtualList: C<{
    count: number;
    rowHeight: number;
    height: number;
    label: string;
    renderRow: (i: number) => unknown;
  }>;
}>('components/virtual-list.tsx');
const { computeWindow } = await load<{
  computeWindow: (p: { scrollTop: number; height: number; rowHeight: number; count: number; overscan: number }) => {
    start: number;
    end: number;
  };
}>('components/virtual-list.tsx');

/**
 * Server rendering reads each zustand store's *initial* state (useSyncExternalStore's server snapshot), so
 * render over stores whose initial state is the current state of the live ones.
 */
function snapshot(stores: Stores): Stores {
  const copy = <T>(store: StoreApi<T>): StoreApi<T> => createStore<T>()(() => store.getState());
  return {
    client: stores.client,
    connection: copy(stores.connection),
    ui: copy(stores.ui),
    guests: copy(stores.guests),
    trust: copy(stores.trust),
    attest: copy(stores.attest),
    history: copy(stores.history),
    evidence: copy(stores.evidence),
  };
}

function render<P extends object>(stores: Stores, component: C<P>, props?: P): string {
  return renderToString(
    createElement(
      StoresContext.Provider,
      { value: snapshot(stores) },
      createElement(component as C<object>, props ?? {}),
    ),
  );
}

const HKD = new URL('../vectors/interop/keys/hostA.crt', import.meta.url);

async function importHkd(stores: Stores): Promise<void> {
  const bytes = await readFile(HKD);
  await stores.trust
    .getState()
    .importFiles([{ name: 'hostA.crt', contentBase64: bytesToBase64(new Uint8Array(bytes)) }]);
}

async function attestWithTrust(stores: Stores, guestId: string) {
  const off = stores.attest.subscribe((s) => {
    if (s.prompt) void s.decide(true);
  });
  const run = await stores.attest.getState().start([guestId]);
  off();
  return run;
}

describe('GuestsView', () => {
  test('empty state tells a new user what to do first', async () => {
    const stores = createStores(createTestClient());
    await stores.guests.getState().load();
    const html = render(stores, GuestsView);
    assert.match(html, /No guests yet/);
    assert.match(html, /Import the host-key documents and CRLs/);
    assert.doesNotMatch(html, /<table/);
  });

  test('rows show status, health, and labelled selection and attest controls', async () => {
    const stores = createStores(createTestClient({ tamperedHosts: ['10.0.0.66'] }));
    await importHkd(stores);
    const good = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    const bad = await stores.guests.getState().add({ name: 'omega', sshTarget: 'root@10.0.0.66', policy: {} });
    await attestWithTrust(stores, good.id);
    await attestWithTrust(stores, bad.id);
    await stores.guests.getState().load();
    stores.guests.getState().toggleSelected(good.id);
    const html = render(stores, GuestsView);
    assert.match(html, /<tr data-guest="alpha" data-status="verified">/);
    assert.match(html, /<tr data-guest="omega" data-status="failing">/);
    assert.match(html, /aria-label="Select alpha"/);
    assert.match(html, /aria-label="Attest omega"/);
    assert.match(html, /Attest selected \(<!-- -->1<!-- -->\)/);
    assert.match(html, /<input type="search" placeholder="Search name or host"/);
    // issue 15: the failing row says why (outcome, one-line reason, code); names link to the guest.
    assert.match(html, /data-outcome="mismatch">Measurement mismatch</);
    assert.match(
      html,
      /data-why="omega"[^>]*>.*The guest’s answer does not match.*<code class="code">mismatch<\/code>/,
    );
    assert.match(html, /<a class="guest-link" href="#\/guests\/g1">alpha<\/a>/);
    assert.match(html, /<th scope="col" aria-sort="ascending"><button type="button" class="sort">Name/);
    // issue 15: chips filter; a guest hidden by the filter is no longer selected.
    stores.guests.getState().setStatusFilter('failing');
    assert.deepEqual(stores.guests.getState().selected, [], 'alpha hidden: its selection is cleared');
    const filtered = render(stores, GuestsView);
    assert.doesNotMatch(filtered, /data-guest="alpha"/);
    assert.match(filtered, /data-guest="omega"/);
    assert.match(filtered, /data-chip="failing" aria-pressed="true"/);
    // issue 15: sorting by a column; the same column again reverses it.
    stores.guests.getState().setStatusFilter('all');
    stores.guests.getState().sortBy('status');
    const byStatus = render(stores, GuestsView);
    assert.ok(byStatus.indexOf('data-guest="omega"') < byStatus.indexOf('data-guest="alpha"'), 'failing first');
    stores.guests.getState().sortBy('status');
    const reversed = render(stores, GuestsView);
    assert.ok(reversed.indexOf('data-guest="alpha"') < reversed.indexOf('data-guest="omega"'));
    assert.match(reversed, /aria-sort="descending"><button type="button" class="sort">Status/);
  });
});

describe('TrustView', () => {
  test('CRL freshness shows days to nextUpdate and warns under 30 days; HKD chain status shown', async () => {
    const stores = createStores(createTestClient());
    const dir = join(tmpdir(), `sea-views-${process.pid}`);
    await (await import('node:fs/promises')).mkdir(dir, { recursive: true });
    const { caPath, crlPath } = await writeCaAndCrl(dir, 12);
    const files = await Promise.all(
      [HKD.pathname, caPath, crlPath].map(async (p) => ({
        name: p.split('/').pop()!,
        contentBase64: bytesToBase64(new Uint8Array(await readFile(p))),
      })),
    );
    await stores.trust.getState().importFiles(files);
    const html = render(stores, TrustView);
    assert.match(html, /Expiring within <!-- -->30<!-- --> days/);
    assert.match(html, /CRL nextUpdate in 12 days/);
    assert.match(html, /<div class="mono warning-text" title="[^"]+">12 d<\/div>/);
    assert.match(html, /aria-label="Host-key documents"/);
    // issue 15: chain status explained, never a bare dash; DNs short with the full name on demand.
    assert.match(html, /data-chain="unknown">Not checked yet: import the IBM Z signing-key certificate/);
    assert.match(html, /data-chain="not-applicable">Expiring soon: import its next version/);
    assert.doesNotMatch(html, /<td[^>]*>\u2014<\/td>/);
    assert.match(html, /<span class="dn-short">hostA<\/span>.*Full name<\/button>/);
    assert.match(html, /aria-label="Import trust files"/);
    assert.match(html, /aria-label="Copy PHKH of hostA.crt"/);
    await (await import('node:fs/promises')).rm(dir, { recursive: true, force: true });
  });

  test('empty state explains which files to import', () => {
    const stores = createStores(createTestClient());
    stores.trust.setState({ loaded: true });
    assert.match(render(stores, TrustView), /No trust material yet.*host-key document \(HKD\)/s);
  });
});

describe('AttestView', () => {
  test('a failed run shows the failed step and the reason; the outcome is an alert', async () => {
    const stores = createStores(createTestClient({ tamperedHosts: ['10.0.0.66'] }));
    await importHkd(stores);
    const bad = await stores.guests.getState().add({ name: 'omega', sshTarget: 'root@10.0.0.66', policy: {} });
    await stores.guests.getState().load();
    await attestWithTrust(stores, bad.id);
    const html = render(stores, AttestView);
    assert.match(html, /data-step="verify" data-state="failed"/);
    // issue 15: a step the run never reached shows "Skipped", not "Waiting"; "Try again" is one click.
    assert.match(html, /data-step="record" data-state="skipped">.*?<span class="step-state">Skipped<\/span>/);
    assert.doesNotMatch(html, /Waiting/);
    assert.match(html, /<button type="button" class="primary">Try again<\/button>/);
    assert.match(html, /role="alert" data-reason-code="mismatch"/);
    assert.ok(html.includes(describeCode('mismatch')));
    assert.match(html, /measurement mismatch: the response was not computed/);
    assert.match(html, /Next step: /);
  });

  test('first contact shows the fingerprint in a labelled dialog with trust and reject', async () => {
    const stores = createStores(createTestClient());
    await importHkd(stores);
    const g = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    const prompted = new Promise<void>((resolve) => {
      const off = stores.attest.subscribe((s) => {
        if (s.prompt) {
          off();
          resolve();
        }
      });
    });
    const run = stores.attest.getState().start([g.id]);
    await prompted;
    const html = render(stores, AttestView);
    const fp = stores.attest.getState().prompt!.fingerprintSha256;
    assert.match(html, /role="dialog" aria-modal="true" aria-labelledby="dlg-trust-this-host-key-"/);
    assert.ok(html.includes(fp));
    assert.match(html, />Trust and pin</);
    assert.match(html, />Reject</);
    assert.match(html, /data-step="connect" data-state="running" aria-current="step"/);
    await stores.attest.getState().decide(false);
    await run;
  });

  test('nothing running: an empty state', () => {
    assert.match(render(createStores(createTestClient()), AttestView), /Nothing running/);
  });
});

describe('AttestationView', () => {
  test('report shows CUID with copy button and the HKD verification steps', async () => {
    const stores = createStores(createTestClient());
    await importHkd(stores);
    const g = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    const run = await attestWithTrust(stores, g.id);
    const id = run!.guests[g.id]!.outcome!.attestationId!;
    await stores.history.getState().openReport(id);
    const html = render(stores, AttestationView, { attestationId: id });
    assert.match(html, /aria-label="Copy CUID"/);
    assert.match(html, /<code title="[0-9a-f]{32}" class="mono">[0-9a-f]{32}<\/code>/);
    assert.match(html, /aria-label="HKD verification steps"/);
    assert.match(html, /host key is EC P-521/);
    assert.match(html, /data-outcome="verified"/);
    // issue 15: no command-line flags in the window (the fake's chain detail names --no-verify).
    assert.doesNotMatch(html, /--[a-z]/);
  });
});

describe('VirtualList', () => {
  test('10,000 rows: only the visible window is rendered', () => {
    const stores = createStores(createTestClient());
    const html = render(stores, VirtualList, {
      count: 10_000,
      rowHeight: 44,
      height: 440,
      label: 'Attestation history',
      renderRow: (i: number) => `row ${i}`,
    });
    const rows = html.match(/role="listitem"/g) ?? [];
    assert.equal(rows.length, 16, '10 visible + 6 overscan');
    assert.match(html, /data-rowcount="10000"/);
    assert.doesNotMatch(html, /row 20</);
  });

  test('computeWindow at the end of a long list', () => {
    assert.deepEqual(computeWindow({ scrollTop: 44 * 9_990, height: 440, rowHeight: 44, count: 10_000, overscan: 6 }), {
      start: 9_984,
      end: 10_000,
    });
    assert.deepEqual(computeWindow({ scrollTop: 0, height: 440, rowHeight: 44, count: 3, overscan: 6 }), {
      start: 0,
      end: 3,
    });
  });
});

describe('App', () => {
  test('navigation marks the current screen and offers light/dark themes', () => {
    const stores = createStores(createTestClient(), { view: { name: 'trust' }, theme: 'dark' });
    const html = render(stores, App);
    assert.match(html, /<nav class="sidebar" aria-label="Main">/);
    // issue 15: every screen has a link.
    assert.match(html, /<a class="nav-link" href="#\/trust" aria-current="page" title="Trust">/);
    assert.match(html, /<a class="nav-link" href="#\/guests" title="Guests">/);
    assert.match(html, /<div class="app" data-theme="dark">/);
    assert.match(html, /aria-label="Theme: Dark \(change\)"/);
    assert.doesNotMatch(html, /Connection to the workstation lost/);
  });
});
