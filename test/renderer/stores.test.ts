/**
 * The zustand stores of the renderer, over the real dispatcher and the in-memory port: guests (filter,
 * selection, add errors), trust (import, expiry), attest (stepper, host-key prompt, failure reason,
 * cancellation, fleet), history (paged: 10,000 rows never all loaded), evidence.
 */
import assert from 'node:assert/strict';
import { createUiStore, INFO_NOTICE_MS } from '../../renderer/state/ui-store.js';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { GuestSummary, TrustItem } from '../../shared/types/ui.js';
import { CallError } from '../../renderer/api/client.js';
import { createStores } from '../../renderer/state/stores.js';
import { countByStatus, selectVisibleGuests } from '../../renderer/state/guests-store.js';
import { countLoadedRows, HISTORY_PAGE_SIZE } from '../../renderer/state/history-store.js';
import { bytesToBase64, selectExpiringSoon } from '../../renderer/state/trust-store.js';
import { describeCode } from '../../renderer/state/errors.js';
import { createFakePort } from '../support/fake-port.js';
import { createTestClient } from './fake-client.js';

const HKD = new URL('../vectors/interop/keys/hostA.crt', import.meta.url);

async function withTrust(stores: ReturnType<typeof createStores>): Promise<void> {
  const bytes = await readFile(HKD);
  const r = await stores.trust
    .getState()
    .importFiles([{ name: 'hostA.crt', contentBase64: bytesToBase64(new Uint8Array(bytes)) }]);
  assert.equal(r?.imported.length, 1);
}

/** Resolves when the attest store shows a host-key prompt. */
function nextPrompt(stores: ReturnType<typeof createStores>): Promise<void> {
  return new Promise((resolve) => {
    const off = stores.attest.subscribe((s) => {
      if (s.prompt) {
        off();
        resolve();
      }
    });
  });
}

const g = (over: Partial<GuestSummary>): GuestSummary => ({
  id: 'x',
  name: 'x',
  sshTarget: 'h',
  status: 'never',
  hkdHealth: 'ok',
  crlHealth: 'ok',
  ...over,
});

describe('guests store', () => {
  test('search and status filter; counts per status', () => {
    const guests = [
      g({ id: '1', name: 'alpha', sshTarget: 'root@10.0.0.1', status: 'verified' }),
      g({ id: '2', name: 'beta', sshTarget: 'root@db.example', status: 'failing' }),
    ];
    assert.deepEqual(
      selectVisibleGuests({ guests, search: 'DB.ex', statusFilter: 'all' }).map((x) => x.id),
      ['2'],
    );
    assert.deepEqual(
      selectVisibleGuests({ guests, search: '', statusFilter: 'verified' }).map((x) => x.id),
      ['1'],
    );
    assert.deepEqual(selectVisibleGuests({ guests, search: 'alpha', statusFilter: 'failing' }), []);
    assert.deepEqual(countByStatus(guests), { verified: 1, stale: 0, failing: 1, never: 0 });
  });

  test('add, duplicate refused with its code, selection kept only for existing guests, remove', async () => {
    const stores = createStores(createTestClient());
    const s = stores.guests.getState();
    await s.load();
    assert.equal(stores.guests.getState().loaded, true);
    const a = await s.add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    await s.add({ name: 'beta', sshTarget: 'root@10.0.0.2', policy: {} });
    assert.deepEqual(
      stores.guests.getState().guests.map((x) => x.name),
      ['alpha', 'beta'],
    );
    await assert.rejects(
      s.add({ name: 'alpha', sshTarget: 'root@10.0.0.3', policy: {} }),
      (e: unknown) => e instanceof CallError && e.code === 'ERR_APP_CONFLICT',
    );
    await assert.rejects(
      s.add({ name: 'bad', sshTarget: 'no spaces allowed', policy: {} }),
      (e: unknown) => e instanceof CallError && e.code === 'ERR_APP_BAD_REQUEST',
    );
    s.toggleSelected(a.id);
    s.toggleSelected('ghost');
    await s.load();
    assert.deepEqual(stores.guests.getState().selected, [a.id], 'unknown ids drop out of the selection on reload');
    s.toggleSelected(a.id);
    assert.deepEqual(stores.guests.getState().selected, []);
    await s.remove(a.id);
    assert.deepEqual(
      stores.guests.getState().guests.map((x) => x.name),
      ['beta'],
    );
  });

  test('detail of a missing guest shows the coded text', async () => {
    const stores = createStores(createTestClient());
    await stores.guests.getState().loadDetail('nope');
    assert.equal(stores.guests.getState().detailError, describeCode('ERR_APP_NOT_FOUND'));
  });
});

