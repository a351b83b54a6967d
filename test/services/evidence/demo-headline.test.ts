/**
 * Issue 11, "Must show": the demo workspace, every guest attested (twice), the year exported with the CLI; then
 * evidence.json and the PDF's text (pdftotext) say analytics' attestations are policy violations, ledger's
 * measurement mismatches and payments' verified, and each guest's totals agree with `se-attest history
 * --format json`. The bundle re-verifies with the workstation key as the trusted key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAttestError } from '../../../shared/errors/index.js';
import type { EvidenceDocument } from '../../../shared/types/evidence.js';
import { emptyOutcomeCounts, isOutcome, type Outcome } from '../../../shared/types/verdict.js';
import { createDemoWorkspace, demoPaths, startDemoGuests } from '../../../main/demo/workspace.js';
import { systemContext } from '../../../main/engine/index.js';
import { attestStoredGuest } from '../../../main/services/attest-stored-guest.js';
import { createStorePort } from '../../../main/app/port/store-port.js';
import { workstationKeyDir } from '../../../main/services/evidence/store-export.js';
import { openBundle } from '../../../main/services/evidence/zip.js';
import { PUBLIC_KEY_FILE } from '../../../main/services/evidence/signing-key.js';
import { openStore } from '../../../main/store/index.js';
import { cli, tempDir } from '../../support/cli.js';
import { pdfText } from '../../support/pdf-text.js';

const tmp = tempDir('evidence-demo-');
after(() => tmp.cleanup());

const EXPECTED: Record<string, Outcome> = { analytics: 'policy-violation', ledger: 'mismatch', payments: 'verified' };

/** A finished history row's outcome (`se-attest history --format json`). */
function historyOutcome(h: { outcome?: unknown }): Outcome {
  assert.ok(isOutcome(h.outcome), `history outcome ${String(h.outcome)}`);
  return h.outcome;
}

let db: string;

before(async () => {
  const dir = tmp.path('ws');
  const ctx = systemContext();
  await createDemoWorkspace(dir, ctx);
  db = demoPaths(dir).db;
  const store = openStore({ path: db });
  const running = await startDemoGuests(dir, store);
  try {
    for (let round = 0; round < 2; round++)
      for (const name of Object.keys(EXPECTED)) await attestStoredGuest({ store, guest: name, ctx });
  } finally {
    await running.close();
    store.close();
  }
});

