// Negative tests of the attestation engine: wrong keys, malformed files, the §5.4 hand-crafted reader table for
// both dialects, and one-byte tampering of every field of a valid response (spec §2.8, §5.4, §9.2, §9.4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import {
  ARCB_TAG_SIZE,
  PAF_NONCE,
  aes256GcmEncrypt,
  encodeArcbAad,
  MAX_ARCB_SIZE,
  MAX_EXCHANGE_SIZE,
  aes256GcmDecrypt,
  computeMeasurement,
  concatBytes,
  createAttestationRequest,
  decryptArcbWith,
  encodeExchange,
  encodeExchangeResponse,
  filledBytes,
  p521PrivateKeyFromPem,
  parseArcb,
  parseExchangeRequest,
  parseExchangeResponse,
  parseSeHeader,
  performAttestation,
  readAddSecretRequestTag,
  readHostKeyDocument,
  readU32,
  systemContext,
  verifyAttestationResponse,
  writeU32,
  type Dialect,
  type ExchangeResponse,
} from '../../main/engine/index.js';
import { vector, vectorText } from '../support/vectors.js';

const KEYS = 'interop/keys';
const SE_HDR = vector(`${KEYS}/se.hdr`);
/** The §5.4 base: a valid response to a Rust request with additional data and 8 bytes of user data (616 bytes). */
const BASE = vector('interop/rs-phkh/resp.bin');
const BASE_ARPK = vector('interop/rs-phkh/arp.key');
const BASE_REQ = vector('interop/rs-phkh/req.bin');
const HOST_PRIV = ['A', 'B', 'C'].map((n) => p521PrivateKeyFromPem(vectorText(`${KEYS}/host${n}.key`)));
const HOST_A = readHostKeyDocument(vector(`${KEYS}/hostA.crt`));
const DIALECTS: readonly Dialect[] = ['rust', 'c'];
const ASRCB = vector('s390-tools/rust/pv/tests/assets/exp/asrcb/assoc_simple_default_cuid_one');

const ENTRY_AT = { arcb: 0x18, measurement: 0x20, additional: 0x28, user: 0x30, cuid: 0x38 } as const;
type EntryName = keyof typeof ENTRY_AT;

/** A copy of `bytes` with one exchange entry set to (size, offset). */
function withEntry(bytes: Uint8Array, name: EntryName, size: number, offset: number): Uint8Array {
  const out = bytes.slice();
  writeU32(out, ENTRY_AT[name], size);
  writeU32(out, ENTRY_AT[name] + 4, offset);
  return out;
}

function entryOf(bytes: Uint8Array, name: EntryName): { size: number; offset: number } {
  return { size: readU32(bytes, ENTRY_AT[name]), offset: readU32(bytes, ENTRY_AT[name] + 4) };
}

/** A copy with the header `size` field (0x0C) set. */
function withSizeField(bytes: Uint8Array, size: number): Uint8Array {
  const out = bytes.slice();
  writeU32(out, 0x0c, size);
  return out;
}

/** A copy with `byte` XORed into position `at`. */
function flipped(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ mask;
  return out;
}

/** Asserts that `fn` throws an AttestError with `code` (and, when given, a message containing `text`). */
function assertCode(fn: () => unknown, code: ErrorCode, text?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestError(e), `expected an AttestError, got ${String(e)}`);
    assert.equal(e.code, code, `message: ${e.message}`);
    if (text !== undefined) assert.ok(e.message.includes(text), `message "${e.message}" lacks "${text}"`);
    return true;
  });
}

function verifyBase(response: Uint8Array, dialect: Dialect, arpk = BASE_ARPK) {
  return verifyAttestationResponse({ response, arpk, seHeader: SE_HDR, dialect });
}

/** A fresh response from the software UV to the base request (hostA…C held), with the given user data and CUID. */
function respond(userData?: Uint8Array, cuid: Uint8Array = filledBytes(16, 0x5a)): Uint8Array {
  return performAttestation({ request: BASE_REQ, hostPrivateKeys: HOST_PRIV, seHeader: SE_HDR, cuid, userData });
}

describe('wrong keys', () => {
  test('the base response verifies with its ARPK in both dialects', () => {
    for (const d of DIALECTS) assert.equal(verifyBase(BASE, d).verified, true);
  });
  test('a wrong ARPK is ERR_ARCB_TAG_MISMATCH with the Rust message (both dialects)', () => {
    for (const d of DIALECTS) {
      assertCode(
        () => verifyBase(BASE, d, filledBytes(32, 0x42)),
        'ERR_ARCB_TAG_MISMATCH',
        'Decryption failed. Probably due to a GCM tag mismatch.',
      );
      assertCode(() => verifyBase(BASE, d, flipped(BASE_ARPK, 31, 0x80)), 'ERR_ARCB_TAG_MISMATCH');
    }
  });
  test('the interop wrong-arpk case fails with ERR_ARCB_TAG_MISMATCH', () => {
    assertCode(
      () =>
        verifyAttestationResponse({
          response: vector('interop/wrong-arpk/resp.bin'),
          arpk: vector('interop/wrong-arpk/arp.key'),
          seHeader: vector('interop/wrong-arpk/hdr.input'),
        }),
      'ERR_ARCB_TAG_MISMATCH',
    );
  });
  test('an ARPK of 0, 31, 33 or 64 bytes is ERR_ARPK_SIZE with the Rust message', () => {
    for (const size of [0, 31, 33, 64]) {
      for (const d of DIALECTS) {
        const arpk = size <= 32 ? BASE_ARPK.slice(0, size) : concatBytes(BASE_ARPK, filledBytes(size - 32, 0));
        assertCode(
          () => verifyBase(BASE, d, arpk),
          'ERR_ARPK_SIZE',
          'Attestation request protection key must be exactly 32 bytes long',
        );
      }
    }
  });
});

