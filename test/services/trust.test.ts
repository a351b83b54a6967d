/** Issue 5: trust material recognised by content, deduplicated, listed with CRL freshness. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../main/store/index.js';
import {
  importTrustFiles,
  listTrust,
  loadHostKeyDocuments,
  loadVerificationMaterial,
  parseTrustFile,
} from '../../main/services/trust.js';
import { readHostKeyDocument } from '../../main/engine/pki/host-key-document.js';

const CERTS = new URL('../vectors/s390-tools/rust/pv/tests/assets/cert', import.meta.url).pathname;
const KEYS = new URL('../vectors/interop/keys', import.meta.url).pathname;
const file = (dir: string, name: string) => ({ source: name, bytes: new Uint8Array(readFileSync(join(dir, name))) });

function pemToDer(pem: Uint8Array): Uint8Array {
  const body = Buffer.from(pem)
    .toString('latin1')
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

test('kinds are recognised by content: HKD, signing key, CA, CRL (PEM and DER), chained PEM', () => {
  const kinds = (name: string, dir = CERTS) => parseTrustFile(file(dir, name).bytes, name).map((i) => i.kind);
  assert.deepEqual(kinds('host.crt'), ['hkd']);
  assert.deepEqual(kinds('ibm.crt'), ['signing-key']);
  assert.deepEqual(kinds('der.crt'), ['signing-key']);
  assert.deepEqual(kinds('root_ca.crt'), ['ca']);
  assert.deepEqual(kinds('inter_ca.crt'), ['ca']);
  assert.deepEqual(kinds('ibm.crl'), ['crl']);
  assert.deepEqual(kinds('ibm.chained.crt'), ['crl', 'signing-key']); // the file bundles the CRL and the cert
  assert.deepEqual(kinds('hostA.crt', KEYS), ['hkd']);
  const derCrl = parseTrustFile(pemToDer(file(CERTS, 'ibm.crl').bytes), 'ibm.crl.der');
  assert.equal(derCrl[0]?.kind, 'crl');
  assert.equal(derCrl[0]?.nextUpdate, '2388-12-23T15:52:39.000Z');
  const hkd = parseTrustFile(file(CERTS, 'host.crt').bytes, 'host.crt')[0]!;
  assert.equal(hkd.phkh, Buffer.from(readHostKeyDocument(file(CERTS, 'host.crt').bytes).phkh).toString('hex'));
  assert.match(hkd.subject!, /OU=IBM Z Host Key/);
});

test('import stores each item once, reports unrecognised files and keeps going', () => {
  const store = openStore({ path: ':memory:' });
  const results = importTrustFiles(store, [
    file(CERTS, 'host.crt'),
    file(CERTS, 'ibm.chained.crt'),
    file(CERTS, 'ibm.crt'),
    file(CERTS, 'ibm.crl'),
    file(CERTS, 'inter_ca.crt'),
    { source: 'junk.txt', bytes: new TextEncoder().encode('hello') },
    file(KEYS, 'hostA.key'),
  ]);
  assert.deepEqual(
    results.map((r) => r.items.map((i) => i.created)),
    [[true], [true, true], [false], [false], [true], [], []],
  );
  assert.equal(results[5]?.error?.code, 'ERR_STORE_TRUST_UNRECOGNIZED');
  assert.equal(results[6]?.error?.code, 'ERR_STORE_TRUST_UNRECOGNIZED');
  assert.equal(store.trust.list().length, 4);
  assert.equal(loadHostKeyDocuments(store).length, 1);
  const m = loadVerificationMaterial(store);
  assert.equal(m.certificates.length, 2);
  assert.equal(m.crls.length, 1);
  const sha = store.trust.list({ kind: 'hkd' })[0]!.sha256;
  assert.equal(loadHostKeyDocuments(store, [sha.toUpperCase()])[0]?.item.sha256, sha);
  assert.throws(() => loadHostKeyDocuments(store, ['00'.repeat(32)]), /no stored HKD/);
  assert.equal(store.audit.list().filter((e) => e.action === 'trust.imported').length, 4);
  store.close();
});

test('CRL freshness: valid, expiring within N days, stale, not yet valid', () => {
  const store = openStore({ path: ':memory:' });
  importTrustFiles(store, [file(CERTS, 'ibm.crl'), file(CERTS, 'ibm_outdated_early.crl')]);
  const at = (iso: string, days = 7) =>
    listTrust(store, { kind: 'crl', now: new Date(iso), expiringDays: days }).map((i) => i.freshness);
  assert.deepEqual(at('2026-06-01T00:00:00Z'), ['valid', 'not-yet-valid']);
  assert.deepEqual(at('2388-12-20T00:00:00Z'), ['expiring', 'not-yet-valid']);
  assert.deepEqual(at('2388-12-20T00:00:00Z', 1), ['valid', 'not-yet-valid']);
  assert.deepEqual(at('2389-01-01T00:00:00Z'), ['stale', 'not-yet-valid']);
  assert.deepEqual(at('3024-08-01T00:00:00Z'), ['stale', 'stale']);
  store.close();
});