describe('trust store', () => {
  test('import reports progress and lists the HKD; bad files are rejected per file', async () => {
    const client = createTestClient();
    const stores = createStores(client);
    const progress: number[] = [];
    stores.trust.subscribe((s) => {
      if (s.importing && s.importing.done > 0 && progress.at(-1) !== s.importing.done) progress.push(s.importing.done);
    });
    const bytes = await readFile(HKD);
    const r = await stores.trust.getState().importFiles([
      { name: 'hostA.crt', contentBase64: bytesToBase64(new Uint8Array(bytes)) },
      { name: 'junk.crt', contentBase64: bytesToBase64(new TextEncoder().encode('hello')) },
    ]);
    assert.equal(r?.imported.length, 1);
    assert.deepEqual(
      r?.rejected.map((x) => x.name),
      ['junk.crt'],
    );
    assert.deepEqual(progress, [1, 2]);
    assert.equal(stores.trust.getState().importing, undefined);
    const items = stores.trust.getState().items;
    assert.equal(items.length, 1);
    assert.equal(items[0]!.kind, 'hkd');
    assert.match(items[0]!.subject, /CN=hostA/);
  });

  test('selectExpiringSoon keeps items under 30 days, soonest first', () => {
    const t = (id: string, daysLeft?: number): TrustItem => ({
      id,
      kind: 'crl',
      fileName: id,
      subject: id,
      issuer: id,
      chainStatus: 'not-applicable',
      health: 'ok',
      warnings: [],
      sha256Hex: '',
      importedAt: '',
      ...(daysLeft !== undefined ? { daysLeft } : {}),
    });
    assert.deepEqual(
      selectExpiringSoon([t('a', 40), t('b', 12), t('c', -3), t('d'), t('e', 29), t('f', 30)]).map((x) => x.id),
      ['c', 'b', 'e'],
    );
  });

  test('bytesToBase64 matches Buffer for large inputs', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
  });
});

