/** Host-key trust: fingerprints and known_hosts checked against OpenSSH's own ssh-keygen output. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAttestError } from '../../shared/errors/index.js';
import {
  checkHostKey,
  computeHostKeyFingerprint,
  matchesKnownHost,
  parseHostKeyFingerprint,
  parseKnownHosts,
  type HostKeyInfo,
} from '../../main/transport/host-key.js';

const KEYGEN = '/usr/bin/ssh-keygen';
let dir: string;
let blob: Uint8Array;
let otherBlob: Uint8Array;
let pubLine: string;
let keygenFingerprint: string;

function blobOf(line: string): Uint8Array {
  return new Uint8Array(Buffer.from(line.trim().split(/\s+/)[1]!, 'base64'));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(isAttestError(e));
    return e.code;
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hostkey-'));
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k1')]);
  execFileSync(KEYGEN, ['-q', '-t', 'ecdsa', '-N', '', '-f', join(dir, 'k2')]);
  pubLine = readFileSync(join(dir, 'k1.pub'), 'utf8');
  blob = blobOf(pubLine);
  otherBlob = blobOf(readFileSync(join(dir, 'k2.pub'), 'utf8'));
  keygenFingerprint = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', join(dir, 'k1.pub')], {
    encoding: 'utf8',
  }).split(' ')[1]!;
});

describe('fingerprints', () => {
  test('equal to ssh-keygen -l', () => {
    assert.equal(computeHostKeyFingerprint(blob), keygenFingerprint);
  });
  test('parse accepts the padded form and rejects junk with a code', () => {
    assert.equal(parseHostKeyFingerprint(`${keygenFingerprint}=`), keygenFingerprint);
    for (const bad of ['', 'MD5:aa:bb', 'SHA256:short', `sha256:${keygenFingerprint.slice(7)}`]) {
      assert.throws(
        () => parseHostKeyFingerprint(bad),
        (e: unknown) => isAttestError(e, 'ERR_TRANSPORT_FINGERPRINT_INVALID'),
      );
    }
  });
});

describe('known_hosts', () => {
  test('plain, [host]:port, hashed (by ssh-keygen -H), wildcard and negated entries', () => {
    const key = pubLine.trim().split(/\s+/).slice(0, 2).join(' ');
    const file = join(dir, 'known_hosts');
    writeFileSync(
      file,
      `guest1.example,10.0.0.5 ${key}\n[127.0.0.1]:2222 ${key}\n*.lab.example,!bad.lab.example ${key}\n`,
    );
    const plain = parseKnownHosts(readFileSync(file, 'utf8'));
    execFileSync(KEYGEN, ['-H', '-f', file], { stdio: 'ignore' });
    const hashedText = readFileSync(file, 'utf8');
    assert.match(hashedText, /^\|1\|/m);
    const hashed = parseKnownHosts(hashedText);
    assert.equal(plain.length, 3);
    assert.ok(hashed.every((e) => e.fingerprint === keygenFingerprint));
    const any = (entries: typeof plain, host: string, port: number) =>
      entries.some((e) => matchesKnownHost(e.hosts, host, port));
    for (const entries of [plain, hashed]) {
      assert.equal(any(entries, 'guest1.example', 22), true);
      assert.equal(any(entries, '10.0.0.5', 22), true);
      assert.equal(any(entries, '127.0.0.1', 2222), true);
      assert.equal(any(entries, '127.0.0.1', 22), false);
      assert.equal(any(entries, 'guest1.example', 2200), false);
    }
    // ssh-keygen -H leaves wildcard lines unhashed; OpenSSH semantics apply to them
    assert.equal(any(hashed, 'a.lab.example', 22), true);
    assert.equal(any(hashed, 'bad.lab.example', 22), false);
  });

  test('comments, markers and malformed lines', () => {
    const key = pubLine.trim().split(/\s+/).slice(0, 2).join(' ');
    const entries = parseKnownHosts(
      `# comment\n\nbroken line\nhost ssh-ed25519 !!!\n@revoked * ${key}\n@cert-authority *.x ${key}\nh2 ${key}\n`,
    );
    assert.deepEqual(
      entries.map((e) => [e.marker, e.hosts, e.line]),
      [
        ['revoked', '*', 5],
        ['cert-authority', '*.x', 6],
        [undefined, 'h2', 7],
      ],
    );
  });
});

describe('trust decision', () => {
  test('pinned: match accepted, mismatch refused with both fingerprints', async () => {
    const info = await checkHostKey({ pinnedFingerprints: [keygenFingerprint] }, 'g', 22, blob);
    assert.equal(info.fingerprint, keygenFingerprint);
    assert.equal(info.keyType, 'ssh-ed25519');
    try {
      await checkHostKey({ pinnedFingerprints: [keygenFingerprint] }, 'g', 22, otherBlob);
      assert.fail('accepted a changed key');
    } catch (e) {
      assert.ok(isAttestError(e, 'ERR_TRANSPORT_HOST_KEY_CHANGED'));
      assert.ok(e.message.includes(keygenFingerprint));
      assert.ok(e.message.includes(computeHostKeyFingerprint(otherBlob)));
    }
  });

  test('known_hosts entry for the host wins over trust-on-first-use', async () => {
    const knownHosts = parseKnownHosts(`[g]:2022 ${pubLine}`);
    assert.equal(
      await codeOf(checkHostKey({ knownHosts, trustOnFirstUse: true }, 'g', 2022, otherBlob)),
      'ERR_TRANSPORT_HOST_KEY_CHANGED',
    );
    assert.equal(await codeOf(checkHostKey({ knownHosts }, 'g', 2022, blob)), 'ok');
    // an entry for another port does not count: first contact
    assert.equal(await codeOf(checkHostKey({ knownHosts }, 'g', 22, blob)), 'ERR_TRANSPORT_HOST_KEY_UNKNOWN');
  });

  test('@revoked refuses even with trust-on-first-use', async () => {
    const knownHosts = parseKnownHosts(`@revoked * ${pubLine}`);
    assert.equal(
      await codeOf(checkHostKey({ knownHosts, trustOnFirstUse: true }, 'g', 22, blob)),
      'ERR_TRANSPORT_HOST_KEY_REVOKED',
    );
  });

  test('first contact needs an explicit decision', async () => {
    assert.equal(await codeOf(checkHostKey({}, 'g', 22, blob)), 'ERR_TRANSPORT_HOST_KEY_UNKNOWN');
    const asked: HostKeyInfo[] = [];
    const accepted: [string, boolean][] = [];
    const yes = await codeOf(
      checkHostKey(
        { decide: (i) => (asked.push(i), true), onAccepted: (i, first) => accepted.push([i.fingerprint, first]) },
        'g',
        22,
        blob,
      ),
    );
    assert.equal(yes, 'ok');
    assert.equal(asked[0]?.fingerprint, keygenFingerprint);
    assert.deepEqual(accepted, [[keygenFingerprint, true]]);
    assert.equal(
      await codeOf(checkHostKey({ decide: async () => false }, 'g', 22, blob)),
      'ERR_TRANSPORT_HOST_KEY_UNKNOWN',
    );
    assert.equal(await codeOf(checkHostKey({ trustOnFirstUse: true }, 'g', 22, blob)), 'ok');
  });
});
