// Issue 14: `se-attest secret create` / `secret verify` as IBM's pvsecret. Each interop-secret command line run
// as IBM ran it: the same exit code, stderr, stdout and YAML byte for byte, and a request the software UV
// judges exactly as it judged IBM's; `secret verify` on every golden vector and on IBM's signed requests; HKDs
// verified exactly as `create` verifies them; the CUID from a verified result only; coded errors for bad input.
import assert from 'node:assert/strict';
import {
  chmodSync,
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  SoftwareSecretStore,
  createAttestationRequest,
  createFakeIbmPki,
  performAttestation,
  readHostKeyDocument,
  decryptAddSecretRequest,
  p521PrivateKeyFromPem,
  sha256,
  systemContext,
  toHex,
  type FakeIbmPki,
} from '../../main/engine/index.js';
import { memoryIo } from '../../main/cli/io.js';
import { runCli } from '../../main/cli/main.js';
import { splitShellWords } from '../../main/sim/simulated-guest.js';
import { cli, tempDir } from '../support/cli.js';
import { writePkiFiles } from '../support/pki-files.js';
import { ASRCB_ORDER, INTEROP_SECRET, PV_ASSETS, interopSecretCases } from '../support/vectors.js';

const SECRET = INTEROP_SECRET;
const tmp = tempDir('se-attest-secret-');
after(() => tmp.cleanup());
const text = (c: string, f: string) => readFileSync(join(SECRET, c, f), 'utf8');

/** A working copy of one case folder beside a copy of keys/, so `../keys/…` resolves as it did for IBM. */
function workdir(c: string): string {
  const root = tmp.path(c);
  cpSync(join(SECRET, 'keys'), join(root, 'keys'), { recursive: true });
  cpSync(join(SECRET, c), join(root, c), { recursive: true });
  // IBM's outputs are removed from the copy: ours must be written afresh
  for (const f of readdirSync(join(root, c)))
    if (f === 'req.bin' || (f.endsWith('.yaml') && f !== 'attest.yaml')) rmSync(join(root, c, f));
  return join(root, c);
}

const argvOf = (cmdLine: string) => {
  const words = splitShellWords(cmdLine.trim());
  assert.equal(words[0], 'pvsecret');
  return ['secret', ...words.slice(1)];
};

/** The fields of expected.json that do not depend on a request's randomness (interop-secret README). */
const STABLE = [
  'rc',
  'rql',
  'nks',
  'sea',
  'userDataType',
  'flags',
  'keySlot',
  'phkh',
  'secretType',
  'secretLen',
  'secretId',
  'cuid',
];

function judge(dir: string, request: Uint8Array): Record<string, unknown> {
  const key = p521PrivateKeyFromPem(readFileSync(join(dir, 'host.key'), 'utf8'));
  const cuid = new Uint8Array(Buffer.from(readFileSync(join(dir, 'cuid.hex'), 'utf8').trim(), 'hex'));
  const store = new SoftwareSecretStore(
    { hostPrivateKeys: [key], seHeader: new Uint8Array(readFileSync(join(dir, 'hdr.input'))), cuid },
    { ctx: systemContext() },
  );
  const out = store.add(request);
  const opened = decryptAddSecretRequest(request, { hostPrivateKeys: [key] });
  const l = opened.layout;
  const t = l.bootTags;
  return {
    rc: out.rc,
    rql: l.rql,
    nks: l.nks,
    sea: l.sea,
    userDataType: l.userDataType,
    flags: `0x${l.flags.toString(16).padStart(16, '0')}`,
    keySlot: opened.keySlot,
    phkh: toHex(opened.phkh),
    secretType: l.secretHeader?.type,
    secretLen: l.secretHeader?.length,
    secretId: l.secretHeader?.id ? `0x${toHex(l.secretHeader.id)}` : null,
    cuid: `0x${toHex(l.cuid)}`,
    secretSha256: toHex(sha256(opened.value)),
    extSecretSha256: toHex(sha256(opened.extensionSecret)),
    bootTagsSha256: toHex(sha256(t.pld, t.ald, t.tld, t.tag)),
  };
}

