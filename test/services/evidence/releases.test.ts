// Issue 14: every secret release is in the evidence bundle (evidence.json, releases/<id>/, the PDF's releases table)
// with the attestations that gated it, never its value; `evidence verify` re-checks each release against its
// gating attestations: a gate that does not recompute verified, or is missing, fails the `release` check (exit 2).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUNDLE_FILES, RELEASE_FILES, type EvidenceDocument } from '../../../shared/types/evidence.js';
import type { ReleaseRunRecord } from '../../../shared/types/release.js';
import { systemContext } from '../../../main/engine/index.js';
import { verifyEvidenceBundle } from '../../../main/services/evidence/verify.js';
import { validateBundleJson } from '../../../main/services/evidence/schema-validate.js';
import { loadOrCreateWorkstationKey } from '../../../main/services/evidence/signing-key.js';
import { releaseSecret } from '../../../main/services/release-secret.js';
import { cli } from '../../support/cli.js';
import { copyBundle, flipByte, resignBundle } from '../../support/evidence-tamper.js';
import { pdfText } from '../../support/pdf-text.js';
import { releaseWorkstation, type ReleaseWorkstation } from '../../support/release-fixture.js';

const ctx = systemContext();
const VALUE = 'tls-private-key: correct horse battery staple 0x5eC2e7';
const PASSPHRASE = 'luks passphrase 4711, never in a bundle';
const SINK = 'cryptsetup open --key-file=- /dev/vdb data';
let ws: ReleaseWorkstation;
let bundle: string;
let keyDir: string;
const runs: Record<string, ReleaseRunRecord> = {};

/** Every file of a directory tree, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** `se-attest evidence export` of the store, a period around now, into `out`. */
function exportBundle(out: string, ...extra: string[]) {
  const day = 86_400_000;
  const around = (ms: number) => new Date(Date.now() + ms).toISOString();
  return cli(
    ws.dir,
    'evidence',
    'export',
    '--db',
    ws.dbPath,
    '--from',
    around(-day),
    '--to',
    around(day),
    '--key-dir',
    keyDir,
    '-o',
    out,
    ...extra,
  );
}

const evidenceOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, BUNDLE_FILES.evidence), 'utf8')) as EvidenceDocument;

before(async () => {
  ws = await releaseWorkstation();
  writeFileSync(ws.path('value.txt'), VALUE, { mode: 0o600 });
  writeFileSync(ws.path('passphrase'), PASSPHRASE, { mode: 0o600 });
  const value = { kind: 'file' as const, path: ws.path('value.txt') };
  await ws.addGuest('payments', {
    release: { name: 'tls-key', kind: 'uv', uvKind: 'plain', source: value, lock: true },
  });
  await ws.addGuest('vault', {
    release: { name: 'disk', kind: 'channel', command: SINK, source: { kind: 'file', path: ws.path('passphrase') } },
    sim: { secretSinks: [SINK] },
  });
  await ws.addGuest('tampered', {
    release: { name: 'tls-key', kind: 'uv', uvKind: 'plain', source: value },
    fault: 'tampered-measurement',
  });
  for (const [guest, release] of [
    ['payments', 'tls-key'],
    ['vault', 'disk'],
    ['tampered', 'tls-key'],
  ] as const)
    runs[guest] = (await releaseSecret({ store: ws.store, guest, release, ctx })).run;
  assert.deepEqual(
    Object.values(runs).map((r) => r.status),
    ['released', 'released', 'failed'],
  );
  keyDir = ws.path('keys');
  bundle = ws.path('bundle');
  const ex = await exportBundle(bundle, '--organisation', 'Example Bank');
  assert.equal(ex.code, 0, ex.stderr);
});
after(() => ws.close());

