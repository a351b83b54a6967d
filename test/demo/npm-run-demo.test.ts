// Issue 8: `npm run demo` in a temporary directory shows the whole workstation working — one guest verified, two
// precise failures — and the evidence bundle it exports verifies on its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyEvidenceBundle } from '../../main/services/evidence/verify.js';
import { openStore } from '../../main/store/index.js';
import { tempDir } from '../support/cli.js';

const repo = new URL('../..', import.meta.url).pathname;
const tmp = tempDir('se-attest-demo-');
after(() => tmp.cleanup());

function runDemo(): { code: number | null; out: string } {
  const r = spawnSync('npm', ['run', '--silent', 'demo', '--', '--dir', join(tmp.dir, 'ws')], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('npm run demo: one verified, two failures with the right reasons, evidence exported and verified', async () => {
  const { code, out } = runDemo();
  process.stdout.write(
    out
      .split('\n')
      .map((l) => `# demo: ${l}`)
      .join('\n') + '\n',
  );
  assert.equal(code, 0, out);
  assert.match(out, /✔ payments +verified — CUID 0x[0-9a-f]{32}/);
  assert.match(out, /✘ analytics +FAILED ERR_POLICY_IMAGE_PHKH/);
  assert.match(out, /✘ ledger +FAILED measurement mismatch/);
  assert.match(out, /Summary: 1 verified, 2 failed \(of 3 guests\)/);
  assert.match(out, /Evidence re-verified offline: all checks passed/);
  assert.match(out, /npm start -- --demo/);

  const ws = join(tmp.dir, 'ws');
  for (const secret of ['host-a.key', 'ssh-client-ed25519'])
    assert.equal(statSync(join(ws, 'secrets', secret)).mode & 0o777, 0o600);
  const bundles = readdirSync(join(ws, 'evidence'));
  assert.equal(bundles.length, 1);
  const check = await verifyEvidenceBundle(join(ws, 'evidence', bundles[0]!));
  assert.equal(check.ok, true, JSON.stringify(check.results.filter((r) => !r.ok)));
  assert.equal(check.attestations, 3);

  const store = openStore({ path: join(ws, 'workstation.db') });
  try {
    const statuses = Object.fromEntries(store.guests.statuses().map((s) => [s.name, s.lastStatus]));
    assert.deepEqual(statuses, { analytics: 'policy-violation', ledger: 'mismatch', payments: 'verified' });
    assert.equal(store.audit.verify().ok, true);
  } finally {
    store.close();
  }
  assert.ok(existsSync(join(ws, 'pki', 'demo-root-ca.crt')));
});