test(
  'demo: export, then evidence.json and the PDF show each guest as the one verdict model judges it',
  { timeout: 600_000 },
  async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const ex = await cli(
      tmp.dir,
      'evidence',
      'export',
      '--db',
      db,
      '--from',
      day(-1),
      '--to',
      day(1),
      '-o',
      'bundle',
      '--organisation',
      'Demo Bank AG',
    );
    assert.equal(ex.code, 0, ex.stderr);
    const bundle = tmp.path('bundle');
    const doc = JSON.parse(readFileSync(join(bundle, 'evidence.json'), 'utf8')) as EvidenceDocument;

    // evidence.json
    for (const [guest, outcome] of Object.entries(EXPECTED)) {
      const mine = doc.attestations.filter((a) => a.guest === guest);
      assert.equal(mine.length, 2, guest);
      for (const a of mine) assert.equal(a.outcome, outcome, `${guest} attestation ${a.id}: ${a.outcomeReason}`);
    }
    const violation = doc.attestations.find((a) => a.guest === 'analytics')!;
    assert.equal(violation.policySource, 'recorded', 'the policy recorded when the attempt started (store schema 6)');
    assert.equal(violation.status, 'policy-violation', 'as the store recorded it');
    const check = violation.checks.find((c) => c.check === 'image-phkh')!;
    assert.equal(check.passed, false);
    assert.equal(check.seen, violation.imagePhkh);
    assert.notEqual(check.expected, check.seen);
    assert.equal(doc.totals.outcomes.verified, 2, 'only payments counts as verified');
    assert.equal(doc.totals.outcomes['policy-violation'], 2);
    assert.equal(doc.totals.outcomes.mismatch, 2);

    // the totals agree with `se-attest history --format json` for each guest
    for (const g of doc.guests) {
      const h = await cli(tmp.dir, 'history', g.name, '--db', db, '--format', 'json');
      assert.equal(h.code, 0, h.stderr);
      const rows = JSON.parse(h.stdout) as { outcome?: unknown }[];
      const counts = emptyOutcomeCounts();
      for (const r of rows) counts[historyOutcome(r)]++;
      assert.deepEqual(g.outcomes, counts, g.name);
      assert.equal(g.attestations, rows.length);
    }

    // the PDF's text
    const text = pdfText(join(bundle, 'report.pdf'));
    assert.match(text, /Organisation:\s+Demo Bank AG/);
    assert.match(text, /verified: 2\b/);
    assert.match(text, /policy violation: 2\b/);
    assert.match(text, /measurement mismatch: 2\b/);
    const section = (name: string) => {
      const start = text.indexOf(`Guest ${name}\n`);
      assert.ok(start >= 0, `section of ${name}`);
      const next = text.slice(start + 1).search(/Guest [a-z]+\n/);
      return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
    };
    const rowsOf = (s: string) => s.split('\n').filter((l) => /^\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z/.test(l));
    for (const [guest, label] of [
      ['analytics', 'policy violation'],
      ['ledger', 'measurement'],
      ['payments', 'verified'],
    ] as const) {
      const rows = rowsOf(section(guest));
      assert.equal(rows.length, 2, `${guest} rows:\n${section(guest)}`);
      for (const r of rows) assert.ok(r.includes(label), `${guest}: ${r}`);
    }
    assert.match(section('analytics'), /image-phkh \(ERR_POLICY_IMAGE_PHKH\)/);
    assert.match(section('analytics'), /expected: [0-9a-f]{64}\n\s+seen: +[0-9a-f]{64}/);
    assert.match(text, /Page 1 of \d+/);

    // and it re-verifies with the workstation key as the trusted key
    const v = await cli(
      tmp.dir,
      'evidence',
      'verify',
      'bundle',
      '--trusted-key',
      join(workstationKeyDir(db), PUBLIC_KEY_FILE),
    );
    assert.equal(v.code, 0, v.stderr);
    assert.match(
      v.stdout,
      /bundle verified: 6 attestations \(2 verified, 2 policy violation, 2 measurement mismatch\)/,
    );
  },
);

test(
  "one attestation's report from the CLI, as JSON and PDF: outcome, checks with expected vs seen, HKDs by host",
  { timeout: 120_000 },
  async () => {
    const h = await cli(tmp.dir, 'history', 'analytics', '--db', db, '--format', 'json');
    const id = String((JSON.parse(h.stdout) as { id: number }[])[0]!.id);
    const json = await cli(tmp.dir, 'report', id, '--db', db, '-o', 'one.json');
    assert.equal(json.code, 0, json.stderr);
    assert.match(
      json.stdout,
      new RegExp(`report of attestation ${id} \\(analytics\\): policy violation \\(ERR_POLICY_IMAGE_PHKH\\)`),
    );
    const report = JSON.parse(readFileSync(tmp.path('one.json'), 'utf8')) as {
      kind: string;
      attestation: EvidenceDocument['attestations'][number];
      hkds: { sha256: string; subjectOu: string | null; serial: string | null }[];
    };
    assert.equal(report.kind, 'se-attestation-report');
    assert.equal(report.attestation.outcome, 'policy-violation');
    const failed = report.attestation.checks.filter((c) => !c.passed);
    assert.deepEqual(
      failed.map((c) => c.check),
      ['image-phkh'],
    );
    assert.equal(failed[0]!.seen, report.attestation.imagePhkh);
    assert.match(report.hkds[0]!.subjectOu ?? '', /DEMO IBM Z Host Key/);
    assert.ok(report.hkds[0]!.serial);
    assert.doesNotMatch(readFileSync(tmp.path('one.json'), 'utf8'), /arpk/i, 'no secret in the report');

    const pdf = await cli(tmp.dir, 'report', id, '--db', db, '-o', 'one.pdf', '--format', 'pdf');
    assert.equal(pdf.code, 0, pdf.stderr);
    const text = pdfText(tmp.path('one.pdf'));
    assert.match(text, new RegExp(`Attestation ${id} of guest analytics`));
    assert.match(text, /Outcome: policy violation/);
    assert.match(text, /image-phkh\s+FAILED/);
    assert.ok(
      text.replace(/\s+/g, '').includes(`expected:${failed[0]!.expected}seen:${failed[0]!.seen}`),
      'expected beside seen',
    );
    assert.match(text.replace(/\s+/g, ' '), /DEMO IBM Z Host Key 3931 00000000DEA0A/);
    assert.match(text, /Page 1 of 1/);

    const bad = await cli(tmp.dir, 'report', id, '--db', db, '-o', 'x.txt', '--format', 'yaml');
    assert.equal(bad.code, 1);
    const missing = await cli(tmp.dir, 'report', '99999', '--db', db, '-o', 'y.json');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ERR_STORE/);
  },
);

