/**
 * Issue 13 (pvattest parity): `se-attest check --firmware`, `--firmware-check-version 1|2` (alias `--fw-ver`) and
 * `--firmware-verify-url`, against a firmware verification server started here on 127.0.0.1 (spec §10.2/§10.3):
 * the request IBM's tool sends, valid and invalid answers of both protocol versions (v2 with verified hashes),
 * server down, a timeout, HTTP 500, a non-JSON answer, redirects, pvattest's usage rules, and that nothing is
 * sent without `--firmware` or when the response has no firmware state.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { cli, tempDir } from '../support/cli.js';
import { INTEROP } from '../support/vectors.js';

const tmp = tempDir('se-attest-fw-');
/** rs-all4 carries every additional-data kind: its firmware state is 320 bytes of 0x5a. */
const WITH_FIRMWARE = join(INTEROP, 'rs-all4');
/** rs-min carries no additional data at all. */
const WITHOUT_FIRMWARE = join(INTEROP, 'rs-min');
const FIRMWARE_STATE = Buffer.alloc(320, 0x5a);

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
let handler: (req: IncomingMessage, body: string, res: ServerResponse) => void = () => {};

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});
beforeEach(() => {
  seen = [];
});

function answer(status: number, body: unknown): typeof handler {
  return (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

let n = 0;
async function check(dir: string, ...extra: string[]) {
  const out = tmp.path(`check-${++n}.yaml`);
  const run = await cli(dir, 'check', 'resp.bin', out, ...extra);
  return { ...run, out, yaml: existsSync(out) ? readFileSync(out, 'utf8') : undefined };
}

describe('check --firmware against a local verification server (issue 13)', { timeout: 60_000 }, () => {
  test('v1, valid: the request is IBM’s (path, headers, body); valid_firmware: true, exit 0', async () => {
    handler = answer(200, { version: '1.0', valid: true, referenceId: 'REF-1' });
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', base);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.yaml, 'successful: true\nvalid_firmware: true\n');
    assert.equal(r.stderr, '✓ The Attestation response fulfills all policies\n');
    assert.equal(seen.length, 1);
    const [req] = seen;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.url, '/hmrs/firmware/attestation/v1/verify');
    assert.equal(req!.headers['user-agent'], 's390-tools-pvattest');
    assert.equal(req!.headers['accept'], '*/*');
    assert.equal(req!.headers['x-client-id'], 'X');
    assert.equal(req!.headers['content-type'], 'application/json');
    assert.equal(req!.body, JSON.stringify({ version: '1.0', payload: FIRMWARE_STATE.toString('base64') }));
  });

  test('v1, invalid: the multi-line issue (reason, reference id) as a YAML block; exit 2', async () => {
    handler = answer(200, { version: '1.0', valid: false, referenceId: 'REF-9', reason: 'revoked firmware' });
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', `${base}/`);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.yaml,
      'successful: false\nissues:\n- |-\n  The firmware is not in a valid state\n    Reason: revoked firmware\n' +
        '    ReferenceId: REF-9\nvalid_firmware: false\n',
    );
    assert.match(r.stderr, /^✘ The firmware is not in a valid state\n {2}Reason: revoked firmware\n/);
    assert.match(r.stderr, /✘ The Attestation response does not fulfill all policies\n$/);
  });

  test('v2 (--fw-ver 2) with verified hashes: POSTs to /v2/verify, still sends version "1.0"; valid → exit 0', async () => {
    const hashes = [{ hash: 'ab'.repeat(32), signature: 'cd'.repeat(48) }];
    handler = answer(200, { version: '2.0', valid: true, reason: 'ok', verifiedHashes: hashes });
    const r = await check(WITH_FIRMWARE, '--firmware', '--fw-ver', '2', '--firmware-verify-url', base);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.yaml, 'successful: true\nvalid_firmware: true\n');
    assert.equal(seen[0]!.url, '/hmrs/firmware/attestation/v2/verify');
    assert.equal(JSON.parse(seen[0]!.body).version, '1.0');
  });

  test('v2, invalid: the issue carries the answer as pretty-printed JSON', async () => {
    const hashes = [{ hash: '00'.repeat(32), signature: 'ff'.repeat(8) }];
    handler = answer(200, { version: '2.0', valid: false, reason: 'unknown level', verifiedHashes: hashes });
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-check-version', '2', '--firmware-verify-url', base);
    assert.equal(r.code, 2, r.stderr);
    const pretty = JSON.stringify(
      { version: '2.0', valid: false, reason: 'unknown level', verifiedHashes: hashes },
      null,
      2,
    );
    const block = pretty
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    assert.equal(
      r.yaml,
      `successful: false\nissues:\n- |-\n  The firmware is not in a valid state\n${block}\nvalid_firmware: false\n`,
    );
  });

  test('server down: ERR_FIRMWARE_CONNECT, exit 1, no YAML', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', `http://127.0.0.1:${port}`);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: Couldn't connect to the firmware verification server .*\(ERR_FIRMWARE_CONNECT\)\n$/,
    );
    assert.equal(r.yaml, undefined);
  });

  test('a server that never answers: ERR_FIRMWARE_TIMEOUT after --firmware-timeout, exit 1, no YAML', async () => {
    handler = () => {}; // keeps the request open
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', base, '--firmware-timeout', '0.5');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(ERR_FIRMWARE_TIMEOUT\)\n$/);
    assert.equal(r.yaml, undefined);
    server.closeAllConnections();
  });

  test("HTTP 500: IBM's message, ERR_FIRMWARE_HTTP_STATUS, exit 1, no YAML", async () => {
    handler = answer(500, { error: 'boom' });
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', base);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "error: The firmware verification server responded with http response status code '500' (ERR_FIRMWARE_HTTP_STATUS)\n",
    );
    assert.equal(r.yaml, undefined);
  });

  test('an answer that is not JSON, or lacks its fields: ERR_FIRMWARE_RESPONSE_INVALID, exit 1', async () => {
    for (const body of ['<html>maintenance</html>', '{"version":"1.0"}', '{"valid":"yes","referenceId":"r"}', '[]']) {
      handler = answer(200, body);
      const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', base);
      assert.equal(r.code, 1, body);
      assert.match(r.stderr, /\(ERR_FIRMWARE_RESPONSE_INVALID\)\n$/, body);
      assert.equal(r.yaml, undefined);
    }
  });

  test('a 307 redirect is followed with the same POST', async () => {
    handler = (req, _body, res) => {
      if (req.url?.startsWith('/moved')) answer(200, { version: '1.0', valid: true, referenceId: 'R' })(req, '', res);
      else {
        res.writeHead(307, { location: `/moved${req.url}` });
        res.end();
      }
    };
    const r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', base);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      seen.map((s) => [s.method, s.url]),
      [
        ['POST', '/hmrs/firmware/attestation/v1/verify'],
        ['POST', '/moved/hmrs/firmware/attestation/v1/verify'],
      ],
    );
    assert.equal(seen[1]!.body, seen[0]!.body);
  });

  test('with other policies: the firmware issue comes last, after the secret store', async () => {
    handler = answer(200, { version: '1.0', valid: false, referenceId: 'R2' });
    const r = await check(WITH_FIRMWARE, '--secret-store-locked', 'true', '--firmware', '--firmware-verify-url', base);
    assert.equal(r.code, 2);
    assert.match(
      r.yaml!,
      /^successful: false\nissues:\n- The calculated secret-store-hash does not match with the provided hash\n- \|-\n {2}The firmware is not in a valid state\n {4}ReferenceId: R2\nvalid_firmware: false\n$/,
    );
  });
});

