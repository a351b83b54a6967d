/**
 * Issue 13: the ad-hoc `attest --guest` use case lives in services/attest-ad-hoc (the CLI only parses flags, reads
 * files and prints): host-key policies of the guest and its jump host, the run, and a recorded run's guest record,
 * header and imported HKDs. Its errors carry the transport/store codes, never ERR_CLI_*.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { performAttestation } from '../../main/engine/attest/ultravisor.js';
import { systemContext } from '../../main/engine/crypto/context.js';
import { adHocHostKeyPolicies, attestAdHoc } from '../../main/services/attest-ad-hoc.js';
import { openStore } from '../../main/store/index.js';
import type { GuestTransport } from '../../main/transport/guest-transport.js';
import type { HostKeyInfo } from '../../main/transport/host-key.js';
import { isAttestError } from '../../shared/errors/index.js';
import { tempDir } from '../support/cli.js';
import { cuid, hostCertA, hostCoordsA, hostPrivateKey, seHeader } from '../sim/fixtures.js';

const tmp = tempDir('se-attest-adhoc-');
after(() => tmp.cleanup());
const FP = `SHA256:${'B'.repeat(43)}`;
const hostKey: HostKeyInfo = { host: '10.0.0.5', port: 22, keyType: 'ssh-ed25519', fingerprint: FP };

/** A transport answering with the software Ultravisor in-process. */
const fakeTransport = (): GuestTransport => ({
  target: 'root@10.0.0.5',
  async performOnGuest(p) {
    const response = performAttestation({ request: p.request, hostPrivateKeys: [hostPrivateKey], seHeader, cuid });
    return { response, hostKey, exitCode: 0, stderr: '' };
  },
});

const base = {
  identity: { agent: '/nonexistent.sock' },
  loadHostKeys: async () => ({ keys: [hostCoordsA], report: undefined }),
  seHeader,
  addData: ['phkh-img'] as const,
  ctx: systemContext(),
  transportFactory: fakeTransport,
};

describe('adHocHostKeyPolicies', () => {
  test('a pinned fingerprint pins the guest only; the jump host falls back to known_hosts', () => {
    const known = [{ hosts: 'jump.example', keyType: 'ssh-ed25519', key: 'AAAA', marker: undefined }] as never;
    const p = adHocHostKeyPolicies({
      guest: 'root@10.0.0.5',
      jump: 'me@jump.example',
      hostKeyFingerprint: FP,
      knownHosts: known,
    });
    assert.deepEqual(p.guestPolicy.pinnedFingerprints, [FP]);
    assert.equal(p.guestPolicy.knownHosts, undefined);
    assert.equal(p.jumpPolicy.pinnedFingerprints, undefined);
    assert.equal(p.jumpPolicy.knownHosts, known);
    assert.equal(p.jump?.host, 'jump.example');
  });
  test('unpinned: known_hosts and trust on first use; the first-use callback sees the address', () => {
    const told: string[] = [];
    const p = adHocHostKeyPolicies({
      guest: 'root@[::1]:2222',
      trustOnFirstUse: true,
      onTrustedOnFirstUse: (info, address) => told.push(`${info.fingerprint} ${address.host}:${address.port}`),
    });
    assert.equal(p.guestPolicy.trustOnFirstUse, true);
    p.guestPolicy.onAccepted?.(hostKey, false);
    p.guestPolicy.onAccepted?.(hostKey, true);
    assert.deepEqual(told, [`${FP} ::1:2222`]);
  });
  test('bad addresses and fingerprints carry the transport codes', () => {
    assert.throws(
      () => adHocHostKeyPolicies({ guest: 'root@' }),
      (e) => isAttestError(e, 'ERR_TRANSPORT_ADDRESS_INVALID'),
    );
    assert.throws(
      () => adHocHostKeyPolicies({ guest: 'root@h', hostKeyFingerprint: 'MD5:xx' }),
      (e) => isAttestError(e, 'ERR_TRANSPORT_FINGERPRINT_INVALID'),
    );
  });
});

describe('attestAdHoc', () => {
  test('unrecorded: the verification of the run', async () => {
    const out = await attestAdHoc({ ...base, guest: 'root@10.0.0.5', hostKeyFingerprint: FP });
    assert.equal(out.recorded, false);
    assert.equal(out.recorded === false && out.result.verified, true);
  });
  test('recorded: the guest (default name: its host), its bare header and the HKDs go into the store', async () => {
    const store = openStore({ path: tmp.path('ws.db') });
    try {
      const run = () =>
        attestAdHoc({
          ...base,
          guest: 'root@10.0.0.5',
          hostKeyFingerprint: FP,
          record: { store, hkdFiles: [{ source: 'hostA.crt', bytes: hostCertA }] },
        });
      const first = await run();
      assert.equal(first.recorded, true);
      if (!first.recorded) return;
      assert.equal(first.outcome.record.verdict?.outcome, 'verified');
      const guest = store.guests.get('10.0.0.5');
      assert.equal(guest.sshTarget, 'root@10.0.0.5');
      assert.deepEqual(store.guests.seHeader(guest.id), seHeader);
      assert.equal(store.trust.list().filter((i) => i.kind === 'hkd').length, 1);
      const second = await run();
      assert.ok(second.recorded && second.outcome.record.guestName === '10.0.0.5', 'the same guest again');
    } finally {
      store.close();
    }
  });
  test('a failing run is recorded with its service code, never a CLI one', async () => {
    const store = openStore({ path: tmp.path('ws2.db') });
    try {
      const out = await attestAdHoc({
        ...base,
        guest: 'root@10.0.0.5',
        hostKeyFingerprint: FP,
        loadHostKeys: async () => ({ keys: [], report: undefined }),
        record: { store, guestName: 'web1', hkdFiles: [] },
      });
      assert.ok(out.recorded);
      if (!out.recorded) return;
      assert.equal(out.outcome.record.verdict?.outcome, 'error');
      assert.match(out.outcome.record.errorCode ?? '', /^ERR_(?!CLI_)/);
    } finally {
      store.close();
    }
  });
});