test(
  "the Evidence screen's contract: organisation remembered per workspace, defaults with the exact verify command, report export",
  { timeout: 120_000 },
  async () => {
    const store = openStore({ path: db });
    try {
      const keyDir = workstationKeyDir(db);
      const port = createStorePort({ store, ctx: systemContext(), keyDir });
      const before = await port.evidenceDefaults({});
      assert.equal(before.organisation, 'Demo Bank AG', "remembered from the CLI export's --organisation");
      assert.equal(before.publicKeyPath, join(keyDir, PUBLIC_KEY_FILE));
      assert.match(before.publicKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      assert.equal(before.verifyCommand, `se-attest evidence verify <bundle> --trusted-key ${before.publicKeyPath}`);
      const control = { runId: 'run-x', signal: new AbortController().signal, reportProgress: () => undefined };
      const from = new Date(Date.now() - 86_400_000).toISOString();
      const to = new Date(Date.now() + 86_400_000).toISOString();
      const out = await port.exportEvidence(
        { from, to, guestIds: [], destination: tmp.path('ui-bundles'), organisation: 'Screen Bank AG' },
        control,
      );
      assert.equal(out.outcomes.verified, 2);
      assert.equal(out.outcomes['policy-violation'], 2);
      assert.equal(out.fingerprint, before.publicKeyFingerprint);
      const defaults = await port.evidenceDefaults({ bundlePath: out.path });
      assert.equal(defaults.organisation, 'Screen Bank AG', 'remembered for the workspace');
      assert.equal(defaults.verifyCommand, out.verifyCommand);
      // the command is exact: run it
      const [cmd, ...args] = out.verifyCommand.split(' ');
      assert.equal(cmd, 'se-attest');
      const v = await cli(tmp.dir, ...args);
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /^bundle verified: 6 attestations/m);
      // the next export without an organisation uses the remembered one
      const again = await port.exportEvidence(
        { from, to, guestIds: [], destination: tmp.path('ui-bundles-2') },
        control,
      );
      const zipped = await openBundle(again.path);
      try {
        const second = JSON.parse((await zipped.read('evidence.json', 1 << 24)).toString('utf8')) as EvidenceDocument;
        assert.equal(second.organisation, 'Screen Bank AG');
      } finally {
        await zipped.close();
      }

      const h = await cli(tmp.dir, 'history', 'ledger', '--db', db, '--format', 'json');
      const id = String((JSON.parse(h.stdout) as { id: number }[])[0]!.id);
      const rep = await port.exportAttestationReport({ id, format: 'json' });
      assert.equal(rep.outcome, 'mismatch');
      assert.equal(rep.path, join(dirname(keyDir), 'reports', `attestation-${id}.json`));
      assert.equal(
        (JSON.parse(readFileSync(rep.path, 'utf8')) as { attestation: { outcome: string } }).attestation.outcome,
        'mismatch',
      );
      const pdf = await port.exportAttestationReport({ id, format: 'pdf', destination: tmp.path('chosen.pdf') });
      assert.equal(pdf.path, tmp.path('chosen.pdf'));
      assert.match(pdfText(pdf.path), /Outcome: measurement mismatch/);
      await assert.rejects(port.exportAttestationReport({ id: '999999', format: 'pdf' }), (e) =>
        isAttestError(e, 'ERR_APP_NOT_FOUND'),
      );
    } finally {
      store.close();
    }
  },
);
