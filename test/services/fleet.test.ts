/** Issue 4 fleet: 50 simulated guests, concurrency 8, 3 faulty → 47 verified and 3 precise failures. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemContext } from '../../main/engine/crypto/context.js';
import { attestFleet, type FleetResult } from '../../main/services/fleet.js';
import type { SimulatedFault, SimulatedGuest } from '../../main/sim/simulated-guest.js';
import { hostCoordsA, seHeader, startGuest, transportFor } from '../sim/fixtures.js';

const guests: SimulatedGuest[] = [];
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
});

describe('attestFleet', () => {
  test('50 guests, concurrency 8, 3 faulty', async () => {
    const faults = new Map<number, SimulatedFault>([
      [7, 'missing-uv-device'],
      [23, 'wrong-host-key'],
      [41, 'tampered-measurement'],
    ]);
    for (let i = 0; i < 50; i++) {
      const fault = faults.get(i);
      guests.push(await startGuest(fault ? { fault } : {}));
    }
    let active = 0;
    let maxActive = 0;
    let loads = 0;
    const finished: string[] = [];
    const results = await attestFleet({
      guests: guests.map((g, i) => ({ id: `guest-${i}`, transport: transportFor(g) })),
      concurrency: 8,
      loadHostKeys: async () => {
        loads++;
        return [hostCoordsA];
      },
      seHeader,
      ctx: systemContext(),
      onProgress: (_id, e) => {
        if (e.step === 'host-keys' && e.status === 'start') maxActive = Math.max(maxActive, ++active);
      },
      onResult: (r: FleetResult) => {
        active--;
        finished.push(r.id);
      },
    });
    assert.equal(results.length, 50);
    assert.deepEqual(
      results.map((r) => r.id),
      guests.map((_, i) => `guest-${i}`),
    );
    assert.equal(new Set(finished).size, 50);
    assert.equal(loads, 1, 'host keys are verified once per fleet');
    assert.ok(maxActive <= 8 && maxActive >= 2, `max concurrency ${maxActive}`);
    assert.equal(results.filter((r) => r.outcome === 'verified').length, 47);
    const failed = results.filter((r) => r.outcome !== 'verified').map((r) => [r.id, r.outcome, r.error?.code]);
    assert.deepEqual(failed, [
      ['guest-7', 'error', 'ERR_TRANSPORT_UV_DEVICE_MISSING'],
      ['guest-23', 'error', 'ERR_TRANSPORT_HOST_KEY_CHANGED'],
      ['guest-41', 'mismatch', undefined],
    ]);
    assert.match(results[7]!.error!.message, /modprobe uvdevice/);
    assert.ok(results[23]!.error!.message.includes(guests[23]!.fingerprint));
    for (const g of guests) assert.deepEqual(g.listFiles(), []);
  });

  test('cancellation: still one result per guest; unstarted guests are cancelled', async () => {
    const fleet = await Promise.all(Array.from({ length: 6 }, () => startGuest()));
    guests.push(...fleet);
    const controller = new AbortController();
    const results = await attestFleet({
      guests: fleet.map((g, i) => ({ id: `g${i}`, transport: transportFor(g) })),
      concurrency: 2,
      loadHostKeys: async () => [hostCoordsA],
      seHeader,
      ctx: systemContext(),
      signal: controller.signal,
      onResult: () => controller.abort(),
    });
    assert.equal(results.length, 6);
    const cancelled = results.filter((r) => r.error?.code === 'ERR_TRANSPORT_CANCELLED');
    assert.ok(cancelled.length >= 3, JSON.stringify(results.map((r) => r.outcome)));
    // issue 11: a guest stopped by the cancellation is cancelled, never an error
    assert.ok(cancelled.every((r) => r.outcome === 'cancelled' && r.verdict.outcome === 'cancelled'));
    assert.ok(results.every((r) => r.outcome === 'verified' || r.outcome === 'cancelled'));
    for (const g of fleet) assert.deepEqual(g.listFiles(), []);
  });
});
