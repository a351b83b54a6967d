// Issue 14: the channel-bound release against a real OpenSSH sshd on 127.0.0.1. The guest side is a test script:
// a `pvattest` that answers with the software Ultravisor (`se-attest perform`, user data included) and a secret
// sink that stores what arrives on its standard input. The passphrase arrives only when the attestation's user
// data (computed on the guest from its own host-key file, over this connection) matches the presented key.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createFakeIbmPki, readHostKeyDocument, sealSeHeader, systemContext, toHex } from '../../main/engine/index.js';
import { releaseSecret } from '../../main/services/release-secret.js';
import { importTrustFiles } from '../../main/services/trust.js';
import { openStore, type Store } from '../../main/store/index.js';
import { chainPems } from '../support/pki-files.js';
import { startSshd, whySshdUnavailable, type RealSshd } from '../support/sshd.js';

const unavailable = whySshdUnavailable();
if (unavailable) console.log(`# skipping the channel-bound release against sshd: ${unavailable}`);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CUID = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
const PASSPHRASE = 'correct horse battery staple / LUKS slot 1';
const ctx = systemContext();
let dir: string;
let sshd: RealSshd;
let store: Store;

describe('channel-bound release against a real OpenSSH sshd', { skip: unavailable }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'release-sshd-'));
    const pki = await createFakeIbmPki({ ctx, hkdCount: 1 });
    const hkd = pki.hkds[0]!;
    writeFileSync(join(dir, 'host.key'), hkd.privateKeyPem, { mode: 0o600 });
    const doc = readHostKeyDocument(new TextEncoder().encode(hkd.pem));
    const seHeader = sealSeHeader({ hostKeys: [doc.publicCoords], cck: ctx.randomBytes(32), ctx });
    writeFileSync(join(dir, 'se.hdr'), seHeader);
    const tsx = import.meta.resolve('tsx');
    writeFileSync(
      join(dir, 'se-attest.mjs'),
      `import { runCli } from ${JSON.stringify(join(REPO, 'main/cli/main.ts'))};\nprocess.exitCode = await runCli(process.argv.slice(2));\n`,
    );
    // the guest side: pvattest answered by the software Ultravisor (it passes -u USERDATA through) …
    writeFileSync(
      join(dir, 'pvattest'),
      [
        '#!/bin/sh',
        '[ "$1" = perform ] || exit 2',
        'shift',
        `dirname "$2" >> ${JSON.stringify(join(dir, 'dirs.log'))}`,
        `exec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsx)} ${JSON.stringify(join(dir, 'se-attest.mjs'))} perform --host-key ${JSON.stringify(join(dir, 'host.key'))} --hdr ${JSON.stringify(join(dir, 'se.hdr'))} --cuid ${CUID} "$@"`,
        '',
      ].join('\n'),
    );
    // … and the command that receives the secret on standard input (cryptsetup's --key-file=- stands here)
    writeFileSync(join(dir, 'receive-secret'), `#!/bin/sh\numask 077\ncat > "$1"\n`);
    chmodSync(join(dir, 'pvattest'), 0o755);
    chmodSync(join(dir, 'receive-secret'), 0o755);
    writeFileSync(join(dir, 'passphrase'), PASSPHRASE, { mode: 0o600 });
    // the guest's temp dirs live in this test's folder: other tests watch /tmp for leftovers of their own
    sshd = await startSshd({ pathDir: dir, env: { TMPDIR: dir } });
    store = openStore({ path: join(dir, 'ws.db') });
    const files: [string, string][] = [...chainPems(pki), ['hkd0.crt', hkd.pem]];
    const imported = importTrustFiles(
      store,
      files.map(([name, text]) => ({ source: name, bytes: new TextEncoder().encode(text) })),
    );
    const hkdSha = imported[6]!.items[0]!.item.sha256;
    const phkh = toHex(doc.phkh);
    const guest = store.guests.add({
      name: 'vault',
      sshTarget: sshd.address,
      identityRef: sshd.identityPath,
      hostKeyFingerprint: sshd.fingerprint,
      seHeaderHex: toHex(seHeader),
      policy: { hkdSha256: [hkdSha], requiredAddData: ['phkh-img', 'phkh-att'], expectedAttestationPhkh: phkh },
    });
    const hostKeyFile = join(sshd.dir, 'ssh_host_ed25519_key.pub');
    const release = (name: string, keyFile: string) =>
      store.releases.configure(guest.id, {
        name,
        kind: 'channel',
        command: `receive-secret ${join(dir, `${name}.received`)}`,
        hostKeyFile: keyFile,
        source: { kind: 'file', path: join(dir, 'passphrase') },
      });
    release('disk', hostKeyFile);
    // the guest that attests reads a key other than the one this connection presents (a relay in between)
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other_host_key')]);
    release('relayed', join(dir, 'other_host_key.pub'));
  });
  after(async () => {
    store?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the passphrase arrives over the same connection once the user data matches the presented host key', async () => {
    const out = await releaseSecret({ store, guest: 'vault', release: 'disk', ctx });
    assert.equal(out.run.status, 'released', out.error?.message);
    assert.equal(readFileSync(join(dir, 'disk.received'), 'utf8'), PASSPHRASE);
    const presented = Buffer.from(sshd.fingerprint.replace(/^SHA256:/, ''), 'base64').toString('hex');
    assert.equal(out.gate?.userData, presented, "the attested user data is the presented key's SHA-256");
    assert.equal(out.gate?.hostKeyFingerprint, sshd.fingerprint);
    assert.equal(out.run.bindingSha256, presented);
    assert.equal(JSON.stringify(store.audit.list({})).includes(PASSPHRASE), false);
    assert.deepEqual(
      readdirSync(dir).filter((n) => /^se-attest\.[0-9a-f]{16}\./.test(n)),
      [],
      'every temp dir on the guest was removed',
    );
    for (const used of readFileSync(join(dir, 'dirs.log'), 'utf8').trim().split('\n'))
      assert.ok(used.startsWith(`${dir}/se-attest.`), `the guest's temp dir ${used} is in the test's folder`);
  });
  test('user data of another key: refused at channel-check, the passphrase never arrives', async () => {
    const out = await releaseSecret({ store, guest: 'vault', release: 'relayed', ctx });
    assert.equal(out.run.failedStep, 'channel-check');
    assert.equal(out.error?.code, 'ERR_RELEASE_CHANNEL_MISMATCH');
    assert.equal(out.gate?.status, 'verified', 'the attestation itself verified: only the binding failed');
    assert.equal(existsSync(join(dir, 'relayed.received')), false);
  });
});
