/** Simulated guests in a worker thread (used by the fleet benchmark). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemContext } from '../../main/engine/crypto/context.js';
import { attestGuest } from '../../main/services/attest-guest.js';
import { startSimulatedGuestPool } from '../../main/sim/guest-pool.js';
import { parseGuestAddress } from '../../main/transport/guest-address.js';
import { SshGuestTransport } from '../../main/transport/ssh-transport.js';
import { clientKey, cuid, hostCoordsA, hostPrivateKey, seHeader } from './fixtures.js';

test('a worker-thread pool serves attestable guests and reports their files', async () => {
  const pool = await startSimulatedGuestPool([
    { hostPrivateKeys: [hostPrivateKey], seHeader, cuid, authorizedKeys: [clientKey.public] },
    {
      hostPrivateKeys: [hostPrivateKey],
      seHeader,
      cuid,
      authorizedKeys: [clientKey.public],
      fault: 'missing-uv-device',
    },
  ]);
  try {
    assert.equal(pool.guests.length, 2);
    const [ok, bad] = pool.guests.map(
      (g) =>
        new SshGuestTransport({
          guest: { address: parseGuestAddress(g.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
          identity: { privateKey: Buffer.from(clientKey.private) },
        }),
    );
    const r = await attestGuest({
      transport: ok!,
      loadHostKeys: async () => [hostCoordsA],
      seHeader,
      ctx: systemContext(),
    });
    assert.equal(r.verified, true);
    await assert.rejects(
      attestGuest({ transport: bad!, loadHostKeys: async () => [hostCoordsA], seHeader, ctx: systemContext() }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TRANSPORT_UV_DEVICE_MISSING',
    );
    assert.deepEqual(await pool.listFiles(), [[], []]);
  } finally {
    await pool.close();
  }
});
