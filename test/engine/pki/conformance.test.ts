/**
 * Conformance rows of hostkey-verification.md §9 that use IBM's s390-tools fixtures, at a pinned time.
 * "mock" resolves a DP URI to the fixture of that name; "unreach" fails every download; "offline" makes none.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  akidMatches,
  createHkdVerifier,
  isIbmSigningKeySubject,
  readCertificates,
  readCrls,
  verifyHostKeyDocuments,
  type FetchCrl,
  type HkdVerificationReport,
  type NamedBytes,
} from '../../../main/engine/pki/hkd-verifier.js';
import { parseCertificate } from '../../../main/engine/pki/x509.js';

const DIR = fileURLToPath(new URL('../../vectors/s390-tools/rust/pv/tests/assets/cert/', import.meta.url));
const PINNED = new Date('2026-11-26T00:00:00Z');

/** Reads a fixture as named bytes. */
function fx(name: string): NamedBytes {
  return { name, bytes: new Uint8Array(readFileSync(DIR + name)) };
}

type Mode = 'offline' | 'mock' | 'unreach';
const mockFetch: FetchCrl = async (url) => {
  if (!/^[A-Za-z0-9_.]+$/.test(url)) throw new Error('not a fixture name');
  try {
    return new Uint8Array(readFileSync(DIR + url));
  } catch {
    throw new Error(`404 ${url}`);
  }
};
const unreachFetch: FetchCrl = async (url) => {
  throw new Error(`unreachable ${url}`);
};

interface Row {
  id: string;
  certs: string[];
  crls?: string[];
  root?: string; // undefined = system (empty configured store)
  mode: Mode;
  at?: string;
  /** Expected chain result: 'OK', a category, or 'SIGNING_KEY_INVALID(c@d)'. */
  chain: string;
  chainLength?: number;
  hkds?: [string, string][];
}

const STD = {
  certs: ['ibm.crt', 'inter_ca.crt'],
  crls: ['ibm.crl', 'inter_ca.crl'],
  root: 'root_ca.chained.crt',
  mode: 'offline' as Mode,
};
const OK_REV_EXP = (ok: string): [string, string][] => [
  [ok, 'OK'],
  ['host_rev.crt', 'HKD_REVOKED'],
  ['host_crt_expired.crt', 'HKD_EXPIRED'],
];

