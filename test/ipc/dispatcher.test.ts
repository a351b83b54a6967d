/**
 * The dispatcher: payload validation, error values, attest progress events, the first-contact host-key
 * prompt, cancellation and run-id bookkeeping.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventMap, EventName } from '../../shared/contract.js';
import { AttestError } from '../../shared/errors/index.js';
import type { AttestStepId } from '../../shared/types/ui.js';
import { createDispatcher, toErrorPayload } from '../../main/ipc/dispatcher.js';
import type { WorkstationPort } from '../../main/ipc/port.js';
import { createFakePort, type FakePortParams } from '../support/fake-port.js';

const INFO = { name: 'SE Attestation Workstation', version: 'test', mode: 'web' as const };

function setup(params: FakePortParams = {}, port?: WorkstationPort, promptTimeoutMs?: number) {
  const events: { event: EventName; payload: unknown }[] = [];
  const waiters: { event: EventName; resolve: (p: unknown) => void }[] = [];
  const logged: unknown[] = [];
  const dispatcher = createDispatcher({
    port: port ?? createFakePort(params),
    info: INFO,
    emit: (event, payload) => {
      events.push({ event, payload });
      for (const w of waiters.splice(0))
        if (w.event === event) w.resolve(payload);
        else waiters.push(w);
    },
    logError: (_c, e) => logged.push(e),
    ...(promptTimeoutMs !== undefined ? { promptTimeoutMs } : {}),
  });
  const next = <E extends EventName>(event: E): Promise<EventMap[E]> =>
    new Promise((resolve) => waiters.push({ event, resolve: resolve as (p: unknown) => void }));
  return { dispatcher, events, next, logged };
}

/** A gate that holds a run before a given step until released. */
function gateAt(step: AttestStepId) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((r) => (reached = r));
  return {
    beforeStep: async (_g: string, s: AttestStepId, signal: AbortSignal) => {
      if (s !== step) return;
      reached();
      await Promise.race([
        released,
        new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true })),
      ]);
    },
    arrived,
    release,
  };
}

const GUEST = { name: 'g', sshTarget: 'root@10.0.0.10', policy: {} };
const HKD_B64 = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t'; // not a certificate: rejected per file

