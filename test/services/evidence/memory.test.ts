/**
 * Issue 12: `evidence verify` holds no file whole beyond its per-file limit. A 600 MiB report.pdf zip bomb is
 * hashed as a stream; a 600 MiB evidence.json, manifest or request.bin is refused before it is read (zip: by
 * its declared size; directory: by its size on disk). Peak RSS of the verifying child process, measured with
 * `process.resourceUsage().maxRSS` in the child, stays under 512 MiB. (The 10,000-attestation bundle is
 * measured in year.test.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceDocument } from '../../../shared/types/evidence.js';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../../main/services/evidence/export.js';
import { BUNDLE_READ_LIMITS } from '../../../main/services/evidence/verify.js';
import { sparseFile, zipBundle } from '../../support/evidence-craft.js';
import { verifyInChild, VERIFY_RSS_BOUND_MIB } from '../../support/evidence-rss.js';
import { buildEvidenceFixture, PERIOD_FROM, PERIOD_TO } from '../../support/evidence-source.js';
import { copyBundle, resignBundle } from '../../support/evidence-tamper.js';

const BOMB = 600 * 1024 * 1024;
let root: string;
let base: EvidenceExportResult;
let requestFile: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-memory-'));
  const fx = await buildEvidenceFixture({ guests: 2, attestations: 4 });
  base = await exportEvidenceBundle({
    source: fx.source,
    from: PERIOD_FROM,
    to: PERIOD_TO,
    out: join(root, 'base'),
    keyDir: join(root, 'keys'),
    organisation: 'Memory AG',
    now: () => new Date('2028-01-02T00:00:00Z'),
  });
  const { readFileSync } = await import('node:fs');
  const doc = JSON.parse(readFileSync(join(base.path, 'evidence.json'), 'utf8')) as EvidenceDocument;
  requestFile = `${doc.attestations[0]!.folder}/request.bin`;
});
after(() => rmSync(root, { recursive: true, force: true }));

const names = (v: { failures: { check: string; file?: string; code?: string }[] }) =>
  v.failures.map((f) => `${f.check} ${f.file ?? '-'} ${f.code ?? '-'}`);

test(
  'zip: a 600 MiB report.pdf bomb and a 600 MiB request.bin: refused by the declared sizes, RSS bounded',
  { timeout: 600_000 },
  async () => {
    const zip = join(root, 'bomb-pdf.zip');
    await zipBundle(base.path, zip, { 'report.pdf': { size: BOMB }, [requestFile]: { size: BOMB } });
    assert.ok(statSync(zip).size < 20 * 1024 * 1024, 'a bomb: small on disk');
    const v = await verifyInChild(zip);
    assert.equal(v.ok, false);
    const got = names(v);
    // larger than the signed manifest declares: neither read nor hashed
    assert.ok(got.includes('files report.pdf ERR_EVIDENCE_FILE_TOO_LARGE'), got.join('\n'));
    assert.ok(got.includes(`files ${requestFile} ERR_EVIDENCE_FILE_TOO_LARGE`), got.join('\n'));
    assert.ok(got.includes(`measurement ${requestFile} ERR_EVIDENCE_FILE_TOO_LARGE`), got.join('\n'));
    assert.ok(v.maxRssMiB < VERIFY_RSS_BOUND_MIB, `peak RSS ${v.maxRssMiB} MiB`);
  },
);

test(
  'zip: a 600 MiB evidence.json and a 600 MiB manifest are refused by their declared size',
  { timeout: 600_000 },
  async () => {
    const zip = join(root, 'bomb-json.zip');
    await zipBundle(base.path, zip, { 'evidence.json': { size: BOMB }, 'manifest.intoto.json': { size: BOMB } });
    const v = await verifyInChild(zip);
    assert.equal(v.ok, false);
    const got = names(v);
    assert.ok(got.includes('manifest manifest.intoto.json ERR_EVIDENCE_FILE_TOO_LARGE'), got.join('\n'));
    assert.ok(got.includes('schema evidence.json ERR_EVIDENCE_FILE_TOO_LARGE'), got.join('\n'));
    assert.ok(v.maxRssMiB < VERIFY_RSS_BOUND_MIB, `peak RSS ${v.maxRssMiB} MiB`);
    assert.ok(BOMB > BUNDLE_READ_LIMITS.evidence && BOMB > BUNDLE_READ_LIMITS.manifest);
  },
);

test(
  'directory: 600 MiB (sparse) evidence.json, manifest, request.bin and report.pdf',
  { timeout: 600_000 },
  async () => {
    const dir = copyBundle(base.path, join(root, 'sparse'));
    for (const f of ['evidence.json', 'manifest.intoto.json', requestFile, 'report.pdf'])
      sparseFile(join(dir, f), BOMB);
    const v = await verifyInChild(dir);
    assert.equal(v.ok, false);
    const got = names(v);
    assert.ok(got.includes('manifest manifest.intoto.json ERR_EVIDENCE_FILE_TOO_LARGE'), got.join('\n'));
    assert.ok(got.includes('schema evidence.json ERR_EVIDENCE_FILE_TOO_LARGE'), got.join('\n'));
    assert.ok(v.maxRssMiB < VERIFY_RSS_BOUND_MIB, `peak RSS ${v.maxRssMiB} MiB`);
  },
);

test(
  'directory: a 600 MiB report.pdf the (re-signed) manifest declares is hashed as a stream',
  { timeout: 600_000 },
  async () => {
    const dir = copyBundle(base.path, join(root, 'declared'));
    sparseFile(join(dir, 'report.pdf'), BOMB);
    await resignBundle(dir, generateKeyPairSync('ed25519').privateKey);
    const v = await verifyInChild(dir);
    const got = names(v);
    assert.ok(!got.some((g) => g.startsWith('digests') || g.startsWith('files')), got.join('\n'));
    assert.ok(got.includes('key-fingerprint report.pdf ERR_EVIDENCE_KEY_MISMATCH'), got.join('\n'));
    assert.ok(v.maxRssMiB < VERIFY_RSS_BOUND_MIB, `peak RSS ${v.maxRssMiB} MiB`);
  },
);
