// Issue 14: release after attestation, end to end against simulated guests over real SSH (ssh2 on 127.0.0.1).
// Verified → added → locked → re-attested → check passes; a tampered guest gets nothing (no add-secret request,
// no value bytes); the UV rejecting the add fails the release with the UV's code; every failed step is named and
// recorded; the channel-bound release sends its value only when the attested user data is the presented key.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { SecretReleaseInput } from '../../shared/types/release.js';
import {
  SCF_CCK_EXTENSION_SECRET_ENFORCEMENT,
  checkAttestation,
  decryptAddSecretRequest,
  systemContext,
  toHex,
} from '../../main/engine/index.js';
import { releaseSecret, type ReleaseProgress } from '../../main/services/release-secret.js';
import { verifyAuditLog } from '../../main/services/audit.js';
import type { SimulatedFault } from '../../main/sim/simulated-guest.js';
import type { Store } from '../../main/store/index.js';
import { releaseWorkstation, type ReleaseWorkstation } from '../support/release-fixture.js';

const ctx = systemContext();
const VALUE = 'tls-private-key: correct horse battery staple';
const PASSPHRASE = 'luks passphrase 4711, never logged';
const SINK = 'cryptsetup open --key-file=- /dev/vdb data';
let ws: ReleaseWorkstation;
let store: Store;
let hostPriv: Uint8Array;
let hkdSha: string;
const tmp = { path: (name: string) => ws.path(name) };

before(async () => {
  ws = await releaseWorkstation();
  store = ws.store;
  hostPriv = ws.hostPrivateKey;
  hkdSha = ws.hkdSha256;
  writeFileSync(tmp.path('value.txt'), VALUE, { mode: 0o600 });
  writeFileSync(tmp.path('passphrase'), PASSPHRASE, { mode: 0o600 });
});
after(() => ws.close());

/** A simulated guest on host 0 with a sealed SE header, stored with a policy, and one configured release. */
function guestWith(
  name: string,
  release: SecretReleaseInput,
  fault?: SimulatedFault,
  extra: { secretSinks?: string[]; scf?: bigint; cck?: Uint8Array } = {},
) {
  return ws.addGuest(name, {
    release,
    ...(fault ? { fault } : {}),
    ...(extra.secretSinks ? { sim: { secretSinks: extra.secretSinks } } : {}),
    header: { ...(extra.cck ? { cck: extra.cck } : {}), ...(extra.scf !== undefined ? { scf: extra.scf } : {}) },
  });
}

const uv = (over: Partial<SecretReleaseInput> = {}): SecretReleaseInput => ({
  name: 'tls-key',
  kind: 'uv',
  uvKind: 'plain',
  source: { kind: 'file', path: tmp.path('value.txt') },
  lock: true,
  ...over,
});
const channel = (over: Partial<SecretReleaseInput> = {}): SecretReleaseInput => ({
  name: 'disk',
  kind: 'channel',
  command: SINK,
  source: { kind: 'file', path: tmp.path('passphrase') },
  ...over,
});

function assertNoSecretIn(text: string): void {
  assert.equal(text.includes(VALUE), false, 'the value never appears');
  assert.equal(text.includes(PASSPHRASE), false, 'the passphrase never appears');
}

