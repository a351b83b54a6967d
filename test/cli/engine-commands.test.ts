// The pvattest-compatible CLI: IBM's interop vectors answered exactly as IBM's Rust pvattest 2.43 answered
// them (exit code and YAML byte for byte), create → perform → verify, check, extract-hdr, and error lines.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cli, tempDir } from '../support/cli.js';
import { INTEROP, PV_ASSETS, interopCases } from '../support/vectors.js';

const tmp = tempDir();
after(() => tmp.cleanup());
const KEYS = join(INTEROP, 'keys');

describe('verify answers the interop vectors like IBM pvattest', () => {
  for (const name of interopCases()) {
    test(name, async () => {
      const dir = join(INTEROP, name);
      const out = tmp.path(`${name}.yaml`);
      const run = await cli(
        dir,
        'verify',
        '-i',
        'resp.bin',
        '--arpk',
        'arp.key',
        '--hdr',
        'hdr.input',
        '--format',
        'yaml',
        '-o',
        out,
      );
      const expectedExit = Number(readFileSync(join(dir, 'expected.exit'), 'utf8').trim());
      assert.equal(run.code, expectedExit, run.stderr);
      if (existsSync(join(dir, 'expected.yaml')))
        assert.equal(readFileSync(out, 'utf8'), readFileSync(join(dir, 'expected.yaml'), 'utf8'));
      else assert.equal(readFileSync(out, 'utf8'), '', 'Rust pvattest leaves an empty -o file on failure');
      if (expectedExit === 2) {
        assert.equal(
          run.stderr,
          'Attestation measurement verification failed. Calculated and received attestation measurement are not equal.\n',
        );
      }
      if (expectedExit === 1) {
        assert.match(run.stderr, /^error: resp\.bin: .*\(ERR_[A-Z_]+\)\n$/);
        assert.equal(run.stderr.split('\n').length, 2, 'one line');
      }
    });
  }
  test('stderr summary of a verified response matches pvattest', async () => {
    const run = await cli(join(INTEROP, 'rs-phkh'), 'verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input');
    assert.equal(run.code, 0);
    const phkh = '0x770a986873ba8a0544f20668bf9955296bad2e248ca238fa8bbb50afaba472d6';
    assert.equal(
      run.stderr,
      `Attestation measurement verified\nConfig UID:\n0x66cd98b6611937c1dffac2acc53e3edb\nAdditional-data:\n${phkh}${phkh.slice(2)}\n` +
        `Additional-data content:\nImage PHKH\n${phkh}\nAttestation PHKH\n${phkh}\n\nuser-data:\n0x68656c6c6f205345\n\n`,
    );
  });
  test('-u writes the verified user data; warns when there is none', async () => {
    const u = tmp.path('user.out');
    assert.equal(
      (await cli(join(INTEROP, 'rs-phkh'), 'verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '-u', u))
        .code,
      0,
    );
    assert.equal(readFileSync(u, 'utf8'), 'hello SE');
    const none = tmp.path('none.out');
    const run = await cli(
      join(INTEROP, 'rs-min'),
      'verify',
      '-i',
      'resp.bin',
      '-a',
      'arp.key',
      '--hdr',
      'hdr.input',
      '-u',
      none,
    );
    assert.equal(run.code, 0);
    assert.match(run.stderr, /Location for `user-data` specified, but respose does not contain any user-data\n$/);
    assert.equal(existsSync(none), false);
  });
  test('--format json is ours: same values plus verified', async () => {
    const out = tmp.path('r.json');
    assert.equal(
      (
        await cli(
          join(INTEROP, 'rs-user17'),
          'verify',
          '-i',
          'resp.bin',
          '-a',
          'arp.key',
          '--hdr',
          'hdr.input',
          '--format',
          'json',
          '-o',
          out,
        )
      ).code,
      0,
    );
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(j.verified, true);
    assert.equal(j.user_data, '0x0e9cee78998e5d75898ebafd663cbc00eb');
    assert.equal(j.add_fields.image_phkh, '0x770a986873ba8a0544f20668bf9955296bad2e248ca238fa8bbb50afaba472d6');
  });
  test('bad inputs: one line naming the file, exit 1', async () => {
    const dir = join(INTEROP, 'rs-min');
    const short = tmp.path('short.key');
    writeFileSync(short, Buffer.alloc(31));
    let run = await cli(dir, 'verify', '-i', 'resp.bin', '-a', short, '--hdr', 'hdr.input');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /short\.key: Attestation request protection key must be exactly 32 bytes long \(ERR_ARPK_SIZE\)/,
    );
    run = await cli(dir, 'verify', '-i', 'missing.bin', '-a', 'arp.key', '--hdr', 'hdr.input');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Cannot open `missing\.bin`/);
    run = await cli(dir, 'verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'resp.bin');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: resp\.bin: Invalid SE header provided \(ERR_SEHDR_NOT_FOUND\)/);
    run = await cli(dir, 'verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '--format', 'xml');
    assert.equal(run.code, 1);
  });
});

describe('create → perform → verify through the CLI', () => {
  test('the request and ARPK files, and a verified round trip with user data', async () => {
    const d = tmp.path('');
    let run = await cli(
      d,
      'create',
      '-k',
      join(KEYS, 'hostA.crt'),
      '-k',
      join(KEYS, 'hostB.crt'),
      '--no-verify',
      '-a',
      'arpk',
      '-o',
      'req.bin',
      '--add-data',
      'phkh-img,phkh-att',
    );
    assert.equal(run.code, 0, run.stderr);
    // pvattest's warning and success lines (issue 13), stderr, nothing on stdout
    assert.equal(
      run.stderr,
      'Host-key document verification is disabled. The attestation request may not be protected.\n' +
        'Successfully generated the request\n',
    );
    assert.equal(run.stdout, '');
    assert.equal(statSync(join(d, 'arpk')).mode & 0o777, 0o600);
    assert.equal(statSync(join(d, 'arpk')).size, 32);
    copyFileSync(join(KEYS, 'user17'), join(d, 'user17'));
    run = await cli(
      d,
      'perform',
      '-i',
      'req.bin',
      '-o',
      'resp.bin',
      '--host-key',
      join(KEYS, 'hostB.key'),
      '--hdr',
      join(KEYS, 'se.hdr'),
      '--cuid',
      '00112233445566778899aabbccddeeff',
      '-u',
      'user17',
    );
    assert.equal(run.code, 0, run.stderr);
    run = await cli(
      d,
      'verify',
      '-i',
      'resp.bin',
      '-a',
      'arpk',
      '--hdr',
      join(KEYS, 'se-image-meta.img'),
      '-o',
      'out.yaml',
    );
    assert.equal(run.code, 0, run.stderr);
    const yaml = readFileSync(join(d, 'out.yaml'), 'utf8');
    assert.match(
      yaml,
      /^cuid: '0x00112233445566778899aabbccddeeff'\nadd: 0x[0-9a-f]{128}\nadd_fields:\n {2}image_phkh: 0x[0-9a-f]{64}\n {2}attestation_phkh: 0x[0-9a-f]{64}\nuser_data: 0x[0-9a-f]{34}\n$/,
    );
  });
  test('create refuses to run without --no-verify or -C, and with both', async () => {
    const d = tmp.path('');
    let run = await cli(d, 'create', '-k', join(KEYS, 'hostA.crt'), '-a', 'a2', '-o', 'r2');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--no-verify\|--cert/);
    run = await cli(
      d,
      'create',
      '-k',
      join(KEYS, 'hostA.crt'),
      '--no-verify',
      '-C',
      join(KEYS, 'hostB.crt'),
      '-a',
      'a2',
      '-o',
      'r2',
    );
    assert.equal(run.code, 1);
    assert.equal(existsSync(join(d, 'a2')), false);
  });
  test('perform with a host key that is not in the request: UV rc 0x010c', async () => {
    const d = tmp.path('');
    await cli(d, 'create', '-k', join(KEYS, 'hostA.crt'), '--no-verify', '-a', 'ak', '-o', 'rq');
    const run = await cli(
      d,
      'perform',
      '-i',
      'rq',
      '-o',
      'rs',
      '--host-key',
      join(KEYS, 'hostC.key'),
      '--hdr',
      join(KEYS, 'se.hdr'),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /rc 0x010c.*\(ERR_UV_RC\)/);
  });
});

describe('check', () => {
  test('host keys, user data and the secret store (empty, unlocked)', async () => {
    const dir = join(INTEROP, 'rs-all4');
    const out = tmp.path('check.yaml');
    const run = await cli(
      dir,
      'check',
      '-i',
      'resp.bin',
      '-o',
      out,
      '-k',
      join(KEYS, 'hostA.crt'),
      '--host-key-check',
      'att-key-hash,boot-key-hash',
      '--secret-store-locked',
      'false',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      readFileSync(out, 'utf8'),
      `successful: true\nimage_host_key:\n  check_enforced: true\n  hash: ${join(KEYS, 'hostA.crt')}\nattest_host_key:\n  check_enforced: true\n  hash: ${join(KEYS, 'hostA.crt')}\nsecret_store:\n  add_secret_requests: []\n  locked: false\n`,
    );
    assert.equal(run.stderr, '✓ The Attestation response fulfills all policies\n');
  });
  test('failed policies: exit 2 with the issues listed', async () => {
    const dir = join(INTEROP, 'rs-all4');
    const out = tmp.path('check2.yaml');
    const run = await cli(
      dir,
      'check',
      'resp.bin',
      out,
      '-k',
      join(KEYS, 'hostB.crt'),
      '-u',
      join(KEYS, 'user8'),
      '--secret-store-locked',
      'true',
    );
    assert.equal(run.code, 2);
    assert.equal(
      readFileSync(out, 'utf8'),
      'successful: false\nissues:\n- No given host-key document matches the given image public host-key hash\n' +
        '- No given host-key document matches the given attestation public host-key hash\n' +
        '- The Provided user data does not match the user data from the attestation response.\n' +
        '- The calculated secret-store-hash does not match with the provided hash\n' +
        'image_host_key:\n  check_enforced: false\nattest_host_key:\n  check_enforced: false\n',
    );
  });
  test('usage rules: --host-key-check needs -k; --secret needs --secret-store-locked', async () => {
    const dir = join(INTEROP, 'rs-all4');
    assert.equal((await cli(dir, 'check', 'resp.bin', tmp.path('x'), '--host-key-check', 'att-key-hash')).code, 1);
    const asrcb = join(PV_ASSETS, 'exp/asrcb/null_none_default_cuid_one');
    assert.equal((await cli(dir, 'check', 'resp.bin', tmp.path('x'), '--secret', asrcb)).code, 1);
    const bad = await cli(
      dir,
      'check',
      'resp.bin',
      tmp.path('y'),
      '--secret',
      'arp.key',
      '--secret-store-locked',
      'false',
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Input does not contain an add-secret request/);
    assert.equal(existsSync(tmp.path('y')), false);
  });
});

describe('extract-hdr (pvextract-hdr)', () => {
  test('default window finds the header at 0x14000 of an image', async () => {
    const out = tmp.path('x.hdr');
    const run = await cli(tmp.dir, 'extract-hdr', '-o', out, join(KEYS, 'se-image-plain.img'));
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `SE header found at offset 0x014000\nSE header written to '${out}' (640 bytes)\n`);
    assert.deepEqual(readFileSync(out), readFileSync(join(KEYS, 'se.hdr')));
  });
  test('a bare header needs -s 0; without it: not found', async () => {
    let run = await cli(KEYS, 'extract-hdr', '-o', tmp.path('b.hdr'), 'se.hdr');
    assert.equal(run.code, 1);
    // issue 12: pvextract-hdr's line as it is, then a coded one
    assert.equal(
      run.stderr,
      'ERROR: se.hdr does not contain an SE header.\n' +
        'error: se.hdr: no SE header in the search window 0x14000..0x18000 (-s, -l) (ERR_SEHDR_NOT_FOUND)\n',
    );
    assert.equal(run.stdout, '');
    run = await cli(KEYS, 'extract-hdr', '-o', tmp.path('b.hdr'), '-s', '0', 'se.hdr');
    assert.equal(run.code, 0);
    assert.equal(run.stdout.split('\n')[0], 'SE header found at offset 0x000000');
  });
  test('missing file; --search image uses the metadata', async () => {
    const run = await cli(tmp.dir, 'extract-hdr', 'nope.img');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "ERROR: File 'nope.img' not found\nerror: Cannot open `nope.img`: ENOENT (ERR_FS_OPEN)\n");
    const meta = await cli(
      tmp.dir,
      'extract-hdr',
      '--search',
      'image',
      '-o',
      tmp.path('m.hdr'),
      join(KEYS, 'se-image-meta.img'),
    );
    assert.equal(meta.code, 0, meta.stderr);
    assert.deepEqual(readFileSync(tmp.path('m.hdr')), readFileSync(join(KEYS, 'se.hdr')));
  });
});

