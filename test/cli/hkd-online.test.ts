// Issue 3, online mode: CRLs fetched from each distribution point (a local HTTP server on 127.0.0.1) and kept
// with --save-crls as "X509 CRL" PEM files, which then serve a fully offline verification.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFakeIbmPki, systemContext, type FakeIbmPki } from '../../main/engine/index.js';
import { cli, tempDir } from '../support/cli.js';

const tmp = tempDir();
let server: Server;
let pki: FakeIbmPki;
const requested: string[] = [];

before(async () => {
  let crls: Record<string, string> = {};
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    const body = crls[(req.url ?? '').replace(/^\//, '')];
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  pki = await createFakeIbmPki({ ctx: systemContext(), hkdCount: 1, crlBaseUrl: `http://127.0.0.1:${port}/` });
  crls = {
    'ibm-z-root-ca.crl': pki.rootCrl.pem,
    'ibm-z-intermediate-ca.crl': pki.intermediateCrl.pem,
    'ibm-z-signing-key.crl': pki.signingKeyCrl.pem,
  };
  for (const [n, t] of Object.entries({
    'root.crt': pki.root.pem,
    'inter.crt': pki.intermediate.pem,
    'ibm.crt': pki.signingKey.pem,
    'hkd.crt': pki.hkds[0]!.pem,
  })) {
    writeFileSync(tmp.path(n), t);
  }
});
after(async () => {
  await new Promise((r) => server.close(r));
  tmp.cleanup();
});

test('online verification downloads the CRLs, keeps them, and the kept CRLs verify offline', async () => {
  const chain = ['-k', 'hkd.crt', '-C', 'ibm.crt', '-C', 'inter.crt', '--root-ca', 'root.crt'];
  let run = await cli(tmp.dir, 'hkd', 'verify', ...chain, '--offline');
  assert.equal(run.code, 1, 'offline without CRLs fails');
  assert.match(run.stderr, /hkd\.crt/);
  run = await cli(tmp.dir, 'hkd', 'verify', ...chain, '--save-crls', 'kept');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(requested.length >= 3, `fetched ${requested.join(', ')}`);
  const kept = readdirSync(tmp.path('kept')).sort();
  assert.equal(kept.length, 3, kept.join(', '));
  for (const f of kept) assert.match(readFileSync(join(tmp.path('kept'), f), 'utf8'), /^-----BEGIN X509 CRL-----/);
  requested.length = 0;
  run = await cli(tmp.dir, 'hkd', 'verify', ...chain, '--offline', ...kept.flatMap((f) => ['--crl', join('kept', f)]));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(requested.length, 0, 'offline means no network at all');
});
