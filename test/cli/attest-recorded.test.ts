// `se-attest attest NAME --db` (stored guest, offline trust material) and ad-hoc `attest --guest … --name --db`
// runs recorded under a guest, read back with `history --format json` (issue 5), against simulated guests on
// loopback SSH.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createFakeIbmPki,
  p521PrivateKeyFromPem,
  readHostKeyDocument,
  systemContext,
  type FakeIbmPki,
} from '../../main/engine/index.js';
import { buildSyntheticSeHeader } from '../../main/sim/se-image.js';
import { generateSshKeyPair, startSimulatedGuest, type SimulatedGuest } from '../../main/sim/simulated-guest.js';
import { cli, tempDir } from '../support/cli.js';
import { writePkiFiles } from '../support/pki-files.js';

const ctx = systemContext();
const tmp = tempDir();
const client = generateSshKeyPair();
let pki: FakeIbmPki;
let chainArgs: string[] = [];
let guest: SimulatedGuest;
let tampered: SimulatedGuest;
const db = () => tmp.path('ws.db');

before(async () => {
  pki = await createFakeIbmPki({ ctx, hkdCount: 1 });
  chainArgs = writePkiFiles(tmp.dir, pki);
  writeFileSync(tmp.path('id'), client.private, { mode: 0o600 });
  const header = buildSyntheticSeHeader([readHostKeyDocument(new TextEncoder().encode(pki.hkds[0]!.pem)).phkh], ctx);
  writeFileSync(tmp.path('se.hdr'), header);
  const base = {
    hostPrivateKeys: [p521PrivateKeyFromPem(pki.hkds[0]!.privateKeyPem)],
    seHeader: header,
    authorizedKeys: [client.public],
  };
  guest = await startSimulatedGuest({ ...base, cuid: ctx.randomBytes(16) });
  tampered = await startSimulatedGuest({ ...base, cuid: ctx.randomBytes(16), fault: 'tampered-measurement' });
});
after(async () => {
  await guest?.close();
  await tampered?.close();
  tmp.cleanup();
});

