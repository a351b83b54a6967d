/** The ssh2 transport against the in-process simulated guest: jump host, trust, identities, cancellation, options. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { isAttestError } from '../../shared/errors/index.js';
import { systemContext } from '../../main/engine/crypto/context.js';
import { createAttestationRequest } from '../../main/engine/attest/create.js';
import { verifyAttestationResponse } from '../../main/engine/attest/verify.js';
import { generateSshKeyPair, type SimulatedGuest } from '../../main/sim/simulated-guest.js';
import type { GuestStepEvent } from '../../main/transport/guest-transport.js';
import { parseGuestAddress } from '../../main/transport/guest-address.js';
import { parseKnownHosts, type HostKeyInfo } from '../../main/transport/host-key.js';
import { SshGuestTransport } from '../../main/transport/ssh-transport.js';
import { clientKey, hostCoordsA, seHeader, startGuest, transportFor } from '../sim/fixtures.js';

const guests: SimulatedGuest[] = [];
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
});
async function guestWith(params: Parameters<typeof startGuest>[0] = {}) {
  const g = await startGuest(params);
  guests.push(g);
  return g;
}
function newRequest() {
  return createAttestationRequest({ hostKeys: [hostCoordsA], ctx: systemContext() });
}
async function codeOf(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isAttestError(e), String(e));
    return { code: e.code, message: e.message, details: { ...e.details } };
  }
  return { code: 'ok', message: '', details: {} };
}

describe('SshGuestTransport', () => {
  test('steps in order, user data passed with -u, response verifies', async () => {
    const g = await guestWith();
    const events: GuestStepEvent[] = [];
    const req = newRequest();
    const userData = new TextEncoder().encode('nonce-from-laptop');
    const r = await transportFor(g).performOnGuest({ request: req.exchange, userData, onStep: (e) => events.push(e) });
    assert.deepEqual(
      events.filter((e) => e.status === 'done').map((e) => e.step),
      ['connect', 'prepare', 'upload', 'perform', 'download', 'cleanup'],
    );
    assert.equal(events.find((e) => e.step === 'connect' && e.status === 'done')?.hostKey?.fingerprint, g.fingerprint);
    assert.equal(
      events.find((e) => e.step === 'upload' && e.status === 'done')?.bytes,
      req.exchange.length + userData.length,
    );
    assert.match(
      g.commands[1]!,
      /^umask 077 && pvattest perform -i '\/tmp\/se-attest\.[0-9a-f]{16}\.[0-9a-f]+\/request\.bin' -o '.*\/response\.bin' -u '.*\/user-data\.bin'$/,
    );
    const v = verifyAttestationResponse({ response: r.response, arpk: req.arpk, seHeader });
    assert.equal(v.verified, true);
    assert.deepEqual(v.userData, userData);
    assert.deepEqual(g.listFiles(), []);
  });

  test('through a jump host (ProxyJump over forwardOut), each hop with its own pin', async () => {
    const jump = await guestWith({ allowForwarding: true, user: 'jumper' });
    const g = await guestWith();
    const t = new SshGuestTransport({
      guest: { address: parseGuestAddress(g.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
      jump: { address: parseGuestAddress(jump.address), hostKeys: { pinnedFingerprints: [jump.fingerprint] } },
      identity: { privateKey: Buffer.from(clientKey.private) },
    });
    const req = newRequest();
    const r = await t.performOnGuest({ request: req.exchange });
    assert.equal(verifyAttestationResponse({ response: r.response, arpk: req.arpk, seHeader }).verified, true);
    assert.equal(g.performCount, 1);
    assert.equal(jump.performCount, 0);
    // the jump host's key is checked too
    const wrong = new SshGuestTransport({
      guest: { address: parseGuestAddress(g.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
      jump: { address: parseGuestAddress(jump.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
      identity: { privateKey: Buffer.from(clientKey.private) },
    });
    const e = await codeOf(wrong.performOnGuest({ request: req.exchange }));
    assert.equal(e.code, 'ERR_TRANSPORT_HOST_KEY_CHANGED');
    assert.match(e.message, new RegExp(`\\[127\\.0\\.0\\.1\\]:${jump.port}`));
    // a jump host that refuses forwarding
    const noFwd = await guestWith();
    const refused = new SshGuestTransport({
      guest: { address: parseGuestAddress(g.address), hostKeys: { pinnedFingerprints: [g.fingerprint] } },
      jump: { address: parseGuestAddress(noFwd.address), hostKeys: { pinnedFingerprints: [noFwd.fingerprint] } },
      identity: { privateKey: Buffer.from(clientKey.private) },
    });
    assert.equal((await codeOf(refused.performOnGuest({ request: req.exchange }))).code, 'ERR_TRANSPORT_JUMP_FAILED');
  });

  test('first contact: refused without a decision, asked through the callback, or TOFU; known_hosts import', async () => {
    const g = await guestWith();
    const address = parseGuestAddress(g.address);
    const identity = { privateKey: Buffer.from(clientKey.private) };
    const req = newRequest();
    const unknown = await codeOf(
      new SshGuestTransport({ guest: { address, hostKeys: {} }, identity }).performOnGuest({ request: req.exchange }),
    );
    assert.equal(unknown.code, 'ERR_TRANSPORT_HOST_KEY_UNKNOWN');
    assert.ok(unknown.message.includes(g.fingerprint));
    assert.deepEqual(g.commands, []);

    const asked: HostKeyInfo[] = [];
    const pinned: string[] = [];
    const decided = new SshGuestTransport({
      guest: {
        address,
        hostKeys: { decide: async (i) => (asked.push(i), true), onAccepted: (i) => pinned.push(i.fingerprint) },
      },
      identity,
    });
    await decided.performOnGuest({ request: req.exchange });
    assert.equal(asked.length, 1);
    assert.deepEqual(pinned, [g.fingerprint]);

    const tofu = new SshGuestTransport({ guest: { address, hostKeys: { trustOnFirstUse: true } }, identity });
    assert.ok((await tofu.performOnGuest({ request: req.exchange })).response.length > 0);

    const knownHosts = parseKnownHosts(
      `[127.0.0.1]:${g.port} ssh-ed25519 ${Buffer.from(await hostKeyBlob(g)).toString('base64')}\n`,
    );
    const known = new SshGuestTransport({ guest: { address, hostKeys: { knownHosts } }, identity });
    assert.ok((await known.performOnGuest({ request: req.exchange })).response.length > 0);
    assert.deepEqual(g.listFiles(), []);
  });

  test('a person deciding takes longer than the connect timeout: the decision window applies', async () => {
    const g = await guestWith();
    const t = new SshGuestTransport({
      guest: {
        address: parseGuestAddress(g.address),
        hostKeys: { decide: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 600)) },
      },
      identity: { privateKey: Buffer.from(clientKey.private) },
      timeouts: { connectMs: 300, decideMs: 5000 },
    });
    assert.ok((await t.performOnGuest({ request: newRequest().exchange })).response.length > 0);
  });

  test('identity problems are coded and never echo the key or passphrase', async () => {
    const g = await guestWith();
    const req = newRequest();
    const address = parseGuestAddress(g.address);
    const hostKeys = { pinnedFingerprints: [g.fingerprint] };
    const garbage = await codeOf(
      new SshGuestTransport({
        guest: { address, hostKeys },
        identity: { privateKey: Buffer.from('not a key at all') },
      }).performOnGuest({ request: req.exchange }),
    );
    assert.equal(garbage.code, 'ERR_TRANSPORT_IDENTITY_INVALID');
    const secret = 'correct horse battery staple';
    let enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: secret, cipher: 'aes256-ctr', rounds: 4 });
    // ssh2's generator occasionally writes a key its parser rejects; draw again (see generateSshKeyPair)
    while (
      ssh2.utils.parseKey(enc.private, secret) instanceof Error ||
      ssh2.utils.parseKey(enc.public) instanceof Error
    ) {
      enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: secret, cipher: 'aes256-ctr', rounds: 4 });
    }
    const encGuest = await guestWith({ authorizedKeys: [enc.public] });
    const encAddress = parseGuestAddress(encGuest.address);
    const wrongPass = await codeOf(
      new SshGuestTransport({
        guest: { address: encAddress, hostKeys: { pinnedFingerprints: [encGuest.fingerprint] } },
        identity: { privateKey: Buffer.from(enc.private), passphrase: 'wrong-passphrase-123' },
      }).performOnGuest({ request: req.exchange }),
    );
    assert.equal(wrongPass.code, 'ERR_TRANSPORT_IDENTITY_INVALID');
    assert.ok(!JSON.stringify(wrongPass).includes('wrong-passphrase-123'));
    assert.ok(!JSON.stringify(wrongPass).includes(enc.private.slice(40, 80)));
    const ok = await new SshGuestTransport({
      guest: { address: encAddress, hostKeys: { pinnedFingerprints: [encGuest.fingerprint] } },
      identity: { privateKey: Buffer.from(enc.private), passphrase: secret },
    }).performOnGuest({ request: req.exchange });
    assert.ok(ok.response.length > 0);
    // a valid key the guest does not authorize
    const stranger = generateSshKeyPair();
    const denied = await codeOf(
      new SshGuestTransport({
        guest: { address, hostKeys },
        identity: { privateKey: Buffer.from(stranger.private) },
      }).performOnGuest({ request: req.exchange }),
    );
    assert.equal(denied.code, 'ERR_TRANSPORT_AUTH_FAILED');
  });

  test('nothing listening: connect failed', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const t = new SshGuestTransport({
      guest: { address: { user: 'root', host: '127.0.0.1', port }, hostKeys: { trustOnFirstUse: true } },
      identity: { privateKey: Buffer.from(clientKey.private) },
    });
    const e = await codeOf(t.performOnGuest({ request: newRequest().exchange }));
    assert.equal(e.code, 'ERR_TRANSPORT_CONNECT_FAILED');
    assert.equal(e.details.errno, 'ECONNREFUSED');
  });

  test('a server that accepts TCP but never speaks SSH: connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const t = new SshGuestTransport({
        guest: { address: { user: 'root', host: '127.0.0.1', port }, hostKeys: { trustOnFirstUse: true } },
        identity: { privateKey: Buffer.from(clientKey.private) },
        timeouts: { connectMs: 300 },
      });
      const e = await codeOf(t.performOnGuest({ request: newRequest().exchange }));
      assert.equal(e.code, 'ERR_TRANSPORT_TIMEOUT');
      assert.equal(e.details.step, 'connect');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('cancellation during perform: coded, temp dir removed', async () => {
    const g = await guestWith({ fault: 'hang' });
    const controller = new AbortController();
    const p = transportFor(g).performOnGuest({
      request: newRequest().exchange,
      signal: controller.signal,
      onStep: (e) => {
        if (e.step === 'perform' && e.status === 'start') setImmediate(() => controller.abort());
      },
    });
    const e = await codeOf(p);
    assert.equal(e.code, 'ERR_TRANSPORT_CANCELLED');
    assert.deepEqual(g.listFiles(), []);
  });

  test('already-aborted signal: nothing runs on the guest', async () => {
    const g = await guestWith();
    const e = await codeOf(
      transportFor(g).performOnGuest({ request: newRequest().exchange, signal: AbortSignal.abort() }),
    );
    assert.equal(e.code, 'ERR_TRANSPORT_CANCELLED');
    assert.deepEqual(g.commands, []);
  });

  test('whole-run timeout', async () => {
    const g = await guestWith({ fault: 'hang' });
    const e = await codeOf(
      transportFor(g, { timeouts: { connectMs: 5000, stepMs: 10000, totalMs: 400, cleanupMs: 3000 } }).performOnGuest({
        request: newRequest().exchange,
      }),
    );
    assert.equal(e.code, 'ERR_TRANSPORT_TIMEOUT');
    assert.equal(e.details.step, 'total');
    assert.deepEqual(g.listFiles(), []);
  });

  test('sudo -n prefix and a configured remote command; command not found is explained', async () => {
    const g = await guestWith({ pvattestCommand: '/opt/s390-tools/bin/pvattest' });
    await transportFor(g, { remoteCommand: '/opt/s390-tools/bin/pvattest', sudo: true }).performOnGuest({
      request: newRequest().exchange,
    });
    assert.match(g.commands[1]!, /^umask 077 && sudo -n \/opt\/s390-tools\/bin\/pvattest perform -i /);
    const e = await codeOf(transportFor(g).performOnGuest({ request: newRequest().exchange }));
    assert.equal(e.code, 'ERR_TRANSPORT_PERFORM_FAILED');
    assert.equal(e.details.exitCode, 127);
    assert.match(e.message, /command not found/);
    assert.deepEqual(g.listFiles(), []);
  });

  test('response size cap is configurable', async () => {
    const g = await guestWith();
    const e = await codeOf(
      transportFor(g, { responseSizeCap: 100 }).performOnGuest({ request: newRequest().exchange }),
    );
    assert.equal(e.code, 'ERR_TRANSPORT_RESPONSE_TOO_LARGE');
    assert.equal(e.details.cap, 100);
    assert.deepEqual(g.listFiles(), []);
  });
});

/** Fetches the guest's served host key blob by connecting once with a capturing verifier. */
async function hostKeyBlob(g: SimulatedGuest): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', () => undefined);
    c.connect({
      host: g.host,
      port: g.port,
      username: 'nobody',
      hostVerifier: (key: Buffer) => {
        resolve(new Uint8Array(key));
        setImmediate(() => c.end());
        return false;
      },
    });
    setTimeout(() => reject(new Error('no host key')), 5000).unref();
  });
}