describe('truncated files', () => {
  test('the interop truncated response (500 of 616 bytes): Rust "File size too small", C entry range', () => {
    const resp = vector('interop/truncated/resp.bin');
    assert.equal(resp.length, 500);
    const arpk = vector('interop/truncated/arp.key');
    const seHeader = vector('interop/truncated/hdr.input');
    assertCode(
      () => verifyAttestationResponse({ response: resp, arpk, seHeader }),
      'ERR_EXCHANGE_TOO_SMALL',
      'File size too small',
    );
    assertCode(
      () => verifyAttestationResponse({ response: resp, arpk, seHeader, dialect: 'c' }),
      'ERR_EXCHANGE_ENTRY_RANGE',
    );
  });
  test('every truncation of the response is a coded error: below 64 bytes too small, else Rust too small / C range', () => {
    for (let len = 0; len < BASE.length; len++) {
      const cut = BASE.subarray(0, len);
      assertCode(() => parseExchangeResponse(cut, 'rust'), 'ERR_EXCHANGE_TOO_SMALL');
      assertCode(
        () => parseExchangeResponse(cut, 'c'),
        len < 64 ? 'ERR_EXCHANGE_TOO_SMALL' : 'ERR_EXCHANGE_ENTRY_RANGE',
      );
    }
  });
  test('every truncation of the request file is a coded error', () => {
    for (let len = 0; len < BASE_REQ.length; len++) {
      const cut = BASE_REQ.subarray(0, len);
      assertCode(() => parseExchangeRequest(cut, 'rust'), 'ERR_EXCHANGE_TOO_SMALL');
      assertCode(
        () => parseExchangeRequest(cut, 'c'),
        len < 64 ? 'ERR_EXCHANGE_TOO_SMALL' : 'ERR_EXCHANGE_ENTRY_RANGE',
      );
    }
  });
  test('a truncated ARCB is ERR_ARCB_SIZE (Rust and C)', () => {
    const arcb = parseExchangeResponse(BASE).arcb;
    for (const len of [0, 1, 47, 48, 0x40, 0xe0, arcb.length - 17, arcb.length - 1]) {
      for (const d of DIALECTS) assertCode(() => parseArcb(arcb.subarray(0, len), d), 'ERR_ARCB_SIZE');
    }
  });
  test('a truncated SE header: 639 bytes and 0x1A0−1 bytes are ERR_SEHDR_TRUNCATED ("failed to fill whole buffer")', () => {
    assertCode(() => parseSeHeader(SE_HDR.subarray(0, 639)), 'ERR_SEHDR_TRUNCATED', 'failed to fill whole buffer');
    assertCode(() => parseSeHeader(SE_HDR.subarray(0, 0x19f)), 'ERR_SEHDR_TRUNCATED', 'failed to fill whole buffer');
    assertCode(() => parseSeHeader(SE_HDR.subarray(0, 7)), 'ERR_SEHDR_INVALID');
    assertCode(() => readAddSecretRequestTag(ASRCB.subarray(0, ASRCB.length - 1)), 'ERR_ASRCB_INVALID');
    assertCode(() => readAddSecretRequestTag(ASRCB.subarray(0, 47)), 'ERR_ASRCB_INVALID');
  });
});

