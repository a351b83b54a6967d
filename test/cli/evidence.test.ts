/** `se-attest evidence export|verify` (issue 7), driven through commander with an injected source. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAttestError } from '../../shared/errors/index.js';
import { EVIDENCE_CHECKS, type EvidenceDocument } from '../../shared/types/evidence.js';
import { parsePeriodBound, type EvidenceCommandDeps } from '../../main/cli/commands/evidence.js';
import { registerEvidenceCommands } from '../../main/cli/flags/evidence.js';
import { CliExit, memoryIo } from '../../main/cli/io.js';
import { PUBLIC_KEY_FILE } from '../../main/services/evidence/signing-key.js';
import { buildEvidenceFixture, type EvidenceFixture } from '../support/evidence-source.js';
import { flipByte } from '../support/evidence-tamper.js';
import { openStore } from '../../main/store/index.js';

let root: string;
let fx: EvidenceFixture;
const opened: string[] = [];

async function run(
  deps: EvidenceCommandDeps,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(root, {});
  const program = new Command('se-attest')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerEvidenceCommands(program, io, deps);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, stdout: io.stdout, stderr: io.stderr };
  } catch (e) {
    if (e instanceof CliExit) return { code: e.exitCode, stdout: io.stdout, stderr: io.stderr };
    if (isAttestError(e)) return { code: 1, stdout: io.stdout, stderr: `${io.stderr}${e.message} (${e.code})` };
    throw e;
  }
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-cli-'));
  fx = await buildEvidenceFixture({ guests: 3, attestations: 9, mismatchEvery: 5 });
});
after(() => rmSync(root, { recursive: true, force: true }));

const deps = (): EvidenceCommandDeps => ({
  openSource: (db) => {
    opened.push(db);
    return fx.source;
  },
  keyDir: join(root, 'keys'),
  now: () => new Date('2028-01-02T00:00:00Z'),
});

test('export then verify: exit 0, one PASS line per check; --to DATE includes that day', async () => {
  const ex = await run(
    deps(),
    'evidence',
    'export',
    '--db',
    'store.db',
    '--from',
    '2027-01-01',
    '--to',
    '2027-12-31',
    '-o',
    'bundle',
    '--organisation',
    'Example AG',
  );
  assert.equal(ex.code, 0, ex.stderr);
  assert.deepEqual(opened, [join(root, 'store.db')]);
  assert.match(ex.stdout, /attestations: 9 \(8 verified, 1 measurement mismatch\)/);
  const doc = JSON.parse(readFileSync(join(root, 'bundle', 'evidence.json'), 'utf8')) as EvidenceDocument;
  assert.equal(doc.period.to, '2028-01-01T00:00:00.000Z');
  assert.equal(doc.organisation, 'Example AG');
  const v = await run(deps(), 'evidence', 'verify', 'bundle', '--trusted-key', join(root, 'keys', PUBLIC_KEY_FILE));
  assert.equal(v.code, 0, v.stderr);
  for (const check of EVIDENCE_CHECKS) {
    assert.match(v.stdout, new RegExp(`^PASS ${check}: `, 'm'));
  }
  assert.match(v.stdout, /bundle verified: 9 attestations \(8 verified, 1 measurement mismatch\)/);
  assert.match(v.stdout, /signed by the trusted key SHA256:/);
  assert.doesNotMatch(v.stderr, /NOT authenticated/);
});

test('a tampered bundle: exit 2 and a FAIL line naming the file and the check', async () => {
  const ex = await run(
    deps(),
    'evidence',
    'export',
    '--db',
    'x.db',
    '--from',
    '2027-01-01',
    '--to',
    '2028-01-01T00:00:00Z',
    '-o',
    'b2.zip',
    '--zip',
  );
  assert.equal(ex.code, 0, ex.stderr);
  assert.ok(statSync(join(root, 'b2.zip')).isFile());
  assert.equal((await run(deps(), 'evidence', 'verify', 'b2.zip')).code, 0);
  const run2 = await run(
    deps(),
    'evidence',
    'export',
    '--db',
    'x.db',
    '--from',
    '2027-01-01',
    '--to',
    '2027-12-31',
    '-o',
    'b3',
  );
  assert.equal(run2.code, 0);
  flipByte(join(root, 'b3', 'report.pdf'));
  const v = await run(deps(), 'evidence', 'verify', 'b3');
  assert.equal(v.code, 2);
  assert.match(v.stderr, /^FAIL digests report\.pdf: SHA-256 .* \(ERR_EVIDENCE_DIGEST_MISMATCH\)$/m);
  assert.match(v.stdout, /bundle NOT verified/);
});

test('usage errors: bad dates; without an injected source the workstation database is read and the export audited', async () => {
  assert.throws(
    () => parsePeriodBound('last year', false, '--from'),
    (e) => isAttestError(e, 'ERR_CLI_USAGE'),
  );
  const bad = await run(
    deps(),
    'evidence',
    'export',
    '--db',
    'x.db',
    '--from',
    'nope',
    '--to',
    '2027-12-31',
    '-o',
    'b4',
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ERR_CLI_USAGE/);
  const store = openStore({ path: join(root, 'ws.db') });
  store.guests.add({ name: 'g1' });
  store.close();
  const real = await run(
    {},
    'evidence',
    'export',
    '--db',
    'ws.db',
    '--from',
    '2020-01-01',
    '--to',
    '2099-12-31',
    '-o',
    'b5',
  );
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /attestations: 0/);
  assert.equal(
    statSync(join(root, 'keys', 'evidence-ed25519.key')).mode & 0o777,
    0o600,
    'the key lives beside the database',
  );
  const reopened = openStore({ path: join(root, 'ws.db') });
  assert.equal(reopened.audit.list().filter((e) => e.action === 'export.made').length, 1);
  reopened.close();
  const verified = await run({}, 'evidence', 'verify', 'b5');
  assert.equal(verified.code, 0, verified.stderr);
});