const ROWS: Row[] = [
  {
    id: 'T02',
    certs: ['ibm.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    chainLength: 3,
  },
  {
    id: 'T03',
    certs: ['inter_ca.crt', 'ibm.crt'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'T05',
    certs: ['ibm.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: OK_REV_EXP('host.crt'),
  },
  { id: 'T06', ...STD, chain: 'OK', hkds: OK_REV_EXP('host.crt') },
  {
    id: 'T07',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: OK_REV_EXP('host.crt'),
  },
  {
    id: 'T08',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    crls: ['ibm.crl', 'inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'OK',
    hkds: OK_REV_EXP('host.crt'),
  },
  {
    id: 'T09',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: OK_REV_EXP('host.crt'),
  },
  {
    id: 'T10',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    crls: ['ibm_armonk.crl', 'inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'OK',
    hkds: OK_REV_EXP('host.crt'),
  },
  {
    id: 'T11',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: OK_REV_EXP('host_armonk.crt'),
  },
  {
    id: 'T12',
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    crls: ['ibm_armonk.crl', 'inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'OK',
    hkds: OK_REV_EXP('host_armonk.crt'),
  },
  { id: 'C01', certs: ['ibm.crt', 'ibm_rev.crt'], mode: 'offline', chain: 'MANY_SIGNING_KEYS' },
  {
    id: 'C02',
    certs: ['inter_ca.crt', 'ibm.crt'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.crt',
    mode: 'unreach',
    chain: 'SIGNING_KEY_INVALID(3@1)',
  },
  {
    id: 'C02-mock',
    certs: ['inter_ca.crt', 'ibm.crt'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.crt',
    mode: 'mock',
    chain: 'OK',
  },
  {
    id: 'C03',
    certs: ['inter_ca.crt', 'ibm.crt'],
    root: 'root_ca.chained.crt',
    mode: 'unreach',
    chain: 'SIGNING_KEY_INVALID(3@0)',
  },
  { id: 'C03-mock', certs: ['inter_ca.crt', 'ibm.crt'], root: 'root_ca.chained.crt', mode: 'mock', chain: 'OK' },
  {
    id: 'C04',
    certs: ['fake_inter_ca.crt', 'ibm.crt'],
    crls: ['fake_inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'SIGNING_KEY_INVALID(20@0)',
  },
  {
    id: 'C05',
    certs: ['inter_ca.crt', 'ibm.crt'],
    crls: ['inter_ca.crl'],
    mode: 'offline',
    chain: 'SIGNING_KEY_INVALID(20@1)',
  },
  {
    id: 'C06',
    certs: ['inter_ca.crt', 'ibm.crt'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'unreach',
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  { id: 'C07', certs: ['ibm.crt'], root: 'root_ca.chained.crt', mode: 'unreach', chain: 'SIGNING_KEY_INVALID(20@0)' },
  {
    id: 'C08',
    certs: ['inter_ca.crt', 'ibm_outdated_early.crl'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'unreach',
    chain: 'NO_SIGNING_KEY',
  },
  {
    id: 'C09',
    certs: ['inter_ca.crt', 'ibm_outdated_late.crl'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'unreach',
    chain: 'NO_SIGNING_KEY',
  },
  {
    id: 'C10',
    certs: ['inter_ca.crt', 'ibm_rev.crt'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'unreach',
    chain: 'SIGNING_KEY_INVALID(23@0)',
  },
  { id: 'U03a', ...STD, certs: ['ibm.crt'], chain: 'SIGNING_KEY_INVALID(20@0)' },
  { id: 'U03b', ...STD, certs: ['ibm.crt', 'ibm.crt'], chain: 'MANY_SIGNING_KEYS' },
  { id: 'U03c', ...STD, certs: ['ibm_wrong_subject.crt'], chain: 'NO_SIGNING_KEY' },
  { id: 'U03d', ...STD, certs: ['inter_ca.crt'], chain: 'NO_SIGNING_KEY' },
  { id: 'U03e', ...STD, certs: ['ibm.crt', 'inter_ca.crt'], chain: 'OK', hkds: [['host.crt', 'OK']] },
  {
    id: 'U05a',
    certs: ['ibm.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  { id: 'U06b', ...STD, certs: ['der.crt', 'inter_ca.crt'], chain: 'OK', hkds: [['host.crt', 'OK']] },
  {
    id: 'U06c',
    certs: ['inter_ca.crt', 'ibm.crl'],
    crls: ['inter_ca.crl'],
    root: 'root_ca.chained.crt',
    mode: 'offline',
    chain: 'NO_SIGNING_KEY',
  },
  { id: 'D01', ...STD, chain: 'OK', hkds: [['host2.crt', 'OK']] },
  { id: 'D02', ...STD, chain: 'OK', hkds: [['fake_host.crt', 'HKD_AKID_MISMATCH']] },
  { id: 'D03', ...STD, chain: 'OK', hkds: [['host_invalid_signing_key.crt', 'HKD_AKID_MISMATCH']] },
  { id: 'D04', ...STD, chain: 'OK', hkds: [['host_uri_na.crt', 'OK']] },
  {
    id: 'D05',
    certs: ['ibm.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: [['host_uri_na.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D06',
    ...STD,
    certs: ['der.crt', 'inter_ca.crt'],
    crls: ['der.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D07',
    ...STD,
    certs: ['ibm.chained.crt', 'inter_ca.crt'],
    crls: ['inter_ca.crl'],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D08',
    ...STD,
    certs: ['ibm.crt', 'inter_ca.chained.crt'],
    crls: [],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D09',
    ...STD,
    certs: ['ibm.chained.crt', 'inter_ca.chained.crt'],
    crls: [],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D10',
    ...STD,
    certs: ['ibm.crt', 'inter_ca.crt', 'ibm.crl'],
    crls: ['inter_ca.crl'],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D11',
    ...STD,
    root: 'root_ca.crt',
    crls: ['ibm.crl', 'inter_ca.crl', 'root_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'OK']],
  },
  {
    id: 'D12',
    ...STD,
    root: 'root_ca.crt',
    crls: ['ibm.crl', 'inter_ca.crl', 'fake_root_ca_valid.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'OK']],
  },
  {
    id: 'D13',
    ...STD,
    root: 'root_ca.crt',
    crls: ['ibm.crl', 'inter_ca.crl', 'fake_root_ca.crl'],
    chain: 'SIGNING_KEY_INVALID(3@1)',
  },
  { id: 'D14', ...STD, certs: ['ibm_expired.crt', 'inter_ca.crt'], chain: 'SIGNING_KEY_INVALID(10@0)' },
  {
    id: 'D15',
    ...STD,
    certs: ['ibm_wrong_subject.crt', 'inter_ca.crt'],
    crls: ['ibm_wrong_subject.crl', 'inter_ca.crl'],
    chain: 'NO_SIGNING_KEY',
  },
  {
    id: 'D16',
    ...STD,
    certs: ['ibm.crt', 'ibm_armonk.crt', 'inter_ca.crt'],
    crls: ['inter_ca.crl'],
    chain: 'MANY_SIGNING_KEYS',
  },
  {
    id: 'D17',
    ...STD,
    root: 'fake_root_ca.crt',
    crls: ['ibm.crl', 'inter_ca.crl', 'fake_root_ca.crl'],
    chain: 'SIGNING_KEY_INVALID(20@1)',
  },
  {
    id: 'D18',
    certs: ['fake_ibm.crt'],
    crls: ['fake_ibm.crl', 'fake_root_ca.crl'],
    root: 'fake_root_ca.crt',
    mode: 'offline',
    chain: 'OK',
    chainLength: 2,
    hkds: [
      ['fake_host.crt', 'OK'],
      ['host.crt', 'HKD_AKID_MISMATCH'],
    ],
  },
  {
    id: 'D19',
    certs: ['fake_ibm.crt'],
    root: 'fake_root_ca.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: [['fake_host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D20',
    ...STD,
    crls: ['ibm_outdated_late.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D21',
    ...STD,
    crls: ['ibm_outdated_early.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D22',
    ...STD,
    crls: ['ibm_invalid_hash.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D23',
    ...STD,
    crls: ['ibm_wrong_subject.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  { id: 'D24', ...STD, crls: ['fake_ibm.crl', 'inter_ca.crl'], chain: 'OK', hkds: [['host.crt', 'HKD_NO_VALID_CRL']] },
  {
    id: 'D25',
    ...STD,
    crls: ['ibm.crl', 'inter_ca.crl', 'ibm_invalid_hash.crl', 'ibm_outdated_late.crl', 'ibm_outdated_early.crl'],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  { id: 'D26', ...STD, crls: ['ibm.crl', 'inter_ca.crl', 'ibm_wrong_issuer.crl'], chain: 'SIGNING_KEY_INVALID(8@0)' },
  { id: 'D27', ...STD, crls: ['ibm.crl', 'inter_ca.invalid_date.crl'], chain: 'SIGNING_KEY_INVALID(12@0)' },
  {
    id: 'D28',
    ...STD,
    crls: ['ibm.crl', 'inter_ca.crl', 'inter_ca.invalid_date.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'OK']],
  },
  { id: 'D29', ...STD, crls: ['ibm.crl', 'inter_ca.invalid_signer.crl'], chain: 'SIGNING_KEY_INVALID(3@0)' },
  {
    id: 'D30',
    ...STD,
    crls: ['ibm.crl', 'inter_ca.crl', 'inter_ca.invalid_signer.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'OK']],
  },
  { id: 'D31', ...STD, crls: ['ibm.crl', 'fake_inter_ca.crl'], chain: 'SIGNING_KEY_INVALID(3@0)' },
  { id: 'D32a', ...STD, crls: ['ibm.crt', 'inter_ca.crl'], chain: 'LOAD_CRL' },
  { id: 'D32b', ...STD, crls: ['ibm.crl', 'inter_ca.crl', 'ibm.crt'], chain: 'LOAD_CRL' },
  { id: 'D33', ...STD, root: 'ibm.crl', crls: ['inter_ca.crl'], chain: 'LOAD_ROOT' },
  {
    id: 'D34',
    certs: ['ibm.crt', 'inter_ca.crt', 'root_ca.chained.crt'],
    crls: ['ibm.crl', 'inter_ca.crl'],
    mode: 'offline',
    chain: 'SIGNING_KEY_INVALID(19@2)',
  },
  {
    id: 'D35',
    ...STD,
    certs: ['ibm_armonk.crt', 'inter_ca.crt'],
    crls: ['ibm.crl', 'ibm_armonk.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_armonk.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D36',
    ...STD,
    crls: ['ibm_armonk.crl', 'inter_ca.crl'],
    chain: 'OK',
    hkds: [['host.crt', 'HKD_NO_VALID_CRL']],
  },
  {
    id: 'D37',
    certs: ['ibm.crt', 'inter_ca.crt'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: [
      ['host_armonk.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  {
    id: 'D38',
    certs: ['ibm.crt', 'inter_ca.crt'],
    crls: ['ibm_outdated_late.crl'],
    root: 'root_ca.chained.crt',
    mode: 'mock',
    chain: 'OK',
    hkds: [
      ['host.crt', 'OK'],
      ['host_rev.crt', 'HKD_REVOKED'],
    ],
  },
  { id: 'X01', ...STD, at: '2024-03-11T15:52:37Z', chain: 'SIGNING_KEY_INVALID(11@0)' },
  { id: 'X02', ...STD, at: '2024-03-21T14:52:36Z', chain: 'SIGNING_KEY_INVALID(9@2)' },
  { id: 'X03', ...STD, at: '2024-03-21T14:52:37Z', chain: 'SIGNING_KEY_INVALID(9@1)' },
  {
    id: 'X04',
    ...STD,
    at: '2024-03-21T14:52:38Z',
    chain: 'OK',
    hkds: [
      ['host.crt', 'HKD_NOT_YET_VALID'],
      ['host_rev.crt', 'HKD_NOT_YET_VALID'],
    ],
  },
  { id: 'X05', ...STD, at: '2024-03-21T14:52:39Z', chain: 'OK', hkds: OK_REV_EXP('host.crt') },
  { id: 'X06', ...STD, at: '2026-11-26T00:00:00Z', chain: 'OK', hkds: OK_REV_EXP('host.crt') },
  { id: 'X07', ...STD, at: '2388-12-23T14:52:36Z', chain: 'OK', hkds: OK_REV_EXP('host.crt') },
  { id: 'X08', ...STD, at: '2388-12-23T14:52:37Z', chain: 'SIGNING_KEY_INVALID(10@2)' },
  { id: 'X09', ...STD, at: '2388-12-23T15:52:40Z', chain: 'SIGNING_KEY_INVALID(12@0)' },
];

/** Runs one row and returns the report. */
async function runRow(row: Row): Promise<HkdVerificationReport> {
  return verifyHostKeyDocuments({
    certs: row.certs.map(fx),
    crls: (row.crls ?? []).map(fx),
    rootCa: row.root ? fx(row.root) : undefined,
    offline: row.mode === 'offline',
    fetchCrl: row.mode === 'mock' ? mockFetch : row.mode === 'unreach' ? unreachFetch : undefined,
    at: row.at ? new Date(row.at) : PINNED,
    hkds: (row.hkds ?? [['host.crt', '']]).map(([h]) => fx(h)),
  });
}

/** The chain result in the table's notation. */
function chainVerdict(r: HkdVerificationReport): string {
  if (r.chain.ok) return 'OK';
  if (r.chain.category === 'SIGNING_KEY_INVALID') return `SIGNING_KEY_INVALID(${r.chain.x509Code}@${r.chain.depth})`;
  return r.chain.category ?? '?';
}

describe('spec §9 conformance rows with IBM fixtures', () => {
  for (const row of ROWS) {
    test(`${row.id}: chain ${row.chain}${row.hkds ? ' / ' + row.hkds.map((h) => h[1]).join(' / ') : ''}`, async () => {
      const r = await runRow(row);
      assert.equal(chainVerdict(r), row.chain, r.chain.reason);
      if (row.chainLength !== undefined) assert.equal(r.chain.chain.length, row.chainLength);
      if (!r.chain.ok) {
        assert.ok(r.chain.code, 'a failed chain carries a code');
        for (const h of r.hkds) assert.equal(h.code, r.chain.code, 'HKDs inherit the chain failure');
      }
      for (const [i, [hkd, expected]] of (row.hkds ?? []).entries()) {
        const got = r.hkds[i]!;
        assert.equal(got.name, hkd);
        assert.equal(got.verified ? 'OK' : got.category, expected, `${hkd}: ${got.reason}`);
      }
    });
  }
});

describe('error codes of chain failures', () => {
  const byCode = async (row: Partial<Row>) => (await runRow({ ...STD, chain: '', id: '', ...row } as Row)).chain.code;
  test('C03 offline names the missing intermediate CRL (issuer + distribution point)', async () => {
    const r = await runRow({
      id: 'C03',
      certs: ['inter_ca.crt', 'ibm.crt'],
      root: 'root_ca.chained.crt',
      mode: 'offline',
      chain: '',
    });
    assert.equal(r.chain.code, 'ERR_CRL_MISSING');
    assert.deepEqual(r.chain.missingCrl?.distributionPoints, ['inter_ca.crl']);
    assert.match(r.chain.missingCrl?.issuer ?? '', /OU=IBM Z Intermediate CA/);
    assert.match(r.chain.reason ?? '', /inter_ca\.crl/);
  });
  test('stable codes per OpenSSL reason', async () => {
    assert.equal(await byCode({ crls: ['ibm.crl', 'inter_ca.crl', 'ibm_wrong_issuer.crl'] }), 'ERR_CRL_BAD_SIGNATURE');
    assert.equal(await byCode({ crls: ['ibm.crl', 'inter_ca.invalid_date.crl'] }), 'ERR_CRL_EXPIRED');
    assert.equal(await byCode({ certs: ['ibm_expired.crt', 'inter_ca.crt'] }), 'ERR_CHAIN_EXPIRED');
    assert.equal(await byCode({ certs: ['inter_ca.crt', 'ibm_rev.crt'] }), 'ERR_CHAIN_REVOKED');
    assert.equal(await byCode({ at: '2024-03-11T15:52:37Z' }), 'ERR_CRL_NOT_YET_VALID');
    assert.equal(await byCode({ at: '2024-03-21T14:52:36Z' }), 'ERR_CHAIN_NOT_YET_VALID');
    assert.equal(await byCode({ root: undefined }), 'ERR_CHAIN_NO_ISSUER');
    assert.equal(
      await byCode({ certs: ['ibm.crt', 'inter_ca.crt', 'root_ca.chained.crt'], root: undefined }),
      'ERR_CHAIN_UNTRUSTED_ROOT',
    );
    assert.equal(await byCode({ certs: ['ibm.crt', 'ibm_armonk.crt'] }), 'ERR_HKD_MANY_SIGNING_KEYS');
    assert.equal(await byCode({ certs: ['inter_ca.crt'] }), 'ERR_HKD_NO_SIGNING_KEY');
    assert.equal(await byCode({ crls: ['ibm.crt'] }), 'ERR_PKI_LOAD_CRL');
    assert.equal(await byCode({ root: 'ibm.crl' }), 'ERR_PKI_LOAD_ROOT');
  });
  test('HKD failure codes', async () => {
    const r = await runRow({
      ...STD,
      id: '',
      chain: '',
      hkds: [
        ['host_rev.crt', ''],
        ['host_crt_expired.crt', ''],
        ['fake_host.crt', ''],
      ],
    });
    assert.deepEqual(
      r.hkds.map((h) => h.code),
      ['ERR_HKD_REVOKED', 'ERR_HKD_EXPIRED', 'ERR_HKD_AKID_MISMATCH'],
    );
    const none = await runRow({ ...STD, id: '', chain: '', crls: ['inter_ca.crl'], hkds: [['host.crt', '']] });
    assert.equal(none.hkds[0]!.code, 'ERR_HKD_NO_VALID_CRL');
    assert.deepEqual(none.hkds[0]!.missingCrl?.distributionPoints, ['ibm.crl']);
    assert.match(none.hkds[0]!.reason, /Signing Service/);
  });
});

describe('spec §9.2/§9.3 unit-level rows', () => {
  test('T01: CRL loading from a certificate-only file yields nothing and no error', () => {
    assert.deepEqual(readCrls(fx('ibm.crt').bytes), []);
    assert.deepEqual(readCrls(new Uint8Array(0)), []);
  });
  test('T04: distribution points of ibm.crt', () => {
    assert.deepEqual(parseCertificate(fx('der.crt').bytes).crlDistributionPoints, ['inter_ca.crl']);
  });
  test('U02a-c: signing-key subject rules', () => {
    const subj = (n: string) => readCertificates(fx(n).bytes)[0]!.subject;
    assert.equal(isIbmSigningKeySubject(subj('ibm.crt')), true);
    assert.equal(isIbmSigningKeySubject(subj('ibm_armonk.crt')), true);
    assert.equal(isIbmSigningKeySubject(subj('inter_ca.crt')), false);
    assert.equal(isIbmSigningKeySubject(subj('ibm_wrong_subject.crt')), false);
  });
  test('U04: ibm.crt AKID does not match the root (compared for real, not ported literally)', () => {
    const ibm = readCertificates(fx('ibm.crt').bytes)[0]!;
    const root = readCertificates(fx('root_ca.crt').bytes)[0]!;
    const inter = readCertificates(fx('inter_ca.crt').bytes)[0]!;
    assert.equal(akidMatches(ibm.authorityKeyId!, root), false);
    assert.equal(akidMatches(ibm.authorityKeyId!, inter), true);
  });
  test('U05a-c: read_crls', () => {
    assert.equal(readCrls(fx('ibm.crl').bytes).length, 1);
    assert.equal(readCrls(fx('der.crl').bytes).length, 1);
    assert.equal(readCrls(fx('ibm.crt').bytes).length, 0);
    assert.equal(readCrls(fx('root_ca.chained.crt').bytes).length, 1);
  });
  test('U06a-c: read_certs', () => {
    assert.equal(readCertificates(fx('ibm.crt').bytes).length, 1);
    assert.equal(readCertificates(fx('der.crt').bytes).length, 1);
    assert.equal(readCertificates(fx('ibm.crl').bytes).length, 0);
    assert.equal(readCertificates(fx('ibm.chained.crt').bytes).length, 1);
  });
  test('PHKH facts of the fixtures (spec §4)', async () => {
    const r = await runRow({
      ...STD,
      id: '',
      chain: '',
      hkds: [
        ['host.crt', ''],
        ['host2.crt', ''],
        ['host_rev.crt', ''],
      ],
    });
    assert.deepEqual(
      r.hkds.map((h) => h.facts?.phkh),
      [
        '24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05',
        '491bc0601fe89fd793f1ec8534f1ae63e9c280331c245c453d64afc8b5aa1bcc',
        'b6d8976785faf3bb1980c66fcce232c33b54bdc7fe011207f98920433c26fc44',
      ],
    );
    assert.equal(r.hkds[0]!.facts?.serial.startsWith('0522E1B8'), true);
    assert.equal(r.hkds[0]!.publicCoords?.length, 160);
  });
  test('a second HKD reuses the validated chain: no chain step is repeated (its speed is in `npm run bench pki`)', async () => {
    const v = await createHkdVerifier({
      certs: STD.certs.map(fx),
      crls: STD.crls.map(fx),
      rootCa: fx(STD.root),
      offline: true,
      at: PINNED,
    });
    const chainSteps = v.chain.steps.length;
    const first = await v.verify(fx('host.crt').bytes, 'host.crt');
    const second = await v.verify(fx('host2.crt').bytes, 'host2.crt');
    assert.equal(first.verified && second.verified, true);
    assert.equal(v.chain.steps.length, chainSteps, 'the chain report is not re-run');
    assert.ok(
      second.steps.every((s) => s.certificate === 'host2.crt'),
      'only HKD checks for the second HKD',
    );
    assert.deepEqual(
      second.steps.map((s) => s.check),
      ['key strength', 'validity', 'authority key id', 'signature', 'CRL', 'revocation', 'host key'],
    );
  });
});

describe('path building beyond the table (derived from OpenSSL without partial chains)', () => {
  test('a non-self-signed --root-ca is not a terminal anchor: its issuer is still required', async () => {
    const r = await runRow({
      id: '',
      certs: ['ibm.crt'],
      crls: ['ibm.crl', 'inter_ca.crl'],
      root: 'inter_ca.chained.crt',
      mode: 'offline',
      chain: '',
    });
    assert.equal(chainVerdict(r), 'SIGNING_KEY_INVALID(2@1)');
    assert.equal(r.chain.code, 'ERR_CHAIN_NO_ISSUER');
  });
  test('adding the real root to --cert completes that chain (intermediate anchor used as issuer)', async () => {
    const r = await runRow({
      id: '',
      certs: ['ibm.crt', 'root_ca.crt'],
      crls: ['ibm.crl', 'inter_ca.crl', 'root_ca.crl'],
      root: 'inter_ca.crt',
      mode: 'offline',
      chain: '',
    });
    assert.equal(chainVerdict(r), 'SIGNING_KEY_INVALID(19@2)');
  });
  test('the signing key as its own (non-self-signed) --root-ca does not make a chain', async () => {
    const r = await runRow({
      id: '',
      certs: ['ibm.crt'],
      crls: ['ibm.crl'],
      root: 'ibm.crt',
      mode: 'offline',
      chain: '',
    });
    assert.equal(chainVerdict(r), 'SIGNING_KEY_INVALID(2@0)');
  });
});