describe('nothing is sent anywhere unless asked (issue 13)', () => {
  test('no --firmware: no request, even for a response that carries a firmware state', async () => {
    handler = answer(200, { version: '1.0', valid: true, referenceId: 'R' });
    const r = await check(WITH_FIRMWARE);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.yaml, 'successful: true\n');
    assert.equal(seen.length, 0);
  });
  test('--firmware on a response without a firmware state: the issue, valid_firmware: false, no request', async () => {
    const r = await check(WITHOUT_FIRMWARE, '--firmware', '--firmware-verify-url', base);
    assert.equal(r.code, 2);
    assert.equal(
      r.yaml,
      'successful: false\nissues:\n- The Attestation response contains no firmware hash, but checking was enabled\nvalid_firmware: false\n',
    );
    assert.equal(seen.length, 0);
  });
});

describe("pvattest's usage rules for the firmware options", () => {
  for (const [name, args] of [
    ['--fw-ver 2 without --firmware', ['--fw-ver', '2']],
    ['--firmware-check-version 1 without --firmware', ['--firmware-check-version', '1']],
    ['--firmware-verify-url without --firmware', ['--firmware-verify-url', 'http://127.0.0.1:1']],
  ] as const) {
    test(`${name}: usage error, exit 1, nothing written or sent`, async () => {
      const r = await check(WITH_FIRMWARE, ...args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /the following required arguments were not provided: --firmware \(ERR_CLI_USAGE\)/);
      assert.equal(r.yaml, undefined);
      assert.equal(seen.length, 0);
    });
  }
  test('a version other than 1 or 2, and both spellings at once, are usage errors', async () => {
    let r = await check(WITH_FIRMWARE, '--firmware', '--fw-ver', '3', '--firmware-verify-url', base);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid value '3' for '--firmware-check-version <VERSION>' \[possible values: 1, 2\]/);
    r = await check(WITH_FIRMWARE, '--firmware', '--fw-ver', '1', '--firmware-check-version', '1');
    assert.equal(r.code, 1);
    r = await check(WITH_FIRMWARE, '--firmware', '--firmware-verify-url', 'ftp://127.0.0.1/');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERR_FIRMWARE_URL_INVALID/);
    assert.equal(seen.length, 0);
  });
});
