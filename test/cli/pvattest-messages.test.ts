/**
 * Issue 13 (pvattest parity): IBM's success and warning lines where the spec shows them — `create` prints
 * "Successfully generated the request" (stderr, warn level; `-q` silences it), the `--no-verify` warning with
 * protectee "attestation request", and the warning for an HKD file holding several certificates; `verify -v`
 * and the deprecated `-V`; C pvattest's `create --x-phkh-img/--x-phkh-att`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cli, tempDir } from '../support/cli.js';
import { IBM_CERTS, INTEROP, ibmChainOptions } from '../support/vectors.js';
import { PAF_ATTESTATION_PHKH, PAF_IMAGE_PHKH, parseArcb } from '../../main/engine/formats/arcb.js';
import { parseExchangeRequest } from '../../main/engine/formats/exchange.js';

const tmp = tempDir('se-attest-msg-');
after(() => tmp.cleanup());
const CERTS = IBM_CERTS;
const CHAIN = ibmChainOptions();

describe('create: IBM’s lines', () => {
  test('verified: "Successfully generated the request" on stderr, nothing on stdout', async () => {
    const run = await cli(tmp.dir, 'create', '-k', join(CERTS, 'host.crt'), ...CHAIN, '-a', 'a1', '-o', 'r1');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, 'Successfully generated the request\n');
    assert.equal(run.stdout, '');
  });
  test('-q prints nothing on success', async () => {
    const run = await cli(tmp.dir, 'create', '-k', join(CERTS, 'host.crt'), ...CHAIN, '-a', 'a2', '-o', 'r2', '-q');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
  });
  test('an HKD file with two certificates: IBM’s warning, then success', async () => {
    const two = tmp.path('two.crt');
    writeFileSync(two, readFileSync(join(CERTS, 'host.crt'), 'utf8') + readFileSync(join(CERTS, 'host2.crt'), 'utf8'));
    const run = await cli(tmp.dir, 'create', '-k', two, ...CHAIN, '-a', 'a3', '-o', 'r3');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      `The host-key document in '${two}' contains more than one certificate!\nSuccessfully generated the request\n`,
    );
  });
  test('a failure prints no success line', async () => {
    const run = await cli(tmp.dir, 'create', '-k', join(CERTS, 'host_rev.crt'), ...CHAIN, '-a', 'a4', '-o', 'r4');
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.stderr, /Successfully/);
  });
});

describe('verify -v / -V and C pvattest’s create spellings', () => {
  const RS = join(INTEROP, 'rs-min');
  test('verify -v prints what the default prints; -V adds Rust pvattest’s deprecation warning first', async () => {
    const common = ['-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input'];
    const plain = await cli(RS, 'verify', ...common);
    const verbose = await cli(RS, 'verify', '-v', ...common);
    const old = await cli(RS, 'verify', '-V', ...common);
    assert.equal(plain.code, 0);
    assert.equal(verbose.stderr, plain.stderr);
    assert.equal(old.code, 0);
    assert.equal(old.stderr, `WARNING: Use of deprecated flag '-V'. Use '-v' or '--verbose' instead.\n${plain.stderr}`);
  });
  test('create --x-phkh-img --x-phkh-att request the same flags as --add-data phkh-img,phkh-att', async () => {
    const flagsOf = async (name: string, ...spelling: string[]) => {
      const hkd = join(INTEROP, 'keys/hostA.crt');
      const run = await cli(
        tmp.dir,
        'create',
        '-k',
        hkd,
        '--no-verify',
        '-q',
        ...spelling,
        '-a',
        `${name}.arpk`,
        '-o',
        name,
      );
      assert.equal(run.code, 0, run.stderr);
      return parseArcb(parseExchangeRequest(new Uint8Array(readFileSync(tmp.path(name)))).arcb).flags;
    };
    const c = await flagsOf('xr', '--x-phkh-img', '--x-phkh-att');
    assert.equal(c, await flagsOf('yr', '--add-data', 'phkh-img,phkh-att'));
    assert.equal(c & (PAF_IMAGE_PHKH | PAF_ATTESTATION_PHKH), PAF_IMAGE_PHKH | PAF_ATTESTATION_PHKH);
  });
});
