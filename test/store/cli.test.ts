/** Issue 5: the store commands of se-attest (guest, trust, history, audit) on a temp database. */
import { test } from 'node:test';
import { INTEROP } from '../support/vectors.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { resolveDbPath } from '../../main/services/db-path.js';
import { registerStoreCommands } from '../../main/cli/flags/store.js';
import { CliExit, memoryIo } from '../../main/cli/io.js';
import { openStore } from '../../main/store/index.js';
import { recordAttempt, tempDb } from './helpers.js';

const CERTS = new URL('../vectors/s390-tools/rust/pv/tests/assets/cert', import.meta.url).pathname;

async function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const io = memoryIo(dir, env);
  const program = new Command('se-attest')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerStoreCommands(program, io);
  let exitCode = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CliExit) exitCode = error.exitCode;
    else throw error;
  }
  return { ...io, exitCode };
}

test('guest add/list/show/edit/remove through the CLI', async () => {
  const t = tempDb();
  try {
    writeFileSync(join(t.dir, 'not-a-header'), Buffer.alloc(640, 0x42));
    await assert.rejects(run(t.dir, ['guest', 'add', 'web-0', '--db', 'w.db', '--hdr', 'not-a-header']), {
      code: 'ERR_SEHDR_NOT_FOUND',
    });
    // an image is accepted: the guest keeps the bare 640-byte header found in it
    const add = await run(t.dir, [
      'guest',
      'add',
      'web-1',
      '--db',
      'w.db',
      '--target',
      'root@192.0.2.7',
      '--identity',
      'agent',
      '--hdr',
      join(INTEROP, 'keys', 'se-image-meta.img'),
      '--expect-image-phkh',
      '11'.repeat(32),
      '--require-add-data',
      'phkh-img,phkh-att',
      '--tag',
      'prod',
      'eu',
    ]);
    assert.match(add.stdout, /added guest web-1/);
    const list = await run(t.dir, ['guest', 'list', '--db', 'w.db', '--format', 'json']);
    const statuses = JSON.parse(list.stdout) as { name: string; health: string }[];
    assert.deepEqual(
      statuses.map((s) => [s.name, s.health]),
      [['web-1', 'never']],
    );
    await run(t.dir, ['guest', 'edit', 'web-1', '--db', 'w.db', '--expect-user-data', 'cafe', '--target', '']);
    const show = JSON.parse((await run(t.dir, ['guest', 'show', 'web-1', '--db', 'w.db', '--format', 'json'])).stdout);
    assert.equal(show.guest.sshTarget, null);
    assert.equal(show.guest.seHeaderSize, 640);
    assert.deepEqual(show.guest.policy, {
      expectedImagePhkh: '11'.repeat(32),
      requiredAddData: ['phkh-img', 'phkh-att'],
      expectedUserData: 'cafe',
    });
    assert.deepEqual(show.guest.tags, ['eu', 'prod']);
    const table = await run(t.dir, ['guest', 'show', 'web-1', '--db', 'w.db']);
    assert.match(table.stdout, /SE header\s+640 bytes/);
    await assert.rejects(run(t.dir, ['guest', 'add', 'web-1', '--db', 'w.db']), { code: 'ERR_STORE_GUEST_EXISTS' });
    await assert.rejects(run(t.dir, ['guest', 'add', 'x', '--db', 'w.db', '--require-add-data', 'nope']), {
      code: 'ERR_INPUT_INVALID',
    });
    await run(t.dir, ['guest', 'remove', 'web-1', '--db', 'w.db']);
    assert.deepEqual(JSON.parse((await run(t.dir, ['guest', 'list', '--db', 'w.db', '--format', 'json'])).stdout), []);
  } finally {
    t.cleanup();
  }
});

