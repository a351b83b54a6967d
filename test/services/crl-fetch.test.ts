/** The online CRL downloader against a loopback HTTP server: body, redirects, status ignored, caps. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCrlFetcher } from '../../main/services/crl-fetch.js';

let server: Server;
let base = '';
const BODY = Buffer.from('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n');
const pending = new Set<ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/ok.crl':
        res.end(BODY);
        break;
      case '/404.crl':
        res.statusCode = 404;
        res.end(BODY);
        break;
      case '/redirect':
        res.statusCode = 302;
        res.setHeader('location', '/ok.crl');
        res.end();
        break;
      case '/loop':
        res.statusCode = 302;
        res.setHeader('location', '/loop');
        res.end();
        break;
      case '/big-declared':
        res.setHeader('content-length', String(10 * 1024 * 1024));
        res.write(Buffer.alloc(1024));
        pending.add(res);
        break;
      case '/big-chunked':
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(64 * 1024));
        res.end();
        break;
      case '/hang':
        pending.add(res);
        break;
      default:
        res.statusCode = 500;
        res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const r of pending) r.destroy();
  server.closeAllConnections();
  server.close();
});

describe('createCrlFetcher', () => {
  test('returns the body, follows redirects, ignores the HTTP status, reports what it kept', async () => {
    const kept: string[] = [];
    const f = createCrlFetcher({ onFetched: (url) => kept.push(url) });
    assert.deepEqual(Buffer.from(await f(`${base}/ok.crl`)), BODY);
    assert.deepEqual(Buffer.from(await f(`${base}/redirect`)), BODY);
    assert.deepEqual(Buffer.from(await f(`${base}/404.crl`)), BODY);
    assert.deepEqual(kept, [`${base}/ok.crl`, `${base}/redirect`, `${base}/404.crl`]);
  });
  // a server that never answers ends in the fetcher's own timeout (how long it takes: `npm run bench pki`,
  // crl-fetch-timeout); the test's timeout only catches a real hang
  test('rejects redirect loops, oversize bodies, hangs and non-http schemes', { timeout: 30_000 }, async () => {
    const f = createCrlFetcher({ timeoutMs: 300, maxBytes: 512 * 1024 });
    await assert.rejects(f(`${base}/loop`), /redirects/);
    await assert.rejects(f(`${base}/big-declared`), /larger than/);
    await assert.rejects(f(`${base}/big-chunked`), /larger than/);
    await assert.rejects(f(`${base}/hang`), /timeout/);
    await assert.rejects(f('file:///etc/passwd'), /unsupported scheme/);
    await assert.rejects(f('ibm.crl'), /not a URL/);
  });
});
