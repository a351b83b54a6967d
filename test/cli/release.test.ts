// Issue 14: `se-attest guest release add|list|remove` and `se-attest release GUEST --secret NAME` against
// simulated guests: released (exit 0), a guest that does not verify gets nothing (exit 2), other failures exit 1;
// values from a file, standard input and the OS keychain (a secret-tool on PATH); `secret create --attestation`
// binds to a stored attestation only when it verified.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoryIo } from '../../main/cli/io.js';
import { runCli } from '../../main/cli/main.js';
import { cli } from '../support/cli.js';
import { releaseWorkstation, type ReleaseWorkstation } from '../support/release-fixture.js';

let ws: ReleaseWorkstation;
const SECRET = 'payments api key, from a file';
before(async () => {
  ws = await releaseWorkstation();
  writeFileSync(ws.path('value.txt'), SECRET, { mode: 0o600 });
});
after(() => ws.close());

const db = () => ['--db', ws.dbPath];

describe('se-attest release', () => {
  test('configure, list, release (exit 0), the run listed; no value printed anywhere', async () => {
    const g = await ws.addGuest('payments');
    const add = await cli(
      ws.dir,
      'guest',
      'release',
      'add',
      'payments',
      'api-key',
      '--type',
      'plain',
      '--from-file',
      'value.txt',
      '--lock',
      ...db(),
    );
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^release api-key of guest payments: uv plain, value from file \/.*value\.txt\n$/);
    const list = await cli(ws.dir, 'guest', 'release', 'list', 'payments', '--format', 'json', ...db());
    assert.equal((JSON.parse(list.stdout) as { name: string }[])[0]?.name, 'api-key');
    const run = await cli(ws.dir, 'release', 'payments', '--secret', 'api-key', '--format', 'json', ...db());
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /\[attest\/connect\] done[\s\S]*\[add\] done\n\[lock\] done\n[\s\S]*\[check\] done\nReleased "api-key" to payments \(run \d+, request SHA-256 [0-9a-f]{64}; gated by attestations \d+ and \d+\)\n$/,
    );
    const [record] = JSON.parse(run.stdout) as { status: string; locked: boolean }[];
    assert.deepEqual([record?.status, record?.locked], ['released', true]);
    assert.equal(g.secretStore.locked, true);
    for (const text of [add.stdout, run.stdout, run.stderr]) assert.equal(text.includes(SECRET), false);
    const history = await cli(ws.dir, 'release', 'payments', ...db());
    assert.match(history.stdout, /^api-key\tuv plain\tfrom file .*\tlock\nrun \d+\t\S+\tapi-key\treleased\n$/);
  });
  test('a tampered guest: exit 2, nothing sent; the UV rejecting: exit 1 naming the step and rc', async () => {
    const tampered = await ws.addGuest('ledger', { fault: 'tampered-measurement' });
    await cli(ws.dir, 'guest', 'release', 'add', 'ledger', 'k', '--from-file', 'value.txt', ...db());
    const t = await cli(ws.dir, 'release', 'ledger', '--secret', 'k', ...db());
    assert.equal(t.code, 2);
    assert.match(
      t.stderr,
      /error: release of "k" to ledger failed at step "attest": attestation \d+ of ledger did not verify \(mismatch[^\n]*nothing was sent \(ERR_RELEASE_NOT_VERIFIED\) \[release run \d+\]\n$/,
    );
    assert.deepEqual(tampered.addSecretRequests, []);
    await ws.addGuest('rejecting', { fault: 'secret-add-rejected' });
    await cli(ws.dir, 'guest', 'release', 'add', 'rejecting', 'k', '--from-file', 'value.txt', ...db());
    const r = await cli(ws.dir, 'release', 'rejecting', '--secret', 'k', ...db());
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /failed at step "add": pvsecret add failed on rejecting with Ultravisor rc 0x010c: error: Ultravisor: 'unable to add secret' \(0x010c,0x0000\).*\(ERR_RELEASE_ADD_FAILED\)/,
    );
  });
  test('values from standard input and from the OS keychain', async () => {
    const g = await ws.addGuest('stdin-guest');
    await cli(ws.dir, 'guest', 'release', 'add', 'stdin-guest', 'from-stdin', '--from-stdin', ...db());
    const io = memoryIo(ws.dir, {}, new TextEncoder().encode('piped secret'));
    assert.equal(await runCli(['release', 'stdin-guest', '--secret', 'from-stdin', '-q', ...db()], io), 0, io.stderr);
    assert.equal(g.secretStore.list().total, 1);
    // a keychain tool on PATH stands in for libsecret's secret-tool
    const bin = ws.path('bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'secret-tool'),
      '#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "lookup service ws account payments" ] || exit 1\nprintf "from the keychain"\n',
    );
    chmodSync(join(bin, 'secret-tool'), 0o755);
    const k = await ws.addGuest('keychain-guest');
    await cli(ws.dir, 'guest', 'release', 'add', 'keychain-guest', 'kc', '--from-keychain', 'ws:payments', ...db());
    await cli(
      ws.dir,
      'guest',
      'release',
      'add',
      'keychain-guest',
      'kc-missing',
      '--from-keychain',
      'ws:nobody',
      ...db(),
    );
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      const ok = await cli(ws.dir, 'release', 'keychain-guest', '--secret', 'kc', '-q', ...db());
      assert.equal(ok.code, 0, ok.stderr);
      const missing = await cli(ws.dir, 'release', 'keychain-guest', '--secret', 'kc-missing', '-q', ...db());
      assert.match(missing.stderr, /failed at step "read-value".*\(ERR_RELEASE_VALUE_UNAVAILABLE\)/);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(k.secretStore.list().total, 1);
  });
  test('bad configuration is refused with coded errors', async () => {
    const none = await cli(ws.dir, 'guest', 'release', 'add', 'payments', 'x', ...db());
    assert.match(none.stderr, /exactly one of --from-file.*\(ERR_CLI_USAGE\)/);
    const kind = await cli(
      ws.dir,
      'guest',
      'release',
      'add',
      'payments',
      'x',
      '--kind',
      'magic',
      '--from-stdin',
      ...db(),
    );
    assert.match(kind.stderr, /ERR_CLI_USAGE/);
    const channel = await cli(
      ws.dir,
      'guest',
      'release',
      'add',
      'payments',
      'x',
      '--kind',
      'channel',
      '--from-stdin',
      ...db(),
    );
    assert.match(channel.stderr, /needs the guest command.*\(ERR_RELEASE_INVALID\)/);
    const type = await cli(
      ws.dir,
      'guest',
      'release',
      'add',
      'payments',
      'x',
      '--type',
      'des',
      '--from-stdin',
      ...db(),
    );
    assert.match(type.stderr, /ERR_SECRET_TYPE_UNKNOWN/);
    const unknown = await cli(ws.dir, 'release', 'payments', '--secret', 'nope', ...db());
    assert.match(unknown.stderr, /ERR_RELEASE_NOT_FOUND/);
    const removed = await cli(ws.dir, 'guest', 'release', 'remove', 'payments', 'api-key', ...db());
    assert.equal(removed.code, 0);
    assert.match(
      (await cli(ws.dir, 'release', 'payments', '--secret', 'api-key', ...db())).stderr,
      /ERR_RELEASE_NOT_FOUND/,
    );
  });
  test('secret create --attestation: the CUID and SE header of a verified attestation; a failed one is refused', async () => {
    const runs = ws.store.releases.listRuns({});
    const good = runs.find((r) => r.status === 'released')!.gateAttestationId!;
    const bad = runs.find((r) => r.errorCode === 'ERR_RELEASE_NOT_VERIFIED')!.gateAttestationId!;
    writeFileSync(
      ws.path('hkd0.crt'),
      ws.store.trust
        .withBytes('hkd')
        .map(
          (h) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(h.der).toString('base64')}\n-----END CERTIFICATE-----\n`,
        )[0]!,
    );
    const made = await cli(
      ws.dir,
      'secret',
      'create',
      '-k',
      'hkd0.crt',
      '--no-verify',
      '--attestation',
      String(good),
      ...db(),
      '-o',
      'bound.bin',
      'meta',
    );
    assert.equal(made.code, 0, made.stderr);
    const gate = ws.store.attestations.get(good);
    assert.equal(Buffer.from(readFileSync(ws.path('bound.bin')).subarray(0x108, 0x118)).toString('hex'), gate.cuid);
    const header = ws.store.attestations.seHeader(good)!;
    assert.equal(
      Buffer.from(readFileSync(ws.path('bound.bin')).subarray(0xf8, 0x108)).toString('hex'),
      Buffer.from(header.subarray(-16)).toString('hex'),
    );
    const refused = await cli(
      ws.dir,
      'secret',
      'create',
      '-k',
      'hkd0.crt',
      '--no-verify',
      '--attestation',
      String(bad),
      ...db(),
      '-o',
      'x.bin',
      'meta',
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /did not verify.*\(ERR_SECRET_CUID_UNVERIFIED\)/);
  });
});