describe('oversized files', () => {
  test('an exchange file one byte above the largest possible is ERR_INPUT_TOO_LARGE (both readers, verify)', () => {
    const big = concatBytes(BASE, new Uint8Array(MAX_EXCHANGE_SIZE + 1 - BASE.length));
    for (const d of DIALECTS) {
      assertCode(() => parseExchangeResponse(big, d), 'ERR_INPUT_TOO_LARGE');
      assertCode(() => parseExchangeRequest(big, d), 'ERR_INPUT_TOO_LARGE');
      assertCode(() => verifyBase(big, d), 'ERR_INPUT_TOO_LARGE');
    }
  });
  test('exactly the largest size (trailing zeros after a valid response) is still read and verified', () => {
    const edge = concatBytes(BASE, new Uint8Array(MAX_EXCHANGE_SIZE - BASE.length));
    for (const d of DIALECTS) assert.equal(verifyBase(edge, d).verified, true);
  });
  test('an ARCB above 1 MiB: parseArcb ERR_ARCB_SIZE; as an exchange entry Rust ERR_EXCHANGE_ENTRY_SIZE, C range', () => {
    const arcb = new Uint8Array(MAX_ARCB_SIZE + 1);
    writeU32(arcb, 0x08, 0x100);
    writeU32(arcb, 0x0c, arcb.length);
    for (const d of DIALECTS) assertCode(() => parseArcb(arcb, d), 'ERR_ARCB_SIZE');
    const file = encodeExchange({
      arcb: { data: arcb },
      measurement: { data: filledBytes(64, 1) },
      cuid: { data: filledBytes(16, 2) },
    });
    assertCode(() => parseExchangeResponse(file, 'rust'), 'ERR_EXCHANGE_ENTRY_SIZE');
    assertCode(() => parseExchangeResponse(file, 'c'), 'ERR_EXCHANGE_ENTRY_RANGE');
    assertCode(() => parseExchangeRequest(file, 'rust'), 'ERR_EXCHANGE_ENTRY_SIZE');
  });
  test('measurement above 0x8000 bytes in a response, or expected sizes out of range in a request', () => {
    const r = parseExchangeResponse(BASE);
    const file = encodeExchange({
      arcb: { data: r.arcb },
      measurement: { data: new Uint8Array(0x8001) },
      cuid: { data: r.cuid },
    });
    assertCode(() => parseExchangeResponse(file, 'rust'), 'ERR_EXCHANGE_ENTRY_SIZE');
    assertCode(() => parseExchangeResponse(file, 'c'), 'ERR_EXCHANGE_ENTRY_RANGE');
    const req = (m: number, a: number) =>
      encodeExchange({
        arcb: { data: r.arcb },
        measurement: m ? { expectedSize: m } : undefined,
        additional: a ? { expectedSize: a } : undefined,
      });
    for (const d of DIALECTS) {
      assertCode(() => parseExchangeRequest(req(0, 0), d), 'ERR_EXCHANGE_ENTRY_SIZE');
      assertCode(() => parseExchangeRequest(req(0x8001, 0), d), 'ERR_EXCHANGE_ENTRY_SIZE');
      assertCode(() => parseExchangeRequest(req(64, 0x8001), d), 'ERR_EXCHANGE_ENTRY_SIZE');
      const ok = parseExchangeRequest(req(0x8000, 0x8000), d);
      assert.deepEqual([ok.measurementSize, ok.additionalSize], [0x8000, 0x8000]);
    }
  });
  test('an add-secret request above 1 MiB is ERR_ASRCB_INVALID', () => {
    const big = new Uint8Array(0x100001);
    big.set(ASRCB);
    writeU32(big, 0x0c, big.length);
    assertCode(() => readAddSecretRequestTag(big), 'ERR_ASRCB_INVALID', 'larger than 1 MiB');
  });
});

describe('entries past the end of the file', () => {
  for (const name of Object.keys(ENTRY_AT) as EntryName[]) {
    test(`${name} entry running one byte past EOF is ERR_EXCHANGE_ENTRY_RANGE in both dialects`, () => {
      const { size } = entryOf(BASE, name);
      const past = withEntry(BASE, name, size, BASE.length - size + 1);
      assertCode(() => parseExchangeResponse(past, 'rust'), 'ERR_EXCHANGE_ENTRY_RANGE', 'failed to fill whole buffer');
      assertCode(
        () => parseExchangeResponse(past, 'c'),
        'ERR_EXCHANGE_ENTRY_RANGE',
        'Input file is not in a valid format.',
      );
      const far = withEntry(BASE, name, size, 0xffffffff);
      for (const d of DIALECTS) assertCode(() => verifyBase(far, d), 'ERR_EXCHANGE_ENTRY_RANGE');
      // ending exactly at EOF is fine for the reader
      const atEnd = withEntry(BASE, name, size, BASE.length - size);
      for (const d of DIALECTS) assert.ok(parseExchangeResponse(atEnd, d).cuid.length === 16);
    });
  }
  test('the ARCB entry of a request running past EOF is ERR_EXCHANGE_ENTRY_RANGE', () => {
    const past = withEntry(BASE_REQ, 'arcb', 400, 0x41);
    for (const d of DIALECTS) assertCode(() => parseExchangeRequest(past, d), 'ERR_EXCHANGE_ENTRY_RANGE');
  });
});