test('trust import and list with freshness; a bad file exits 1 after importing the rest', async () => {
  const t = tempDb();
  try {
    writeFileSync(join(t.dir, 'junk.pem'), 'nothing here');
    const imp = await run(t.dir, [
      'trust',
      'import',
      join(CERTS, 'host.crt'),
      join(CERTS, 'ibm.crt'),
      join(CERTS, 'ibm.crl'),
      'junk.pem',
      '--db',
      'w.db',
    ]);
    assert.equal(imp.exitCode, 1);
    assert.match(imp.stderr, /junk\.pem: .*ERR_STORE_TRUST_UNRECOGNIZED/);
    assert.equal(imp.stdout.split('\n').filter((l) => l.startsWith('imported')).length, 3);
    const again = await run(t.dir, ['trust', 'import', join(CERTS, 'host.crt'), '--db', 'w.db']);
    assert.match(again.stdout, /^already present\s+hkd/);
    const list = JSON.parse((await run(t.dir, ['trust', 'list', '--db', 'w.db', '--format', 'json'])).stdout) as {
      kind: string;
      freshness: string;
    }[];
    assert.deepEqual(
      list.map((i) => [i.kind, i.freshness]),
      [
        ['hkd', 'valid'],
        ['signing-key', 'valid'],
        ['crl', 'valid'],
      ],
    );
    const crls = await run(t.dir, ['trust', 'list', '--kind', 'crl', '--db', 'w.db']);
    assert.match(crls.stdout, /crl\s+[0-9a-f]{16}\s+valid/);
    const sha = /crl\s+([0-9a-f]{16})/.exec(crls.stdout)![1]!;
    await assert.rejects(run(t.dir, ['trust', 'remove', sha.slice(0, 4), '--db', 'w.db']), {
      code: 'ERR_STORE_TRUST_NOT_FOUND',
    });
    const removed = await run(t.dir, ['trust', 'remove', sha, '--db', 'w.db']);
    assert.match(removed.stdout, /^removed\s+crl/);
    const after = JSON.parse((await run(t.dir, ['trust', 'list', '--db', 'w.db', '--format', 'json'])).stdout) as {
      kind: string;
    }[];
    assert.deepEqual(
      after.map((i) => i.kind),
      ['hkd', 'signing-key'],
    );
    assert.equal((await run(t.dir, ['audit', 'verify', '--db', 'w.db'])).exitCode, 0);
  } finally {
    t.cleanup();
  }
});

test('history --format json: newest first with the documented fields; --since filters', async () => {
  const t = tempDb();
  try {
    let now = Date.parse('2026-05-01T00:00:00Z');
    const store = openStore({ path: t.path, now: () => new Date((now += 60_000)) });
    const g = store.guests.add({ name: 'g1' });
    const ids = [
      recordAttempt(store, g.id, 1),
      recordAttempt(store, g.id, 2, 'error'),
      recordAttempt(store, g.id, 3, 'mismatch'),
    ];
    store.close();
    const out = await run(t.dir, ['history', 'g1', '--format', 'json'], { SE_ATTEST_DB: t.path });
    const rows = JSON.parse(out.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => r.id),
      [...ids].reverse(),
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['mismatch', 'error', 'verified'],
    );
    for (const r of rows)
      for (const k of ['id', 'status', 'started_at', 'finished_at', 'cuid', 'error_code']) assert.ok(k in r, k);
    assert.equal(rows[1]?.error_code, 'ERR_UV_RC');
    const since = JSON.parse(
      (
        await run(t.dir, ['history', 'g1', '--format', 'json', '--since', rows[1]!.started_at as string], {
          SE_ATTEST_DB: t.path,
        })
      ).stdout,
    );
    assert.deepEqual(
      since.map((r: { id: number }) => r.id),
      [ids[2], ids[1]],
    );
    const table = await run(t.dir, ['history', 'g1'], { SE_ATTEST_DB: t.path });
    assert.equal(table.stdout.trim().split('\n').length, 4);
    await assert.rejects(run(t.dir, ['history', 'g1', '--since', 'yesterday-ish'], { SE_ATTEST_DB: t.path }), {
      code: 'ERR_INPUT_INVALID',
    });
  } finally {
    t.cleanup();
  }
});

test('audit verify: exit 0 when intact, exit 2 naming the entry after a plain-SQL edit', async () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    const g = store.guests.add({ name: 'g1' });
    const id = recordAttempt(store, g.id, 1);
    store.close();
    const ok = await run(t.dir, ['audit', 'verify', '--db', t.path]);
    assert.equal(ok.exitCode, 0);
    assert.match(ok.stdout, /audit chain intact: 3 entries/);
    const raw = new Database(t.path);
    raw.prepare("UPDATE attestations SET status = 'verified', measurement = X'00' WHERE id = ?").run(id);
    raw.close();
    const bad = await run(t.dir, ['audit', 'verify', '--db', t.path]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stdout, /BROKEN at entry 3: attestation 1 was changed/);
  } finally {
    t.cleanup();
  }
});

test('the default database path: --db, then $SE_ATTEST_DB, then ~/.local/share', () => {
  const io = (env: Record<string, string>) => memoryIo('/work', env);
  assert.equal(resolveDbPath(io({ HOME: '/home/u' }), 'x.db'), '/work/x.db');
  assert.equal(resolveDbPath(io({ HOME: '/home/u', SE_ATTEST_DB: '/data/a.db' }), undefined), '/data/a.db');
  assert.equal(
    resolveDbPath(io({ HOME: '/home/u' }), undefined),
    '/home/u/.local/share/se-attestation-workstation/workstation.db',
  );
});
