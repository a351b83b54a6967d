/**
 * Issue 7: a year of 10,000 attestations over 200 guests exports and re-verifies (real software-UV responses,
 * reused); issue 12: its verification in a child process stays under 512 MiB peak RSS.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceDocument } from '../../../shared/types/evidence.js';
import { exportEvidenceBundle } from '../../../main/services/evidence/export.js';
import { verifyEvidenceBundle } from '../../../main/services/evidence/verify.js';
import { openBundle } from '../../../main/services/evidence/zip.js';
import { buildEvidenceFixture, PERIOD_FROM, PERIOD_TO } from '../../support/evidence-source.js';
import { independentlyVerify } from '../../support/evidence-independent.js';
import { verifyInChild, VERIFY_RSS_BOUND_MIB } from '../../support/evidence-rss.js';

const root = mkdtempSync(join(tmpdir(), 'evidence-year-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('10,000 attestations over 200 guests export (zip) and verify', { timeout: 600_000 }, async () => {
  const fx = await buildEvidenceFixture({
    guests: 200,
    attestations: 10_000,
    distinct: 4,
    mismatchEvery: 997,
    errorEvery: 1999,
  });
  const r = await exportEvidenceBundle({
    source: fx.source,
    from: PERIOD_FROM,
    to: PERIOD_TO,
    out: join(root, 'year.zip'),
    zip: true,
    keyDir: join(root, 'keys'),
    organisation: 'Year AG',
    now: () => new Date('2028-01-02T00:00:00Z'),
  });
  assert.equal(r.attestations, 10_000);
  assert.equal(r.guests, 200);
  // 10 mismatches (n % 997 = 996), 5 without response (n % 1999 = 1998)
  assert.equal(r.outcomes.mismatch, 10);
  assert.equal(r.outcomes.error, 5);
  assert.equal(r.outcomes.verified, 10_000 - 15);
  const bundle = await openBundle(r.path);
  const doc = JSON.parse((await bundle.read('evidence.json', 1 << 28)).toString('utf8')) as EvidenceDocument;
  assert.ok(doc.guests.every((g) => g.attestations === 50));
  // spot-check folders with the independent verifier
  for (const a of doc.attestations.filter((_, i) => i % 1000 === 0)) {
    const f = (n: string) => bundle.read(`${a.folder}/${n}`, 1 << 20);
    const v = independentlyVerify(await f('response.bin'), await f('arpk.key'), await f('se-header.bin'));
    assert.equal(v.verified, a.measurementResult === 'verified');
  }
  await bundle.close();
  const v = await verifyEvidenceBundle(r.path);
  assert.equal(v.ok, true, JSON.stringify(v.results.filter((x) => !x.ok).slice(0, 5)));
  assert.equal(v.attestations, 10_000);
  assert.ok(v.files > 50_000);
  // issue 12: verifying the year in a fresh process stays under the RSS bound
  const child = await verifyInChild(r.path);
  assert.equal(child.ok, true, JSON.stringify(child.failures.slice(0, 5)));
  assert.ok(child.maxRssMiB < VERIFY_RSS_BOUND_MIB, `peak RSS ${child.maxRssMiB} MiB`);
});