describe('wrong magic and version', () => {
  test('each byte of the exchange magic: ERR_EXCHANGE_MAGIC (request and response readers, both dialects)', () => {
    for (let i = 0; i < 8; i++) {
      for (const d of DIALECTS) {
        assertCode(() => parseExchangeResponse(flipped(BASE, i), d), 'ERR_EXCHANGE_MAGIC');
        assertCode(() => parseExchangeRequest(flipped(BASE_REQ, i), d), 'ERR_EXCHANGE_MAGIC');
      }
    }
  });
  test('exchange version 0x200, 0 or 0x101: ERR_EXCHANGE_VERSION; Rust message names the version', () => {
    for (const v of [0x200, 0, 0x101]) {
      const bad = BASE.slice();
      writeU32(bad, 0x08, v);
      for (const d of DIALECTS)
        assertCode(() => verifyBase(bad, d), 'ERR_EXCHANGE_VERSION', `Unsupported version: (${v})`);
    }
  });
  test('ARCB version 0x200: ERR_ARCB_VERSION (both dialects, before any decryption)', () => {
    const bad = BASE.slice();
    writeU32(bad, 0x40 + 0x08, 0x200);
    for (const d of DIALECTS) assertCode(() => verifyBase(bad, d), 'ERR_ARCB_VERSION');
  });
  test('ARCB magic not zero: Rust ERR_ARCB_NO_ARCB; C does not check it (the AAD then fails)', () => {
    const bad = flipped(BASE, 0x40 + 3);
    assertCode(() => verifyBase(bad, 'rust'), 'ERR_ARCB_NO_ARCB');
    assertCode(() => verifyBase(bad, 'c'), 'ERR_ARCB_TAG_MISMATCH');
  });
  test('SE header with a wrong magic: Rust not found, C invalid', () => {
    const hdr = flipped(SE_HDR, 0);
    assertCode(
      () => verifyAttestationResponse({ response: BASE, arpk: BASE_ARPK, seHeader: hdr }),
      'ERR_SEHDR_NOT_FOUND',
      'Invalid SE header provided',
    );
    assertCode(
      () => verifyAttestationResponse({ response: BASE, arpk: BASE_ARPK, seHeader: hdr, dialect: 'c' }),
      'ERR_SEHDR_INVALID',
    );
  });
  test('SE header version 0x200: Rust ERR_SEHDR_VERSION; C does not check the version and verifies', () => {
    const hdr = SE_HDR.slice();
    writeU32(hdr, 0x08, 0x200);
    assertCode(
      () => verifyAttestationResponse({ response: BASE, arpk: BASE_ARPK, seHeader: hdr }),
      'ERR_SEHDR_VERSION',
      'Invalid SE header provided',
    );
    assert.equal(
      verifyAttestationResponse({ response: BASE, arpk: BASE_ARPK, seHeader: hdr, dialect: 'c' }).verified,
      true,
    );
  });
});

