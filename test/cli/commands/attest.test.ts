/** `se-attest attest` against simulated guests: exit codes 0/1/2, host-key decisions, output formats. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../../main/cli/io.js';
import type { SimulatedGuest } from '../../../main/sim/simulated-guest.js';
import { clientKey, keyPaths, runAttestCli, startGuest } from '../../sim/fixtures.js';

let dir: string;
let identity: string;
const guests: SimulatedGuest[] = [];
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'attest-cli-'));
  identity = join(dir, 'id_ed25519');
  writeFileSync(identity, clientKey.private, { mode: 0o600 });
});
after(async () => {
  await Promise.all(guests.map((g) => g.close()));
  rmSync(dir, { recursive: true, force: true });
});
async function guestWith(params: Parameters<typeof startGuest>[0] = {}) {
  const g = await startGuest(params);
  guests.push(g);
  return g;
}
const common = () => ['-k', keyPaths.hostACert, '--no-verify', '--hdr', keyPaths.seHdr, '--identity', identity];

describe('se-attest attest', () => {
  test('verified: exit 0, YAML on stdout, progress and the --no-verify warning on stderr', async () => {
    const g = await guestWith();
    const io = memoryIo(dir);
    const code = await runAttestCli(
      ['attest', '--guest', g.address, '--host-key-fingerprint', g.fingerprint, ...common()],
      io,
    );
    assert.equal(code, 0, io.stderr);
    assert.match(io.stdout, /^cuid: '0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecf'$/m);
    assert.match(
      io.stderr,
      /^Host-key document verification is disabled\. The attestation request may not be protected\.$/m,
    );
    for (const step of [
      'host-keys',
      'create',
      'connect',
      'prepare',
      'upload',
      'perform',
      'download',
      'cleanup',
      'verify',
    ]) {
      assert.match(io.stderr, new RegExp(`^\\[${step}\\] done`, 'm'));
    }
    assert.match(io.stderr, /Attestation measurement verified/);
    assert.deepEqual(g.listFiles(), []);
  });

  test('JSON to a file, with user data and additional data', async () => {
    const g = await guestWith();
    writeFileSync(join(dir, 'ud.bin'), 'hello guest');
    const io = memoryIo(dir);
    const code = await runAttestCli(
      [
        'attest',
        '--guest',
        g.address,
        '--host-key-fingerprint',
        g.fingerprint,
        ...common(),
        '--user-data',
        'ud.bin',
        '--add-data',
        'phkh-img,phkh-att',
        '--format',
        'json',
        '-o',
        'out.json',
        '-q',
      ],
      io,
    );
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stdout, '');
    assert.equal(io.stderr, '');
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(out.verified, true);
    assert.equal(out.user_data, `0x${Buffer.from('hello guest').toString('hex')}`);
    assert.ok(JSON.stringify(out).includes('phkh'), JSON.stringify(out));
  });

  test('measurement mismatch: exit 2', async () => {
    const g = await guestWith({ fault: 'tampered-measurement' });
    const io = memoryIo(dir);
    assert.equal(
      await runAttestCli(['attest', '--guest', g.address, '--host-key-fingerprint', g.fingerprint, ...common()], io),
      2,
    );
    assert.match(io.stderr, /verification failed/);
    assert.equal(io.stdout, '');
  });

  test('unknown host key: exit 1 with the fingerprint to confirm; --trust-on-first-use and known_hosts work', async () => {
    const g = await guestWith();
    const io = memoryIo(dir);
    assert.equal(await runAttestCli(['attest', '--guest', g.address, ...common()], io), 1);
    assert.match(io.stderr, /ERR_TRANSPORT_HOST_KEY_UNKNOWN/);
    assert.ok(io.stderr.includes(g.fingerprint));
    assert.deepEqual(g.commands, []);

    const tofu = memoryIo(dir);
    assert.equal(
      await runAttestCli(['attest', '--guest', g.address, '--trust-on-first-use', ...common()], tofu),
      0,
      tofu.stderr,
    );
    assert.match(tofu.stderr, /trusting SHA256:\S+ \(ssh-ed25519\) for 127\.0\.0\.1:\d+ on first use/);

    const both = memoryIo(dir);
    assert.equal(
      await runAttestCli(
        ['attest', '--guest', g.address, '--trust-on-first-use', '--host-key-fingerprint', g.fingerprint, ...common()],
        both,
      ),
      1,
    );
    assert.match(both.stderr, /cannot be used with/);
  });

  test('known_hosts file: a stale entry refuses the guest', async () => {
    const g = await guestWith();
    const stale = await guestWith();
    const staleBlob = await new Promise<string>((resolve) => {
      // the key line of `stale`, filed under g's name
      void import('ssh2').then(({ default: ssh2 }) => {
        const c = new ssh2.Client();
        c.on('error', () => undefined);
        c.connect({
          host: '127.0.0.1',
          port: stale.port,
          username: 'x',
          hostVerifier: (key: Buffer) => (resolve(key.toString('base64')), false),
        });
      });
    });
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${g.port} ssh-ed25519 ${staleBlob}\n`);
    const io = memoryIo(dir);
    assert.equal(
      await runAttestCli(
        ['attest', '--guest', g.address, '--known-hosts', 'known_hosts', '--trust-on-first-use', ...common()],
        io,
      ),
      1,
    );
    assert.match(io.stderr, /ERR_TRANSPORT_HOST_KEY_CHANGED/);
    assert.ok(io.stderr.includes(stale.fingerprint) && io.stderr.includes(g.fingerprint));
  });

  test('bad arguments are coded errors (exit 1)', async () => {
    const g = await guestWith();
    for (const [args, pattern] of [
      [['attest', '--guest', 'nouser', ...common()], /ERR_TRANSPORT_ADDRESS_INVALID/],
      [
        ['attest', '--guest', g.address, '--host-key-fingerprint', 'MD5:ab', ...common()],
        /ERR_TRANSPORT_FINGERPRINT_INVALID/,
      ],
      [
        [
          'attest',
          '--guest',
          g.address,
          '--trust-on-first-use',
          '-k',
          keyPaths.hostACert,
          '--hdr',
          keyPaths.seHdr,
          '--identity',
          identity,
        ],
        /--no-verify/,
      ],
    ] as const) {
      const io = memoryIo(dir);
      assert.equal(await runAttestCli([...args], io), 1);
      assert.match(io.stderr, pattern);
    }
    assert.deepEqual(g.commands, []);
  });
});