describe('dispatcher', () => {
  test('refuses unknown channels and malformed payloads with coded errors', async () => {
    const { dispatcher } = setup();
    assert.deepEqual(await dispatcher.dispatch('guests:drop', {}), {
      ok: false,
      error: { code: 'ERR_APP_UNKNOWN_CHANNEL', message: 'unknown channel' },
    });
    for (const bad of [
      null,
      'x',
      [],
      { ...GUEST, extra: true },
      { ...GUEST, sshTarget: 'root@host; rm -rf /' },
      { ...GUEST, name: '' },
    ]) {
      const r = await dispatcher.dispatch('guests:add', bad);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'ERR_APP_BAD_REQUEST', JSON.stringify(bad));
      assert.ok(!r.ok && Array.isArray(r.error.details?.['issues']));
    }
    const r = await dispatcher.dispatch('history:list', { offset: -1, limit: 10 });
    assert.equal(!r.ok && r.error.code, 'ERR_APP_BAD_REQUEST');
    const huge = await dispatcher.dispatch('history:list', { offset: 0, limit: 100_000 });
    assert.equal(!huge.ok && huge.error.code, 'ERR_APP_BAD_REQUEST');
  });

  test('coded service errors travel as values; unexpected errors become ERR_APP_INTERNAL without their text', async () => {
    const { dispatcher, logged } = setup();
    const missing = await dispatcher.dispatch('guests:get', { id: 'nope' });
    assert.deepEqual(missing, {
      ok: false,
      error: { code: 'ERR_APP_NOT_FOUND', message: 'no such guest', details: { id: 'nope' } },
    });
    const port = createFakePort();
    port.listTrust = async () => {
      throw new Error('SQLITE_CORRUPT at /home/me/secret-path.db');
    };
    const s = setup({}, port);
    const r = await s.dispatcher.dispatch('trust:list', {});
    assert.deepEqual(r, { ok: false, error: { code: 'ERR_APP_INTERNAL', message: 'internal error' } });
    assert.equal(s.logged.length, 1, 'the unexpected error is logged');
    assert.equal(logged.length, 0, 'coded errors are not logged as unexpected');
    assert.deepEqual(toErrorPayload(new AttestError('ERR_UV_RC', 'rc', { rc: 0x102 })), {
      code: 'ERR_UV_RC',
      message: 'rc',
      details: { rc: 0x102 },
    });
  });

  test('attest:run without an HKD fails its first step with a coded reason; a bad trust file is rejected per file', async () => {
    const { dispatcher } = setup();
    const added = await dispatcher.dispatch('guests:add', GUEST);
    assert.ok(added.ok);
    const guestId = (added.value as { id: string }).id;
    const imp = await dispatcher.dispatch('trust:import', {
      runId: 'run-import-1',
      files: [{ name: 'bad.crt', contentBase64: HKD_B64 }],
    });
    assert.ok(imp.ok);
    assert.deepEqual((imp.value as { imported: unknown[] }).imported, []);
    assert.equal((imp.value as { rejected: { name: string }[] }).rejected[0]?.name, 'bad.crt');

    // No HKD imported: the first step fails with a coded reason.
    const noHkd = await dispatcher.dispatch('attest:run', { runId: 'run-attest-0', guestId });
    assert.equal(noHkd.ok && (noHkd.value as { outcome: string }).outcome, 'error');
    assert.equal(noHkd.ok && (noHkd.value as { reasonCode: string }).reasonCode, 'ERR_CREATE_NO_HOST_KEY');
  });

  test('host-key prompt: trust continues and pins, reject stops with ERR_APP_HOSTKEY_REJECTED', async () => {
    const port = createFakePort();
    const { dispatcher, events, next } = setup({}, port);
    const { readFile } = await import('node:fs/promises');
    const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
    const imported = await dispatcher.dispatch('trust:import', {
      runId: 'run-import-2',
      files: [{ name: 'hostA.crt', contentBase64: hkd.toString('base64') }],
    });
    assert.ok(imported.ok);
    assert.equal((imported.value as { imported: unknown[] }).imported.length, 1);
    assert.deepEqual(
      events.filter((e) => e.event === 'task:progress').map((e) => e.payload),
      [{ runId: 'run-import-2', kind: 'trust-import', done: 1, total: 1, message: 'hostA.crt' }],
    );
    const guestId = ((await dispatcher.dispatch('guests:add', GUEST)) as { ok: true; value: { id: string } }).value.id;

    // Reject.
    let prompt = next('hostkey:prompt');
    const rejected = dispatcher.dispatch('attest:run', { runId: 'run-attest-1', guestId });
    let p = await prompt;
    assert.equal(p.runId, 'run-attest-1');
    assert.match(p.fingerprintSha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(await dispatcher.dispatch('hostkey:decide', { promptId: p.promptId, trust: false }), {
      ok: true,
      value: { accepted: true },
    });
    const r1 = await rejected;
    assert.equal(!r1.ok && r1.error.code, 'ERR_APP_HOSTKEY_REJECTED');
    // The prompt is settled: deciding again is refused.
    const again = await dispatcher.dispatch('hostkey:decide', { promptId: p.promptId, trust: true });
    assert.equal(!again.ok && again.error.code, 'ERR_APP_NOT_FOUND');

    // Trust: the run completes, and the next run does not ask again (pinned).
    events.length = 0;
    prompt = next('hostkey:prompt');
    const trusted = dispatcher.dispatch('attest:run', { runId: 'run-attest-2', guestId });
    p = await prompt;
    await dispatcher.dispatch('hostkey:decide', { promptId: p.promptId, trust: true });
    const r2 = await trusted;
    assert.equal(r2.ok && (r2.value as { outcome: string }).outcome, 'verified');
    const steps = events
      .filter((e) => e.event === 'attest:progress')
      .map((e) => e.payload as EventMap['attest:progress']);
    assert.deepEqual(
      steps.filter((s) => s.state === 'done').map((s) => s.step),
      ['verify-hkds', 'create', 'connect', 'upload', 'perform', 'download', 'verify', 'record'],
    );
    assert.ok(
      steps.every((s) => s.runId === 'run-attest-2' && s.guestId === guestId && !Number.isNaN(Date.parse(s.at))),
    );
    events.length = 0;
    const r3 = await dispatcher.dispatch('attest:run', { runId: 'run-attest-3', guestId });
    assert.equal(r3.ok, true);
    assert.equal(events.filter((e) => e.event === 'hostkey:prompt').length, 0, 'pinned key is not asked again');
  });

  test('task:cancel during the host-key prompt aborts the run; unknown runs report cancelled:false; run ids are exclusive', async () => {
    const gate = gateAt('upload');
    const port = createFakePort({ beforeStep: gate.beforeStep });
    const { dispatcher, next } = setup({}, port);
    const { readFile } = await import('node:fs/promises');
    const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
    await dispatcher.dispatch('trust:import', {
      runId: 'run-import-3',
      files: [{ name: 'hostA.crt', contentBase64: hkd.toString('base64') }],
    });
    const guestId = ((await dispatcher.dispatch('guests:add', GUEST)) as { ok: true; value: { id: string } }).value.id;
    const prompt = next('hostkey:prompt');
    const run = dispatcher.dispatch('attest:run', { runId: 'run-cancel-01', guestId });
    await prompt; // held in 'connect', waiting for the user's decision
    const busy = await dispatcher.dispatch('attest:run', { runId: 'run-cancel-01', guestId });
    assert.equal(!busy.ok && busy.error.code, 'ERR_APP_RUN_BUSY');
    assert.deepEqual(dispatcher.activeRuns(), ['run-cancel-01']);
    assert.deepEqual(await dispatcher.dispatch('task:cancel', { runId: 'run-cancel-01' }), {
      ok: true,
      value: { cancelled: true },
    });
    const r = await run;
    assert.equal(!r.ok && r.error.code, 'ERR_APP_CANCELLED');
    assert.deepEqual(dispatcher.activeRuns(), []);
    assert.deepEqual(await dispatcher.dispatch('task:cancel', { runId: 'run-cancel-01' }), {
      ok: true,
      value: { cancelled: false },
    });
    gate.release();
  });

  test('cancelling while held in a step stops before the next step', async () => {
    const gate = gateAt('upload');
    const port = createFakePort({ beforeStep: gate.beforeStep });
    const { dispatcher, events, next } = setup({}, port);
    const { readFile } = await import('node:fs/promises');
    const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
    await dispatcher.dispatch('trust:import', {
      runId: 'run-import-4',
      files: [{ name: 'hostA.crt', contentBase64: hkd.toString('base64') }],
    });
    const guestId = ((await dispatcher.dispatch('guests:add', GUEST)) as { ok: true; value: { id: string } }).value.id;
    const prompt = next('hostkey:prompt');
    const run = dispatcher.dispatch('attest:run', { runId: 'run-cancel-02', guestId });
    await dispatcher.dispatch('hostkey:decide', { promptId: (await prompt).promptId, trust: true });
    await gate.arrived;
    await dispatcher.dispatch('task:cancel', { runId: 'run-cancel-02' });
    const r = await run;
    assert.equal(!r.ok && r.error.code, 'ERR_APP_CANCELLED');
    const progress = events
      .filter((e) => e.event === 'attest:progress')
      .map((e) => e.payload as EventMap['attest:progress']);
    assert.deepEqual(progress.at(-1), { ...progress.at(-1)!, step: 'upload', state: 'cancelled' });
    assert.equal(progress.filter((p) => p.step === 'perform').length, 0, 'perform never started');
    const history = await dispatcher.dispatch('history:list', { guestId, offset: 0, limit: 10 });
    assert.equal(history.ok && (history.value as { total: number }).total, 0, 'a cancelled run records nothing');
  });

  test('an unanswered host-key prompt expires as "not trusted"', async () => {
    const port = createFakePort();
    const { dispatcher, next } = setup({}, port, 20);
    const { readFile } = await import('node:fs/promises');
    const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
    await dispatcher.dispatch('trust:import', {
      runId: 'run-import-5',
      files: [{ name: 'hostA.crt', contentBase64: hkd.toString('base64') }],
    });
    const guestId = ((await dispatcher.dispatch('guests:add', GUEST)) as { ok: true; value: { id: string } }).value.id;
    const prompt = next('hostkey:prompt');
    const r = await dispatcher.dispatch('attest:run', { runId: 'run-timeout-1', guestId });
    assert.equal(!r.ok && r.error.code, 'ERR_APP_HOSTKEY_REJECTED');
    const late = await dispatcher.dispatch('hostkey:decide', { promptId: (await prompt).promptId, trust: true });
    assert.equal(!late.ok && late.error.code, 'ERR_APP_NOT_FOUND', 'a late answer is refused');
  });

  test('evidence:export refuses a period whose start is after its end', async () => {
    const { dispatcher } = setup();
    const r = await dispatcher.dispatch('evidence:export', {
      runId: 'run-evidence-1',
      from: '2026-02-01T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
      guestIds: [],
      destination: '/tmp',
    });
    assert.equal(!r.ok && r.error.code, 'ERR_APP_BAD_REQUEST');
  });

  test('issue 15: evidence:reveal shows only bundles this session exported, and only in the desktop app', async () => {
    const web = setup();
    const inWeb = await web.dispatcher.dispatch('evidence:reveal', { path: '/tmp/x.zip' });
    assert.equal(!inWeb.ok && inWeb.error.code, 'ERR_APP_NOT_IMPLEMENTED', 'web mode has no file manager');
    const shown: string[] = [];
    const dispatcher = createDispatcher({
      port: createFakePort(),
      info: { ...INFO, mode: 'electron' },
      emit: () => undefined,
      showItemInFolder: (p) => void shown.push(p),
    });
    const before = await dispatcher.dispatch('evidence:reveal', { path: '/etc/passwd' });
    assert.equal(!before.ok && before.error.code, 'ERR_APP_NOT_FOUND', 'not an exported bundle');
    const exported = await dispatcher.dispatch('evidence:export', {
      runId: 'run-reveal-0001',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-12-31T00:00:00.000Z',
      guestIds: [],
      destination: '/tmp/evidence',
    });
    assert.ok(exported.ok);
    const path = (exported.value as { path: string }).path;
    assert.deepEqual(await dispatcher.dispatch('evidence:reveal', { path }), { ok: true, value: { revealed: true } });
    assert.deepEqual(shown, [path]);
  });
});
