/**
 * Issue 11: evidence that recomputes the whole verdict. evidence.json records each attestation's outcome of the
 * one verdict model with the policy and every check's expected vs seen; `evidence verify` recomputes measurement
 * AND policy from the bundle's files and fails a bundle (re-signed with the real key, so only the content is
 * wrong) whose recorded outcome disagrees; schema violations fail with their JSON path; without --trusted-key the
 * signer is said to be unauthenticated; the PDF shows the outcomes, expected vs seen, page numbers, and never
 * overprints.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceAttestationRecord, EvidenceDocument } from '../../../shared/types/evidence.js';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../../main/services/evidence/export.js';
import { loadOrCreateWorkstationKey, PUBLIC_KEY_FILE } from '../../../main/services/evidence/signing-key.js';
import { verifyEvidenceBundle } from '../../../main/services/evidence/verify.js';
import { cli } from '../../support/cli.js';
import { editJson } from '../../support/evidence-craft.js';
import { buildEvidenceFixture, PERIOD_FROM, PERIOD_TO, WRONG_IMAGE_PHKH } from '../../support/evidence-source.js';
import { copyBundle, resignBundle } from '../../support/evidence-tamper.js';
import { overlappingWords, pdfText, pdfWords } from '../../support/pdf-text.js';

let root: string;
let keyDir: string;
let base: EvidenceExportResult;
let doc: EvidenceDocument;
let n = 0;
const fresh = () => copyBundle(base.path, join(root, `b-${n++}`));
const realKey = () => loadOrCreateWorkstationKey(keyDir).privateKey;
const DAY = 86_400;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-outcomes-'));
  keyDir = join(root, 'keys');
  const fx = await buildEvidenceFixture({
    guests: 3,
    attestations: 30,
    mismatchEvery: 7,
    errorEvery: 11,
    policyViolationEvery: 4,
    recordPolicies: true,
    idleGuests: 2,
    // idle-0 was created on 1 December; idle-1 before the period
    guestCreatedAt: (name) =>
      name === 'idle-0' ? '2027-12-01T00:00:00.000Z' : name === 'idle-1' ? '2026-03-01T00:00:00.000Z' : null,
  });
  base = await exportEvidenceBundle({
    source: fx.source,
    from: PERIOD_FROM,
    to: PERIOD_TO,
    out: join(root, 'base'),
    keyDir,
    organisation: 'Outcome Bank AG',
    now: () => new Date('2028-01-02T00:00:00Z'),
  });
  doc = JSON.parse(readFileSync(join(base.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
});
after(() => rmSync(root, { recursive: true, force: true }));

const firstWith = (o: EvidenceAttestationRecord['outcome']) => doc.attestations.find((a) => a.outcome === o)!;

/** Changes one record's outcome (and everything that counts it) so that only the recomputation can tell. */
function forgeOutcome(dir: string, id: string, to: EvidenceAttestationRecord['outcome'], extra = {}): void {
  editJson(dir, 'evidence.json', (d) => {
    const e = d as unknown as EvidenceDocument;
    const a = e.attestations.find((x) => x.id === id)!;
    const from = a.outcome;
    Object.assign(a, { outcome: to, outcomeCode: null, outcomeReason: 'forged', checks: [] }, extra);
    e.totals.outcomes[from]--;
    e.totals.outcomes[to]++;
    const g = e.guests.find((x) => x.name === a.guest)!;
    g.outcomes[from]--;
    g.outcomes[to]++;
  });
  editJson(dir, `attestations/${id}/verification.json`, (v) => {
    (v.attestation as Record<string, unknown>).outcome = to;
  });
}