describe("interop-secret: IBM's pvsecret create command lines", () => {
  for (const c of interopSecretCases()) {
    test(c, async () => {
      const dir = workdir(c);
      const run = await cli(dir, ...argvOf(text(c, 'cmd.txt')));
      assert.equal(run.code, Number(text(c, 'create.exit').trim()), run.stderr);
      assert.equal(run.stderr, text(c, 'create.stderr'));
      assert.equal(run.stdout, text(c, 'create.stdout'));
      for (const f of [
        'backup_volume_key.yaml',
        'aes_128_key.yaml',
        'xts_disk_key.yaml',
        'hmac_signing_key.yaml',
        'tenant_note.yaml',
        'tenant_api_ecdsa_p521_signing_key_2027.yaml',
      ])
        if (existsSync(join(SECRET, c, f))) assert.equal(readFileSync(join(dir, f), 'utf8'), text(c, f), f);
      const ours = new Uint8Array(readFileSync(join(dir, 'req.bin')));
      const expected = JSON.parse(text(c, 'expected.json')) as Record<string, unknown>;
      const judged = judge(dir, ours);
      for (const k of [...STABLE, 'secretSha256', 'extSecretSha256', 'bootTagsSha256'])
        assert.deepEqual(judged[k], expected[k], k);
      if (existsSync(join(SECRET, c, 'other-guest.json'))) {
        // our request, given to the other guest of the case (other CUID or other SE header), is refused as IBM's was
        const other = JSON.parse(text(c, 'other-guest.json')) as { rc: number };
        const argv = text(c, 'other-guest.cmd.txt').trim().split(/\s+/);
        const store = new SoftwareSecretStore(
          {
            hostPrivateKeys: [p521PrivateKeyFromPem(readFileSync(join(dir, 'host.key'), 'utf8'))],
            seHeader: new Uint8Array(readFileSync(join(dir, argv[argv.indexOf('--hdr') + 1]!))),
            cuid: new Uint8Array(Buffer.from(argv[argv.indexOf('--cuid') + 1]!, 'hex')),
          },
          { ctx: systemContext() },
        );
        assert.equal(store.add(ours).rc, other.rc);
      }
      if (existsSync(join(SECRET, c, 'verify.cmd.txt'))) {
        for (const request of ['req.bin', join(SECRET, c, 'req.bin')]) {
          const argv = argvOf(text(c, 'verify.cmd.txt')).map((a) => (a === 'req.bin' ? request : a));
          const v = await cli(dir, ...argv);
          assert.equal(v.code, Number(text(c, 'verify.exit').trim()), v.stderr);
          assert.equal(v.stderr, text(c, 'verify.stderr'));
          if (request !== 'req.bin')
            assert.equal(toHex(Buffer.from(v.stdout, 'latin1')), toHex(readFileSync(join(SECRET, c, 'verify.stdout'))));
          else assert.equal(v.stdout.length, 256, 'our request: the 256-byte data part');
        }
      }
    });
  }
  test('bad-cuid-len: exit 1, IBM’s message (with our code), nothing written', async () => {
    const dir = workdir('bad-cuid-len');
    const run = await cli(dir, ...argvOf(text('bad-cuid-len', 'cmd.txt')));
    assert.equal(run.code, Number(text('bad-cuid-len', 'create.exit').trim()));
    assert.equal(run.stderr, `${text('bad-cuid-len', 'create.stderr').trimEnd()} (ERR_SECRET_CUID_HEX_LENGTH)\n`);
    assert.equal(existsSync(join(dir, 'req.bin')), false);
    assert.equal(existsSync(join(dir, 'short_cuid_key.yaml')), false);
  });
});