describe('uv release', () => {
  test('verified → added → locked → re-attested → the store check passes; recorded with both attestations', async () => {
    const g = await guestWith('payments', uv());
    const steps: string[] = [];
    const out = await releaseSecret({
      store,
      guest: 'payments',
      release: 'tls-key',
      ctx,
      onProgress: (e: ReleaseProgress) => e.attest === undefined && steps.push(`${e.step}:${e.status}`),
    });
    assert.equal(out.run.status, 'released', out.error?.message);
    assert.deepEqual(
      steps.filter((s) => s.endsWith(':done')),
      ['attest', 'store-check', 'list', 'read-value', 'create', 'add', 'lock', 're-attest', 'check'].map(
        (s) => `${s}:done`,
      ),
    );
    assert.equal(g.addSecretRequests.length, 1);
    assert.equal(g.secretStore.locked, true);
    assert.equal(g.secretStore.list().total, 1);
    // the request in the guest is bound to the gate's CUID and decrypts to the value
    const request = store.releases.runRequest(out.run.id)!;
    assert.equal(toHex(request), toHex(g.addSecretRequests[0]!));
    const opened = decryptAddSecretRequest(request, { hostPrivateKeys: [hostPriv] });
    assert.equal(toHex(opened.layout.cuid), out.gate?.cuid);
    assert.equal(Buffer.from(opened.value.subarray(2, 2 + VALUE.length)).toString(), VALUE);
    // check --secret on the stored response of the re-attestation agrees
    const response = store.attestations.secrets(out.check!.id).response!;
    assert.equal(
      checkAttestation({ response, secretStore: { requests: [{ name: 'r', bytes: request }], locked: true } })
        .successful,
      true,
    );
    assert.equal(out.run.gateAttestationId, out.gate?.id);
    assert.equal(out.run.checkAttestationId, out.check?.id);
    assert.equal(out.run.added, true);
    assert.equal(out.run.locked, true);
    assert.match(out.run.requestSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(out.run.secretName, 'tls-key');
    const audit = store.audit.list({}).filter((e) => e.subjectType === 'release-run' && e.subjectId === out.run.id);
    assert.deepEqual(audit.at(-1)?.data.gatingAttestations, [out.gate!.id, out.check!.id]);
    assert.equal(audit.at(-1)?.data.requestSha256, out.run.requestSha256);
    assertNoSecretIn(JSON.stringify(store.audit.list({})));
    assertNoSecretIn(JSON.stringify(store.releases.listRuns({})));
    assert.equal(verifyAuditLog(store).ok, true);
  });
  test('a second release to the same instance expects the first request in the store; a locked store refuses', async () => {
    await guestWith('ledger2', uv({ name: 'first', lock: false }));
    const id = store.guests.get('ledger2').id;
    store.releases.configure(
      id,
      uv({ name: 'second', uvKind: 'aes', source: { kind: 'file', path: tmp.path('aes.key') } }),
    );
    writeFileSync(tmp.path('aes.key'), new Uint8Array(32).fill(7), { mode: 0o600 });
    assert.equal((await releaseSecret({ store, guest: 'ledger2', release: 'first', ctx })).run.status, 'released');
    const second = await releaseSecret({ store, guest: 'ledger2', release: 'second', ctx });
    assert.equal(second.run.status, 'released', second.error?.message);
    assert.equal(second.run.priorRequests.length, 1);
    const third = await releaseSecret({ store, guest: 'ledger2', release: 'first', ctx, force: true });
    assert.equal(third.run.failedStep, 'store-check', 'the store was locked by the second release');
    assert.match(third.error!.message, /is locked/);
  });
  test('an ID already in the store is refused before anything is sent, unless forced', async () => {
    const g = await guestWith('dup', uv({ lock: false }));
    assert.equal((await releaseSecret({ store, guest: 'dup', release: 'tls-key', ctx })).run.status, 'released');
    const again = await releaseSecret({ store, guest: 'dup', release: 'tls-key', ctx });
    assert.equal(again.error?.code, 'ERR_RELEASE_DUPLICATE_ID');
    assert.equal(again.run.failedStep, 'list');
    assert.equal(g.addSecretRequests.length, 1);
    const forced = await releaseSecret({ store, guest: 'dup', release: 'tls-key', ctx, force: true });
    assert.equal(forced.run.status, 'released', forced.error?.message);
    assert.equal(g.secretStore.hashInput().tags.length, 2, 'the UV accepts the duplicate; both are measured');
  });
  test('a tampered guest: the gate does not verify and nothing is sent', async () => {
    const g = await guestWith('tampered', uv(), 'tampered-measurement');
    const out = await releaseSecret({ store, guest: 'tampered', release: 'tls-key', ctx });
    assert.equal(out.run.status, 'failed');
    assert.equal(out.run.failedStep, 'attest');
    assert.equal(out.error?.code, 'ERR_RELEASE_NOT_VERIFIED');
    assert.deepEqual(g.addSecretRequests, [], 'the guest received no add-secret request');
    assert.equal(
      g.commands.some((c) => c.includes('pvsecret')),
      false,
    );
    assert.equal(out.run.requestSha256, null);
    assert.equal(out.run.gateAttestationId, out.gate?.id, 'the refusing attestation is recorded with the run');
    assert.equal(out.gate?.status, 'mismatch');
  });
  test('a policy violation (image built for another host) also stops the release', async () => {
    const g = await guestWith('other-host', uv());
    store.guests.edit('other-host', {
      policy: { hkdSha256: [hkdSha], requiredAddData: ['phkh-img'], expectedImagePhkh: '00'.repeat(32) },
    });
    const out = await releaseSecret({ store, guest: 'other-host', release: 'tls-key', ctx });
    assert.equal(out.error?.code, 'ERR_RELEASE_NOT_VERIFIED');
    assert.deepEqual(g.addSecretRequests, []);
  });
  test('the UV rejecting the add fails the release with the UV rc; nothing is marked added', async () => {
    const g = await guestWith('rejecting', uv(), 'secret-add-rejected');
    const out = await releaseSecret({ store, guest: 'rejecting', release: 'tls-key', ctx });
    assert.equal(out.run.failedStep, 'add');
    assert.equal(out.error?.code, 'ERR_RELEASE_ADD_FAILED');
    assert.equal(out.error?.details?.rc, 0x010c);
    assert.match(out.error!.message, /rc 0x010c/);
    assert.equal(out.run.added, false);
    assert.equal(g.addSecretRequests.length, 1);
    assert.equal(g.secretStore.hashInput().tags.length, 0);
  });
  test('a locked store (before anything) and a missing pvsecret are named', async () => {
    await guestWith('locked', uv(), 'secret-store-locked');
    const locked = await releaseSecret({ store, guest: 'locked', release: 'tls-key', ctx });
    assert.deepEqual([locked.run.failedStep, locked.error?.code], ['store-check', 'ERR_RELEASE_STORE_CHECK_FAILED']);
    await guestWith('nopvsecret', uv(), 'pvsecret-missing');
    const missing = await releaseSecret({ store, guest: 'nopvsecret', release: 'tls-key', ctx });
    assert.deepEqual([missing.run.failedStep, missing.error?.code], ['list', 'ERR_RELEASE_COMMAND_MISSING']);
  });
  test('an image that enforces the CCK-derived extension secret: refused without the CCK, released with it', async () => {
    const cck = ctx.randomBytes(32);
    writeFileSync(tmp.path('cck.bin'), cck, { mode: 0o600 });
    const g = await guestWith('cck-guest', uv({ lock: false }), undefined, {
      scf: SCF_CCK_EXTENSION_SECRET_ENFORCEMENT,
      cck,
    });
    const without = await releaseSecret({ store, guest: 'cck-guest', release: 'tls-key', ctx });
    assert.deepEqual([without.run.failedStep, without.error?.details?.rc], ['add', 0x010c]);
    store.releases.configure(
      store.guests.get('cck-guest').id,
      uv({ lock: false, cckSource: { kind: 'file', path: tmp.path('cck.bin') } }),
    );
    const withCck = await releaseSecret({ store, guest: 'cck-guest', release: 'tls-key', ctx });
    assert.equal(withCck.run.status, 'released', withCck.error?.message);
    assert.equal(g.secretStore.list().total, 1);
  });
  test('a value that does not fit its kind stops at create; an unreadable value file at read-value', async () => {
    await guestWith('badvalue', uv({ uvKind: 'aes' }));
    const out = await releaseSecret({ store, guest: 'badvalue', release: 'tls-key', ctx });
    assert.deepEqual([out.run.failedStep, out.error?.code], ['create', 'ERR_SECRET_KEY_SIZE']);
    store.releases.configure(
      store.guests.get('badvalue').id,
      uv({ source: { kind: 'file', path: tmp.path('missing') } }),
    );
    const gone = await releaseSecret({ store, guest: 'badvalue', release: 'tls-key', ctx });
    assert.deepEqual([gone.run.failedStep, gone.error?.code], ['read-value', 'ERR_RELEASE_VALUE_UNAVAILABLE']);
    const stdin = uv({ name: 'from-stdin', source: { kind: 'stdin' } });
    store.releases.configure(store.guests.get('badvalue').id, stdin);
    const noStdin = await releaseSecret({ store, guest: 'badvalue', release: 'from-stdin', ctx });
    assert.equal(noStdin.error?.code, 'ERR_RELEASE_VALUE_UNAVAILABLE');
    const withStdin = await releaseSecret({
      store,
      guest: 'badvalue',
      release: 'from-stdin',
      ctx,
      values: { stdin: async () => new TextEncoder().encode('from standard input') },
    });
    assert.equal(withStdin.run.status, 'released', withStdin.error?.message);
  });
});

describe('channel-bound release (simulated guest)', () => {
  test('the value arrives on the guest command only when the attested user data is the presented host key', async () => {
    const g = await guestWith('vault', channel(), undefined, { secretSinks: [SINK] });
    const out = await releaseSecret({ store, guest: 'vault', release: 'disk', ctx });
    assert.equal(out.run.status, 'released', out.error?.message);
    assert.equal(g.received.length, 1);
    assert.equal(Buffer.from(g.received[0]!.stdin).toString(), PASSPHRASE);
    assert.equal(out.gate?.userData, toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', g.hostKeyBlob))));
    assert.equal(out.run.bindingSha256, out.gate?.userData);
    assert.equal(
      g.commands.some((c) => c.includes(PASSPHRASE)),
      false,
      'never on a command line',
    );
    assertNoSecretIn(JSON.stringify(store.audit.list({})));
  });
  test('a relay in between (the guest holds another key than the one presented): nothing is sent', async () => {
    const g = await guestWith('relayed', channel(), 'channel-key-mismatch', { secretSinks: [SINK] });
    const out = await releaseSecret({ store, guest: 'relayed', release: 'disk', ctx });
    assert.deepEqual([out.run.failedStep, out.error?.code], ['channel-check', 'ERR_RELEASE_CHANNEL_MISMATCH']);
    assert.deepEqual(g.received, []);
  });
  test('a tampered guest: the gate fails and no passphrase byte arrives', async () => {
    const g = await guestWith('tampered-vault', channel(), 'tampered-measurement', { secretSinks: [SINK] });
    const out = await releaseSecret({ store, guest: 'tampered-vault', release: 'disk', ctx });
    assert.deepEqual([out.run.failedStep, out.error?.code], ['attest', 'ERR_RELEASE_NOT_VERIFIED']);
    assert.deepEqual(g.received, []);
    assert.equal(
      g.commands.some((c) => c.includes('cryptsetup')),
      false,
      'the command never ran',
    );
  });
  test('a failing guest command is reported with its exit code, the value redacted', async () => {
    await guestWith('nocmd', channel({ command: 'cryptsetup open --key-file=- /dev/vdz data' }), undefined, {
      secretSinks: [SINK],
    });
    const out = await releaseSecret({ store, guest: 'nocmd', release: 'disk', ctx });
    assert.deepEqual([out.run.failedStep, out.error?.code], ['send', 'ERR_RELEASE_COMMAND_MISSING']);
    assertNoSecretIn(out.error!.message);
  });
});
