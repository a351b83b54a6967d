/**
 * The loopback web bridge: one-time token → HttpOnly SameSite=Strict cookie, every request needs the cookie,
 * Host and Origin are checked, strict CSP on every response, static files confined to their folder, and
 * progress events over server-sent events.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { CONTENT_SECURITY_POLICY, readCookie, equalSecrets } from '../../main/web/security.js';
import { MINTED_TOKEN_TTL_MS, startWebBridge } from '../../main/web/server.js';
import { RENDERER_CSP } from '../../scripts/build-renderer.mjs';
import { createFakePort } from '../support/fake-port.js';
import { exchangeToken, openSession, rawRequest } from './bridge-client.js';

const STATIC = new URL('./fixtures/static/', import.meta.url).pathname;

describe('web bridge', () => {
  test('listens on 127.0.0.1 at a random port and prints a token URL', async () => {
    const a = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    const b = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    try {
      assert.match(a.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
      assert.notEqual(a.origin, b.origin);
      assert.notEqual(new URL(a.url).searchParams.get('token'), new URL(b.url).searchParams.get('token'));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('two bridges on 127.0.0.1 keep separate sessions (cookies are not port-scoped)', async () => {
    const a = await openSession(createFakePort());
    const b = await openSession(createFakePort());
    try {
      assert.notEqual(a.cookie.split('=')[0], b.cookie.split('=')[0]);
      // A browser sends both cookies to both ports: each bridge still finds its own.
      const both = `${a.cookie}; ${b.cookie}`;
      assert.equal((await a.call('guests:list', {}, { Cookie: both })).status, 200);
      assert.equal((await b.call('guests:list', {}, { Cookie: both })).status, 200);
      assert.equal((await a.call('guests:list', {}, { Cookie: b.cookie })).status, 403, "b's session does not open a");
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('the token is one-time and exchanged for an HttpOnly SameSite=Strict cookie', async () => {
    const bridge = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    try {
      const wrong = await rawRequest(bridge.origin, { path: '/?token=AAAA' });
      assert.equal(wrong.status, 403);
      const url = new URL(bridge.url);
      const ok = await rawRequest(bridge.origin, { path: `/${url.search}` });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers['location'], '/');
      const cookie = String(ok.headers['set-cookie']);
      assert.equal(
        cookie,
        cookie.replace(/^sea_session_(\d+)=/, `sea_session_${new URL(bridge.origin).port}=`),
        'cookie named after the port',
      );
      assert.match(cookie, /^sea_session_\d+=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
      assert.ok(!cookie.includes(url.searchParams.get('token')!), 'the session differs from the token');
      const reuse = await rawRequest(bridge.origin, { path: `/${url.search}` });
      assert.equal(reuse.status, 403, 'a used token is refused');
      const again = await rawRequest(bridge.origin, {
        path: `/${url.search}`,
        headers: { Cookie: cookie.split(';')[0]! },
      });
      assert.equal(again.status, 303, 'with the session, re-opening the token URL just redirects');
      assert.equal(again.headers['set-cookie'], undefined, 'no new session is issued');
      const page = await rawRequest(bridge.origin, { path: '/', headers: { Cookie: cookie.split(';')[0]! } });
      assert.equal(page.status, 200);
      assert.match(page.text, /fixture index/);
    } finally {
      await bridge.close();
    }
  });

  test('requests without the session, with a wrong session, wrong Origin or wrong Host are refused', async () => {
    const s = await openSession(createFakePort());
    try {
      const body = JSON.stringify({});
      const base = { 'Content-Type': 'application/json', Origin: s.bridge.origin };
      const cases: [string, Record<string, string>][] = [
        ['no cookie', base],
        ['wrong cookie', { ...base, Cookie: `${s.cookie.split('=')[0]}=${'A'.repeat(43)}` }],
        ['wrong origin', { ...base, Cookie: s.cookie, Origin: 'http://evil.example' }],
        ['null origin', { ...base, Cookie: s.cookie, Origin: 'null' }],
        ['no origin', { 'Content-Type': 'application/json', Cookie: s.cookie }],
        ['cross-site fetch', { ...base, Cookie: s.cookie, 'Sec-Fetch-Site': 'cross-site' }],
        ['rebound host', { ...base, Cookie: s.cookie, Host: `evil.example:${new URL(s.bridge.origin).port}` }],
      ];
      for (const [name, headers] of cases) {
        const r = await rawRequest(s.bridge.origin, { method: 'POST', path: '/api/call/guests:list', headers, body });
        assert.equal(r.status, 403, name);
        assert.deepEqual(JSON.parse(r.text).error.code, 'ERR_APP_FORBIDDEN', name);
      }
      const page = await rawRequest(s.bridge.origin, { path: '/app.js' });
      assert.equal(page.status, 403, 'static files need the session too');
      const events = await rawRequest(s.bridge.origin, { path: '/api/events' });
      assert.equal(events.status, 403, 'the event stream needs the session');
      const fine = await s.call('guests:list', {});
      assert.deepEqual(fine, { status: 200, body: { ok: true, value: [] } });
    } finally {
      await s.close();
    }
  });

  test('wrong payloads, non-JSON bodies, wrong methods and unknown channels are refused', async () => {
    const s = await openSession(createFakePort());
    try {
      const bad = await s.call('guests:get', { id: 42 });
      assert.equal(bad.body.ok === false && bad.body.error.code, 'ERR_APP_BAD_REQUEST');
      const h = { Cookie: s.cookie, Origin: s.bridge.origin };
      const notJson = await rawRequest(s.bridge.origin, {
        method: 'POST',
        path: '/api/call/guests:list',
        headers: { ...h, 'Content-Type': 'application/json' },
        body: '{nope',
      });
      assert.equal(notJson.status, 400);
      const textPlain = await rawRequest(s.bridge.origin, {
        method: 'POST',
        path: '/api/call/guests:list',
        headers: { ...h, 'Content-Type': 'text/plain' },
        body: '{}',
      });
      assert.equal(textPlain.status, 415, 'a simple (CORS-less) content type is refused');
      const get = await rawRequest(s.bridge.origin, { path: '/api/call/guests:list', headers: h });
      assert.equal(get.status, 405);
      const unknown = await rawRequest(s.bridge.origin, {
        method: 'POST',
        path: '/api/call/__proto__',
        headers: { ...h, 'Content-Type': 'application/json' },
        body: '{}',
      });
      assert.equal(unknown.status, 404);
    } finally {
      await s.close();
    }
  });

  test('every response carries the strict CSP and hardening headers; the renderer CSP matches', async () => {
    const s = await openSession(createFakePort());
    try {
      for (const path of ['/', '/app.js', '/missing.png']) {
        const r = await rawRequest(s.bridge.origin, { path, headers: { Cookie: s.cookie } });
        assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, path);
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
        assert.equal(r.headers['x-frame-options'], 'DENY');
        assert.equal(r.headers['referrer-policy'], 'no-referrer');
      }
      assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
      assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
      assert.equal(RENDERER_CSP, CONTENT_SECURITY_POLICY, 'index.html meta CSP and the bridge header agree');
      const forbidden = await rawRequest(s.bridge.origin, { path: '/' });
      assert.equal(forbidden.headers['content-security-policy'], CONTENT_SECURITY_POLICY, 'refusals carry it too');
    } finally {
      await s.close();
    }
  });

  test('static files cannot escape their folder', async () => {
    const s = await openSession(createFakePort());
    try {
      for (const path of [
        '/../package.json',
        '/..%2f..%2fpackage.json',
        '/%2e%2e/%2e%2e/package.json',
        '/fixtures/../../server.test.ts',
      ]) {
        const r = await rawRequest(s.bridge.origin, { path, headers: { Cookie: s.cookie } });
        assert.equal(r.status, 404, path);
        assert.doesNotMatch(r.text, /"name"|describe\(/, path);
      }
    } finally {
      await s.close();
    }
  });

  test('progress events stream over server-sent events', async () => {
    const port = createFakePort();
    const s = await openSession(port);
    try {
      const hkd = await readFile(new URL('../vectors/interop/keys/hostA.crt', import.meta.url));
      const received: string[] = [];
      const url = new URL(s.bridge.origin);
      const gotEvent = new Promise<void>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: Number(url.port), path: '/api/events', headers: { Cookie: s.cookie } },
          (res) => {
            assert.equal(res.statusCode, 200);
            assert.match(String(res.headers['content-type']), /^text\/event-stream/);
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              received.push(chunk);
              if (received.join('').includes('event: task:progress')) resolve();
              if (received.join('') === ': connected\n\n') {
                void s.call('trust:import', {
                  runId: 'run-sse-0001',
                  files: [{ name: 'hostA.crt', contentBase64: hkd.toString('base64') }],
                });
              }
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
      await gotEvent;
      const frame = received
        .join('')
        .split('\n\n')
        .find((f) => f.startsWith('event: task:progress'))!;
      const data = JSON.parse(frame.split('\n')[1]!.slice('data: '.length));
      assert.deepEqual(data, { runId: 'run-sse-0001', kind: 'trust-import', done: 1, total: 1, message: 'hostA.crt' });
    } finally {
      await s.close();
    }
  });

  test('issue 12: malformed percent-encodings answer 400, never 500', async () => {
    const s = await openSession(createFakePort());
    try {
      for (const path of ['/%zz', '/%', '/app%E0%A4%A.js', '/%C0%AF']) {
        const r = await rawRequest(s.bridge.origin, { path, headers: { Cookie: s.cookie } });
        assert.equal(r.status, 400, path);
        assert.match(r.text, /malformed percent-encoding/, path);
      }
    } finally {
      await s.close();
    }
  });

  test('issue 15: a used or unknown sign-in link gets a page explaining how to get in again', async () => {
    const bridge = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    try {
      await exchangeToken(bridge);
      const used = await rawRequest(bridge.origin, { path: new URL(bridge.url).pathname + new URL(bridge.url).search });
      assert.equal(used.status, 403);
      assert.match(used.headers['content-type'] as string, /^text\/html/);
      assert.match(used.text, /already used or has expired/);
      assert.match(used.text, /npx se-attest open/);
      assert.match(used.text, /nothing is restarted/);
      const none = await rawRequest(bridge.origin, { path: '/' });
      assert.equal(none.status, 403);
      assert.match(none.text, /not signed in/);
      assert.doesNotMatch(none.text, /<script|style=/, 'the page needs no script or inline style (CSP)');
      // The icon is served before sign-in (no 404 on the sign-in page), nothing else is.
      const icon = await rawRequest(bridge.origin, { path: '/favicon.svg' });
      assert.equal(icon.status, 200);
      assert.equal((await rawRequest(bridge.origin, { path: '/app.js' })).status, 403);
    } finally {
      await bridge.close();
    }
  });

  test('issue 15: the control secret mints one-time, expiring sign-in URLs; each browser gets its own session', async () => {
    const bridge = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    try {
      const first = await exchangeToken(bridge);
      const control: { method: string; path: string; headers: Record<string, string> } = {
        method: 'POST',
        path: '/api/control/open-url',
        headers: { 'x-sea-control': bridge.controlSecret },
      };
      const refused: (typeof control)[] = [
        { ...control, headers: {} },
        { ...control, headers: { 'x-sea-control': 'A'.repeat(43) } },
        { ...control, method: 'GET' },
        { ...control, headers: { ...control.headers, Origin: bridge.origin } }, // a page can never use it
        { ...control, headers: { ...control.headers, Host: `evil.example:${new URL(bridge.origin).port}` } },
      ];
      for (const r of refused) assert.equal((await rawRequest(bridge.origin, r)).status, 403, JSON.stringify(r));
      const minted = await rawRequest(bridge.origin, control);
      assert.equal(minted.status, 200);
      const url = (JSON.parse(minted.text) as { value: { url: string } }).value.url;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
      assert.notEqual(url, bridge.url);
      const second = await exchangeToken({ ...bridge, url });
      assert.notEqual(second, first, 'a new browser gets a new session');
      const reuse = await rawRequest(bridge.origin, { path: new URL(url).pathname + new URL(url).search });
      assert.equal(reuse.status, 403, 'a minted token works once');
      for (const cookie of [first, second]) {
        const r = await rawRequest(bridge.origin, { path: '/', headers: { Cookie: cookie } });
        assert.equal(r.status, 200, 'both browsers stay signed in');
      }
      // A minted token expires.
      const expired = (JSON.parse((await rawRequest(bridge.origin, control)).text) as { value: { url: string } }).value
        .url;
      const realNow = Date.now;
      Date.now = () => realNow() + MINTED_TOKEN_TTL_MS + 1000;
      try {
        const late = await rawRequest(bridge.origin, { path: new URL(expired).pathname + new URL(expired).search });
        assert.equal(late.status, 403);
        assert.match(late.text, /already used or has expired/);
      } finally {
        Date.now = realNow;
      }
    } finally {
      await bridge.close();
    }
  });

  test('security helpers: cookie parsing and constant-time comparison', () => {
    assert.equal(readCookie('a=1; sea_session=xyz; b=2', 'sea_session'), 'xyz');
    assert.equal(readCookie('sea_sessionx=1', 'sea_session'), undefined);
    assert.equal(readCookie(undefined, 'x'), undefined);
    assert.equal(equalSecrets('abc', 'abc'), true);
    assert.equal(equalSecrets('abc', 'abd'), false);
    assert.equal(equalSecrets('ab', 'abc'), false);
    assert.equal(equalSecrets(undefined, 'abc'), false);
  });

  test('exchangeToken helper works against a fresh bridge (used by other tests)', async () => {
    const bridge = await startWebBridge({ port: createFakePort(), staticDir: STATIC });
    try {
      assert.match(await exchangeToken(bridge), /^sea_session_\d+=[A-Za-z0-9_-]{43}$/);
    } finally {
      await bridge.close();
    }
  });
});
