// Issue 14: the simulated guest answers `pvsecret add | lock | list | retrieve` over SSH like a real guest (IBM's
// messages, formats and exit codes from its software secret store), with fault injection; `pvattest perform`
// reports the store's hash and lock bit when the request asks for `secret-store-hash`, so `se-attest check
// --secret … --secret-store-locked` passes exactly when the secrets went in. One SSH session carries it all.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  associationSecret,
  createAddSecretRequest,
  createAttestationRequest,
  decodeSecretList,
  readSeHeaderTags,
  retrievableSecret,
  systemContext,
} from '../../main/engine/index.js';
import { runPvsecret } from '../../main/sim/pvsecret.js';
import type { SimulatedGuest } from '../../main/sim/simulated-guest.js';
import type { SshGuestSession } from '../../main/transport/ssh-transport.js';
import { quoteShellArg } from '../../main/transport/remote-commands.js';
import { cli, tempDir } from '../support/cli.js';
import { cuid, hostCoordsA, seHeader, startGuest, transportFor } from './fixtures.js';

const ctx = systemContext();
const tmp = tempDir('se-attest-pvsecret-');
const open: { guest: SimulatedGuest; session: SshGuestSession }[] = [];
after(async () => {
  for (const o of open) {
    await o.session.close();
    await o.guest.close();
  }
  tmp.cleanup();
});

async function connect(extra: Parameters<typeof startGuest>[0] = {}) {
  const guest = await startGuest(extra);
  const session = await transportFor(guest).openSession();
  open.push({ guest, session });
  return { guest, session };
}

const tags = readSeHeaderTags(seHeader);
const request = (name: string, bound = cuid) =>
  createAddSecretRequest({
    secret: associationSecret(name, new Uint8Array(32).fill(1)),
    hostKeys: [hostCoordsA],
    bootTags: tags,
    cuid: bound,
    ctx,
  }).bytes;
const add = (session: SshGuestSession, bytes: Uint8Array, flags = '') =>
  session.runCommand({
    files: [{ name: 'r.bin', bytes }],
    command: (d) => `pvsecret add ${flags}${quoteShellArg(`${d}/r.bin`)}`,
  });

