/**
 * Fleet benchmark: 100 simulated guests (ssh2 servers on loopback, in a worker thread), concurrency 16, through
 * the real SSH transport and the attest-fleet service. Reports wall time and guests/s beside the single-guest round trip
 * measured in the same run, and the ratio to the ideal (100 / 16) × round trip (goal ≤ 1.5).
 */
import { readFileSync } from 'node:fs';
import { p521PrivateKeyFromPem, readHostKeyDocument, systemContext } from '../main/engine/index.js';
import { attestGuest } from '../main/services/attest-guest.js';
import { attestFleet } from '../main/services/fleet.js';
import { isVerifiedOutcome } from '../shared/types/verdict.js';
import { startSimulatedGuestPool, type SimulatedGuestPool } from '../main/sim/guest-pool.js';
import type { GuestPoolEntry } from '../main/sim/guest-pool-worker.js';
import { generateSshKeyPair } from '../main/sim/simulated-guest.js';
import { parseGuestAddress } from '../main/transport/guest-address.js';
import { SshGuestTransport } from '../main/transport/ssh-transport.js';

const KEYS = new URL('../test/vectors/interop/keys/', import.meta.url).pathname;
const GUESTS = 100;
const CONCURRENCY = 16;
const SINGLE_RUNS = 7;

interface FleetRunParams {
  readonly op: string;
  /** Simulated per-reply link latency of every guest (0 = plain loopback). */
  readonly linkDelayMs: number;
  readonly singleRuns: number;
}

/** Runs the fleet benchmark: plain loopback (as specified) and a latency-bound link (where concurrency can pay off). */
export async function runFleetBench(): Promise<object[]> {
  return [
    ...(await runFleet({ op: 'fleet-attest', linkDelayMs: 0, singleRuns: SINGLE_RUNS })),
    ...(await runFleet({ op: 'fleet-attest-wan', linkDelayMs: 60, singleRuns: 3 })),
  ];
}

async function runFleet(p: FleetRunParams): Promise<object[]> {
  const hostPrivateKey = p521PrivateKeyFromPem(readFileSync(`${KEYS}hostA.key`, 'utf8'));
  const hostCoords = readHostKeyDocument(new Uint8Array(readFileSync(`${KEYS}hostA.crt`))).publicCoords;
  const seHeader = new Uint8Array(readFileSync(`${KEYS}se.hdr`));
  const client = generateSshKeyPair();
  const ctx = systemContext();
  let pool: SimulatedGuestPool | undefined;
  const transportFor = (g: GuestPoolEntry) =>
    new SshGuestTransport({
      guest: { address: parseGuestAddress(g.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
      identity: { privateKey: Buffer.from(client.private) },
    });
  try {
    // the guests run in a worker thread: their Ultravisor and SSH-server CPU is not the workstation's
    pool = await startSimulatedGuestPool(
      Array.from({ length: GUESTS }, (_, i) => {
        const cuid = new Uint8Array(16);
        new DataView(cuid.buffer).setUint32(12, i);
        return {
          hostPrivateKeys: [hostPrivateKey],
          seHeader,
          cuid,
          authorizedKeys: [client.public],
          ...(p.linkDelayMs > 0 ? { fault: 'slow-link' as const, slowLinkDelayMs: p.linkDelayMs } : {}),
        };
      }),
    );
    const guests = pool.guests;
    const loadHostKeys = async () => [hostCoords];
    // single-guest round trip: median of sequential runs after one warm-up
    const single: number[] = [];
    for (let i = 0; i <= p.singleRuns; i++) {
      const start = performance.now();
      const r = await attestGuest({ transport: transportFor(guests[i % GUESTS]!), loadHostKeys, seHeader, ctx });
      if (!r.verified) throw new Error('single-guest round trip did not verify');
      if (i > 0) single.push(performance.now() - start);
    }
    single.sort((a, b) => a - b);
    const roundTripMs = single[Math.floor(single.length / 2)]!;

    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const results = await attestFleet({
      guests: guests.map((g, i) => ({ id: `guest-${i}`, transport: transportFor(g) })),
      concurrency: CONCURRENCY,
      loadHostKeys,
      seHeader,
      ctx,
    });
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const verified = results.filter((r) => isVerifiedOutcome(r.outcome)).length;
    const idealMs = (GUESTS / CONCURRENCY) * roundTripMs;
    return [
      {
        op: `${p.op}-single-round-trip`,
        link_delay_ms: p.linkDelayMs,
        median_ms: round(roundTripMs),
        mean_ms: round(single.reduce((a, b) => a + b, 0) / single.length),
        runs: single.length,
      },
      {
        op: p.op,
        link_delay_ms: p.linkDelayMs,
        guests: GUESTS,
        concurrency: CONCURRENCY,
        verified,
        wall_ms: round(wallMs),
        guests_per_s: round((GUESTS / wallMs) * 1000),
        single_round_trip_ms: round(roundTripMs),
        ideal_ms: round(idealMs),
        ratio_to_ideal: round(wallMs / idealMs),
        goal_ratio: 1.5,
        meets_goal: wallMs <= 1.5 * idealMs,
        // process CPU (workstation thread + guest worker) per guest: when it is ≈ the round trip, concurrency cannot help
        cpu_ms_per_guest: round(cpuMs / GUESTS),
        cpu_bound_floor_ms: round(cpuMs),
      },
    ];
  } finally {
    await pool?.close();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