describe('issue 11: evidence.json records the outcome of the one verdict model', () => {
  test('policy violations with expected vs seen; each outcome counted separately; only verified counts', () => {
    const v = firstWith('policy-violation');
    assert.equal(v.measurementResult, 'verified', 'the measurement itself verified');
    assert.equal(v.outcomeCode, 'ERR_POLICY_IMAGE_PHKH');
    assert.deepEqual(v.policy, { expectedImagePhkh: WRONG_IMAGE_PHKH });
    assert.equal(v.policySource, 'recorded');
    const check = v.checks.find((c) => c.check === 'image-phkh')!;
    assert.equal(check.passed, false);
    assert.equal(check.expected, WRONG_IMAGE_PHKH);
    assert.equal(check.seen, v.imagePhkh);
    assert.notEqual(check.seen, check.expected);
    const ok = firstWith('verified');
    assert.deepEqual(
      ok.checks.map((c) => [c.check, c.passed]),
      [
        ['host-key', true],
        ['add-data', true],
      ],
    );
    const counts = { verified: 0, 'policy-violation': 0, mismatch: 0, error: 0, cancelled: 0, interrupted: 0 };
    for (const a of doc.attestations) counts[a.outcome]++;
    assert.deepEqual(doc.totals.outcomes, counts);
    assert.ok(counts['policy-violation'] >= 5 && counts.mismatch >= 3 && counts.error >= 2, JSON.stringify(counts));
    for (const g of doc.guests) {
      const mine = doc.attestations.filter((a) => a.guest === g.name);
      assert.equal(g.outcomes.verified, mine.filter((a) => a.outcome === 'verified').length, g.name);
      assert.equal(g.attestations, mine.length);
    }
    assert.equal(base.outcomes.verified, counts.verified);
  });

  test('gaps count from the later of the period start and the guest creation', () => {
    const idle0 = doc.guests.find((g) => g.name === 'idle-0')!;
    const idle1 = doc.guests.find((g) => g.name === 'idle-1')!;
    assert.equal(idle0.createdAt, '2027-12-01T00:00:00.000Z');
    assert.equal(idle0.longestGapSeconds, 31 * DAY);
    assert.equal(idle0.longestGapFrom, '2027-12-01T00:00:00.000Z');
    assert.equal(idle1.longestGapSeconds, 365 * DAY);
  });

  test('HKDs are named by host (subject CN/OU and serial)', () => {
    const hkds = doc.trust.filter((t) => t.role === 'hkd');
    assert.ok(hkds.length > 0);
    for (const t of hkds) {
      assert.match(t.subjectOu ?? '', /IBM Z Host Key/);
      assert.ok(t.subjectCn);
      assert.match(t.serial ?? '', /^[0-9A-F]+$/i);
    }
  });

  test('the exported bundle verifies, outcome check included', async () => {
    const v = await verifyEvidenceBundle(base.path, { trustedKey: readKey() });
    assert.equal(v.ok, true, JSON.stringify(v.results.filter((r) => !r.ok)));
    assert.ok(v.results.some((r) => r.check === 'outcome' && r.ok));
    assert.deepEqual(v.outcomes, doc.totals.outcomes);
    assert.deepEqual(v.signer, { authenticated: true, fingerprint: base.fingerprint });
  });
});

function readKey(): string {
  return readFileSync(join(keyDir, PUBLIC_KEY_FILE), 'utf8');
}

