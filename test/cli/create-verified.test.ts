// `create` only encrypts to verified host-key documents: the full chain with offline CRLs from a generated fake
// IBM PKI; a revoked HKD stops the request and names the file (issue 2 + issue 3).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createFakeIbmPki, p521PrivateKeyFromPem, systemContext, type FakeIbmPki } from '../../main/engine/index.js';
import { cli, tempDir } from '../support/cli.js';
import { writePkiFiles } from '../support/pki-files.js';
import { INTEROP } from '../support/vectors.js';

const tmp = tempDir();
let pki: FakeIbmPki;
let chainArgs: string[] = [];

before(async () => {
  pki = await createFakeIbmPki({ ctx: systemContext(), hkdCount: 2, revokedHkds: [1] });
  chainArgs = writePkiFiles(tmp.dir, pki);
});
after(() => tmp.cleanup());

describe('create with HKD verification', () => {
  test('a verified HKD: request created, answered and verified', async () => {
    let run = await cli(
      tmp.dir,
      'create',
      '-k',
      'hkd0.crt',
      ...chainArgs,
      '-a',
      'a.key',
      '-o',
      'req.bin',
      '--add-data',
      'phkh-att',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /WARNING/);
    run = await cli(
      tmp.dir,
      'perform',
      '-i',
      'req.bin',
      '-o',
      'resp.bin',
      '--host-key',
      'hkd0.key',
      '--hdr',
      `${INTEROP}/keys/se.hdr`,
    );
    assert.equal(run.code, 0, run.stderr);
    run = await cli(tmp.dir, 'verify', '-i', 'resp.bin', '-a', 'a.key', '--hdr', `${INTEROP}/keys/se.hdr`);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(p521PrivateKeyFromPem(readFileSync(tmp.path('hkd0.key'), 'utf8')).length === 66);
  });
  test('a revoked HKD: no request, exit 1, the file and the code named', async () => {
    const run = await cli(
      tmp.dir,
      'create',
      '-k',
      'hkd0.crt',
      '-k',
      'hkd1.crt',
      ...chainArgs,
      '-a',
      'b.key',
      '-o',
      'req2.bin',
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /hkd1\.crt.*ERR_HKD_REVOKED/);
    assert.equal(existsSync(tmp.path('req2.bin')), false);
    assert.equal(existsSync(tmp.path('b.key')), false);
  });
  test('a missing CRL offline is refused and named', async () => {
    const run = await cli(
      tmp.dir,
      'create',
      '-k',
      'hkd0.crt',
      '-C',
      'ibm.crt',
      '-C',
      'inter.crt',
      '--crl',
      'root.crl',
      '--crl',
      'inter.crl',
      '--root-ca',
      'root.crt',
      '--offline',
      '-a',
      'c.key',
      '-o',
      'req3.bin',
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /hkd0\.crt.*(ERR_HKD_NO_VALID_CRL|ERR_CRL_MISSING)/);
  });
  test('--at before the validity window refuses the HKD', async () => {
    const run = await cli(
      tmp.dir,
      'create',
      '-k',
      'hkd0.crt',
      ...chainArgs,
      '--at',
      '2000-01-01T00:00:00Z',
      '-a',
      'd.key',
      '-o',
      'req4.bin',
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /ERR_/);
  });
});