describe('recorded attestations through the CLI', () => {
  test('stored guest: trust import, guest add, attest (first contact pinned), history json', async () => {
    let run = await cli(
      tmp.dir,
      'trust',
      'import',
      '--db',
      db(),
      'root.crt',
      'inter.crt',
      'ibm.crt',
      'root.crl',
      'inter.crl',
      'ibm.crl',
      'hkd0.crt',
    );
    assert.equal(run.code, 0, run.stderr);
    run = await cli(
      tmp.dir,
      'guest',
      'add',
      'web1',
      '--db',
      db(),
      '--target',
      guest.address,
      '--identity',
      tmp.path('id'),
      '--hdr',
      'se.hdr',
      '--require-add-data',
      'phkh-img,phkh-att',
    );
    assert.equal(run.code, 0, run.stderr);
    run = await cli(tmp.dir, 'attest', 'web1', '--db', db());
    assert.equal(run.code, 1, 'an unknown host key needs a decision');
    assert.match(run.stderr, /ERR_TRANSPORT_HOST_KEY_UNKNOWN/);
    run = await cli(tmp.dir, 'attest', 'web1', '--db', db(), '--trust-on-first-use', '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).verified, true);
    run = await cli(tmp.dir, 'attest', 'web1', '--db', db(), '-q');
    assert.equal(run.code, 0, run.stderr);
    run = await cli(tmp.dir, 'history', 'web1', '--db', db(), '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const history = JSON.parse(run.stdout) as {
      id: number;
      status: string;
      started_at: string;
      finished_at: string;
      cuid: string;
      error_code: string | null;
    }[];
    assert.deepEqual(
      history.map((h) => h.status),
      ['verified', 'verified', 'error'],
    );
    assert.ok(history[0]!.id > history[1]!.id, 'newest first');
    assert.equal(history[2]!.error_code, 'ERR_TRANSPORT_HOST_KEY_UNKNOWN');
    assert.match(history[0]!.cuid, /^[0-9a-f]{32}$/);
    assert.equal((await cli(tmp.dir, 'audit', 'verify', '--db', db())).code, 0);
  });
  test('issue 11: a policy violation exits 2 and prints the outcome with expected beside seen; history and guest list show it', async () => {
    const expected = 'ee'.repeat(32);
    let run = await cli(
      tmp.dir,
      'guest',
      'add',
      'strict',
      '--db',
      db(),
      '--target',
      guest.address,
      '--identity',
      tmp.path('id'),
      '--hdr',
      'se.hdr',
      '--expect-image-phkh',
      expected,
    );
    assert.equal(run.code, 0, run.stderr);
    run = await cli(tmp.dir, 'attest', 'strict', '--db', db(), '--trust-on-first-use');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Outcome: policy violation \(ERR_POLICY_IMAGE_PHKH\): the image PHKH differs/);
    assert.match(run.stderr, new RegExp(`expected: ${expected}\\n +seen: +[0-9a-f]{64}`));
    assert.equal(run.stdout, '', 'no verification result for a guest that did not comply');
    const json = JSON.parse((await cli(tmp.dir, 'history', 'strict', '--db', db(), '--format', 'json')).stdout);
    assert.equal(json[0].status, 'policy-violation');
    assert.equal(json[0].outcome, 'policy-violation');
    assert.equal(json[0].code, 'ERR_POLICY_IMAGE_PHKH');
    assert.equal(json[0].error_code, 'ERR_POLICY_IMAGE_PHKH', 'the fields from before schema 6 stay');
    assert.deepEqual(json[0].policy, { expectedImagePhkh: expected });
    assert.equal(json[0].checks[0].expected, expected);
    assert.match(json[0].checks[0].seen, /^[0-9a-f]{64}$/);
    const human = await cli(tmp.dir, 'history', 'strict', '--db', db());
    assert.match(
      human.stdout,
      /policy violation +\S+ +\S+ +[0-9a-f]{32} +ERR_POLICY_IMAGE_PHKH +the image PHKH differs/,
    );
    assert.match(human.stdout, /Failed policy checks:\nattestation \d+ .*\n +image-phkh \(ERR_POLICY_IMAGE_PHKH\)/);
    const list = await cli(tmp.dir, 'guest', 'list', '--db', db());
    assert.match(list.stdout, /strict +failing +policy violation +ERR_POLICY_IMAGE_PHKH/);
    const listed = JSON.parse((await cli(tmp.dir, 'guest', 'list', '--db', db(), '--format', 'json')).stdout);
    const strict = listed.find((g: { name: string }) => g.name === 'strict');
    assert.equal(strict.lastOutcome, 'policy-violation');
    assert.equal(strict.lastErrorCode, 'ERR_POLICY_IMAGE_PHKH');
    assert.equal(strict.last.outcome, 'policy-violation');
    assert.match(strict.last.reason, /image PHKH differs/);
    assert.equal(strict.last.checks.find((c: { passed: boolean }) => !c.passed).expected, expected);
    const shown = JSON.parse((await cli(tmp.dir, 'guest', 'show', 'strict', '--db', db(), '--format', 'json')).stdout);
    assert.equal(shown.recent[0].outcome, 'policy-violation');
    assert.equal(shown.status.lastOutcome, 'policy-violation');
    // the run after fixing the policy verifies, exit 0, and says so
    const seen = json[0].checks[0].seen as string;
    assert.equal((await cli(tmp.dir, 'guest', 'edit', 'strict', '--db', db(), '--expect-image-phkh', seen)).code, 0);
    run = await cli(tmp.dir, 'attest', 'strict', '--db', db());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Outcome: verified \[attestation \d+ of guest strict\]/);
  });
  test('ad-hoc run recorded under --name (guest created), tampered guest → exit 2 and a mismatch row', async () => {
    const common = [
      '--identity',
      tmp.path('id'),
      '--trust-on-first-use',
      '-k',
      'hkd0.crt',
      ...chainArgs,
      '--hdr',
      'se.hdr',
      '--db',
      db(),
    ];
    let run = await cli(tmp.dir, 'attest', '--guest', guest.address, '--name', 'adhoc1', ...common);
    assert.equal(run.code, 0, run.stderr);
    run = await cli(tmp.dir, 'attest', '--guest', tampered.address, '--name', 'adhoc2', ...common);
    assert.equal(run.code, 2, run.stderr);
    const h1 = JSON.parse((await cli(tmp.dir, 'history', 'adhoc1', '--db', db(), '--format', 'json')).stdout);
    const h2 = JSON.parse((await cli(tmp.dir, 'history', 'adhoc2', '--db', db(), '--format', 'json')).stdout);
    assert.equal(h1[0].status, 'verified');
    assert.equal(h2[0].status, 'mismatch');
    const show = await cli(tmp.dir, 'guest', 'show', 'adhoc1', '--db', db());
    assert.match(show.stdout, /ad-hoc/);
  });
});