describe('issue 11: evidence verify fails a bundle whose recorded outcome disagrees (re-signed with the real key)', () => {
  test('a policy violation recorded as verified', async () => {
    const dir = fresh();
    const a = firstWith('policy-violation');
    forgeOutcome(dir, a.id, 'verified');
    await resignBundle(dir, realKey());
    const v = await verifyEvidenceBundle(dir, { trustedKey: readKey() });
    assert.equal(v.ok, false);
    const others = v.results.filter((r) => !r.ok && r.check !== 'outcome');
    assert.deepEqual(others, [], 'only the outcome recomputation catches it');
    const hit = v.results.find((r) => !r.ok && r.check === 'outcome')!;
    assert.equal(hit.code, 'ERR_EVIDENCE_OUTCOME_MISMATCH');
    assert.equal(hit.file, `attestations/${a.id}/response.bin`);
    assert.match(hit.detail, new RegExp(`attestation ${a.id} \\(guest ${a.guest}\\)`));
    assert.match(hit.detail, /records verified, .* recompute to policy-violation \(ERR_POLICY_IMAGE_PHKH/);
    const r = await cli(root, 'evidence', 'verify', dir, '--trusted-key', join(keyDir, PUBLIC_KEY_FILE));
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^FAIL outcome attestations/${a.id}/response.bin: attestation ${a.id}`, 'm'));
  });

  test('a measurement mismatch recorded as verified (its measurement result forged too)', async () => {
    const dir = fresh();
    const a = firstWith('mismatch');
    forgeOutcome(dir, a.id, 'verified', { measurementResult: 'verified' });
    await resignBundle(dir, realKey());
    const v = await verifyEvidenceBundle(dir, { trustedKey: readKey() });
    assert.equal(v.ok, false);
    const hit = v.results.find((r) => !r.ok && r.check === 'outcome')!;
    assert.match(hit.detail, /records verified, .* recompute to mismatch/);
    assert.ok(v.results.some((r) => !r.ok && r.check === 'measurement'));
  });

  test('a forged policy check (the expected value changed to what was seen) no longer matches the policy', async () => {
    const dir = fresh();
    const a = firstWith('policy-violation');
    editJson(dir, 'evidence.json', (d) => {
      const rec = (d as unknown as EvidenceDocument).attestations.find((x) => x.id === a.id)!;
      rec.checks[0]!.expected = rec.checks[0]!.seen!;
      rec.checks[0]!.passed = true;
    });
    await resignBundle(dir, realKey());
    const v = await verifyEvidenceBundle(dir, { trustedKey: readKey() });
    assert.ok(v.results.some((r) => !r.ok && r.check === 'outcome' && r.detail.includes(`attestation ${a.id}`)));
  });

  test('totals that do not count the records fail the evidence check', async () => {
    const dir = fresh();
    editJson(dir, 'evidence.json', (d) => {
      const e = d as unknown as EvidenceDocument;
      e.totals.outcomes.verified += e.totals.outcomes['policy-violation'];
      e.totals.outcomes['policy-violation'] = 0;
    });
    await resignBundle(dir, realKey());
    const v = await verifyEvidenceBundle(dir);
    assert.ok(v.results.some((r) => !r.ok && r.check === 'evidence' && /period totals/.test(r.detail)));
  });

  test('a schema violation (re-signed) fails with the JSON path', async () => {
    const dir = fresh();
    editJson(dir, 'evidence.json', (d) => {
      ((d as unknown as EvidenceDocument).attestations[2] as unknown as Record<string, unknown>).outcome = 'fine';
      (d as unknown as EvidenceDocument).guests[1]!.outcomes.verified = -1;
    });
    await resignBundle(dir, realKey());
    const r = await cli(root, 'evidence', 'verify', dir, '--trusted-key', join(keyDir, PUBLIC_KEY_FILE));
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /FAIL digests|FAIL signature/);
    assert.match(
      r.stderr,
      /^FAIL schema evidence\.json: \$\.attestations\[2\]\.outcome: must be equal to one of the allowed values/m,
    );
    assert.match(r.stderr, /^FAIL schema evidence\.json: \$\.guests\[1\]\.outcomes\.verified: must be >= 0/m);
  });

  test('a bundled schema other than the known one is named', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'evidence.schema.json'), '{}');
    await resignBundle(dir, realKey());
    const v = await verifyEvidenceBundle(dir);
    assert.ok(v.results.some((r) => !r.ok && r.check === 'schema' && r.file === 'evidence.schema.json'));
  });
});

describe('issue 11: who signed', () => {
  test('without --trusted-key: intact, but the signer is not authenticated; the fingerprint is printed; exit 0', async () => {
    const r = await cli(root, 'evidence', 'verify', base.path);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /WARNING: the signer was NOT authenticated/);
    assert.ok(r.stderr.includes(`Signing key fingerprint: ${base.fingerprint}`));
    assert.doesNotMatch(r.stdout, /^bundle verified/m);
    assert.match(r.stdout, /^bundle consistent, signer not authenticated: 30 attestations/m);
  });

  test('with the trusted key: "bundle verified"; with a different key: exit 2', async () => {
    const ok = await cli(root, 'evidence', 'verify', base.path, '--trusted-key', join(keyDir, PUBLIC_KEY_FILE));
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^bundle verified: 30 attestations \(\d+ verified, \d+ policy violation/m);
    assert.doesNotMatch(ok.stderr, /NOT authenticated/);
    const other = join(root, 'other.pub.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const bad = await cli(root, 'evidence', 'verify', base.path, '--trusted-key', other);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^FAIL signature manifest\.intoto\.json: the envelope is not signed by the trusted key/m);
    assert.doesNotMatch(bad.stdout, /bundle verified/);
  });
});

describe('issue 11: the auditor PDF', () => {
  test('cover, outcomes, expected vs seen, HKDs by host, page numbers', () => {
    const text = pdfText(join(base.path, 'report.pdf'));
    assert.match(text, /Organisation:\s+Outcome Bank AG/);
    assert.match(text, /Period:\s+2027-01-01 to 2027-12-31 \(both inclusive\)/);
    assert.match(text, /Generated at:\s+2028-01-02 00:00:00Z/);
    assert.ok(text.includes(base.fingerprint));
    assert.match(text, new RegExp(`policy violation: ${doc.totals.outcomes['policy-violation']}`));
    assert.match(text, new RegExp(`measurement mismatch: ${doc.totals.outcomes.mismatch}`));
    const v = firstWith('policy-violation');
    // expected vs seen of a violation, in full (wrapped lines are joined for the search)
    const flat = text.replace(/\s+/g, '');
    assert.ok(flat.includes(`expected:${WRONG_IMAGE_PHKH}seen:${v.imagePhkh}`), 'expected vs seen');
    assert.match(text, /IBM Z Host Key/);
    const pages = pdfWords(join(base.path, 'report.pdf'));
    for (let i = 0; i < pages.length; i++)
      assert.ok(text.includes(`Page ${i + 1} of ${pages.length}`), `page ${i + 1}`);
    assert.match(text, /before the guest existed/);
  });

  test('nothing overprints, and no page but the last is mostly empty', () => {
    const pages = pdfWords(join(base.path, 'report.pdf'));
    assert.ok(pages.length >= 2);
    pages.forEach((p, i) => {
      const overlaps = overlappingWords(p.words);
      assert.deepEqual(
        overlaps.map(([a, b]) => `${a.text} / ${b.text}`),
        [],
        `page ${i + 1} overprints`,
      );
      if (i < pages.length - 1) {
        const body = p.words.filter((w) => w.yMax < p.height - 40);
        const lowest = Math.max(...body.map((w) => w.yMax));
        assert.ok(lowest > p.height * 0.6, `page ${i + 1} is mostly empty (content ends at ${lowest})`);
      }
    });
  });
});