describe('releases in the evidence bundle (issue 14)', () => {
  test('evidence.json lists each release with its request, CUID and gating attestations; valid against the schema', () => {
    const ev = evidenceOf(bundle);
    assert.equal(ev.schemaVersion, '2.1.0');
    assert.deepEqual(validateBundleJson('evidence', ev), []);
    assert.equal(ev.releases.length, 3);
    const byGuest = new Map(ev.releases.map((x) => [x.guest, x]));
    const uv = byGuest.get('payments')!;
    const run = runs.payments!;
    assert.equal(uv.id, String(run.id));
    assert.deepEqual(
      [uv.release, uv.kind, uv.status, uv.secretName, uv.added, uv.locked, uv.cuid],
      ['tls-key', 'uv', 'released', 'tls-key', true, true, run.cuid],
    );
    assert.equal(uv.requestSha256, run.requestSha256);
    assert.deepEqual(uv.gatingAttestations, [
      { id: String(run.gateAttestationId), role: 'gate', outcome: 'verified' },
      { id: String(run.checkAttestationId), role: 'check', outcome: 'verified' },
    ]);
    assert.equal(uv.folder, `releases/${uv.id}`);
    assert.deepEqual(uv.files, [RELEASE_FILES.request]);
    // the bundled request is the one the guest was given (by its SHA-256, recorded in the store)
    assert.equal(
      readFileSync(join(bundle, uv.folder, RELEASE_FILES.request)).length,
      ws.store.releases.runRequest(run.id)!.length,
    );
    const ch = byGuest.get('vault')!;
    assert.deepEqual(
      [ch.kind, ch.status, ch.requestSha256, ch.folder, ch.bindingSha256],
      ['channel', 'released', null, null, runs.vault!.bindingSha256],
    );
    const gate = ev.attestations.find((a) => a.id === ch.gatingAttestations[0]!.id)!;
    assert.equal(gate.userData, ch.bindingSha256, 'the gate attested the host key of the release channel');
    const refused = byGuest.get('tampered')!;
    assert.deepEqual(
      [refused.status, refused.failedStep, refused.errorCode, refused.cuid, refused.added, refused.files],
      ['failed', 'attest', 'ERR_RELEASE_NOT_VERIFIED', null, false, []],
    );
    assert.deepEqual(refused.gatingAttestations, [
      { id: String(runs.tampered!.gateAttestationId), role: 'gate', outcome: 'mismatch' },
    ]);
    // and the audit log of the bundle holds the release runs' entries (no value)
    const audit = readFileSync(join(bundle, BUNDLE_FILES.auditLog), 'utf8');
    assert.match(audit, new RegExp(`"requestSha256":"${run.requestSha256}"`));
  });

  test('the PDF has a releases table per guest: time, secret, kind, request SHA-256, gates and outcomes, result', () => {
    const text = pdfText(join(bundle, BUNDLE_FILES.report));
    assert.match(text, /Secret releases:\s+3 \(2 released, 1 not\)/);
    const section = (guest: string) => {
      const at = text.indexOf(`Guest ${guest}`);
      assert.ok(at >= 0, guest);
      const next = text.indexOf('Guest ', at + 6);
      return text.slice(at, next < 0 ? undefined : next);
    };
    const payments = section('payments');
    assert.match(payments, /Secret releases \(1\)/);
    assert.match(payments, /Request SHA-256/);
    assert.ok(payments.includes(runs.payments!.requestSha256!.slice(0, 16)), 'request SHA-256 short');
    assert.match(payments, new RegExp(`gate ${runs.payments!.gateAttestationId}: verified`));
    assert.match(payments, new RegExp(`check ${runs.payments!.checkAttestationId}: verified`));
    assert.match(payments, /released, store locked/);
    assert.match(payments, /tls-key\s+uv/);
    const vault = section('vault');
    assert.match(vault, /disk\s+channel/);
    assert.ok(
      vault.includes(`key ${runs.vault!.bindingSha256!.slice(0, 12)}`),
      'the channel binding (host key SHA-256)',
    );
    const tampered = section('tampered');
    assert.match(tampered, new RegExp(`gate ${runs.tampered!.gateAttestationId}: measurement mismatch`));
    assert.match(tampered, /FAILED at attest/);
    assert.match(tampered, /ERR_RELEASE_NOT_VERIFIED/);
  });

  test('no secret value anywhere in the bundle', () => {
    for (const f of filesUnder(bundle)) {
      const text = readFileSync(f).toString('latin1');
      assert.equal(text.includes(VALUE), false, f);
      assert.equal(text.includes(PASSPHRASE), false, f);
    }
  });

  test('evidence verify passes: the release check re-checks every gating attestation', async () => {
    const v = await cli(ws.dir, 'evidence', 'verify', bundle);
    assert.equal(v.code, 0, v.stdout);
    assert.match(
      v.stdout,
      /PASS release: 3 releases: every gating attestation in the bundle and recomputed as recorded; the 2 that went past their gate/,
    );
  });

  test('a bundle of one guest holds only its releases, and verifies', async () => {
    const dir = ws.path('vault-only');
    const ex = await exportBundle(dir, '--guest', 'vault');
    assert.equal(ex.code, 0, ex.stderr);
    assert.deepEqual(
      evidenceOf(dir).releases.map((x) => [x.guest, x.release, x.status]),
      [['vault', 'disk', 'released']],
    );
    const v = await cli(ws.dir, 'evidence', 'verify', dir);
    assert.equal(v.code, 0, v.stderr);
  });

  test('a tampered gating attestation fails the release check, naming the release (exit 2)', async () => {
    const dir = copyBundle(bundle, ws.path('tampered-gate'));
    const gate = runs.payments!.gateAttestationId!;
    flipByte(join(dir, 'attestations', String(gate), 'response.bin'), 0x40);
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const v = await cli(ws.dir, 'evidence', 'verify', dir);
    assert.equal(v.code, 2);
    const result = await verifyEvidenceBundle(dir);
    const failed = result.results.filter((x) => x.check === 'release' && !x.ok);
    assert.ok(failed.length > 0, v.stdout);
    assert.ok(
      failed.some(
        (x) =>
          x.code === 'ERR_EVIDENCE_RELEASE_GATE' &&
          x.detail.includes(`release ${runs.payments!.id} ("tls-key" to payments)`) &&
          x.detail.includes(`gate attestation ${gate}`),
      ),
      JSON.stringify(failed),
    );
    assert.match(v.stderr, new RegExp(`FAIL release releases/${runs.payments!.id}: release ${runs.payments!.id} `));
  });

  test('a gating attestation missing from the bundle fails the release check', async () => {
    const dir = copyBundle(bundle, ws.path('missing-gate'));
    const ev = evidenceOf(dir);
    const x = ev.releases.find((r) => r.guest === 'vault')!;
    x.gatingAttestations[0]!.id = '999999';
    writeFileSync(join(dir, BUNDLE_FILES.evidence), JSON.stringify(ev));
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const result = await verifyEvidenceBundle(dir);
    assert.equal(result.ok, false);
    const failed = result.results.filter((r) => !r.ok);
    assert.deepEqual([...new Set(failed.map((r) => r.check))], ['release'], JSON.stringify(failed));
    assert.match(
      failed[0]!.detail,
      /release \d+ \("disk" to vault\): its gate attestation 999999 is not in the bundle/,
    );
  });

  test('a channel release recorded on another host key than its gate attested fails', async () => {
    const dir = copyBundle(bundle, ws.path('other-channel'));
    const ev = evidenceOf(dir);
    ev.releases.find((r) => r.guest === 'vault')!.bindingSha256 = 'ab'.repeat(32);
    writeFileSync(join(dir, BUNDLE_FILES.evidence), JSON.stringify(ev));
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const failed = (await verifyEvidenceBundle(dir)).results.filter((r) => !r.ok);
    assert.deepEqual(
      failed.map((r) => [r.check, r.code]),
      [['release', 'ERR_EVIDENCE_RELEASE_MISMATCH']],
    );
    assert.match(
      failed[0]!.detail,
      /"disk" to vault\): sent over a connection with host key SHA-256 (ab)+, but its gate/,
    );
  });

  test('a release whose request or store hash does not match its record fails', async () => {
    const dir = copyBundle(bundle, ws.path('other-request'));
    const ev = evidenceOf(dir);
    const x = ev.releases.find((r) => r.guest === 'payments')!;
    // the record claims one more request was already in the store: the checking attestation measured another hash
    x.priorRequests.push({ sha256: '0'.repeat(64), tag: '1'.repeat(32) });
    writeFileSync(join(dir, BUNDLE_FILES.evidence), JSON.stringify(ev));
    flipByte(join(dir, x.folder!, RELEASE_FILES.request), 0x20);
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const details = (await verifyEvidenceBundle(dir)).results
      .filter((r) => r.check === 'release' && !r.ok)
      .map((r) => `${r.code} ${r.detail}`);
    assert.ok(
      details.some((d) => d.startsWith('ERR_EVIDENCE_RELEASE_MISMATCH') && d.includes("the request's SHA-256 is")),
      details.join('\n'),
    );
    assert.ok(
      details.some((d) => d.includes('measured secret-store hash') && d.includes('2 recorded request(s), locked')),
      details.join('\n'),
    );
  });
});
