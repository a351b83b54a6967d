/** The attest-guest use case with an in-memory transport (software UV in-process) and injected host-key loading. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttestError, isAttestError } from '../../shared/errors/index.js';
import { performAttestation } from '../../main/engine/attest/ultravisor.js';
import { systemContext, type EngineContext } from '../../main/engine/crypto/context.js';
import { attestGuest, type AttestGuestProgress } from '../../main/services/attest-guest.js';
import type { GuestTransport, PerformOnGuestParams } from '../../main/transport/guest-transport.js';
import { cuid, hostCoordsA, hostPrivateKey, seHeader } from '../sim/fixtures.js';

const hostKey = {
  host: 'g',
  port: 22,
  keyType: 'ssh-ed25519',
  fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};

/** A transport that answers with the software Ultravisor in-process and reports the usual steps. */
function fakeTransport(
  mutate?: (response: Uint8Array) => Uint8Array,
): GuestTransport & { calls: PerformOnGuestParams[] } {
  const calls: PerformOnGuestParams[] = [];
  return {
    target: 'root@fake',
    calls,
    async performOnGuest(p) {
      calls.push(p);
      for (const step of ['connect', 'prepare', 'upload', 'perform', 'download', 'cleanup'] as const) {
        p.onStep?.({ step, status: 'start' });
        p.onStep?.({ step, status: 'done', elapsedMs: 1, ...(step === 'connect' ? { hostKey } : {}) });
      }
      const response = performAttestation({
        request: p.request,
        hostPrivateKeys: [hostPrivateKey],
        seHeader,
        cuid,
        ...(p.userData ? { userData: p.userData } : {}),
      });
      return { response: mutate ? mutate(response) : response, hostKey, exitCode: 0, stderr: '' };
    },
  };
}

function recordingContext(): EngineContext & { drawn: Uint8Array[] } {
  const base = systemContext();
  const drawn: Uint8Array[] = [];
  return {
    drawn,
    now: () => base.now(),
    randomBytes(size: number) {
      const b = base.randomBytes(size);
      drawn.push(b.slice());
      return b;
    },
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(isAttestError(e), String(e));
    return e.code;
  }
}

describe('attestGuest', () => {
  test('verifies, reports every step in order, and keeps secrets out of events', async () => {
    const events: AttestGuestProgress[] = [];
    const ctx = recordingContext();
    const userData = new Uint8Array([1, 2, 3, 4]);
    const r = await attestGuest({
      transport: fakeTransport(),
      loadHostKeys: async () => [hostCoordsA],
      seHeader,
      userData,
      addData: ['phkh-att'],
      ctx,
      onProgress: (e) => events.push(e),
    });
    assert.equal(r.verified, true);
    assert.deepEqual(r.verification.cuid, cuid);
    assert.deepEqual(r.verification.userData, userData);
    assert.ok(r.verification.additional?.attestationPhkh);
    assert.deepEqual(
      events.filter((e) => e.status === 'done').map((e) => e.step),
      ['host-keys', 'create', 'connect', 'prepare', 'upload', 'perform', 'download', 'cleanup', 'verify'],
    );
    assert.equal(
      events.find((e) => e.step === 'connect' && e.status === 'done')?.hostKeyFingerprint,
      hostKey.fingerprint,
    );
    assert.ok(events.every((e) => e.guest === 'root@fake'));
    const text = JSON.stringify(events);
    for (const secret of ctx.drawn.filter((d) => d.length >= 16)) {
      assert.ok(!text.includes(Buffer.from(secret).toString('hex')));
      assert.ok(!text.includes(Buffer.from(secret).toString('base64')));
    }
  });

  test('a tampered measurement is a result, not an exception', async () => {
    const r = await attestGuest({
      transport: fakeTransport((resp) => {
        const copy = resp.slice();
        const at = new DataView(copy.buffer).getUint32(0x24);
        copy[at] = copy[at]! ^ 0xff;
        return copy;
      }),
      loadHostKeys: async () => [hostCoordsA],
      seHeader,
      ctx: systemContext(),
    });
    assert.equal(r.verified, false);
  });

  test('user data over 256 bytes is refused before anything is sent', async () => {
    const t = fakeTransport();
    const code = await codeOf(
      attestGuest({
        transport: t,
        loadHostKeys: async () => [hostCoordsA],
        seHeader,
        userData: new Uint8Array(257),
        ctx: systemContext(),
      }),
    );
    assert.equal(code, 'ERR_USER_DATA_SIZE');
    assert.equal(t.calls.length, 0);
  });

  test('host-key verification failure stops before the guest is contacted', async () => {
    const t = fakeTransport();
    const events: AttestGuestProgress[] = [];
    const code = await codeOf(
      attestGuest({
        transport: t,
        loadHostKeys: async () => {
          throw new AttestError('ERR_HOST_KEY_INVALID', 'not an HKD');
        },
        seHeader,
        ctx: systemContext(),
        onProgress: (e) => events.push(e),
      }),
    );
    assert.equal(code, 'ERR_HOST_KEY_INVALID');
    assert.equal(t.calls.length, 0);
    assert.deepEqual(events.at(-1), {
      guest: 'root@fake',
      step: 'host-keys',
      status: 'failed',
      elapsedMs: events.at(-1)?.elapsedMs,
      code: 'ERR_HOST_KEY_INVALID',
    });
  });

  test('cancellation: before the start, and while host keys load', async () => {
    const t = fakeTransport();
    assert.equal(
      await codeOf(
        attestGuest({
          transport: t,
          loadHostKeys: async () => [hostCoordsA],
          seHeader,
          ctx: systemContext(),
          signal: AbortSignal.abort(),
        }),
      ),
      'ERR_TRANSPORT_CANCELLED',
    );
    const controller = new AbortController();
    const code = await codeOf(
      attestGuest({
        transport: t,
        loadHostKeys: async () => {
          controller.abort();
          return [hostCoordsA];
        },
        seHeader,
        ctx: systemContext(),
        signal: controller.signal,
      }),
    );
    assert.equal(code, 'ERR_TRANSPORT_CANCELLED');
    assert.equal(t.calls.length, 0);
  });

  test('transport errors keep their code; the signal reaches the transport', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const failing: GuestTransport = {
      target: 'root@down',
      async performOnGuest(p) {
        seen = p.signal;
        throw new AttestError('ERR_TRANSPORT_UV_DEVICE_MISSING', 'no /dev/uv');
      },
    };
    const code = await codeOf(
      attestGuest({
        transport: failing,
        loadHostKeys: async () => [hostCoordsA],
        seHeader,
        ctx: systemContext(),
        signal: controller.signal,
      }),
    );
    assert.equal(code, 'ERR_TRANSPORT_UV_DEVICE_MISSING');
    assert.equal(seen, controller.signal);
  });
});
