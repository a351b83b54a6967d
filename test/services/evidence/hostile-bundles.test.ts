/**
 * Issue 12: `evidence verify` on bundles anyone can make (not even re-signed). Each fails as a named check
 * (`FAIL <check>: <reason>`) with exit 2, never a raw runtime message; zips that lie about their entries are
 * refused while inflating; unknown compression methods and encrypted entries are refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../../main/services/evidence/export.js';
import { MAX_JSON_DEPTH, parseBoundedJson } from '../../../main/services/evidence/json-reader.js';
import { cli } from '../../support/cli.js';
import { editJson, patchZipEntry, zipBundle } from '../../support/evidence-craft.js';
import { buildEvidenceFixture, PERIOD_FROM, PERIOD_TO } from '../../support/evidence-source.js';
import { copyBundle, resignBundle } from '../../support/evidence-tamper.js';

let root: string;
let base: EvidenceExportResult;
let n = 0;
const fresh = () => copyBundle(base.path, join(root, `b-${n++}`));
/** Re-signs a crafted bundle with a key of anyone's (the manifest then declares the crafted files). */
const anyone = (dir: string) => resignBundle(dir, generateKeyPairSync('ed25519').privateKey);

/** Runs `evidence verify` and asserts exit 2 with only named-check failure lines on stderr. */
async function failsNamed(path: string, check: string, detail?: RegExp): Promise<string> {
  const r = await cli(root, 'evidence', 'verify', path);
  assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
  assert.doesNotMatch(r.stderr + r.stdout, /TypeError|RangeError|Maximum call stack|Cannot read prop|undefined is not/);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /^FAIL [a-z-]+( \S+)?: .+/, `a named check: ${line}`);
  const hit = lines.find((l) => l.startsWith(`FAIL ${check}`) && (!detail || detail.test(l)));
  assert.ok(hit, `expected FAIL ${check} ${detail ?? ''}; got:\n${r.stderr}`);
  assert.match(r.stdout, /bundle NOT verified/);
  return r.stderr;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'evidence-hostile-'));
  const fx = await buildEvidenceFixture({ guests: 2, attestations: 6, mismatchEvery: 5 });
  base = await exportEvidenceBundle({
    source: fx.source,
    from: PERIOD_FROM,
    to: PERIOD_TO,
    out: join(root, 'base'),
    keyDir: join(root, 'keys'),
    organisation: 'Hostile AG',
    now: () => new Date('2028-01-02T00:00:00Z'),
  });
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('issue 12: crafted evidence.json and audit logs fail as named checks, exit 2', () => {
  const cases: [string, (doc: Record<string, unknown>) => unknown, RegExp][] = [
    ['attestations: [null]', (d) => void (d.attestations = [null]), /\$\.attestations\[0\]: must be object/],
    ['trust: [null]', (d) => void (d.trust = [null]), /\$\.trust\[0\]: must be object/],
    ['guests missing', (d) => void delete d.guests, /\$: must have required property 'guests'/],
    [
      'hkdSha256: {}',
      (d) => void ((d.attestations as Record<string, unknown>[])[0]!.hkdSha256 = {}),
      /\$\.attestations\[0\]\.hkdSha256: must be array/,
    ],
    [
      'startedAt: "not a date"',
      (d) => void ((d.attestations as Record<string, unknown>[])[0]!.startedAt = 'not a date'),
      /\$\.attestations\[0\]\.startedAt: must match format "date-time"/,
    ],
    ['a number instead of the document', () => 5, /\$: must be object/],
    ['outcome unknown', (d) => void ((d.attestations as Record<string, unknown>[])[1]!.outcome = 'fine'), /outcome/],
  ];
  for (const [name, edit, detail] of cases)
    test(`evidence.json with ${name}`, async () => {
      const dir = fresh();
      editJson(dir, 'evidence.json', edit);
      await anyone(dir);
      await failsNamed(dir, 'schema evidence.json', detail);
    });

  test('evidence.json that is not JSON, and one nested 100,000 deep', async () => {
    const dir = fresh();
    editJson(dir, 'evidence.json', () => undefined);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'evidence.json'), '{"attestations": [');
    await anyone(dir);
    await failsNamed(dir, 'schema evidence.json', /not JSON/);
    writeFileSync(join(dir, 'evidence.json'), `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    await anyone(dir);
    await failsNamed(dir, 'schema evidence.json', /nested deeper than 64 levels/);
  });

  test('audit entries [null, 5, "x"]', async () => {
    const dir = fresh();
    editJson(dir, 'audit-log.json', (d) => void (d.entries = [null, 5, 'x']));
    await anyone(dir);
    const err = await failsNamed(dir, 'audit-chain audit-log.json', /\$\.entries\[0\]: must be object/);
    assert.match(err, /\$\.entries\[1\]: must be object/);
    assert.match(err, /\$\.entries\[2\]: must be object/);
  });

  test('a 100,000-deep array inside an audit entry (the reader bounds depth before anything recurses)', async () => {
    const dir = fresh();
    const { readFileSync, writeFileSync } = await import('node:fs');
    const text = readFileSync(join(dir, 'audit-log.json'), 'utf8');
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    writeFileSync(join(dir, 'audit-log.json'), text.replace('"data":{', `"data":{"deep":${deep},`));
    await anyone(dir);
    await failsNamed(dir, 'audit-chain audit-log.json', /nested deeper than/);
  });

  test('a manifest whose envelope or payload is malformed', async () => {
    const dir = fresh();
    editJson(dir, 'manifest.intoto.json', (d) => void (d.signatures = [null]));
    await failsNamed(dir, 'manifest manifest.intoto.json', /\$\.signatures\[0\]: must be object/);
    editJson(dir, 'manifest.intoto.json', (d) => {
      d.signatures = [{ keyid: 'x', sig: 'AAAA' }];
      d.payload = Buffer.from(JSON.stringify({ subject: [null] })).toString('base64');
    });
    await failsNamed(dir, 'manifest manifest.intoto.json', /payload \$\.subject\[0\]: must be object/);
  });

  test('a file larger than the signed manifest declares is neither read nor hashed', async () => {
    const dir = fresh();
    editJson(dir, 'evidence.json', (d) => void (d.organisation = 'x'.repeat(10_000)));
    const err = await failsNamed(dir, 'files evidence.json', /holds \d+ bytes, the signed manifest declares \d+/);
    assert.match(err, /^FAIL schema evidence\.json: .*\(ERR_EVIDENCE_FILE_TOO_LARGE\)$/m);
    assert.doesNotMatch(err, /FAIL digests evidence\.json/);
  });

  test('the depth bound is a bound of the reader, not of valid JSON', () => {
    const ok = parseBoundedJson(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH)}"[[[[\\"]]"${']'.repeat(MAX_JSON_DEPTH)}`));
    assert.equal(ok.ok, true, 'brackets inside strings do not count');
    assert.equal(parseBoundedJson(Buffer.from(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(65)}`)).ok, false);
  });
});

describe('issue 12: zips that lie', () => {
  let clean: string;
  before(async () => {
    clean = join(root, 'clean.zip');
    await zipBundle(base.path, clean);
    const r = await cli(root, 'evidence', 'verify', clean);
    assert.equal(r.code, 0, r.stderr);
  });
  const patched = async (name: string, entry: string, patch: Parameters<typeof patchZipEntry>[2]) => {
    const path = join(root, name);
    await zipBundle(base.path, path);
    patchZipEntry(path, entry, patch);
    return path;
  };

  test('an entry that inflates past its declared size is stopped while inflating', async () => {
    const path = await patched('short.zip', 'evidence.json', { uncompressedSize: 100 });
    await failsNamed(path, 'schema evidence.json', /ERR_EVIDENCE_ZIP_ENTRY_INVALID/);
  });

  test('an unknown compression method', async () => {
    const path = await patched('method.zip', 'audit-log.json', { method: 99 });
    await failsNamed(path, 'files audit-log.json', /unknown compression method 99 \(ERR_EVIDENCE_ZIP_ENTRY_INVALID\)/);
  });

  test('the encrypted flag', async () => {
    const path = await patched('encrypted.zip', 'evidence.json', { setFlags: 0x1 });
    await failsNamed(path, 'files evidence.json', /encrypted entry/);
  });

  test('not a zip at all, and a missing path', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(root, 'junk.zip'), Buffer.alloc(4096, 7));
    await failsNamed(join(root, 'junk.zip'), 'bundle', /not a readable zip file/);
    await failsNamed(join(root, 'nothing-here'), 'bundle', /cannot open/);
  });
});