describe('requests made by secret create in the software UV, checked by se-attest check', () => {
  test('accepted for the right CUID, refused for another; the store hash is what check --secret computes, in order', async () => {
    const keys = join(SECRET, 'keys');
    const cuid = 'c1'.repeat(16);
    const made: string[] = [];
    for (const [i, kind] of [
      ['assoc', 'association'],
      ['meta', 'meta'],
    ] as const) {
      const name = `${i}.bin`;
      const args = [
        'secret',
        'create',
        '-k',
        join(keys, 'hostA.crt'),
        '--no-verify',
        '--hdr',
        join(keys, 'hdr1.bin'),
        '--cuid-hex',
        cuid,
        '-o',
        name,
        kind,
      ];
      const run = await cli(tmp.dir, ...(kind === 'association' ? [...args, 'vault key', '--stdout'] : args));
      assert.equal(run.code, 0, run.stderr);
      made.push(name);
    }
    const guest = {
      hostPrivateKeys: [p521PrivateKeyFromPem(readFileSync(join(keys, 'hostA.key'), 'utf8'))],
      seHeader: new Uint8Array(readFileSync(join(keys, 'hdr1.bin'))),
    };
    const store = new SoftwareSecretStore(
      { ...guest, cuid: new Uint8Array(Buffer.from(cuid, 'hex')) },
      { ctx: systemContext() },
    );
    const elsewhere = new SoftwareSecretStore({ ...guest, cuid: new Uint8Array(16).fill(9) }, { ctx: systemContext() });
    for (const f of made) {
      const bytes = new Uint8Array(readFileSync(tmp.path(f)));
      assert.equal(store.add(bytes).rc, 1);
      assert.equal(elsewhere.add(bytes).rc, 0x010c);
    }
    const hostA = readFileSync(join(keys, 'hostA.crt'));
    const att = createAttestationRequest({
      hostKeys: [readHostKeyDocument(new Uint8Array(hostA)).publicCoords],
      addData: ['secret-store-hash'],
      ctx: systemContext(),
    });
    writeFileSync(
      tmp.path('store-resp.bin'),
      performAttestation({
        request: att.exchange,
        ...guest,
        cuid: new Uint8Array(Buffer.from(cuid, 'hex')),
        secretStore: store.hashInput(),
      }),
    );
    const check = (secrets: string, locked: string) =>
      cli(tmp.dir, 'check', 'store-resp.bin', 'store-check.yaml', '--secret', secrets, '--secret-store-locked', locked);
    const ok = await check(made.join(','), 'false');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      readFileSync(tmp.path('store-check.yaml'), 'utf8'),
      /secret_store:\n {2}add_secret_requests:\n {2}- assoc\.bin\n {2}- meta\.bin\n {2}locked: false\n/,
    );
    assert.equal((await check([...made].reverse().join(','), 'false')).code, 2);
    assert.equal((await check(made.join(','), 'true')).code, 2);
  });
});

describe('secret verify', () => {
  for (const name of ASRCB_ORDER) {
    test(`${name}: verified, nothing on stdout`, async () => {
      const run = await cli(join(PV_ASSETS, 'exp/asrcb'), 'secret', 'verify', name);
      assert.deepEqual([run.code, run.stdout, run.stderr], [0, '', 'Successfully verified the request.\n']);
    });
  }
  test('stdin input, -o output, and IBM’s error line (the cause with -v)', async () => {
    const req = readFileSync(join(SECRET, 'retr-aesxts-rsa2048/req.bin'));
    const io = memoryIo(join(SECRET, 'retr-aesxts-rsa2048'), {}, new Uint8Array(req));
    const out = tmp.path('ud.out');
    assert.equal(
      await runCli(['secret', 'verify', '-i', '-', '-o', out, '--user-cert', 'usr_rsa2048.crt'], io),
      0,
      io.stderr,
    );
    assert.equal(toHex(readFileSync(out)), toHex(readFileSync(join(SECRET, 'retr-aesxts-rsa2048/verify.stdout'))));
    const truncated = tmp.path('truncated.bin');
    writeFileSync(truncated, req.subarray(0, 1000));
    const t = await cli(tmp.dir, 'secret', 'verify', truncated);
    assert.deepEqual(
      [t.code, t.stderr],
      [1, 'error: Could not verify the the Add-secret request (ERR_SECRET_REQUEST_TRUNCATED)\n'],
    );
    const v = await cli(tmp.dir, 'secret', 'verify', '-v', truncated);
    assert.match(
      v.stderr,
      /^error: Could not verify the the Add-secret request \(ERR_SECRET_REQUEST_TRUNCATED\)\n\nCaused by:\n {4}the add-secret request is truncated/,
    );
    const signed = await cli(join(SECRET, 'retr-aesxts-rsa2048'), 'secret', 'verify', 'req.bin');
    assert.equal(signed.code, 1);
    assert.match(signed.stderr, /ERR_SECRET_USER_KEY_MISSING/);
    const wrong = await cli(
      join(SECRET, 'retr-aesxts-rsa2048'),
      'secret',
      'verify',
      'req.bin',
      '--user-cert',
      '../retr-ecp521-usename-ecsig/usr_ec521.crt',
    );
    assert.match(wrong.stderr, /ERR_SECRET_USER_KEY_MISMATCH/);
    const notCert = await cli(
      join(SECRET, 'retr-aesxts-rsa2048'),
      'secret',
      'verify',
      'req.bin',
      '--user-cert',
      'ud.txt',
    );
    assert.match(notCert.stderr, /ERR_SECRET_USER_CERT_INVALID/);
  });
});

