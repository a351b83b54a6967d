/** `se-attest hkd verify` and `verifyHkdFilesForCreate` on IBM's fixtures (offline, pinned --at). */
import { after, test, describe } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { verifyHkdFilesForCreate } from '../../../main/cli/commands/hkd.js';
import { registerHkdCommands } from '../../../main/cli/flags/hkd.js';
import { CliExit, memoryIo } from '../../../main/cli/io.js';
import { isAttestError } from '../../../shared/errors/index.js';
import type { FetchCrl } from '../../../main/engine/pki/hkd-verifier.js';

const DIR = fileURLToPath(new URL('../../vectors/s390-tools/rust/pv/tests/assets/cert/', import.meta.url));
const AT = '2026-11-26T00:00:00Z';
const STD = [
  '-C',
  'ibm.crt',
  '-C',
  'inter_ca.crt',
  '--crl',
  'ibm.crl,inter_ca.crl',
  '--root-ca',
  'root_ca.chained.crt',
  '--offline',
  '--at',
  AT,
];

/** Runs `hkd ...` with a fresh program; returns exit code and captured output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(DIR);
  const program = new Command('se-attest')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerHkdCommands(program, io);
  for (const c of program.commands)
    for (const s of [c, ...c.commands])
      s.exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  try {
    await program.parseAsync(['hkd', 'verify', ...args], { from: 'user' });
    return { code: 0, stdout: io.stdout, stderr: io.stderr };
  } catch (e) {
    if (e instanceof CliExit) return { code: e.exitCode, stdout: io.stdout, stderr: io.stderr };
    if (isAttestError(e)) return { code: 1, stdout: io.stdout, stderr: `${io.stderr}${e.message} (${e.code})\n` };
    throw e;
  }
}

describe('hkd verify', () => {
  test('all HKDs verify → exit 0, one line each with facts', async () => {
    const r = await run('-k', 'host.crt', '-k', 'host2.crt', ...STD);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(
      lines[0]!,
      /^host\.crt: verified .*PHKH 24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05\)$/,
    );
    assert.equal(r.stderr, '');
  });
  test('one revoked, one expired → exit 1, each failure one line naming the file and reason', async () => {
    const r = await run('-k', 'host.crt,host_rev.crt,host_crt_expired.crt', ...STD);
    assert.equal(r.code, 1);
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 2);
    assert.match(err[0]!, /^host_rev\.crt: Host-key document is revoked\..*\(ERR_HKD_REVOKED\)$/);
    assert.match(err[1]!, /^host_crt_expired\.crt: After validity period.*\(ERR_HKD_EXPIRED\)$/);
    assert.match(r.stdout, /^host\.crt: verified/);
  });
  test('--format json carries the report', async () => {
    const r = await run('-k', 'host.crt', '-k', 'fake_host.crt', ...STD, '--format', 'json');
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout);
    assert.equal(j.chain.ok, true);
    assert.equal(j.hkds[0].verified, true);
    assert.equal(j.hkds[0].publicCoords.length, 320);
    assert.equal(j.hkds[1].code, 'ERR_HKD_AKID_MISMATCH');
    assert.ok(
      j.hkds[0].steps.some((s: { check: string; result: string }) => s.check === 'revocation' && s.result === 'pass'),
    );
  });
  test('chain failure is reported on every HKD line with its code', async () => {
    const r = await run(
      '-k',
      'host.crt',
      '-C',
      'ibm.crt',
      '-C',
      'inter_ca.crt',
      '--crl',
      'ibm.crl',
      '--root-ca',
      'root_ca.chained.crt',
      '--offline',
      '--at',
      AT,
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^host\.crt: The IBM Z signing key could not be verified\. Error occurred at level 0.*inter_ca\.crl.*\(ERR_CRL_MISSING\)\n$/,
    );
  });
  test('unreadable certificate file and bad --at are coded errors', async () => {
    const missing = await run('-k', 'host.crt', '-C', 'ibm.crt', '-C', 'does-not-exist.crt', '--offline');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read certificate at `does-not-exist\.crt` \(ERR_PKI_READ_FILE\)/);
    const badAt = await run('-k', 'host.crt', ...STD.slice(0, -2), '--at', 'yesterday');
    assert.match(badAt.stderr, /ERR_CLI_USAGE/);
  });
  test('a 50 MB HKD file is refused before it is read', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hkd-big-'));
    try {
      const big = join(dir, 'big.crt');
      writeFileSync(big, '');
      truncateSync(big, 50 * 1024 * 1024);
      const r = await run('-k', big, ...STD);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(ERR_PKI_INPUT_TOO_LARGE\)\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('--crt is an alias of --cert; no certificate at all is a usage error', async () => {
    const r = await run('-k', 'host.crt', '--crt', 'ibm.crt,inter_ca.crt', ...STD.slice(4));
    assert.equal(r.code, 0, r.stderr);
    const none = await run('-k', 'host.crt', '--offline');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /ERR_CLI_USAGE/);
  });
  test('a missing HKD file fails that HKD only', async () => {
    const r = await run('-k', 'host.crt', '-k', 'nope.crt', ...STD);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^nope\.crt: Cannot read host-key document at `nope\.crt` \(ERR_PKI_READ_FILE\)\n$/);
  });
});

describe('verifyHkdFilesForCreate', () => {
  const base = {
    certPaths: ['ibm.crt', 'inter_ca.crt'],
    crlPaths: ['ibm.crl', 'inter_ca.crl'],
    rootCaPath: 'root_ca.chained.crt',
    offline: true,
    at: new Date(AT),
    cwd: DIR,
  };
  test('returns host keys in input order (duplicates allowed)', async () => {
    const keys = await verifyHkdFilesForCreate({ ...base, hkdPaths: ['host2.crt', 'host.crt', 'host2.crt'] });
    assert.deepEqual(
      keys.map((k) => k.path),
      ['host2.crt', 'host.crt', 'host2.crt'],
    );
    assert.equal(keys[0]!.publicCoords.length, 160);
    assert.deepEqual(keys[0]!.publicCoords, keys[2]!.publicCoords);
  });
  test('throws for the first failing HKD, naming its file', async () => {
    await assert.rejects(
      verifyHkdFilesForCreate({ ...base, hkdPaths: ['host.crt', 'host_rev.crt', 'fake_host.crt'] }),
      (e: unknown) =>
        isAttestError(e, 'ERR_HKD_REVOKED') && /'host_rev\.crt'/.test(e.message) && e.details?.path === 'host_rev.crt',
    );
  });
  test('online mode uses the injected downloader (mock: DP → fixture)', async () => {
    const fetched: string[] = [];
    const mock: FetchCrl = async (url) => {
      fetched.push(url);
      return new Uint8Array(readFileSync(DIR + url));
    };
    const keys = await verifyHkdFilesForCreate({
      ...base,
      crlPaths: [],
      offline: false,
      fetchCrl: mock,
      hkdPaths: ['host.crt'],
    });
    assert.equal(keys.length, 1);
    assert.deepEqual(fetched, ['inter_ca.crl', 'root_ca.crl', 'ibm.crl']);
  });
  test('offline never calls the downloader', async () => {
    const never: FetchCrl = async () => assert.fail('downloaded while offline');
    await assert.rejects(
      verifyHkdFilesForCreate({ ...base, crlPaths: [], fetchCrl: never, hkdPaths: ['host.crt'] }),
      (e: unknown) => isAttestError(e, 'ERR_CRL_MISSING'),
    );
  });
});

describe('hkd verify: bad input files get coded errors (issue 12)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hkd-bad-'));
  const at = (name: string) => join(dir, name);
  writeFileSync(at('empty.crl'), '');
  writeFileSync(at('garbage.crt'), 'hello\n');
  execFileSync('mkfifo', [at('fifo.crt')]);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const std = STD.slice(0, STD.indexOf('--offline')); // the certificate options without --offline/--at
  const cases: [string, string[], RegExp][] = [
    ['a directory as -k', ['-k', dir, ...std, '--offline'], /\(a directory\) \(ERR_PKI_READ_FILE\)\n$/],
    [
      'a FIFO as -C (never blocks)',
      ['-k', 'host.crt', ...std, '-C', at('fifo.crt'), '--offline'],
      /\(a FIFO\) \(ERR_PKI_READ_FILE\)/,
    ],
    [
      'a character device as --crl',
      ['-k', 'host.crt', ...std, '--crl', '/dev/zero', '--offline'],
      /\(ERR_PKI_READ_FILE\)/,
    ],
    ['a directory as --root-ca', ['-k', 'host.crt', ...std, '--root-ca', dir, '--offline'], /\(ERR_PKI_READ_FILE\)/],
    ['an empty --crl file', ['-k', 'host.crt', ...std, '--crl', at('empty.crl'), '--offline'], /\(ERR_PKI_LOAD_CRL\)/],
    ['a garbage HKD', ['-k', at('garbage.crt'), ...std, '--offline'], /contains no certificate! \(ERR_HKD_EMPTY\)/],
  ];
  for (const [label, args, expected] of cases)
    test(label, { timeout: 60_000 }, async () => {
      const r = await run(...args, '--at', AT);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, expected);
    });
});

describe('hkd verify names the signing key it used (issue 12)', () => {
  test('text and JSON', async () => {
    const text = await run('-k', 'host.crt', ...STD);
    assert.match(text.stdout, /^host\.crt: verified \(.* signed by ibm\.crt, PHKH /);
    const json = await run('-k', 'host.crt', ...STD, '--format', 'json');
    const report = JSON.parse(json.stdout) as { signingKeyRule: string; hkds: { signingKey: { source: string } }[] };
    assert.equal(report.signingKeyRule, 'exactly-one');
    assert.equal(report.hkds[0]!.signingKey.source, 'ibm.crt');
  });
  test('two signing keys among the -C files keep pvattest rule: ERR_HKD_MANY_SIGNING_KEYS', async () => {
    const r = await run('-k', 'host.crt', '-C', 'ibm.crt', '-C', 'ibm_armonk.crt', ...STD);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Specify only one IBM Z signing key .*\(ERR_HKD_MANY_SIGNING_KEYS\)/);
  });
});
