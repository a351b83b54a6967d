// The software Ultravisor (spec §7.3 return codes, §7.4 steps): crafted bad requests give the UV rc in
// details.rc; good ones pick the right key slot and fill the additional data as the firmware does.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { isAttestError } from '../../shared/errors/index.js';
import {
  PAF_GLOBAL_KEY_ALLOWED,
  PAF_TMP_BACKUP_ALLOWED,
  UV_RC,
  computeSecretStoreHash,
  concatBytes,
  createAttestationRequest,
  encodeExchange,
  filledBytes,
  p521PrivateKeyFromPem,
  parseArcb,
  parseExchangeResponse,
  parseSeHeader,
  performAttestation,
  readAddSecretRequestTag,
  readHostKeyDocument,
  readU32,
  systemContext,
  verifyAttestationResponse,
  writeU32,
  writeU64,
  type AddDataKind,
  type PerformAttestationParams,
} from '../../main/engine/index.js';
import { vector, vectorText } from '../support/vectors.js';

const KEYS = 'interop/keys';
const SE_HDR = vector(`${KEYS}/se.hdr`);
const NAMES = ['A', 'B', 'C'] as const;
type Host = (typeof NAMES)[number];
const PRIV: Record<Host, Uint8Array> = {
  A: p521PrivateKeyFromPem(vectorText(`${KEYS}/hostA.key`)),
  B: p521PrivateKeyFromPem(vectorText(`${KEYS}/hostB.key`)),
  C: p521PrivateKeyFromPem(vectorText(`${KEYS}/hostC.key`)),
};
const DOC = Object.fromEntries(NAMES.map((n) => [n, readHostKeyDocument(vector(`${KEYS}/host${n}.crt`))])) as Record<
  Host,
  ReturnType<typeof readHostKeyDocument>
>;
const CUID = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);
const ARCB_AT = 0x40; // writers place the ARCB right after the exchange header

interface Made {
  readonly exchange: Uint8Array;
  readonly arcb: Uint8Array;
  readonly arpk: Uint8Array;
}

function makeRequest(
  hosts: readonly Host[] = ['A'],
  addData: readonly AddDataKind[] = [],
  opts: { nonce?: boolean; extraFlags?: bigint } = {},
): Made {
  const r = createAttestationRequest({
    hostKeys: hosts.map((h) => DOC[h].publicCoords),
    addData,
    ctx: systemContext(),
    ...opts,
  });
  return { exchange: r.exchange, arcb: r.arcb, arpk: r.arpk };
}

function perform(request: Uint8Array, over: Partial<PerformAttestationParams> = {}): Uint8Array {
  return performAttestation({ request, hostPrivateKeys: [PRIV.A], seHeader: SE_HDR, cuid: CUID, ...over });
}

/** A copy of the request exchange with the ARCB patched in place. */
function patched(made: Made, patch: (arcb: Uint8Array) => void): Uint8Array {
  const out = made.exchange.slice();
  const arcb = out.subarray(ARCB_AT, ARCB_AT + made.arcb.length);
  patch(arcb);
  return out;
}

/** A request exchange around `arcb` with the given expected sizes. */
function requestOf(arcb: Uint8Array, measurementSize = 64, additionalSize = 0): Uint8Array {
  return encodeExchange({
    arcb: { data: arcb },
    measurement: { expectedSize: measurementSize },
    additional: additionalSize > 0 ? { expectedSize: additionalSize } : undefined,
  });
}