describe('secret create: options, files and errors', () => {
  const keys = join(SECRET, 'keys');
  const base = ['secret', 'create', '-k', join(keys, 'hostA.crt'), '--no-verify', '--hdr', join(keys, 'hdr1.bin')];
  let pki: FakeIbmPki;
  before(async () => {
    pki = await createFakeIbmPki({ ctx: systemContext(), hkdCount: 2 });
  });

  test('HKDs verified exactly as create: a verified chain works, neither --no-verify nor -C is a usage error', async () => {
    const dir = tmp.path('pki');
    cpSync(keys, dir, { recursive: true });
    const chain = writePkiFiles(dir, pki);
    const ok = await cli(
      dir,
      'secret',
      'create',
      '-k',
      'hkd0.crt',
      ...chain,
      '--hdr',
      'hdr1.bin',
      '-o',
      'r.bin',
      'meta',
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, 'Successfully generated the request\n');
    const hostKey = p521PrivateKeyFromPem(pki.hkds[0]!.privateKeyPem);
    assert.equal(decryptAddSecretRequest(readFileSync(join(dir, 'r.bin')), { hostPrivateKeys: [hostKey] }).keySlot, 0);
    const none = await cli(dir, 'secret', 'create', '-k', 'hkd0.crt', '--hdr', 'hdr1.bin', '-o', 'r2.bin', 'meta');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /<--no-verify\|--cert <FILE>>.*\(ERR_CLI_USAGE\)/);
    const untrusted = await cli(
      dir,
      'secret',
      'create',
      '-k',
      'hostA.crt',
      ...chain,
      '--hdr',
      'hdr1.bin',
      '-o',
      'r3.bin',
      'meta',
    );
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /\(ERR_(HKD|PKI)_[A-Z_]+\)/);
    assert.equal(existsSync(join(dir, 'r3.bin')), false, 'nothing written for an unverified HKD');
    const crlOnly = await cli(
      dir,
      'secret',
      'create',
      '-k',
      'hkd0.crt',
      '--no-verify',
      '--crl',
      'ibm.crl',
      '--hdr',
      'hdr1.bin',
      '-o',
      'r4.bin',
      'meta',
    );
    assert.match(crlOnly.stderr, /--cert <FILE>.*\(ERR_CLI_USAGE\)/);
  });
  test('-v names each HKD and the written request; -q prints errors only', async () => {
    const v = await cli(tmp.dir, ...base, '-o', 'v.bin', '-v', 'meta');
    assert.equal(
      v.stderr,
      `Host-key document verification is disabled. The secret may not be protected.\nUse host-key document at '${join(keys, 'hostA.crt')}'\nSuccessfully generated the request\nSuccessfully wrote the request to 'v.bin'\n`,
    );
    const q = await cli(tmp.dir, ...base, '-o', 'q.bin', '-q', 'meta');
    assert.deepEqual([q.code, q.stderr], [0, '']);
  });
  test('association: random secret saved with --output-secret (0600, created new), --stdout YAML', async () => {
    const run = await cli(
      tmp.dir,
      ...base,
      '-o',
      'a.bin',
      'association',
      'my disk key',
      '--stdout',
      '--output-secret',
      'assoc.key',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `!Association\nname: my disk key\nid: 0xb0713c9b6643fda63c2fc30d87708228845cf6de0b68981728e4587973984ba9\n\n`,
    );
    assert.equal(statSync(tmp.path('assoc.key')).mode & 0o777, 0o600);
    const secret = readFileSync(tmp.path('assoc.key'));
    const opened = decryptAddSecretRequest(readFileSync(tmp.path('a.bin')), {
      hostPrivateKeys: [p521PrivateKeyFromPem(readFileSync(join(keys, 'hostA.key'), 'utf8'))],
    });
    assert.equal(toHex(opened.value), toHex(secret));
    // a symlink as --output-secret is refused before anything is written, and what it points to is untouched
    writeFileSync(tmp.path('elsewhere'), 'keep me');
    symlinkSync(tmp.path('elsewhere'), tmp.path('link.key'));
    const linked = await cli(
      tmp.dir,
      ...base,
      '-o',
      'a2.bin',
      'association',
      'x',
      '--stdout',
      '--output-secret',
      'link.key',
    );
    assert.equal(linked.code, 1);
    assert.match(linked.stderr, /ERR_FS_SYMLINK/);
    assert.equal(readFileSync(tmp.path('elsewhere'), 'utf8'), 'keep me');
    assert.equal(existsSync(tmp.path('a2.bin')), false, 'refused before the request was written');
    // an existing file is replaced by a new 0600 file (as pvsecret overwrites it), whatever its mode was
    chmodSync(tmp.path('assoc.key'), 0o644);
    const again = await cli(
      tmp.dir,
      ...base,
      '-o',
      'a3.bin',
      'association',
      'y',
      '--stdout',
      '--output-secret',
      'assoc.key',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(statSync(tmp.path('assoc.key')).mode & 0o777, 0o600);
    assert.notEqual(toHex(readFileSync(tmp.path('assoc.key'))), toHex(secret));
  });
  test('YAML names that YAML would read as numbers are quoted; the retrievable kind line', async () => {
    writeFileSync(tmp.path('k192'), new Uint8Array(24).fill(3));
    const run = await cli(
      tmp.dir,
      ...base,
      '-o',
      'n.bin',
      'retr',
      '123',
      '--type',
      'aes',
      '--secret',
      'k192',
      '--stdout',
    );
    assert.match(run.stdout, /^!Retrievable\nkind: 5 \(AES-192-KEY\)\nname: '123'\nid: 0x[0-9a-f]{64}\n\n$/);
  });
  test('validate_cli: the YAML file would overwrite -o or --output-secret', async () => {
    const a = await cli(tmp.dir, ...base, '-o', 'abc.yaml', 'association', 'abc');
    assert.match(a.stderr, /^error: output file and the secret name 'abc\.yaml' are the same\. \(ERR_CLI_USAGE\)/);
    const b = await cli(tmp.dir, ...base, '-o', 'x.bin', 'association', 'abc', '--output-secret', 'abc.yaml');
    assert.match(b.stderr, /^error: Secret output file and the secret name 'abc\.yaml' are the same\./);
  });
  test('flags: disable-dump, --pcf raw, unknown flag, conflicts', async () => {
    const dump = await cli(tmp.dir, ...base, '-o', 'd.bin', '--flags', 'disable-dump', 'meta');
    assert.equal(dump.code, 0);
    assert.equal(toHex(readFileSync(tmp.path('d.bin')).subarray(0x30, 0x38)), '8000000000000000');
    await cli(tmp.dir, ...base, '-o', 'p.bin', '--pcf', '0x123', 'meta');
    assert.equal(toHex(readFileSync(tmp.path('p.bin')).subarray(0x30, 0x38)), '0000000000000123');
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'e.bin', '--flags', 'nope', 'meta')).stderr,
      /ERR_SECRET_FLAGS_INVALID/,
    );
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'e.bin', '--flags', 'disable-dump', '--pcf', '1', 'meta')).stderr,
      /cannot be used with/,
    );
    writeFileSync(tmp.path('e32'), new Uint8Array(32));
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'e.bin', '--cck', 'e32', '--extension-secret', 'e32', 'meta')).stderr,
      /cannot be used with/,
    );
  });
  test('--policy embeds the reference and prints its hash; --toc-policy appends the tag', async () => {
    writeFileSync(tmp.path('pol.txt'), 'policy v1\n');
    const run = await cli(tmp.dir, ...base, '-o', 'pol.bin', '--policy', 'pol.txt', '--toc-policy', 'toc.txt', 'meta');
    assert.equal(run.code, 0, run.stderr);
    const hash = toHex(sha256(new TextEncoder().encode('policy v1\n')));
    assert.equal(run.stdout, `${hash}\n`);
    const req = readFileSync(tmp.path('pol.bin'));
    assert.equal(req[7], 1, 'unsigned user data');
    assert.equal(toHex(req.subarray(0x218, 0x238)), hash);
    assert.equal(req.subarray(0x238, 0x23f).toString('latin1'), 'pol.txt');
    assert.equal(readFileSync(tmp.path('toc.txt'), 'utf8'), `${toHex(req.subarray(-16))}\n`);
    await cli(tmp.dir, ...base, '-o', 'pol2.bin', '--toc-policy', 'toc.txt', 'meta');
    assert.equal(readFileSync(tmp.path('toc.txt'), 'utf8').split('\n').length, 3);
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'x.bin', '--policy', 'pol.txt', '--user-data', 'pol.txt', 'meta')).stderr,
      /cannot be used with/,
    );
  });
  test('update-cck, an unknown --type, a bad --hdr, an empty --user-data', async () => {
    writeFileSync(tmp.path('cck.new'), new Uint8Array(32).fill(5));
    const cck = await cli(tmp.dir, ...base, '-o', 'cck.bin', 'cck', '--secret', 'cck.new');
    assert.equal(cck.code, 0, cck.stderr);
    assert.equal(readFileSync(tmp.path('cck.bin')).length, 1416);
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'x.bin', 'retr', 'n', '--type', 'des', '--secret', 'cck.new')).stderr,
      /ERR_SECRET_TYPE_UNKNOWN/,
    );
    const badHdr = await cli(
      tmp.dir,
      'secret',
      'create',
      '-k',
      join(keys, 'hostA.crt'),
      '--no-verify',
      '--hdr',
      'cck.new',
      '-o',
      'x.bin',
      'meta',
    );
    assert.match(badHdr.stderr, /^error: Provided SE-header in 'cck\.new' is malformed \(ERR_SEHDR_INVALID\)/);
    writeFileSync(tmp.path('empty'), '');
    const empty = await cli(tmp.dir, ...base, '-o', 'u.bin', '--user-data', 'empty', 'meta');
    assert.match(empty.stderr, /^Added empty user-data file\.\nHost-key document verification is disabled/);
  });
  test('--cuid: raw 16 bytes, pvattest YAML, our verify JSON only when it verified, IBM’s CUID errors', async () => {
    writeFileSync(tmp.path('raw.cuid'), new Uint8Array(16).fill(0x61));
    const raw = await cli(tmp.dir, ...base, '-o', 'c1.bin', '--cuid', 'raw.cuid', 'meta');
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(toHex(readFileSync(tmp.path('c1.bin')).subarray(0x108, 0x118)), '61'.repeat(16));
    const cuid = '0x00112233445566778899aabbccddeeff';
    writeFileSync(tmp.path('ok.json'), JSON.stringify({ verified: true, cuid }));
    assert.equal((await cli(tmp.dir, ...base, '-o', 'c2.bin', '--cuid', 'ok.json', 'meta')).code, 0);
    assert.equal(toHex(readFileSync(tmp.path('c2.bin')).subarray(0x108, 0x118)), cuid.slice(2));
    writeFileSync(tmp.path('bad.json'), JSON.stringify({ verified: false, cuid }));
    const unverified = await cli(tmp.dir, ...base, '-o', 'c3.bin', '--cuid', 'bad.json', 'meta');
    assert.match(unverified.stderr, /ERR_SECRET_CUID_UNVERIFIED/);
    assert.equal(existsSync(tmp.path('c3.bin')), false);
    for (const [body, message] of [
      ['cuid: 0x0011\n', "No 'cuid' entry found"],
      ["cuid: '0011'\n", 'CUID value starts not with 0x'],
      [`cuid: '0x${'0'.repeat(30)}'\n`, 'len invalid (32)'],
      ['{[', "The CUID-file does not contain a 128bit value or a yaml with a 'cuid' field"],
      [`outer:\n  inner:\n    cuid: '${cuid}'\n`, undefined],
    ] as const) {
      writeFileSync(tmp.path('c.yaml'), body);
      const r = await cli(tmp.dir, ...base, '-o', 'c4.bin', '--cuid', 'c.yaml', 'meta');
      if (message === undefined) assert.equal(r.code, 0, r.stderr);
      else assert.ok(r.stderr.includes(message), `${body}: ${r.stderr}`);
    }
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'x.bin', '--cuid-hex', 'zz'.repeat(16), 'meta')).stderr,
      /Cannot decode hex string \(ERR_SECRET_CUID_HEX_INVALID\)/,
    );
    assert.match(
      (await cli(tmp.dir, ...base, '-o', 'x.bin', '--cuid-hex', '00'.repeat(16), '--cuid', 'c.yaml', 'meta')).stderr,
      /cannot be used with/,
    );
  });
});