describe('pvsecret on the simulated guest', () => {
  test('add, list (human, yaml, bin), lock, add to a locked store: IBM messages and exit codes', async () => {
    const { guest, session } = await connect();
    const ok = await add(session, request('disk key'));
    assert.deepEqual([ok.exitCode, ok.stderr], [0, 'Successfully added the secret']);
    const human = await session.runCommand({ command: () => 'pvsecret list' });
    assert.match(human.stdout, /^Total number of secrets: 1\n\n0 Association:\n 0x[0-9a-f]{64}\n$/);
    const yaml = await session.runCommand({ command: () => 'pvsecret list --format yaml' });
    assert.match(
      yaml.stdout,
      /^total_num_secrets: 1\nsecrets:\n- index: 0\n {2}stype: 2\n {2}len: 32\n {2}id: 0x[0-9a-f]{64}\n$/,
    );
    const bin = await session.runCommand({
      command: (d) => `pvsecret list --format bin -o ${quoteShellArg(`${d}/list.bin`)}`,
    });
    assert.match(bin.stderr, /^Successfully wrote the list of secrets to '.*list\.bin'$/);
    const direct = runPvsecret(['list', '--format', 'bin'], {
      store: guest.secretStore,
      files: { read: () => undefined, write: () => false },
    });
    assert.deepEqual(decodeSecretList(direct.stdout as Uint8Array), guest.secretStore.list());
    const locked = await session.runCommand({ command: () => 'pvsecret lock' });
    assert.deepEqual([locked.exitCode, locked.stderr], [0, 'Successfully locked secret store']);
    const again = await session.runCommand({ command: () => 'pvsecret lock' });
    assert.equal(again.stderr, "error: Ultravisor: 'secret store already locked' (0x0102,0x0000)");
    const late = await add(session, request('late'));
    assert.deepEqual([late.exitCode, late.stderr], [1, "error: Ultravisor: 'secret store locked' (0x0102,0x0000)"]);
    assert.equal(guest.addSecretRequests.length, 2);
    assert.equal(guest.secretStore.hashInput().tags.length, 1);
  });
  test('a request for another instance is refused with 0x010c; not an add-secret request; retrieve', async () => {
    const { session } = await connect();
    const other = await add(session, request('x', new Uint8Array(16).fill(0x77)));
    assert.equal(other.stderr, "error: Ultravisor: 'unable to add secret' (0x010c,0x0000)");
    const junk = await add(session, new TextEncoder().encode('not a request at all'));
    assert.deepEqual([junk.exitCode, junk.stderr], [1, 'error: Input does not contain an add-secret request']);
    const note = createAddSecretRequest({
      secret: retrievableSecret({
        name: 'note',
        type: 'plain',
        input: new TextEncoder().encode('hello'),
        inputName: 'n',
      }),
      hostKeys: [hostCoordsA],
      bootTags: tags,
      ctx,
    }).bytes;
    assert.equal((await add(session, note)).exitCode, 0);
    const pem = await session.runCommand({ command: () => 'pvsecret retrieve --inform name note' });
    assert.equal(pem.stdout, '-----BEGIN PLAINTEXT SECRET-----\naGVsbG8=\n-----END PLAINTEXT SECRET-----\n');
    const raw = await session.runCommand({ command: () => 'pvsecret retr --inform idx --outform bin 0' });
    assert.equal(raw.stdout, 'hello');
    const none = await session.runCommand({ command: () => 'pvsecret retrieve --inform idx 9' });
    assert.deepEqual(
      [none.exitCode, none.stderr],
      [1, 'error: Could not retrieve the secret from the UV secret store.'],
    );
  });
  test('faults: the UV rejects, the store is locked from the start, pvsecret is missing', async () => {
    const rejecting = await connect({ fault: 'secret-add-rejected', secretAddRc: 0x010b });
    assert.equal(
      (await add(rejecting.session, request('a'))).stderr,
      "error: Ultravisor: 'secret store full' (0x010b,0x0000)",
    );
    const locked = await connect({ fault: 'secret-store-locked' });
    assert.match((await add(locked.session, request('a'))).stderr, /\(0x0102,0x0000\)$/);
    const missing = await connect({ fault: 'pvsecret-missing' });
    assert.equal((await missing.session.runCommand({ command: () => 'pvsecret list' })).exitCode, 127);
  });
  test('perform reports the secret-store hash: check --secret passes exactly for the requests that went in', async () => {
    const { session } = await connect();
    const r1 = request('one');
    const r2 = request('two');
    writeFileSync(tmp.path('r1.bin'), r1);
    writeFileSync(tmp.path('r2.bin'), r2);
    writeFileSync(tmp.path('r3.bin'), request('three'));
    for (const r of [r1, r2]) assert.equal((await add(session, r)).exitCode, 0);
    assert.equal((await session.runCommand({ command: () => 'pvsecret lock' })).exitCode, 0);
    const att = createAttestationRequest({ hostKeys: [hostCoordsA], addData: ['secret-store-hash'], ctx });
    const performed = await session.performOnGuest({ request: att.exchange });
    writeFileSync(tmp.path('resp.bin'), performed.response);
    const check = (...args: string[]) => cli(tmp.dir, 'check', 'resp.bin', 'out.yaml', ...args);
    const passed = await check('--secret', 'r1.bin,r2.bin', '--secret-store-locked', 'true');
    assert.equal(passed.code, 0, passed.stderr);
    assert.equal((await check('--secret', 'r1.bin', '--secret', 'r2.bin', '--secret-store-locked', 'false')).code, 2);
    assert.equal((await check('--secret', 'r2.bin,r1.bin', '--secret-store-locked', 'true')).code, 2);
    assert.equal((await check('--secret', 'r1.bin,r2.bin,r3.bin', '--secret-store-locked', 'true')).code, 2);
  });
});