describe('attest store', () => {
  test('single run: stepper follows events, host-key prompt answered, verified outcome; guests refreshed', async () => {
    const stores = createStores(createTestClient());
    await withTrust(stores);
    const guest = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    const prompted = nextPrompt(stores);
    const run = stores.attest.getState().start([guest.id]);
    await prompted;
    const during = stores.attest.getState().current!;
    assert.equal(during.status, 'running');
    assert.equal(during.guests[guest.id]!.steps['verify-hkds'].state, 'done');
    assert.equal(during.guests[guest.id]!.steps.connect.state, 'running');
    assert.equal(during.guests[guest.id]!.steps.perform.state, 'pending');
    assert.equal(await stores.attest.getState().start([guest.id]), undefined, 'one run at a time');
    await stores.attest.getState().decide(true);
    const done = await run;
    assert.equal(done?.status, 'finished');
    assert.equal(done?.guests[guest.id]!.outcome?.outcome, 'verified');
    assert.ok(Object.values(done!.guests[guest.id]!.steps).every((s) => s.state === 'done'));
    assert.equal(stores.attest.getState().prompt, undefined);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (stores.guests.getState().guests[0]?.status === 'verified') resolve();
      };
      stores.guests.subscribe(check);
      check();
    });
  });

  test('tampered guest: mismatch outcome with the reason text; the failed step carries the message', async () => {
    const stores = createStores(createTestClient({ tamperedHosts: ['10.0.0.66'] }));
    await withTrust(stores);
    const guest = await stores.guests.getState().add({ name: 'bad', sshTarget: 'root@10.0.0.66', policy: {} });
    const prompted = nextPrompt(stores);
    const run = stores.attest.getState().start([guest.id]);
    await prompted;
    await stores.attest.getState().decide(true);
    const done = (await run)!;
    const view = done.guests[guest.id]!;
    assert.equal(view.outcome?.outcome, 'mismatch');
    assert.equal(view.outcome?.reasonCode, 'mismatch');
    assert.equal(view.outcome?.reasonText, describeCode('mismatch'));
    assert.match(view.outcome?.reasonDetail ?? '', /measurement mismatch/);
    assert.equal(view.steps.verify.state, 'failed');
    assert.match(view.steps.verify.message ?? '', /measurement mismatch/);
    assert.equal(view.steps.record.state, 'pending');
  });

  test('rejecting the host key ends the run with the coded text; cancel ends a run as cancelled', async () => {
    const stores = createStores(createTestClient());
    await withTrust(stores);
    const guest = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    let prompted = nextPrompt(stores);
    let run = stores.attest.getState().start([guest.id]);
    await prompted;
    await stores.attest.getState().decide(false);
    let done = (await run)!;
    assert.equal(done.status, 'error');
    assert.equal(done.error?.code, 'ERR_APP_HOSTKEY_REJECTED');
    assert.equal(done.guests[guest.id]!.steps.connect.state, 'failed');

    prompted = nextPrompt(stores);
    run = stores.attest.getState().start([guest.id]);
    await prompted;
    await stores.attest.getState().cancel();
    done = (await run)!;
    assert.equal(done.status, 'cancelled');
    assert.equal(stores.attest.getState().prompt, undefined, 'the prompt closes with the run');
  });

  test('fleet run: per-guest outcomes and progress counts', async () => {
    const stores = createStores(createTestClient({ tamperedHosts: ['10.0.0.66'] }));
    await withTrust(stores);
    const a = await stores.guests.getState().add({ name: 'a', sshTarget: 'root@10.0.0.1', policy: {} });
    const b = await stores.guests.getState().add({ name: 'b', sshTarget: 'root@10.0.0.66', policy: {} });
    const dones: number[] = [];
    stores.attest.subscribe((s) => {
      if (s.current && dones.at(-1) !== s.current.done) dones.push(s.current.done);
      if (s.prompt) void s.decide(true);
    });
    const done = (await stores.attest.getState().start([a.id, b.id]))!;
    assert.equal(done.kind, 'fleet');
    assert.equal(done.status, 'finished');
    assert.equal(done.guests[a.id]!.outcome?.outcome, 'verified');
    assert.equal(done.guests[b.id]!.outcome?.outcome, 'mismatch');
    assert.deepEqual(dones, [0, 1, 2]);
  });
});

describe('history store', () => {
  test('10,000 rows: only the pages covering the requested range are fetched', async () => {
    const port = createFakePort();
    const client = createTestClient({}, port);
    const stores = createStores(client);
    const guest = await stores.guests.getState().add({ name: 'alpha', sshTarget: 'root@10.0.0.1', policy: {} });
    port.seedHistory(guest.id, 10_000);
    const h = stores.history.getState();
    await h.open(guest.id);
    assert.equal(stores.history.getState().total, 10_000);
    assert.equal(countLoadedRows(stores.history.getState()), HISTORY_PAGE_SIZE);
    await stores.history.getState().ensureRange(9_990, 10_006);
    assert.equal(countLoadedRows(stores.history.getState()), 2 * HISTORY_PAGE_SIZE, 'first page + last page only');
    assert.equal(port.rowsServed, 2 * HISTORY_PAGE_SIZE);
    assert.equal(stores.history.getState().rowAt(9_999)?.id, `${guest.id}-seed-9999`);
    assert.equal(stores.history.getState().rowAt(5_000), undefined);
    await stores.history.getState().ensureRange(9_990, 10_006);
    assert.equal(port.rowsServed, 2 * HISTORY_PAGE_SIZE, 'loaded pages are not fetched again');
    const listCalls = client.calls.filter((c) => c.channel === 'history:list').map((c) => c.request);
    assert.deepEqual(listCalls, [
      { guestId: guest.id, offset: 0, limit: HISTORY_PAGE_SIZE },
      { guestId: guest.id, offset: 9_900, limit: HISTORY_PAGE_SIZE },
    ]);
  });

  test('switching guests discards the old pages; reports open by id', async () => {
    const port = createFakePort();
    const stores = createStores(createTestClient({}, port));
    const a = await stores.guests.getState().add({ name: 'a', sshTarget: 'root@10.0.0.1', policy: {} });
    const b = await stores.guests.getState().add({ name: 'b', sshTarget: 'root@10.0.0.2', policy: {} });
    port.seedHistory(a.id, 300);
    await stores.history.getState().open(a.id);
    await stores.history.getState().open(b.id);
    assert.equal(stores.history.getState().total, 0);
    assert.equal(countLoadedRows(stores.history.getState()), 0);
    await stores.history.getState().openReport(`${a.id}-seed-3`);
    assert.equal(stores.history.getState().report?.id, `${a.id}-seed-3`);
    await stores.history.getState().openReport('missing');
    assert.equal(stores.history.getState().report, undefined);
    assert.equal(stores.history.getState().reportError, describeCode('ERR_APP_NOT_FOUND'));
  });
});