test('--help works and unknown commands fail', async () => {
  const help = await cli(tmp.dir, '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /verify/);
  assert.equal((await cli(tmp.dir, 'frobnicate')).code, 1);
});

describe('verify --dialect c: C pvattest 2.32 reader rules and YAML', () => {
  test("a C request verifies; the YAML is C's (cuid and add, always quoted)", async () => {
    const dir = join(INTEROP, 'c-nonce');
    const out = tmp.path('c.yaml');
    const run = await cli(
      dir,
      'verify',
      '--dialect',
      'c',
      '-i',
      'resp.bin',
      '-a',
      'arp.key',
      '--hdr',
      'hdr.input',
      '-o',
      out,
    );
    assert.equal(run.code, 0, run.stderr);
    const rust = readFileSync(join(dir, 'expected.yaml'), 'utf8');
    const cuid = /^cuid: '(0x[0-9a-f]+)'$/m.exec(rust)![1];
    const add = /^add: (0x[0-9a-f]+)$/m.exec(rust)![1];
    assert.equal(readFileSync(out, 'utf8'), `cuid: '${cuid}'\nadd: '${add}'\n`);
  });
  test('C accepts only an extracted header; Rust also finds it in an image', async () => {
    const dir = join(INTEROP, 'image-plain');
    assert.equal((await cli(dir, 'verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input')).code, 0);
    const c = await cli(dir, 'verify', '--dialect', 'c', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input');
    assert.equal(c.code, 1);
    assert.match(c.stderr, /Invalid SE header provided/);
  });
  test('an entry offset inside the exchange header: Rust reads it (mismatch, exit 2), C refuses the file (exit 1)', async () => {
    const dir = join(INTEROP, 'rs-min');
    const resp = new Uint8Array(readFileSync(join(dir, 'resp.bin')));
    new DataView(resp.buffer).setUint32(0x3c, 0x10); // CUID entry (16, 0x10)
    writeFileSync(tmp.path('low-offset.bin'), resp);
    const common = ['-a', join(dir, 'arp.key'), '--hdr', join(dir, 'hdr.input'), '-i', tmp.path('low-offset.bin')];
    assert.equal((await cli(tmp.dir, 'verify', ...common)).code, 2);
    const c = await cli(tmp.dir, 'verify', '--dialect', 'c', ...common);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /Input file is not in a valid format/);
  });
});

test('perform with a secret store: the UV hashes the add-secret tags; check passes with the same requests, in order', async () => {
  const d = tmp.path('');
  const asrcb = (n: string) => join(PV_ASSETS, 'exp/asrcb', n);
  const secrets = ['assoc_simple_default_cuid_one', 'null_none_default_cuid_one'].map(asrcb);
  assert.equal(
    (
      await cli(
        d,
        'create',
        '-k',
        join(KEYS, 'hostA.crt'),
        '--no-verify',
        '-a',
        'ss.key',
        '-o',
        'ss-req.bin',
        '--add-data',
        'secret-store-hash',
      )
    ).code,
    0,
  );
  let run = await cli(
    d,
    'perform',
    '-i',
    'ss-req.bin',
    '-o',
    'ss-resp.bin',
    '--host-key',
    join(KEYS, 'hostA.key'),
    '--hdr',
    join(KEYS, 'se.hdr'),
    '--secret',
    secrets.join(','),
    '--secret-store-locked',
    'true',
  );
  assert.equal(run.code, 0, run.stderr);
  run = await cli(
    d,
    'check',
    'ss-resp.bin',
    'ss-check.yaml',
    '--secret',
    secrets.join(','),
    '--secret-store-locked',
    'true',
  );
  assert.equal(run.code, 0, run.stderr);
  run = await cli(
    d,
    'check',
    'ss-resp.bin',
    'ss-check2.yaml',
    '--secret',
    [...secrets].reverse().join(','),
    '--secret-store-locked',
    'true',
  );
  assert.equal(run.code, 2);
  run = await cli(
    d,
    'perform',
    '-i',
    'ss-req.bin',
    '-o',
    'ss-bad.bin',
    '--host-key',
    join(KEYS, 'hostA.key'),
    '--hdr',
    join(KEYS, 'se.hdr'),
    '--secret',
    join(KEYS, 'se.hdr'),
    '--secret-store-locked',
    'true',
  );
  assert.equal(run.code, 1);
  assert.match(run.stderr, /se\.hdr: Input does not contain an add-secret request.*ERR_ASRCB_INVALID/);
});
