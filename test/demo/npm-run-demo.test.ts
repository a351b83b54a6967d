// Issues 8, 11 and 14: `npm run demo` in a temporary directory shows the whole workstation working — payments
// verified, analytics a policy violation (expected beside seen), ledger a measurement mismatch, each outcome
// counted on its own; payments alone is given its secret (the failing guests receive nothing) — and the evidence
// bundle it exports verifies on its own.
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

test('npm run demo: verified, policy violation and mismatch with the right reasons, evidence exported and verified', async () => {
  const { code, out } = runDemo();
  process.stdout.write(
    out
      .split('\n')
      .map((l) => `# demo: ${l}`)
      .join('\n') + '\n',
  );
  assert.equal(code, 0, out);
  assert.match(out, /✔ payments +verified — CUID 0x[0-9a-f]{32}/);
  assert.match(out, /✘ analytics +POLICY VIOLATION ERR_POLICY_IMAGE_PHKH — the image PHKH differs/);
  assert.match(out, /image-phkh: expected [0-9a-f]{64}\n +seen +[0-9a-f]{64}/);
  assert.match(out, /✘ ledger +MEASUREMENT MISMATCH — /);
  assert.match(out, /Summary: 1 verified, 1 policy violation, 1 measurement mismatch \(of 3 guests\)/);
  assert.doesNotMatch(out, /\d+ failed/, 'no outcome is lumped with another');
  assert.match(out, /Release after attestation: each guest asks for its api-token; only a verified guest is given it/);
  assert.match(
    out,
    /✔ payments +api-token released — request SHA-256 [0-9a-f]{16}…, bound to CUID 0x[0-9a-f]{32}, store locked; checked by attestation \d+/,
  );
  assert.match(
    out,
    /✘ analytics +api-token NOT SENT — ERR_RELEASE_NOT_VERIFIED at step "attest" \(attestation \d+\); the guest received 0 add-secret requests/,
  );
  assert.match(
    out,
    /✘ ledger +api-token NOT SENT — ERR_RELEASE_NOT_VERIFIED at step "attest" \(attestation \d+\); the guest received 0 add-secret requests/,
  );
  assert.match(out, /Evidence re-verified offline: all checks passed/);
  assert.match(out, /npm start -- --demo/);

  const ws = join(tmp.dir, 'ws');
  for (const secret of ['host-a.key', 'ssh-client-ed25519'])
    assert.equal(statSync(join(ws, 'secrets', secret)).mode & 0o777, 0o600);
  const bundles = readdirSync(join(ws, 'evidence'));
  assert.equal(bundles.length, 1);
  const check = await verifyEvidenceBundle(join(ws, 'evidence', bundles[0]!));
  assert.equal(check.ok, true, JSON.stringify(check.results.filter((r) => !r.ok)));
  // three attestations, then the releases: payments' gate and check, and the two refusing gates
  assert.equal(check.attestations, 7);

  const store = openStore({ path: join(ws, 'workstation.db') });
  try {
    const statuses = Object.fromEntries(store.guests.statuses().map((s) => [s.name, s.lastOutcome]));
    assert.deepEqual(statuses, { analytics: 'policy-violation', ledger: 'mismatch', payments: 'verified' });
    // the recorded policy and the checks, expected beside seen, are in the store for evidence to use
    const analytics = store.attestations.list(store.guests.get('analytics').id)[0]!;
    const failed = analytics.verdict?.checks.filter((c) => !c.passed) ?? [];
    assert.deepEqual(
      failed.map((c) => c.check),
      ['image-phkh'],
    );
    assert.equal(failed[0]?.expected, analytics.policy?.expectedImagePhkh);
    assert.equal(failed[0]?.seen, analytics.additionalData?.imagePhkh);
    assert.notEqual(failed[0]?.expected, failed[0]?.seen);
    const runs = store.releases.listRuns({});
    assert.deepEqual(runs.map((r) => [r.guestName, r.status, r.added]).sort(), [
      ['analytics', 'failed', false],
      ['ledger', 'failed', false],
      ['payments', 'released', true],
    ]);
    for (const name of ['payments', 'analytics', 'ledger'])
      assert.equal(statSync(join(ws, 'secrets', `${name}-api-token`)).mode & 0o777, 0o600);
    assert.equal(store.audit.verify().ok, true);
  } finally {
    store.close();
  }
  assert.ok(existsSync(join(ws, 'pki', 'demo-root-ca.crt')));
});
