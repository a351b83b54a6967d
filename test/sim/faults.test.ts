/** Issue 4: every injected guest fault ends in a clear coded error (or a failed verification) and leaves no files on the guest. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAttestError } from '../../shared/errors/index.js';
import { systemContext } from '../../main/engine/crypto/context.js';
import { attestGuest, type AttestGuestResult } from '../../main/services/attest-guest.js';
import type { SimulatedGuest } from '../../main/sim/simulated-guest.js';
import type { SshGuestTransportParams } from '../../main/transport/ssh-transport.js';
import { hostCoordsA, seHeader, startGuest, transportFor } from './fixtures.js';

const guests: SimulatedGuest[] = [];
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
});

async function run(guest: SimulatedGuest, extra: Partial<SshGuestTransportParams> = {}): Promise<AttestGuestResult> {
  return attestGuest({
    transport: transportFor(guest, extra),
    loadHostKeys: async () => [hostCoordsA],
    seHeader,
    ctx: systemContext(),
  });
}

async function expectCode(promise: Promise<unknown>, code: string) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAttestError(error), `expected AttestError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but the attestation succeeded`);
}

async function guestWith(params: Parameters<typeof startGuest>[0]) {
  const g = await startGuest(params);
  guests.push(g);
  return g;
}

describe('simulated guest faults', () => {
  test('a healthy guest verifies and is left clean', async () => {
    const g = await guestWith({});
    const r = await run(g);
    assert.equal(r.verified, true);
    assert.equal(g.performCount, 1);
    assert.deepEqual(g.listFiles(), []);
  });

  test('wrong host key: refused before login, both fingerprints in the message', async () => {
    const g = await guestWith({ fault: 'wrong-host-key' });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_HOST_KEY_CHANGED');
    const presented = String(e.details?.presented);
    assert.notEqual(presented, g.fingerprint);
    assert.match(e.message, new RegExp(g.fingerprint.replace(/[+/]/g, '\\$&')));
    assert.ok(e.message.includes(presented));
    assert.deepEqual(g.commands, []);
    assert.deepEqual(g.listFiles(), []);
  });

  test('auth failure', async () => {
    const g = await guestWith({ fault: 'auth-failure' });
    await expectCode(run(g), 'ERR_TRANSPORT_AUTH_FAILED');
    assert.deepEqual(g.commands, []);
  });

  test('hang: perform times out and the temp dir is still removed', async () => {
    const g = await guestWith({ fault: 'hang' });
    const e = await expectCode(
      run(g, { timeouts: { stepMs: 1500, connectMs: 5000, totalMs: 10000, cleanupMs: 3000 } }),
      'ERR_TRANSPORT_TIMEOUT',
    );
    assert.equal(e.details?.step, 'perform');
    assert.ok(g.commands.some((c) => c.startsWith('rm -rf')));
    assert.deepEqual(g.listFiles(), []);
  });

  test('slow link within the timeouts still verifies', async () => {
    const g = await guestWith({ fault: 'slow-link', slowLinkDelayMs: 20 });
    const r = await run(g);
    assert.equal(r.verified, true);
    assert.deepEqual(g.listFiles(), []);
  });

  test('slow link over the step timeout: coded timeout, dir removed by run-id prefix', async () => {
    const g = await guestWith({ fault: 'slow-link', slowLinkDelayMs: 400 });
    const e = await expectCode(
      run(g, { timeouts: { stepMs: 150, connectMs: 5000, totalMs: 10000, cleanupMs: 3000 } }),
      'ERR_TRANSPORT_TIMEOUT',
    );
    assert.equal(e.details?.step, 'prepare');
    assert.ok(
      g.commands.some((c) => /^rm -rf -- "\$\{TMPDIR:-\/tmp\}"\/se-attest\.[0-9a-f]{16}\.\*$/.test(c)),
      g.commands.join('\n'),
    );
    assert.deepEqual(g.listFiles(), []);
  });

  test('non-zero exit: exit code and guest stderr in the error', async () => {
    const g = await guestWith({
      fault: 'perform-error',
      performExitCode: 3,
      performStderr: 'error: Ultravisor returned rc 0x010c\n',
    });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_PERFORM_FAILED');
    assert.equal(e.details?.exitCode, 3);
    assert.equal(e.details?.stderr, 'error: Ultravisor returned rc 0x010c');
    assert.match(e.message, /exit code 3.*rc 0x010c/);
    assert.deepEqual(g.listFiles(), []);
  });

  test('missing /dev/uv: says so with the modprobe uvdevice remedy', async () => {
    const g = await guestWith({ fault: 'missing-uv-device' });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_UV_DEVICE_MISSING');
    assert.match(e.message, /\/dev\/uv does not exist/);
    assert.match(e.message, /modprobe uvdevice/);
    assert.match(String(e.details?.stderr), /Failed to open \/dev\/uv/);
    assert.deepEqual(g.listFiles(), []);
  });

  test('truncated response: engine format error', async () => {
    const g = await guestWith({ fault: 'truncated-response' });
    const e = await expectCode(run(g), 'ERR_EXCHANGE_TOO_SMALL');
    assert.ok(e);
    assert.deepEqual(g.listFiles(), []);
  });

  test('garbage response: bad magic', async () => {
    const g = await guestWith({ fault: 'garbage-response' });
    await expectCode(run(g), 'ERR_EXCHANGE_MAGIC');
    assert.deepEqual(g.listFiles(), []);
  });

  test('tampered measurement: a result with verified=false, not an exception', async () => {
    const g = await guestWith({ fault: 'tampered-measurement' });
    const r = await run(g);
    assert.equal(r.verified, false);
    assert.deepEqual(g.listFiles(), []);
  });

  test('response far over the size cap: refused without downloading', async () => {
    const g = await guestWith({ fault: 'oversized-response', oversizeBytes: 8 * 1024 * 1024 });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_RESPONSE_TOO_LARGE');
    assert.ok(Number(e.details?.size) > 8 * 1024 * 1024);
    assert.deepEqual(g.listFiles(), []);
  });

  test('cleanup failure is reported with the directory left behind (never silent)', async () => {
    const g = await guestWith({ fault: 'cleanup-failure' });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_REMOTE_COMMAND_FAILED');
    assert.equal(e.details?.step, 'cleanup');
    const leftover = String(e.details?.leftoverDirectory);
    assert.match(e.message, /Permission denied/);
    assert.ok(g.listFiles().includes(leftover), `${leftover} not in ${g.listFiles().join(',')}`);
  });

  test('cleanup failure after another failure keeps the first error and names the directory', async () => {
    const g = await guestWith({
      fault: 'cleanup-failure',
      perform: () => {
        throw new Error('simulated UV failure');
      },
    });
    const e = await expectCode(run(g), 'ERR_TRANSPORT_PERFORM_FAILED');
    assert.match(String(e.details?.stderr), /simulated UV failure/);
    assert.ok(g.listFiles().includes(String(e.details?.leftoverDirectory)));
  });

  test('request for a host key the guest does not hold: UV rc in stderr', async () => {
    const g = await guestWith({});
    const { hostCoordsB } = await import('./fixtures.js');
    const e = await expectCode(
      attestGuest({
        transport: transportFor(g),
        loadHostKeys: async () => [hostCoordsB],
        seHeader,
        ctx: systemContext(),
      }),
      'ERR_TRANSPORT_PERFORM_FAILED',
    );
    assert.match(String(e.details?.stderr), /rc 0x010c/);
    assert.deepEqual(g.listFiles(), []);
  });
});