function assertRc(fn: () => unknown, rc: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestError(e), `expected an AttestError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_UV_RC', e.message);
    assert.equal(
      e.details?.['rc'],
      rc,
      `rc 0x${String((e.details?.['rc'] as number | undefined)?.toString(16))}: ${e.message}`,
    );
    assert.ok(e.message.includes(`0x${rc.toString(16).padStart(4, '0')}`), e.message);
    return true;
  });
}

function verified(response: Uint8Array, made: Made, seHeader: Uint8Array = SE_HDR) {
  const v = verifyAttestationResponse({ response, arpk: made.arpk, seHeader });
  assert.equal(v.verified, true);
  return v;
}

describe('§7.3 UV return codes for bad requests', () => {
  test('0x0102: user data of 257 bytes (256 is fine)', () => {
    const made = makeRequest();
    assertRc(() => perform(made.exchange, { userData: new Uint8Array(257) }), UV_RC.USER_DATA_TOO_LARGE);
    assert.deepEqual(
      verified(perform(made.exchange, { userData: filledBytes(256, 7) }), made).userData,
      filledBytes(256, 7),
    );
  });
  test('0x0106: ARCB version 0x200 or 0', () => {
    const made = makeRequest();
    for (const v of [0x200, 0])
      assertRc(() => perform(patched(made, (a) => writeU32(a, 0x08, v))), UV_RC.UNSUPPORTED_VERSION);
  });
  test('0x0107: rql not the ARCB length, an ARCB shorter than 48 bytes, nks inconsistent with the length', () => {
    const made = makeRequest();
    assertRc(() => perform(patched(made, (a) => writeU32(a, 0x0c, made.arcb.length + 1))), UV_RC.INVALID_LENGTH);
    assertRc(() => perform(requestOf(made.arcb.subarray(0, made.arcb.length - 1))), UV_RC.INVALID_LENGTH);
    const short = made.arcb.slice(0, 40);
    assertRc(() => perform(requestOf(short)), UV_RC.INVALID_LENGTH);
    assertRc(() => perform(patched(made, (a) => (a[0x27] = 2))), UV_RC.INVALID_LENGTH);
  });
  test('0x0108: zero key slots', () => {
    const made = makeRequest(['A', 'B']);
    assertRc(() => perform(patched(made, (a) => (a[0x27] = 0))), UV_RC.INVALID_KEY_SLOTS);
  });
  test('0x0109: encrypted-area size not 64 + 16·nonce', () => {
    const withNonce = makeRequest();
    // nonce bit cleared while the area holds the nonce (sea 80)
    assertRc(
      () => perform(patched(withNonce, (a) => (a[0x30] = (a[0x30] ?? 0) & ~0x40))),
      UV_RC.INVALID_ENCRYPTED_SIZE,
    );
    const noNonce = makeRequest(['A'], [], { nonce: false });
    assert.equal(readU32(noNonce.arcb, 0x2c), 64);
    assertRc(() => perform(patched(noNonce, (a) => (a[0x30] = (a[0x30] ?? 0) | 0x40))), UV_RC.INVALID_ENCRYPTED_SIZE);
    // sea 96 with rql and the length consistent
    const grown = concatBytes(withNonce.arcb, new Uint8Array(16));
    writeU32(grown, 0x0c, grown.length);
    writeU32(grown, 0x2c, 96);
    assertRc(() => perform(requestOf(grown)), UV_RC.INVALID_ENCRYPTED_SIZE);
  });
  test('0x010A: a plaintext flag outside the supported set (bits 0, 6, 32)', () => {
    const made = makeRequest();
    for (const [at, bit] of [
      [0x30, 0x80],
      [0x30, 0x02],
      [0x34, 0x80],
    ] as const) {
      assertRc(() => perform(patched(made, (a) => (a[at] = (a[at] ?? 0) | bit))), UV_RC.UNSUPPORTED_FLAGS);
    }
  });
  test('bits 62 and 63 (C --x-paf) are supported flags: such a request is answered and verifies', () => {
    const made = makeRequest(['A'], ['phkh-att'], { extraFlags: PAF_TMP_BACKUP_ALLOWED | PAF_GLOBAL_KEY_ALLOWED });
    const v = verified(perform(made.exchange), made);
    assert.equal(v.flags & 3n, 3n);
  });
  test('0x010B: measurement algorithm 0 or 2', () => {
    const made = makeRequest();
    for (const mai of [0, 2])
      assertRc(() => perform(patched(made, (a) => writeU32(a, 0x38, mai))), UV_RC.UNSUPPORTED_ALGORITHM);
  });
  test('0x010C: no key slot matches the UV host keys (also: the UV holds no key)', () => {
    const made = makeRequest(['A']);
    assertRc(() => perform(made.exchange, { hostPrivateKeys: [PRIV.B, PRIV.C] }), UV_RC.NO_VALID_HOST_KEY);
    assertRc(() => perform(made.exchange, { hostPrivateKeys: [] }), UV_RC.NO_VALID_HOST_KEY);
  });
  test('0x010C: corrupted wrapped key, key-slot tag or customer public key', () => {
    const made = makeRequest(['A']);
    for (const at of [0xe0 + 32, 0xe0 + 63, 0xe0 + 64, 0xe0 + 79, 0x40 + 79, 0x40 + 159]) {
      assertRc(() => perform(patched(made, (a) => (a[at] = (a[at] ?? 0) ^ 0x01))), UV_RC.NO_VALID_HOST_KEY);
    }
  });
  test('0x010C: corrupted ciphertext, GCM tag, IV or any other AAD byte', () => {
    const made = makeRequest(['A']);
    const aad = parseArcb(made.arcb).aadSize;
    for (const at of [aad, aad + 70, made.arcb.length - 16, made.arcb.length - 1, 0x10, 0x1b, 0x3c, 0x00]) {
      assertRc(() => perform(patched(made, (a) => (a[at] = (a[at] ?? 0) ^ 0x01))), UV_RC.NO_VALID_HOST_KEY);
    }
  });
  test('0x010D: a measurement buffer below 64 bytes (1 and 63); 64 and more are fine', () => {
    const made = makeRequest();
    for (const m of [1, 63]) assertRc(() => perform(requestOf(made.arcb, m)), UV_RC.MEASUREMENT_BUFFER_TOO_SMALL);
    verified(perform(requestOf(made.arcb, 64)), made);
    const big = parseExchangeResponse(perform(requestOf(made.arcb, 80)));
    assert.equal(big.measurement.length, 80);
  });
  test('0x010E: an additional-data buffer too small for the requested data', () => {
    const one = makeRequest(['A'], ['phkh-img']);
    for (const a of [0, 31]) assertRc(() => perform(requestOf(one.arcb, 64, a)), UV_RC.ADDITIONAL_BUFFER_TOO_SMALL);
    const all = makeRequest(['A'], ['phkh-img', 'phkh-att', 'secret-store-hash', 'firmware-state']);
    assertRc(() => perform(requestOf(all.arcb, 64, 447)), UV_RC.ADDITIONAL_BUFFER_TOO_SMALL);
    assert.equal(
      parseExchangeResponse(verifiedResponse(requestOf(all.arcb, 64, 448), all)).additionalData?.length,
      448,
    );
    // a larger buffer is fine; the UV writes only what it produced
    assert.equal(
      parseExchangeResponse(verifiedResponse(requestOf(all.arcb, 64, 0x8000), all)).additionalData?.length,
      448,
    );
  });
  test('checks run in the spec order: length/version/nks/user data, then flags, algorithm, sea, then keys', () => {
    const made = makeRequest();
    // version and nks wrong → version first
    assertRc(() => perform(patched(made, (a) => (writeU32(a, 0x08, 0x200), (a[0x27] = 0)))), UV_RC.UNSUPPORTED_VERSION);
    // nks 0 and user data too large → nks first
    assertRc(
      () =>
        perform(
          patched(made, (a) => (a[0x27] = 0)),
          { userData: new Uint8Array(300) },
        ),
      UV_RC.INVALID_KEY_SLOTS,
    );
    // user data too large and an unsupported flag → user data (step 1) first
    assertRc(
      () =>
        perform(
          patched(made, (a) => (a[0x30] = 0xff)),
          { userData: new Uint8Array(300) },
        ),
      UV_RC.USER_DATA_TOO_LARGE,
    );
    // unsupported flag and bad algorithm → flags first
    assertRc(() => perform(patched(made, (a) => ((a[0x30] = 0xc0), writeU32(a, 0x38, 9)))), UV_RC.UNSUPPORTED_FLAGS);
    // bad algorithm and no matching key → algorithm first
    assertRc(
      () =>
        perform(
          patched(made, (a) => writeU32(a, 0x38, 9)),
          { hostPrivateKeys: [PRIV.B] },
        ),
      UV_RC.UNSUPPORTED_ALGORITHM,
    );
  });
  test('non-UV input problems keep their own codes: CUID size, unreadable request, no SE header', () => {
    const made = makeRequest();
    assert.throws(() => perform(made.exchange, { cuid: new Uint8Array(15) }), { code: 'ERR_CUID_SIZE' });
    assert.throws(() => perform(made.exchange.subarray(0, 100)), { code: 'ERR_EXCHANGE_TOO_SMALL' });
    assert.throws(() => perform(made.exchange, { seHeader: new Uint8Array(0x1000) }), { code: 'ERR_SEHDR_NOT_FOUND' });
    // firmware state is only looked at when requested
    assert.equal(
      parseExchangeResponse(perform(made.exchange, { firmwareState: new Uint8Array(319) })).additionalData,
      undefined,
    );
  });
});

function verifiedResponse(request: Uint8Array, made: Made, over: Partial<PerformAttestationParams> = {}): Uint8Array {
  const response = perform(request, over);
  verified(response, made, over.seHeader ?? SE_HDR);
  return response;
}

/** A synthetic SE header with key slots for the given PHKHs (same tags as se.hdr except the tag position). */
function headerWithSlots(phkhs: readonly Uint8Array[]): Uint8Array {
  const nks = phkhs.length;
  const phs = 0x1a0 + 80 * nks + 0x80 + 16;
  const out = new Uint8Array(phs);
  out.set(SE_HDR.subarray(0, 0x1a0));
  writeU32(out, 0x0c, phs);
  writeU64(out, 0x20, BigInt(nks));
  phkhs.forEach((p, i) => {
    out.set(p, 0x1a0 + 80 * i);
    out.fill(0x30 + i, 0x1a0 + 80 * i + 32, 0x1a0 + 80 * (i + 1));
  });
  out.set(SE_HDR.subarray(0x1f0, 0x270), 0x1a0 + 80 * nks);
  out.set(SE_HDR.subarray(SE_HDR.length - 16), phs - 16);
  return out;
}

describe('§7.4 successful attestations', () => {
  test('the UV picks the slot of the key it holds: attestation PHKH is that host key', () => {
    const made = makeRequest(['A', 'B', 'C'], ['phkh-att']);
    for (const h of NAMES) {
      const v = verified(perform(made.exchange, { hostPrivateKeys: [PRIV[h]] }), made);
      assert.deepEqual(v.additional?.attestationPhkh, DOC[h].phkh, `UV holding host${h}`);
    }
  });
  test('a UV with several host keys answers a request for any one of them', () => {
    const made = makeRequest(['C'], ['phkh-att']);
    const v = verified(perform(made.exchange, { hostPrivateKeys: [PRIV.A, PRIV.B, PRIV.C] }), made);
    assert.deepEqual(v.additional?.attestationPhkh, DOC.C.phkh);
  });
  test('image PHKH is the SE-header key slot that matches the UV host key', () => {
    const hdr = headerWithSlots([DOC.C.phkh, DOC.A.phkh, DOC.B.phkh]);
    assert.equal(parseSeHeader(hdr).keySlotPhkhs.length, 3);
    const made = makeRequest(['A', 'B', 'C'], ['phkh-img', 'phkh-att']);
    for (const h of NAMES) {
      const v = verified(perform(made.exchange, { hostPrivateKeys: [PRIV[h]], seHeader: hdr }), made, hdr);
      assert.deepEqual(v.additional?.imagePhkh, DOC[h].phkh, `image PHKH for host${h}`);
      assert.deepEqual(v.additional?.attestationPhkh, DOC[h].phkh);
    }
  });
  test('with se.hdr (one slot, hostA) the image PHKH equals that slot', () => {
    const made = makeRequest(['A'], ['phkh-img']);
    const v = verified(perform(made.exchange), made);
    assert.deepEqual(v.additional?.imagePhkh, parseSeHeader(SE_HDR).keySlotPhkhs[0]);
    assert.deepEqual(v.additional?.imagePhkh, DOC.A.phkh);
  });
  test('secret-store hash: SHA-512 of the tags in order and the lock byte; empty unlocked store by default', () => {
    const dir = 's390-tools/rust/pv/tests/assets/exp/asrcb';
    const files = ['assoc_simple_default_cuid_one', 'null_none_default_cuid_one'].map((n) => vector(`${dir}/${n}`));
    const tags = files.map((f) => readAddSecretRequestTag(f));
    assert.deepEqual(tags[0], files[0]?.subarray(files[0].length - 16));
    const made = makeRequest(['A'], ['secret-store-hash']);
    const expect = (parts: Uint8Array[]) => new Uint8Array(createHash('sha512').update(Buffer.concat(parts)).digest());
    const locked = verified(perform(made.exchange, { secretStore: { tags, locked: true } }), made);
    assert.deepEqual(locked.additional?.secretStoreHash, expect([...tags, Uint8Array.of(1)]));
    assert.deepEqual(locked.additional?.secretStoreHash, computeSecretStoreHash(tags, true));
    const unlocked = verified(perform(made.exchange, { secretStore: { tags, locked: false } }), made);
    assert.deepEqual(unlocked.additional?.secretStoreHash, expect([...tags, Uint8Array.of(0)]));
    const empty = verified(perform(made.exchange), made);
    assert.deepEqual(empty.additional?.secretStoreHash, expect([Uint8Array.of(0)]));
  });
  test('firmware state: the given 320 bytes, zeros by default; another size is refused', () => {
    const made = makeRequest(['A'], ['firmware-state']);
    const fw = Uint8Array.from({ length: 320 }, (_, i) => i & 0xff);
    assert.deepEqual(verified(perform(made.exchange, { firmwareState: fw }), made).additional?.firmwareState, fw);
    assert.deepEqual(verified(perform(made.exchange), made).additional?.firmwareState, new Uint8Array(320));
    for (const n of [0, 319, 321]) {
      assert.throws(() => perform(made.exchange, { firmwareState: new Uint8Array(n) }), { code: 'ERR_INPUT_INVALID' });
    }
  });
  test('all four kinds come in flag order, 448 bytes, and the response has the §5.2 layout', () => {
    const made = makeRequest(['B'], ['firmware-state', 'phkh-att', 'secret-store-hash', 'phkh-img']);
    const fw = filledBytes(320, 0xf5);
    const user = filledBytes(17, 0x75);
    const response = perform(made.exchange, { hostPrivateKeys: [PRIV.B], firmwareState: fw, userData: user });
    const v = verified(response, made);
    const add = v.additionalData as Uint8Array;
    assert.equal(add.length, 448);
    assert.deepEqual(add.subarray(0, 32), DOC.A.phkh); // se.hdr has only hostA's slot
    assert.deepEqual(add.subarray(32, 64), DOC.B.phkh);
    assert.deepEqual(add.subarray(64, 128), computeSecretStoreHash([], false));
    assert.deepEqual(add.subarray(128), fw);
    assert.deepEqual(v.cuid, CUID);
    assert.deepEqual(v.userData, user);
    const len = made.arcb.length;
    const entries = [0x18, 0x20, 0x28, 0x30, 0x38].map((o) => [readU32(response, o), readU32(response, o + 4)]);
    assert.deepEqual(entries, [
      [len, 0x40],
      [64, 0x40 + len],
      [448, 0x80 + len],
      [17, 0x80 + len + 448],
      [16, 0x80 + len + 448 + 17],
    ]);
    assert.equal(readU32(response, 0x0c), response.length);
    assert.equal(response.length, 0x40 + len + 64 + 448 + 17 + 16);
  });
  test('no additional data requested: the response has none', () => {
    const made = makeRequest();
    const r = parseExchangeResponse(perform(made.exchange));
    assert.equal(r.additionalData, undefined);
    assert.equal(readU32(perform(made.exchange), 0x28), 0);
  });
  test('empty user data is written as (0, cursor) and reads back as absent (§5.2 Rust edge case)', () => {
    const made = makeRequest();
    const response = perform(made.exchange, { userData: new Uint8Array(0) });
    assert.equal(readU32(response, 0x30), 0);
    assert.equal(readU32(response, 0x34), 0x40 + made.arcb.length + 64);
    assert.equal(verified(response, made).userData, undefined);
  });
  test("a request without a nonce (C's --x-no-nonce) is answered and verifies", () => {
    const made = makeRequest(['A'], ['phkh-img'], { nonce: false });
    const v = verified(perform(made.exchange), made);
    assert.equal(v.nonce, undefined);
  });
  test('the SE header may be given as an image: plain (0x14000) and metadata (0xC000 → 0x16000)', () => {
    const made = makeRequest(['A'], ['phkh-img']);
    for (const img of ['se-image-plain.img', 'se-image-meta.img']) {
      const hdrImage = vector(`${KEYS}/${img}`);
      const v = verified(perform(made.exchange, { seHeader: hdrImage }), made, hdrImage);
      assert.deepEqual(v.additional?.imagePhkh, DOC.A.phkh);
    }
  });
  test('IBM-made interop requests are answered by the UV holding the right key and verify', () => {
    for (const c of ['rs-min', 'rs-phkh', 'rs-all4', 'rs-3hkd', 'c-nonce', 'c-nononce']) {
      const response = performAttestation({
        request: vector(`interop/${c}/req.bin`),
        hostPrivateKeys: [PRIV.A, PRIV.B, PRIV.C],
        seHeader: SE_HDR,
        cuid: CUID,
      });
      const v = verifyAttestationResponse({ response, arpk: vector(`interop/${c}/arp.key`), seHeader: SE_HDR });
      assert.equal(v.verified, true, c);
    }
  });
});
