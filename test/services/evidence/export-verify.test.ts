/**
 * Issue 7: export an evidence bundle, re-verify it offline, and show that every kind of tampering is caught
 * and named (file + check).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAttestError } from '../../../shared/errors/index.js';
import type {
  EvidenceAttestationRecord,
  EvidenceAuditEntry,
  EvidenceBundleVerification,
  EvidenceCheckName,
  EvidenceDocument,
} from '../../../shared/types/evidence.js';
import { openStore } from '../../../main/store/index.js';
import { walkAuditChain } from '../../../main/services/evidence/audit-chain.js';
import { encodePae } from '../../../main/services/evidence/dsse.js';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../../main/services/evidence/export.js';
import {
  loadOrCreateWorkstationKey,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
} from '../../../main/services/evidence/signing-key.js';
import { verifyEvidenceBundle } from '../../../main/services/evidence/verify.js';
import yauzl from 'yauzl';
import {
  buildEvidenceFixture,
  MemoryEvidenceSource,
  PERIOD_FROM,
  PERIOD_TO,
  type EvidenceFixture,
} from '../../support/evidence-source.js';
import { independentlyVerify } from '../../support/evidence-independent.js';
import { copyBundle, flipByte, resignBundle, zipBundleDirectory } from '../../support/evidence-tamper.js';

const NOW = () => new Date('2028-01-02T00:00:00Z');
let root: string;
let fx: EvidenceFixture;
let base: EvidenceExportResult;
let keyDir: string;
let evidence: EvidenceDocument;
let n = 0;

const fresh = (name: string) => copyBundle(base.path, join(root, `${name}-${n++}`));
const failures = (v: EvidenceBundleVerification, check: EvidenceCheckName) =>
  v.results.filter((r) => !r.ok && r.check === check);
function assertFailsNaming(v: EvidenceBundleVerification, check: EvidenceCheckName, file: string, code: string): void {
  assert.equal(v.ok, false);
  const hit = failures(v, check).find((r) => r.file === file);
  assert.ok(hit, `expected a ${check} failure naming ${file}; got ${JSON.stringify(v.results.filter((r) => !r.ok))}`);
  assert.equal(hit.code, code);
}
function zipEntryModes(path: string): Promise<Map<string, number>> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: false }, (err, zip) => {
      if (err || !zip) return reject(err);
      const modes = new Map<string, number>();
      zip.on('entry', (e: yauzl.Entry) => modes.set(e.fileName, (e.externalFileAttributes >>> 16) & 0o777));
      zip.on('end', () => resolve(modes));
      zip.on('error', reject);
    }),
  );
}
const firstWith = (pred: (a: EvidenceAttestationRecord) => boolean) => evidence.attestations.find(pred)!;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-test-'));
  keyDir = join(root, 'keys');
  fx = await buildEvidenceFixture({ guests: 4, attestations: 24, mismatchEvery: 7, errorEvery: 11, idleGuests: 1 });
  base = await exportEvidenceBundle({
    source: fx.source,
    from: PERIOD_FROM,
    to: PERIOD_TO,
    out: join(root, 'base'),
    keyDir,
    organisation: 'Example Bank AG',
    now: NOW,
  });
  evidence = JSON.parse(readFileSync(join(base.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('evidence export', () => {
  test('export then verify passes, every check reported, also against the trusted key', async () => {
    assert.equal(base.attestations, 24);
    assert.equal(base.guests, 5);
    const v = await verifyEvidenceBundle(base.path);
    assert.equal(v.ok, true, JSON.stringify(v.results.filter((r) => !r.ok)));
    const checks = new Set(v.results.map((r) => r.check));
    for (const c of [
      'manifest',
      'signature',
      'key-fingerprint',
      'files',
      'digests',
      'evidence',
      'measurement',
      'hkd-chain',
      'audit-chain',
    ] as const)
      assert.ok(checks.has(c), c);
    const trusted = readFileSync(join(keyDir, PUBLIC_KEY_FILE), 'utf8');
    assert.equal((await verifyEvidenceBundle(base.path, { trustedKey: trusted })).ok, true);
  });

  test('records the recomputed outcomes: verified, mismatch and error, and the per-guest summary', () => {
    const outcomes = evidence.attestations.map((a) => a.outcome);
    assert.equal(outcomes.filter((x) => x === 'mismatch').length, 3); // n = 6, 13, 20
    assert.equal(outcomes.filter((x) => x === 'error').length, 2); // n = 10, 21
    assert.equal(evidence.attestations.filter((a) => a.measurementResult === 'no-response').length, 2);
    assert.equal(evidence.totals.outcomes.verified, 19);
    assert.deepEqual(evidence.totals.outcomes, {
      verified: 19,
      'policy-violation': 0,
      mismatch: 3,
      error: 2,
      cancelled: 0,
      interrupted: 0,
    });
    const idle = evidence.guests.find((g) => g.name === 'idle-0')!;
    assert.equal(idle.attestations, 0);
    assert.equal(idle.longestGapSeconds, (PERIOD_TO.getTime() - PERIOD_FROM.getTime()) / 1000);
    for (const g of evidence.guests.filter((x) => x.name.startsWith('guest-'))) {
      assert.equal(g.attestations, 6);
      assert.equal(
        Object.values(g.outcomes).reduce((x, y) => x + y, 0),
        6,
      );
    }
    assert.ok(evidence.attestations.every((a) => a.hkdChain.verdict === 'verified' && a.hkdChain.crlState === 'valid'));
    // audit: only the period's entries, anchored on the entry before them
    assert.equal(evidence.audit.firstSeq, 2);
    assert.equal(evidence.audit.anchorPrevHash, fx.source.audit[0]!.hash);
  });

  test('ARPK files and the private key are 0600; the key is created once and reused', async () => {
    for (const a of evidence.attestations)
      assert.equal(statSync(join(base.path, a.folder, 'arpk.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(keyDir, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(loadOrCreateWorkstationKey(keyDir).fingerprint, base.fingerprint);
    assert.equal(evidence.workstationKey.fingerprint, base.fingerprint);
  });

  test('every attestation folder is accepted by an independent verifier (no engine code)', () => {
    let checked = 0;
    for (const a of evidence.attestations) {
      const dir = join(base.path, a.folder);
      if (!a.files.includes('response.bin')) {
        assert.equal(a.measurementResult, 'no-response');
        continue;
      }
      const r = independentlyVerify(
        readFileSync(join(dir, 'response.bin')),
        readFileSync(join(dir, 'arpk.key')),
        readFileSync(join(dir, 'se-header.bin')),
      );
      assert.equal(r.verified, a.measurementResult === 'verified', `attestation ${a.id}`);
      assert.equal(r.cuid, a.cuid);
      assert.equal(r.userData, a.userData);
      checked++;
    }
    assert.equal(checked, 22);
  });

  test('the PDF opens and its text holds every guest name, their attestation counts and the key fingerprint', () => {
    const text = execFileSync('pdftotext', ['-layout', join(base.path, 'report.pdf'), '-'], { encoding: 'utf8' });
    assert.match(text, /Example Bank AG/);
    assert.ok(text.includes(base.fingerprint), 'fingerprint on the cover');
    assert.match(text, /Attestations:\s+24/);
    assert.match(text, /verified: 19/);
    assert.match(text, /measurement mismatch: 3/);
    assert.match(text, /error: 2/);
    for (const g of evidence.guests) {
      assert.ok(text.includes(`Guest ${g.name}`), g.name);
      if (g.attestations > 0)
        assert.ok(text.includes(`${g.attestations} attestations: ${g.outcomes.verified} verified`), g.name);
    }
    assert.match(text, /No attestation in this period/);
    assert.match(text, /Page 1 of \d+/);
    assert.match(text, /GAP: \d+ d \d+ h without a verified attestation/);
  });

  test('DSSE pre-authentication encoding follows the spec', () => {
    assert.equal(
      encodePae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  test('a guest filter exports only those guests', async () => {
    const r = await exportEvidenceBundle({
      source: fx.source,
      from: PERIOD_FROM,
      to: PERIOD_TO,
      guestNames: ['guest-001'],
      out: join(root, 'filtered'),
      keyDir,
      organisation: 'X',
      now: NOW,
    });
    const doc = JSON.parse(readFileSync(join(r.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
    assert.deepEqual(
      doc.guests.map((g) => g.name),
      ['guest-001'],
    );
    assert.equal(doc.attestations.length, 6);
    assert.ok(doc.attestations.every((a) => a.guest === 'guest-001'));
    assert.equal((await verifyEvidenceBundle(r.path)).ok, true);
  });

  test('attestations of a guest removed since are still exported', async () => {
    const src = new MemoryEvidenceSource(
      fx.source.guests.filter((g) => g.name !== 'guest-002'),
      fx.source.attestations,
      fx.source.trust,
      fx.source.audit,
    );
    const r = await exportEvidenceBundle({
      source: src,
      from: PERIOD_FROM,
      to: PERIOD_TO,
      out: join(root, 'removed'),
      keyDir,
      organisation: 'X',
      now: NOW,
    });
    assert.equal(r.attestations, 24);
    const doc = JSON.parse(readFileSync(join(r.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
    assert.equal(doc.guests.find((g) => g.name === 'guest-002')?.attestations, 6);
  });

  test('bad inputs are coded errors', async () => {
    const common = { source: fx.source, keyDir, organisation: 'X', now: NOW };
    await assert.rejects(
      exportEvidenceBundle({ ...common, from: PERIOD_TO, to: PERIOD_FROM, out: join(root, 'p') }),
      (e) => isAttestError(e, 'ERR_EVIDENCE_PERIOD_INVALID'),
    );
    await assert.rejects(exportEvidenceBundle({ ...common, from: PERIOD_FROM, to: PERIOD_TO, out: base.path }), (e) =>
      isAttestError(e, 'ERR_EVIDENCE_OUTPUT_EXISTS'),
    );
    await assert.rejects(
      exportEvidenceBundle({
        ...common,
        from: PERIOD_FROM,
        to: PERIOD_TO,
        guestNames: ['nobody'],
        out: join(root, 'nobody'),
      }),
      (e) => isAttestError(e, 'ERR_EVIDENCE_SOURCE'),
    );
  });

  test("a real store's audit chain re-walks with the bundle verifier; an edited entry is named", () => {
    const store = openStore({ path: ':memory:' });
    store.guests.add({ name: 'a', notes: 'x\u00e9"' });
    store.guests.edit('a', { tags: ['t1', 't2'] });
    store.guests.add({ name: 'b' });
    const entries = store.audit.list().map((e) => ({ ...e, subjectId: e.subjectId ?? null })) as EvidenceAuditEntry[];
    store.close();
    assert.ok(entries.length >= 3);
    assert.deepEqual(walkAuditChain(entries), []);
    const edited = entries.map((e, i) => (i === 1 ? { ...e, data: { ...e.data, forged: true } } : e));
    assert.deepEqual(
      walkAuditChain(edited).map((p) => p.seq),
      [entries[1]!.seq],
    );
  });
});

describe('evidence re-verification catches tampering', () => {
  test('a flipped byte in a response: digest and measurement checks name response.bin', async () => {
    const dir = fresh('response');
    const a = firstWith((x) => x.outcome === 'verified');
    const file = `${a.folder}/response.bin`;
    flipByte(join(dir, file), 0x40 + 0x190 + 5); // inside the measurement
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'digests', file, 'ERR_EVIDENCE_DIGEST_MISMATCH');
    assertFailsNaming(v, 'measurement', file, 'ERR_EVIDENCE_MEASUREMENT_MISMATCH');
  });

  test('a flipped byte in an HKD: digest and chain re-check name the HKD file', async () => {
    const dir = fresh('hkd');
    const hkd = evidence.trust.find((t) => t.role === 'hkd')!;
    flipByte(join(dir, hkd.path), 300);
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'digests', hkd.path, 'ERR_EVIDENCE_DIGEST_MISMATCH');
    assertFailsNaming(v, 'hkd-chain', hkd.path, 'ERR_EVIDENCE_HKD_CHAIN');
  });

  test('a flipped byte in the PDF', async () => {
    const dir = fresh('pdf');
    flipByte(join(dir, 'report.pdf'));
    assertFailsNaming(await verifyEvidenceBundle(dir), 'digests', 'report.pdf', 'ERR_EVIDENCE_DIGEST_MISMATCH');
  });

  test('a flipped byte in evidence.json', async () => {
    const dir = fresh('evidence');
    const text = readFileSync(join(dir, 'evidence.json'), 'utf8');
    const at = text.indexOf('"verified": 19') + '"verified": '.length;
    flipByte(join(dir, 'evidence.json'), at); // 19 -> 09... still valid JSON
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'digests', 'evidence.json', 'ERR_EVIDENCE_DIGEST_MISMATCH');
  });

  test('a deleted file', async () => {
    const dir = fresh('deleted');
    const file = `${evidence.attestations[0]!.folder}/arpk.key`;
    unlinkSync(join(dir, file));
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'files', file, 'ERR_EVIDENCE_FILE_MISSING');
  });

  test('an added file', async () => {
    const dir = fresh('added');
    const file = `${evidence.attestations[0]!.folder}/notes.txt`;
    writeFileSync(join(dir, file), 'hello');
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'files', file, 'ERR_EVIDENCE_FILE_EXTRA');
  });

  test('re-signed with another key: the fingerprint recorded in evidence.json no longer matches; the trusted key rejects it', async () => {
    const dir = fresh('resigned');
    const other = generateKeyPairSync('ed25519').privateKey;
    await resignBundle(dir, other, { replaceKey: true });
    const v = await verifyEvidenceBundle(dir);
    assert.ok(
      v.results.some((r) => r.check === 'signature' && r.ok),
      'the forged signature itself is valid for the forged key',
    );
    assertFailsNaming(v, 'key-fingerprint', 'evidence.json', 'ERR_EVIDENCE_KEY_MISMATCH');
    assertFailsNaming(v, 'key-fingerprint', 'report.pdf', 'ERR_EVIDENCE_KEY_MISMATCH');
    const trusted = readFileSync(join(keyDir, PUBLIC_KEY_FILE), 'utf8');
    const vt = await verifyEvidenceBundle(dir, { trustedKey: trusted });
    assertFailsNaming(vt, 'signature', 'manifest.intoto.json', 'ERR_EVIDENCE_SIGNATURE_INVALID');
  });

  test('a signature that does not match the bundled key', async () => {
    const dir = fresh('badsig');
    await resignBundle(dir, generateKeyPairSync('ed25519').privateKey);
    assertFailsNaming(
      await verifyEvidenceBundle(dir),
      'signature',
      'manifest.intoto.json',
      'ERR_EVIDENCE_SIGNATURE_INVALID',
    );
  });

  test('swapped responses re-signed with the real key: only the measurement recomputation catches it', async () => {
    const dir = fresh('swapped');
    const [a, b] = evidence.attestations.filter((x) => x.outcome === 'verified');
    writeFileSync(join(dir, a!.folder, 'response.bin'), readFileSync(join(dir, b!.folder, 'response.bin')));
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const v = await verifyEvidenceBundle(dir);
    assert.ok(!failures(v, 'digests').length && !failures(v, 'signature').length);
    assertFailsNaming(v, 'measurement', `${a!.folder}/response.bin`, 'ERR_EVIDENCE_MEASUREMENT_MISMATCH');
  });

  test('an edited audit entry re-signed with the real key: the audit chain check names audit-log.json', async () => {
    const dir = fresh('audit');
    const path = join(dir, 'audit-log.json');
    const log = JSON.parse(readFileSync(path, 'utf8')) as { entries: { data: Record<string, unknown> }[] };
    log.entries[3]!.data = { status: 'verified', edited: true };
    writeFileSync(path, JSON.stringify(log));
    await resignBundle(dir, loadOrCreateWorkstationKey(keyDir).privateKey);
    const v = await verifyEvidenceBundle(dir);
    assertFailsNaming(v, 'audit-chain', 'audit-log.json', 'ERR_EVIDENCE_AUDIT_CHAIN');
    assert.match(failures(v, 'audit-chain')[0]!.detail, /altered/);
  });

  test('zip bundles: export --zip verifies; a tampered zip fails naming the entry', async () => {
    const r = await exportEvidenceBundle({
      source: fx.source,
      from: PERIOD_FROM,
      to: PERIOD_TO,
      out: join(root, 'zipped'),
      zip: true,
      keyDir,
      organisation: 'X',
      now: NOW,
    });
    assert.ok(r.path.endsWith('zipped.zip'));
    assert.deepEqual(
      readdirSync(root).filter((f) => f.includes('evidence-partial')),
      [],
    );
    const v = await verifyEvidenceBundle(r.path);
    assert.equal(v.ok, true, JSON.stringify(v.results.filter((x) => !x.ok)));
    assert.equal(statSync(r.path).mode & 0o777, 0o600);
    const modes = await zipEntryModes(r.path);
    assert.equal(modes.get(`${evidence.attestations[0]!.folder}/arpk.key`), 0o600);
    assert.equal(modes.get('evidence.json'), 0o644);
    const dir = fresh('zip-src');
    const file = `${evidence.attestations[1]!.folder}/se-header.bin`;
    flipByte(join(dir, file), 0x100);
    await zipBundleDirectory(dir, join(root, 'tampered.zip'));
    const vt = await verifyEvidenceBundle(join(root, 'tampered.zip'));
    assertFailsNaming(vt, 'digests', file, 'ERR_EVIDENCE_DIGEST_MISMATCH');
    assertFailsNaming(
      vt,
      'measurement',
      `${evidence.attestations[1]!.folder}/response.bin`,
      'ERR_EVIDENCE_MEASUREMENT_MISMATCH',
    );
  });

  test('an unreadable path is a bundle failure', async () => {
    const v = await verifyEvidenceBundle(join(root, 'does-not-exist'));
    assert.equal(v.ok, false);
    assert.equal(v.results[0]!.check, 'bundle');
    assert.equal(v.results[0]!.code, 'ERR_EVIDENCE_BUNDLE_UNREADABLE');
  });
});

describe('HKD chain state at attestation time', () => {
  test('a revoked HKD is recorded as failed/revoked, shows in the PDF, and still re-verifies as recorded', async () => {
    const rfx = await buildEvidenceFixture({ guests: 2, attestations: 4, distinct: 2, revokeSecondHkd: true });
    const r = await exportEvidenceBundle({
      source: rfx.source,
      from: PERIOD_FROM,
      to: PERIOD_TO,
      out: join(root, 'revoked'),
      keyDir,
      organisation: 'X',
      now: NOW,
    });
    const doc = JSON.parse(readFileSync(join(r.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
    const revoked = doc.attestations.filter((a) => a.hkdChain.verdict === 'failed');
    assert.equal(revoked.length, 2);
    assert.ok(
      revoked.every(
        (a) =>
          a.hkdChain.crlState === 'revoked' &&
          a.hkdChain.code === 'ERR_HKD_REVOKED' &&
          a.hkdChain.storedVerdict === true,
      ),
    );
    assert.equal((await verifyEvidenceBundle(r.path)).ok, true);
    const text = execFileSync('pdftotext', ['-layout', join(r.path, 'report.pdf'), '-'], { encoding: 'utf8' });
    assert.match(text, /revoked/);
  });
});