describe('CUID and user-data sizes on the writing side', () => {
  test('encodeExchangeResponse and performAttestation refuse a CUID of 15 or 17 bytes (ERR_CUID_SIZE)', () => {
    const r = parseExchangeResponse(BASE);
    for (const n of [0, 15, 17]) {
      assertCode(() => encodeExchangeResponse({ ...r, cuid: new Uint8Array(n) }), 'ERR_CUID_SIZE');
      assertCode(() => respond(undefined, new Uint8Array(n)), 'ERR_CUID_SIZE');
    }
  });
  test('user data of 257 bytes: encodeExchangeResponse and computeMeasurement ERR_USER_DATA_SIZE; 256 is fine', () => {
    const r = parseExchangeResponse(BASE);
    assertCode(() => encodeExchangeResponse({ ...r, userData: new Uint8Array(257) }), 'ERR_USER_DATA_SIZE');
    const tags = parseSeHeader(SE_HDR);
    assertCode(
      () =>
        computeMeasurement({ measurementKey: filledBytes(64, 1), tags, cuid: r.cuid, userData: new Uint8Array(257) }),
      'ERR_USER_DATA_SIZE',
    );
    assert.equal(
      computeMeasurement({ measurementKey: filledBytes(64, 1), tags, cuid: r.cuid, userData: new Uint8Array(256) })
        .length,
      64,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// §5.4: reader behaviour on hand-crafted responses, Rust and C columns.

type Outcome =
  { readonly verified: boolean } | { readonly code: ErrorCode | readonly ErrorCode[]; readonly text?: string };

interface TableRow {
  readonly name: string;
  readonly file: () => Uint8Array;
  readonly rust: Outcome;
  readonly c: Outcome;
}

const USER8 = vector(`${KEYS}/user8`);
const INVALID_C = 'Input file is not in a valid format.';

/** Rebuilds the base response with the given entries replaced (blobs re-laid out in the fixed order). */
function rebuilt(change: Partial<Record<EntryName, Uint8Array | undefined>>): Uint8Array {
  const r: ExchangeResponse = parseExchangeResponse(BASE);
  const pick = (name: EntryName, v: Uint8Array | undefined) => (name in change ? change[name] : v);
  const data = (b: Uint8Array | undefined) => (b === undefined ? undefined : { data: b });
  return encodeExchange({
    arcb: data(pick('arcb', r.arcb)),
    measurement: data(pick('measurement', r.measurement)),
    additional: data(pick('additional', r.additionalData)),
    user: data(pick('user', r.userData)),
    cuid: data(pick('cuid', r.cuid)),
  });
}

const TABLE: readonly TableRow[] = [
  {
    name: 'entry offset below 0x40 (CUID read from header bytes 0x10..0x20)',
    file: () => {
      const probe = respond(USER8, filledBytes(16, 0));
      const cuid = probe.slice(0x10, 0x20); // what the reader will see there: reserved 0 ‖ ARCB entry
      return withEntry(respond(USER8, cuid), 'cuid', 16, 0x10);
    },
    rust: { verified: true },
    c: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: INVALID_C },
  },
  {
    name: 'user entry (8, 0x20), inside the header',
    file: () => withEntry(BASE, 'user', 8, 0x20),
    rust: { verified: false },
    c: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: INVALID_C },
  },
  {
    name: 'header size = file length + 1',
    file: () => withSizeField(BASE, BASE.length + 1),
    rust: { code: 'ERR_EXCHANGE_TOO_SMALL', text: 'File size too small' },
    c: { verified: true },
  },
  { name: 'header size 0', file: () => withSizeField(BASE, 0), rust: { verified: true }, c: { verified: true } },
  {
    name: 'file longer than the header size (trailing bytes)',
    file: () => concatBytes(BASE, filledBytes(7, 0xee)),
    rust: { verified: true },
    c: { verified: true },
  },
  {
    name: 'file truncated (500 of 616 bytes)',
    file: () => BASE.slice(0, 500),
    rust: { code: 'ERR_EXCHANGE_TOO_SMALL', text: 'File size too small' },
    c: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: INVALID_C },
  },
  {
    name: 'CUID size 15',
    file: () => withEntry(BASE, 'cuid', 15, entryOf(BASE, 'cuid').offset),
    rust: { code: 'ERR_EXCHANGE_CUID_SIZE', text: 'Configuration UID has an invalid size. Expected size 16, is 15' },
    c: { code: 'ERR_EXCHANGE_CUID_SIZE' },
  },
  {
    name: 'CUID size 17 (17 bytes stored)',
    file: () => rebuilt({ cuid: concatBytes(parseExchangeResponse(BASE).cuid, Uint8Array.of(0x99)) }),
    rust: { code: 'ERR_EXCHANGE_CUID_SIZE', text: 'Configuration UID has an invalid size. Expected size 16, is 17' },
    c: { code: ['ERR_EXCHANGE_CUID_SIZE', 'ERR_EXCHANGE_ENTRY_RANGE'], text: INVALID_C },
  },
  {
    name: 'CUID entry absent (0, 0)',
    file: () => withEntry(BASE, 'cuid', 0, 0),
    rust: { code: 'ERR_EXCHANGE_NO_CUID', text: 'Contains no attestation response (CUID missing).' },
    // C aborts on an assertion here; the spec asks a port to report an ordinary error
    c: { code: 'ERR_EXCHANGE_NO_CUID' },
  },
  {
    name: 'user data 257 bytes',
    file: () => rebuilt({ user: filledBytes(257, 0x61) }),
    rust: { code: 'ERR_EXCHANGE_USER_DATA_SIZE', text: 'The User data field is too large (257)' },
    c: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: INVALID_C },
  },
  {
    name: 'user data 256 bytes',
    file: () => respond(vector(`${KEYS}/user256`)),
    rust: { verified: true },
    c: { verified: true },
  },
  {
    name: 'measurement entry expected-only (64, 0)',
    file: () => withEntry(BASE, 'measurement', 64, 0),
    rust: { code: 'ERR_EXCHANGE_NO_MEASUREMENT', text: 'Contains no attestation response (Measurement missing).' },
    c: { code: 'ERR_EXCHANGE_NO_MEASUREMENT' },
  },
  {
    name: 'ARCB entry offset 0',
    file: () => withEntry(BASE, 'arcb', entryOf(BASE, 'arcb').size, 0),
    rust: { code: 'ERR_EXCHANGE_NO_ARCB', text: 'Contains no attestation request.' },
    // C prints "Input data has no measurement" (sic) here
    c: { code: ['ERR_EXCHANGE_NO_ARCB', 'ERR_EXCHANGE_NO_MEASUREMENT'] },
  },
  {
    name: 'additional entry expected-only (64, 0): read as absent',
    file: () => withEntry(BASE, 'additional', 64, 0),
    rust: { verified: false },
    c: { verified: false },
  },
  {
    name: 'user entry (0, nonzero offset): read as absent',
    file: () => withEntry(BASE, 'user', 0, entryOf(BASE, 'user').offset),
    rust: { verified: false },
    c: { verified: false },
  },
  {
    name: 'measurement entry 65 bytes',
    file: () => rebuilt({ measurement: concatBytes(parseExchangeResponse(BASE).measurement, Uint8Array.of(0)) }),
    rust: { verified: false },
    c: { verified: false },
  },
  {
    name: 'entry runs past EOF',
    file: () => withEntry(BASE, 'cuid', 16, BASE.length - 8),
    rust: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: 'failed to fill whole buffer' },
    c: { code: 'ERR_EXCHANGE_ENTRY_RANGE', text: INVALID_C },
  },
  {
    name: 'exchange version 0x200',
    file: () => {
      const f = BASE.slice();
      writeU32(f, 0x08, 0x200);
      return f;
    },
    rust: { code: 'ERR_EXCHANGE_VERSION', text: 'Unsupported version: (512)' },
    c: { code: 'ERR_EXCHANGE_VERSION' },
  },
];

