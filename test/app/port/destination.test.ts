/** Where the port writes an exported bundle or report: a file path as given, or a folder that receives the name. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { destinationFile } from '../../../main/app/port/evidence-view.js';
import { resolveDestination } from '../../../main/app/port/store-port.js';
import { isAttestError } from '../../../shared/errors/index.js';

test('a destination with the extension is the file; a folder is created (0700) and receives the name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'port-dest-'));
  try {
    assert.equal(destinationFile(join(dir, 'Report.PDF'), 'pdf', 'attestation-7.pdf'), join(dir, 'Report.PDF'));
    const folder = join(dir, 'new', 'reports');
    assert.equal(destinationFile(folder, 'pdf', 'attestation-7.pdf'), join(folder, 'attestation-7.pdf'));
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const at = new Date('2027-03-04T05:06:07.890Z');
    assert.deepEqual(resolveDestination(folder, at), {
      path: join(folder, 'evidence-20270304T050607Z.zip'),
      zip: true,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an existing file of another kind is refused with ERR_APP_BAD_REQUEST, for reports and bundles alike', () => {
  const dir = mkdtempSync(join(tmpdir(), 'port-dest-'));
  try {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'x');
    assert.throws(
      () => destinationFile(file, 'json', 'attestation-7.json'),
      (e) => isAttestError(e, 'ERR_APP_BAD_REQUEST') && /choose a folder or a \.json path/.test(e.message),
    );
    assert.throws(
      () => resolveDestination(file, new Date()),
      (e) => isAttestError(e, 'ERR_APP_BAD_REQUEST') && /choose a folder or a \.zip path/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
