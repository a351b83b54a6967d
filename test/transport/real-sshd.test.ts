/**
 * Issue 4 integration: the full `se-attest attest` flow against a real OpenSSH sshd on 127.0.0.1, with a
 * `pvattest` shim on the remote PATH that runs the project's software Ultravisor (`se-attest perform`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../main/cli/io.js';
import { startSshd, whySshdUnavailable, type RealSshd } from '../support/sshd.js';
import { keyPaths, runAttestCli } from '../sim/fixtures.js';

const unavailable = whySshdUnavailable();
if (unavailable) console.log(`# skipping real-sshd tests: ${unavailable}`);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CUID = 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf';
let shimDir: string;
let sshd: RealSshd;
let other: RealSshd;

function seAttempts(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('se-attest.'));
}

describe('attest against a real OpenSSH sshd', { skip: unavailable }, () => {
  before(async () => {
    shimDir = mkdtempSync(join(tmpdir(), 'pvattest-shim-'));
    const tsx = import.meta.resolve('tsx');
    writeFileSync(
      join(shimDir, 'se-attest.mjs'),
      `import { runCli } from ${JSON.stringify(join(REPO, 'main/cli/main.ts'))};\nprocess.exitCode = await runCli(process.argv.slice(2));\n`,
    );
    // pvattest shim: records the temp dir's mode, then answers with the software Ultravisor
    writeFileSync(
      join(shimDir, 'pvattest'),
      [
        '#!/bin/sh',
        '[ "$1" = perform ] || { echo "shim: only perform" >&2; exit 2; }',
        'shift',
        `stat -c '%a' "$(dirname "$2")" >> ${JSON.stringify(join(shimDir, 'modes.log'))}`,
        `exec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsx)} ${JSON.stringify(join(shimDir, 'se-attest.mjs'))} perform --host-key ${JSON.stringify(keyPaths.hostAKey)} --hdr ${JSON.stringify(keyPaths.seHdr)} --cuid ${CUID} "$@"`,
        '',
      ].join('\n'),
    );
    // a pvattest that fails like the real one on a guest without the uvdevice driver
    writeFileSync(
      join(shimDir, 'pvattest-nouv'),
      '#!/bin/sh\necho "error: Failed to open /dev/uv: No such file or directory (os error 2)" >&2\nexit 1\n',
    );
    chmodSync(join(shimDir, 'pvattest'), 0o755);
    chmodSync(join(shimDir, 'pvattest-nouv'), 0o755);
    sshd = await startSshd({ pathDir: shimDir });
    other = await startSshd({ pathDir: shimDir, identityPath: sshd.identityPath });
  });
  after(async () => {
    await other?.stop();
    await sshd?.stop();
    if (shimDir) rmSync(shimDir, { recursive: true, force: true });
  });

  const baseArgs = () => [
    '-k',
    keyPaths.hostACert,
    '--no-verify',
    '--hdr',
    keyPaths.seHdr,
    '--identity',
    sshd.identityPath,
    '--step-timeout',
    '60',
  ];

  test('the full attest flow verifies, in a 0700 temp dir that is removed afterwards', async () => {
    const before = seAttempts();
    const io = memoryIo(REPO);
    const code = await runAttestCli(
      [
        'attest',
        '--guest',
        sshd.address,
        '--host-key-fingerprint',
        sshd.fingerprint,
        ...baseArgs(),
        '--format',
        'json',
      ],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const result = JSON.parse(io.stdout) as Record<string, unknown>;
    assert.equal(result.verified, true);
    assert.equal(result.cuid, `0x${CUID}`);
    assert.match(io.stderr, /Attestation measurement verified/);
    assert.match(io.stderr, new RegExp(`\\[connect\\] done.*${sshd.fingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.deepEqual(readFileSync(join(shimDir, 'modes.log'), 'utf8').trim().split('\n'), ['700']);
    assert.deepEqual(seAttempts(), before);
  });

  test('through the real sshd as a jump host (ProxyJump)', async () => {
    const io = memoryIo(REPO);
    const code = await runAttestCli(
      [
        'attest',
        '--guest',
        other.address,
        '--host-key-fingerprint',
        other.fingerprint,
        '--jump',
        sshd.address,
        '--jump-host-key-fingerprint',
        sshd.fingerprint,
        ...baseArgs(),
      ],
      io,
    );
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /^cuid: '0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecf'$/m);
  });

  test('a changed host key is refused with both fingerprints, before anything runs', async () => {
    const io = memoryIo(REPO);
    const code = await runAttestCli(
      ['attest', '--guest', other.address, '--host-key-fingerprint', sshd.fingerprint, ...baseArgs()],
      io,
    );
    assert.equal(code, 1);
    assert.match(io.stderr, /ERR_TRANSPORT_HOST_KEY_CHANGED/);
    assert.ok(io.stderr.includes(sshd.fingerprint));
    assert.ok(io.stderr.includes(other.fingerprint));
    assert.equal(io.stdout, '');
  });

  test('missing /dev/uv on the guest: the remedy, and the temp dir is removed', async () => {
    const before = seAttempts();
    const io = memoryIo(REPO);
    const code = await runAttestCli(
      [
        'attest',
        '--guest',
        sshd.address,
        '--host-key-fingerprint',
        sshd.fingerprint,
        ...baseArgs(),
        '--remote-command',
        'pvattest-nouv',
      ],
      io,
    );
    assert.equal(code, 1);
    assert.match(io.stderr, /modprobe uvdevice/);
    assert.match(io.stderr, /ERR_TRANSPORT_UV_DEVICE_MISSING/);
    assert.deepEqual(seAttempts(), before);
  });
});