function assertOutcome(run: () => { verified: boolean }, outcome: Outcome, label: string): void {
  if ('verified' in outcome) {
    let result: { verified: boolean };
    try {
      result = run();
    } catch (e) {
      assert.fail(`${label}: expected verified=${outcome.verified}, got ${isAttestError(e) ? e.code : String(e)}`);
    }
    assert.equal(result.verified, outcome.verified, label);
    return;
  }
  const codes: readonly ErrorCode[] = typeof outcome.code === 'string' ? [outcome.code] : outcome.code;
  assert.throws(run, (e: unknown) => {
    assert.ok(isAttestError(e), `${label}: expected an AttestError, got ${String(e)}`);
    assert.ok(codes.includes(e.code), `${label}: expected ${codes.join('|')}, got ${e.code} (${e.message})`);
    if (outcome.text !== undefined)
      assert.ok(e.message.includes(outcome.text), `${label}: message "${e.message}" lacks "${outcome.text}"`);
    return true;
  });
}

describe('§5.4 hand-crafted reader table (Rust and C columns)', () => {
  for (const row of TABLE) {
    test(row.name, () => {
      const file = row.file();
      for (const d of DIALECTS) {
        const outcome = d === 'rust' ? row.rust : row.c;
        assertOutcome(() => verifyBase(file, d), outcome, `${row.name} [${d} verify]`);
        // the reader alone agrees on errors and acceptance
        if ('code' in outcome)
          assertOutcome(
            () => (parseExchangeResponse(file, d), { verified: true }),
            outcome,
            `${row.name} [${d} reader]`,
          );
        else assert.equal(parseExchangeResponse(file, d).cuid.length, 16);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// One byte tampered per field of a valid response.

describe('one-byte tamper per field of a valid response', () => {
  const r = parseExchangeResponse(BASE);
  const fields: [string, EntryName, number][] = [
    ['measurement', 'measurement', r.measurement.length],
    ['CUID', 'cuid', r.cuid.length],
    ['additional data', 'additional', r.additionalData?.length ?? 0],
    ['user data', 'user', r.userData?.length ?? 0],
  ];
  for (const [label, name, size] of fields) {
    test(`every byte of the ${label}: verified false in both dialects`, () => {
      assert.ok(size > 0);
      const at = entryOf(BASE, name).offset;
      for (let i = 0; i < size; i++) {
        const bad = flipped(BASE, at + i, 1 << (i % 8));
        for (const d of DIALECTS) assert.equal(verifyBase(bad, d).verified, false, `${label} byte ${i} [${d}]`);
      }
    });
  }
  test('interop tamper-meas|cuid|add|user responses: verified false (exit 2)', () => {
    for (const c of ['tamper-meas', 'tamper-cuid', 'tamper-add', 'tamper-user']) {
      const v = verifyAttestationResponse({
        response: vector(`interop/${c}/resp.bin`),
        arpk: vector(`interop/${c}/arp.key`),
        seHeader: vector(`interop/${c}/hdr.input`),
      });
      assert.equal(v.verified, false, c);
      assert.equal(v.additional, undefined, `${c}: no decoded additional data on a mismatch`);
    }
  });

  /** Expected code for XOR 0x01 into ARCB byte `i` (1 key slot, nonce, rql 400, sea 80). */
  function expectedArcbCode(i: number, d: Dialect): ErrorCode {
    if (i < 0x08) return d === 'rust' ? 'ERR_ARCB_NO_ARCB' : 'ERR_ARCB_TAG_MISMATCH';
    if (i < 0x0c) return 'ERR_ARCB_VERSION';
    if (i < 0x10) return 'ERR_ARCB_SIZE';
    if (i === 0x27) return d === 'rust' ? 'ERR_ARCB_TAG_MISMATCH' : 'ERR_ARCB_SIZE'; // nks: Rust derives the AAD from rql − sea
    // sea 81 (byte 0x2f) or 336 (byte 0x2e, leaving 48 bytes of AAD, the Rust minimum) still fit for Rust
    if (i >= 0x2c && i < 0x30) return d === 'rust' && i >= 0x2e ? 'ERR_ARCB_TAG_MISMATCH' : 'ERR_ARCB_SIZE';
    if (i >= 0x38 && i < 0x3c) return 'ERR_ARCB_ALGORITHM';
    return 'ERR_ARCB_TAG_MISMATCH'; // IV, reserved, flags, customer key, key slot, ciphertext, tag
  }

  test('every byte of the ARCB (header, AAD, ciphertext, tag): the exact code, both dialects', () => {
    const arcbAt = entryOf(BASE, 'arcb').offset;
    assert.equal(r.arcb.length, 400);
    for (let i = 0; i < r.arcb.length; i++) {
      const bad = flipped(BASE, arcbAt + i);
      for (const d of DIALECTS) assertCode(() => verifyBase(bad, d), expectedArcbCode(i, d));
    }
  });
  test('ARCB nonce flag cleared: C rejects the size (sea 80 without nonce), Rust fails the tag', () => {
    const bad = flipped(BASE, 0x40 + 0x30, 0x40);
    assertCode(() => verifyBase(bad, 'c'), 'ERR_ARCB_SIZE');
    assertCode(() => verifyBase(bad, 'rust'), 'ERR_ARCB_TAG_MISMATCH');
  });
  test('a tampered ARCB ciphertext / tag also fails decryptArcbWith directly', () => {
    const info = parseArcb(r.arcb);
    for (const at of [info.aadSize, r.arcb.length - ARCB_TAG_SIZE, r.arcb.length - 1]) {
      const bad = flipped(r.arcb, at);
      assertCode(
        () => decryptArcbWith(bad, info, (iv, aad, sealed) => aes256GcmDecrypt(BASE_ARPK, iv, aad, sealed)),
        'ERR_ARCB_TAG_MISMATCH',
      );
    }
  });
});

describe('§9.2 step 6: additional data shorter than the flags ask for', () => {
  /** A response whose measurement is right but covers only 32 bytes of additional data while both PHKHs are flagged. */
  function shortAddResponse(): { response: Uint8Array; arpk: Uint8Array } {
    const req = createAttestationRequest({
      hostKeys: [HOST_A.publicCoords],
      addData: ['phkh-img', 'phkh-att'],
      ctx: systemContext(),
    });
    const info = parseArcb(req.arcb);
    const secrets = decryptArcbWith(req.arcb, info, (iv, aad, sealed) => aes256GcmDecrypt(req.arpk, iv, aad, sealed));
    const cuid = filledBytes(16, 0x33);
    const additionalData = HOST_A.phkh;
    const measurement = computeMeasurement({
      measurementKey: secrets.measurementKey,
      tags: parseSeHeader(SE_HDR),
      cuid,
      nonce: secrets.nonce,
      additionalData,
    });
    return {
      response: encodeExchangeResponse({ arcb: req.arcb, measurement, additionalData, userData: undefined, cuid }),
      arpk: req.arpk,
    };
  }
  test('Rust: ERR_ADD_DATA_MISSING naming the Attestation PHKH; C: verified (it never decodes)', () => {
    const { response, arpk } = shortAddResponse();
    assertCode(
      () => verifyAttestationResponse({ response, arpk, seHeader: SE_HDR }),
      'ERR_ADD_DATA_MISSING',
      'Attestation flags indicating that the additional data contains Attestation PHKH, but no data was provided.',
    );
    assert.equal(verifyAttestationResponse({ response, arpk, seHeader: SE_HDR, dialect: 'c' }).verified, true);
  });
  test('additional data longer than the flags ask for: verified, the rest decoded as unrecognized', () => {
    for (const [addData, extra] of [
      [[], 32],
      [['phkh-img', 'phkh-att'], 16],
    ] as const) {
      const req = createAttestationRequest({ hostKeys: [HOST_A.publicCoords], addData, ctx: systemContext() });
      const secrets = decryptArcbWith(req.arcb, parseArcb(req.arcb), (iv, aad, sealed) =>
        aes256GcmDecrypt(req.arpk, iv, aad, sealed),
      );
      const cuid = filledBytes(16, 0x34);
      const known = addData.length === 0 ? new Uint8Array(0) : concatBytes(HOST_A.phkh, HOST_A.phkh);
      const additionalData = concatBytes(known, filledBytes(extra, 0xab));
      const measurement = computeMeasurement({ ...secrets, tags: parseSeHeader(SE_HDR), cuid, additionalData });
      const response = encodeExchangeResponse({
        arcb: req.arcb,
        measurement,
        additionalData,
        userData: undefined,
        cuid,
      });
      const v = verifyAttestationResponse({ response, arpk: req.arpk, seHeader: SE_HDR });
      assert.equal(v.verified, true);
      assert.deepEqual(v.additional?.unrecognized, filledBytes(extra, 0xab));
      assert.deepEqual(v.additional?.imagePhkh, addData.length === 0 ? undefined : HOST_A.phkh);
    }
  });
  test('a mismatching response with short additional data is a plain mismatch, not the decode error', () => {
    const { response, arpk } = shortAddResponse();
    const bad = flipped(response, entryOf(response, 'measurement').offset);
    assert.equal(verifyAttestationResponse({ response: bad, arpk, seHeader: SE_HDR }).verified, false);
  });
});

describe('reader errors are the same for checkAttestation (Rust)', () => {
  for (const row of TABLE) {
    test(`check: ${row.name}`, async () => {
      const { checkAttestation } = await import('../../main/engine/index.js');
      const file = row.file();
      if ('code' in row.rust)
        assertOutcome(
          () => (checkAttestation({ response: file }), { verified: true }),
          row.rust,
          `${row.name} [check]`,
        );
      else assert.equal(checkAttestation({ response: file }).successful, true);
    });
  }
});

describe('§2.8 nonce presence and ARCB length rules: Rust vs C', () => {
  const ARPK = filledBytes(32, 0x3c);
  const MK = filledBytes(64, 0x4d);
  const NONCE = filledBytes(16, 0x5e);
  const CUID = filledBytes(16, 0x6f);
  const template = createAttestationRequest({ hostKeys: [HOST_A.publicCoords], ctx: systemContext() }).arcb;

  /** An ARCB re-encrypted under ARPK with the given flags and plaintext (sea = plaintext length). */
  function arcbWith(flags: bigint, plaintext: Uint8Array): Uint8Array {
    const iv = filledBytes(12, 0x01);
    const aad = encodeArcbAad({
      iv,
      flags,
      customerPublicKey: template.slice(0x40, 0xe0),
      keySlots: [template.slice(0xe0, 0xe0 + 80)],
      sea: plaintext.length,
    });
    return concatBytes(aad, aes256GcmEncrypt(ARPK, iv, aad, plaintext));
  }

  /** A response over `arcb` whose measurement includes the nonce iff `measuredNonce`. */
  function responseFor(arcb: Uint8Array, measuredNonce: Uint8Array | undefined, extraArcbBytes = 0): Uint8Array {
    const measurement = computeMeasurement({
      measurementKey: MK,
      tags: parseSeHeader(SE_HDR),
      cuid: CUID,
      nonce: measuredNonce,
    });
    return encodeExchangeResponse({
      arcb: concatBytes(arcb, new Uint8Array(extraArcbBytes)),
      measurement,
      additionalData: undefined,
      userData: undefined,
      cuid: CUID,
    });
  }
  const verify = (response: Uint8Array, dialect: Dialect) =>
    verifyAttestationResponse({ response, arpk: ARPK, seHeader: SE_HDR, dialect });

  test('sea 80 with the nonce flag: both dialects take the nonce', () => {
    const resp = responseFor(arcbWith(PAF_NONCE, concatBytes(MK, NONCE)), NONCE);
    for (const d of DIALECTS) {
      const v = verify(resp, d);
      assert.equal(v.verified, true, d);
      assert.deepEqual(v.nonce, NONCE);
    }
  });
  test('sea 80 without the nonce flag: Rust still takes the nonce (plaintext is 80 bytes); C rejects the size', () => {
    const resp = responseFor(arcbWith(0n, concatBytes(MK, NONCE)), NONCE);
    const v = verify(resp, 'rust');
    assert.equal(v.verified, true);
    assert.deepEqual(v.nonce, NONCE);
    assertCode(() => verify(resp, 'c'), 'ERR_ARCB_SIZE');
  });
  test('sea 64 with the nonce flag: Rust has no nonce (ignores the flag); C rejects the size', () => {
    const resp = responseFor(arcbWith(PAF_NONCE, MK), undefined);
    const v = verify(resp, 'rust');
    assert.equal(v.verified, true);
    assert.equal(v.nonce, undefined);
    assertCode(() => verify(resp, 'c'), 'ERR_ARCB_SIZE');
  });
  test('sea 96 (plaintext not 80 bytes): Rust uses the first 64 as key and no nonce; C rejects the size', () => {
    const resp = responseFor(arcbWith(PAF_NONCE, concatBytes(MK, NONCE, filledBytes(16, 7))), undefined);
    const v = verify(resp, 'rust');
    assert.equal(v.verified, true);
    assert.equal(v.nonce, undefined);
    assertCode(() => verify(resp, 'c'), 'ERR_ARCB_SIZE');
  });
  test('sea 63 (below the measurement key): ERR_ARCB_SIZE in both dialects', () => {
    const resp = responseFor(arcbWith(0n, MK.subarray(0, 63)), undefined);
    for (const d of DIALECTS) assertCode(() => verify(resp, d), 'ERR_ARCB_SIZE');
  });
  test('an ARCB entry longer than rql: Rust rejects it (buffer must be exactly rql); C accepts (rql ≤ buffer)', () => {
    const resp = responseFor(arcbWith(PAF_NONCE, concatBytes(MK, NONCE)), NONCE, 16);
    assertCode(() => verify(resp, 'rust'), 'ERR_ARCB_SIZE');
    assert.equal(verify(resp, 'c').verified, true);
  });
});

describe('§9.2 error precedence: ARPK size, then the header, then the response', () => {
  test('a short ARPK wins over a bad header and a bad response; a bad header wins over a bad response', () => {
    const badHdr = new Uint8Array(0x1000);
    const badResp = BASE.subarray(0, 100);
    assertCode(
      () => verifyAttestationResponse({ response: badResp, arpk: new Uint8Array(31), seHeader: badHdr }),
      'ERR_ARPK_SIZE',
    );
    assertCode(
      () => verifyAttestationResponse({ response: badResp, arpk: BASE_ARPK, seHeader: badHdr }),
      'ERR_SEHDR_NOT_FOUND',
    );
    assertCode(
      () => verifyAttestationResponse({ response: badResp, arpk: BASE_ARPK, seHeader: SE_HDR }),
      'ERR_EXCHANGE_TOO_SMALL',
    );
  });
});