describe('evidence store', () => {
  test('export returns the bundle facts; a reversed period is refused with its code', async () => {
    const stores = createStores(createTestClient());
    await stores.evidence.getState().exportBundle({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-12-31T23:59:59.999Z',
      guestIds: [],
      destination: '/tmp/out',
    });
    assert.match(stores.evidence.getState().result?.path ?? '', /^\/tmp\/out\/evidence-\d{4}-\d{2}-\d{2}\.zip$/);
    assert.equal(stores.evidence.getState().running, undefined);
    await stores.evidence.getState().exportBundle({
      from: '2026-12-31T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
      guestIds: [],
      destination: '/tmp/out',
    });
    assert.equal(stores.evidence.getState().error, describeCode('ERR_APP_BAD_REQUEST'));
  });

  test("defaults: the workspace's remembered organisation, the key and the port's exact verify command", async () => {
    const client = createTestClient();
    const stores = createStores(client);
    await stores.evidence.getState().loadDefaults();
    const before = stores.evidence.getState().defaults;
    assert.equal(before?.organisation, null, 'nothing remembered yet');
    assert.match(before?.verifyCommand ?? '', /^se-attest evidence verify <bundle> --trusted-key \S+\.pem$/);
    assert.match(before?.publicKeyFingerprint ?? '', /^SHA256:/);
    await stores.evidence.getState().exportBundle({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-12-31T23:59:59.999Z',
      guestIds: [],
      destination: '/tmp/out',
      organisation: 'Example Bank',
    });
    const result = stores.evidence.getState().result;
    assert.ok(result);
    assert.equal(
      result.verifyCommand,
      `se-attest evidence verify ${result.path} --trusted-key ${before?.publicKeyPath}`,
    );
    assert.equal(stores.evidence.getState().defaults?.organisation, 'Example Bank', 'reloaded after the export');
    assert.deepEqual(
      client.calls.filter((c) => c.channel === 'evidence:defaults').length,
      2,
      'defaults asked for on load and after the export',
    );
  });
});

describe('ui store', () => {
  test('navigation, theme and bounded notices', () => {
    const stores = createStores(createTestClient());
    const ui = stores.ui.getState();
    ui.navigate({ name: 'guest', guestId: 'g1' });
    assert.deepEqual(stores.ui.getState().view, { name: 'guest', guestId: 'g1' });
    ui.setTheme('dark');
    assert.equal(stores.ui.getState().theme, 'dark');
    for (let i = 0; i < 8; i++) ui.notify('info', `n${i}`);
    assert.deepEqual(
      stores.ui.getState().notices.map((n) => n.text),
      ['n3', 'n4', 'n5', 'n6', 'n7'],
    );
    ui.dismiss(stores.ui.getState().notices[0]!.id);
    assert.equal(stores.ui.getState().notices.length, 4);
  });
  test('info notices go away by themselves; errors stay until dismissed', () => {
    const pending: { fn: () => void; ms: number }[] = [];
    const ui = createUiStore({}, { setTimeout: (fn, ms) => pending.push({ fn, ms }) });
    ui.getState().notify('info', 'imported');
    ui.getState().notify('error', 'failed');
    assert.deepEqual(
      pending.map((p) => p.ms),
      [INFO_NOTICE_MS],
    );
    pending[0]!.fn();
    assert.deepEqual(
      ui.getState().notices.map((n) => n.text),
      ['failed'],
    );
  });
});
