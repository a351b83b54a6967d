// SE header search (spec §6.3, Rust `verify --hdr` and C's extracted-header rule) and pvextract-hdr's window
// search (§6.4), on images built in memory around interop/keys/se.hdr.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import {
  SE_IMG_META_OFFSET,
  concatBytes,
  extractSeHeaderWindow,
  findSeHeader,
  locateSeHeader,
  parseSeHeader,
  parseSeHeaderTagsC,
  verifyAttestationResponse,
  writeU32,
  writeU64,
  type SeHeaderExtraction,
} from '../../main/engine/index.js';
import { vector } from '../support/vectors.js';

const SE_HDR = vector('interop/keys/se.hdr');
/** A response whose measurement covers se.hdr's tags, and its ARPK. */
const RESPONSE = vector('interop/rs-phkh/resp.bin');
const ARPK = vector('interop/rs-phkh/arp.key');

/** A deterministic pseudo-random fill (xorshift32). */
function randomFill(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** An image of `size` bytes (zero or random filled) with the given headers placed at their offsets. */
function image(
  size: number,
  placements: readonly [number, Uint8Array][],
  fill: 'zero' | 'random' = 'zero',
): Uint8Array {
  const out = fill === 'zero' ? new Uint8Array(size) : randomFill(size, 0x5eed);
  for (const [at, bytes] of placements) out.set(bytes, at);
  return out;
}

/** Writes the 28-byte `SeImgLnx` metadata block at 0xC000. */
function withMetadata(img: Uint8Array, hdrOff: number, version = 1): Uint8Array {
  const out = img.slice();
  out.set(Buffer.from('SeImgLnx', 'latin1'), SE_IMG_META_OFFSET);
  writeU64(out, SE_IMG_META_OFFSET + 8, BigInt(hdrOff));
  writeU32(out, SE_IMG_META_OFFSET + 16, version);
  writeU64(out, SE_IMG_META_OFFSET + 20, BigInt(hdrOff + 0x2000));
  return out;
}

function assertCode(fn: () => unknown, code: ErrorCode, text?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestError(e), `expected an AttestError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (text !== undefined) assert.ok(e.message.includes(text), `"${e.message}" lacks "${text}"`);
    return true;
  });
}

function verifyWith(seHeader: Uint8Array) {
  return verifyAttestationResponse({ response: RESPONSE, arpk: ARPK, seHeader });
}

/** Asserts the Rust search finds the header at `offset` and that the response verifies over it. */
function assertFound(img: Uint8Array, offset: number, method: 'metadata' | 'probe'): void {
  const loc = locateSeHeader(img);
  assert.equal(loc.offset, offset);
  assert.equal(loc.method, method);
  const h = findSeHeader(img);
  assert.deepEqual(h.tag, SE_HDR.subarray(SE_HDR.length - 16));
  assert.equal(verifyWith(img).verified, true);
}

function assertNotFound(img: Uint8Array): void {
  assertCode(() => locateSeHeader(img), 'ERR_SEHDR_NOT_FOUND', 'Invalid SE header provided');
  assertCode(() => verifyWith(img), 'ERR_SEHDR_NOT_FOUND');
}

describe('§6.3 Rust verify --hdr search', () => {
  test('a bare 640-byte header is found at 0 and verifies', () => {
    assertFound(SE_HDR, 0, 'probe');
  });
  test('a 641-byte header file (one trailing byte) is accepted', () => {
    assertFound(concatBytes(SE_HDR, Uint8Array.of(0x00)), 0, 'probe');
  });
  test('a 639-byte header file fails: the tag read runs past EOF ("failed to fill whole buffer")', () => {
    const short = SE_HDR.subarray(0, 639);
    assertCode(() => findSeHeader(short), 'ERR_SEHDR_TRUNCATED', 'failed to fill whole buffer');
    assertCode(() => verifyWith(short), 'ERR_SEHDR_TRUNCATED');
  });
  for (const fill of ['zero', 'random'] as const) {
    for (const at of [0x0, 0x13000, 0x14000]) {
      test(`header at 0x${at.toString(16)} of a 0x18000 ${fill} image is found`, () => {
        assertFound(image(0x18000, [[at, SE_HDR]], fill), at, 'probe');
      });
    }
    for (const at of [0x13800, 0x14008, 0x14010, 0x15000]) {
      test(`header at 0x${at.toString(16)} of a 0x18000 ${fill} image is not found`, () => {
        assertNotFound(image(0x18000, [[at, SE_HDR]], fill));
      });
    }
  }
  test('a random image without a header is not found', () => {
    assertNotFound(image(0x18000, [], 'random'));
  });
  test('the interop images: plain image at 0x14000 (probe), metadata image via 0xC000 (0x16000)', () => {
    const plain = vector('interop/keys/se-image-plain.img');
    assert.equal(locateSeHeader(plain).offset, 0x14000);
    assert.equal(locateSeHeader(plain).method, 'probe');
    const meta = vector('interop/keys/se-image-meta.img');
    assert.deepEqual(locateSeHeader(meta), { offset: 0x16000, method: 'metadata', warnings: [] });
  });
  for (const at of [0x16000, 0x16008, 0x30000]) {
    test(`metadata pointing at 0x${at.toString(16)} finds the header there (one probe, not page-aligned is fine)`, () => {
      assertFound(withMetadata(image(at + 0x1000, [[at, SE_HDR]]), at), at, 'metadata');
    });
  }
  test('metadata pointing at 0x16000 while the header sits at 0x14000: not found (no fallback)', () => {
    assertNotFound(withMetadata(image(0x18000, [[0x14000, SE_HDR]]), 0x16000));
  });
  test('metadata pointing past the end of the file: not found', () => {
    assertNotFound(withMetadata(image(0x18000, [[0x14000, SE_HDR]]), 0x40000));
    assertNotFound(withMetadata(image(0x18000, [[0x14000, SE_HDR]]), 0x17ffc));
  });
  test('metadata version 2 only warns; verification goes on and reports the warning', () => {
    const img = withMetadata(image(0x18000, [[0x16000, SE_HDR]]), 0x16000, 2);
    const loc = locateSeHeader(img);
    assert.deepEqual(loc.warnings, ['Unknown Secure Execution boot image version 2']);
    const v = verifyWith(img);
    assert.equal(v.verified, true);
    assert.deepEqual(v.warnings, ['Unknown Secure Execution boot image version 2']);
  });
  test('a header with version 0x200 is rejected (bare and inside an image)', () => {
    const hdr = SE_HDR.slice();
    writeU32(hdr, 0x08, 0x200);
    assertCode(() => verifyWith(hdr), 'ERR_SEHDR_VERSION', 'Invalid SE header provided');
    assertCode(() => verifyWith(image(0x18000, [[0x14000, hdr]])), 'ERR_SEHDR_VERSION');
  });
  test('a 512-byte header with phs 0x200 is accepted (no 640-byte minimum in Rust); its tag is the last 16 bytes', () => {
    const tag = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const hdr = concatBytes(SE_HDR.subarray(0, 0x1f0), tag);
    writeU32(hdr, 0x0c, 0x200);
    assert.equal(hdr.length, 512);
    const h = parseSeHeader(hdr);
    assert.equal(h.phs, 0x200);
    assert.deepEqual(h.tag, tag);
    assert.deepEqual(h.pld, SE_HDR.subarray(0xe0, 0x120));
    assert.equal(locateSeHeader(hdr).offset, 0);
  });
  test('an image ending inside the magic at 0x14000: not found; ending right after the magic: found, then truncated', () => {
    const img = image(0x18000, [[0x14000, SE_HDR]]);
    assertNotFound(img.subarray(0, 0x14007));
    assert.equal(locateSeHeader(img.subarray(0, 0x14008)).offset, 0x14000);
    assertCode(() => findSeHeader(img.subarray(0, 0x14008)), 'ERR_SEHDR_TRUNCATED', 'failed to fill whole buffer');
    assertCode(() => findSeHeader(img.subarray(0, 0x14000 + 639)), 'ERR_SEHDR_TRUNCATED');
  });
  test('s390-tools: header at 0x12000 inside a 0x13000 zero image is found', () => {
    assertFound(image(0x13000, [[0x12000, SE_HDR]]), 0x12000, 'probe');
  });
  test('s390-tools: header at offset 8 of one page is not found', () => {
    assertNotFound(image(0x1000, [[8, SE_HDR.subarray(0, 0x1000 - 8)]]));
  });
  test('s390-tools: header with its first byte dropped is not found', () => {
    assertNotFound(SE_HDR.slice(1));
  });
  test('s390-tools: header with bytes 0 and 1 swapped is not found', () => {
    const hdr = SE_HDR.slice();
    [hdr[0], hdr[1]] = [SE_HDR[1] as number, SE_HDR[0] as number];
    assertNotFound(hdr);
  });
});

describe('§6.3 C verify --hdr: extracted header files only', () => {
  const verifyC = (seHeader: Uint8Array) =>
    verifyAttestationResponse({ response: RESPONSE, arpk: ARPK, seHeader, dialect: 'c' });
  test('a bare 640-byte header verifies', () => {
    assert.equal(verifyC(SE_HDR).verified, true);
    assert.deepEqual(parseSeHeaderTagsC(SE_HDR).tag, SE_HDR.subarray(624));
  });
  test('images (even ones Rust finds), 641, 639 and a 512-byte phs-0x200 file are ERR_SEHDR_INVALID', () => {
    const hdr512 = concatBytes(SE_HDR.subarray(0, 0x1f0), new Uint8Array(16));
    writeU32(hdr512, 0x0c, 0x200);
    const cases = [
      image(0x18000, [[0x14000, SE_HDR]]),
      image(0x18000, [[0x0, SE_HDR]]),
      withMetadata(image(0x18000, [[0x16000, SE_HDR]]), 0x16000),
      concatBytes(SE_HDR, Uint8Array.of(0)),
      SE_HDR.subarray(0, 639),
      hdr512,
    ];
    for (const c of cases) assertCode(() => verifyC(c), 'ERR_SEHDR_INVALID', 'Invalid SE header provided.');
  });
  test('C does not check the header version: version 0x200 verifies', () => {
    const hdr = SE_HDR.slice();
    writeU32(hdr, 0x08, 0x200);
    assert.equal(verifyC(hdr).verified, true);
  });
});

describe('§6.4 pvextract-hdr window search', () => {
  const extracted = (r: SeHeaderExtraction, offset: number) => {
    assert.equal(r.outcome, 'extracted');
    if (r.outcome !== 'extracted') return;
    assert.equal(r.offset, offset);
    assert.equal(r.sizeField, 640);
    assert.deepEqual(r.header, SE_HDR);
  };
  for (const at of [0x14000, 0x14010, 0x15000, 0x17000]) {
    test(`default window finds a header at 0x${at.toString(16)}`, () => {
      extracted(extractSeHeaderWindow(image(0x18000, [[at, SE_HDR]])), at);
    });
  }
  test('header at 0x14008: reported at row 0x14000, then the version check fails', () => {
    assert.deepEqual(extractSeHeaderWindow(image(0x18000, [[0x14008, SE_HDR]])), {
      outcome: 'bad-version',
      offset: 0x14000,
    });
  });
  test('header at 0x14009 straddles two rows: not found', () => {
    assert.deepEqual(extractSeHeaderWindow(image(0x18000, [[0x14009, SE_HDR]])), { outcome: 'not-found' });
  });
  test('every offset mod 16: 0 extracted, 1..8 bad version at the row, 9..15 not found', () => {
    for (let k = 0; k < 16; k++) {
      const r = extractSeHeaderWindow(image(0x18000, [[0x14800 + k, SE_HDR]]));
      if (k === 0) extracted(r, 0x14800);
      else if (k <= 8) assert.deepEqual(r, { outcome: 'bad-version', offset: 0x14800 }, `k=${k}`);
      else assert.deepEqual(r, { outcome: 'not-found' }, `k=${k}`);
    }
  });
  test('two headers in the window: multiple, with both row offsets', () => {
    assert.deepEqual(
      extractSeHeaderWindow(
        image(0x18000, [
          [0x14000, SE_HDR],
          [0x15000, SE_HDR],
        ]),
      ),
      {
        outcome: 'multiple',
        offsets: [0x14000, 0x15000],
      },
    );
  });
  test('a size field larger than the file: copies up to EOF and reports the field', () => {
    const hdr = SE_HDR.slice();
    writeU32(hdr, 0x0c, 0x1000);
    const img = image(0x18000, [[0x17c00, hdr]]);
    const r = extractSeHeaderWindow(img);
    assert.equal(r.outcome, 'extracted');
    if (r.outcome !== 'extracted') return;
    assert.equal(r.offset, 0x17c00);
    assert.equal(r.sizeField, 4096);
    assert.equal(r.header.length, 1024);
    assert.deepEqual(r.header, img.subarray(0x17c00));
  });
  test('a bare header needs skipPages 0', () => {
    assert.deepEqual(extractSeHeaderWindow(SE_HDR), { outcome: 'not-found' });
    extracted(extractSeHeaderWindow(SE_HDR, { skipPages: 0 }), 0);
  });
  test('a header at 0x13000 is not found by the default window (Rust finds it), but with skipPages 0x13', () => {
    const img = image(0x18000, [[0x13000, SE_HDR]]);
    assert.deepEqual(extractSeHeaderWindow(img), { outcome: 'not-found' });
    extracted(extractSeHeaderWindow(img, { skipPages: 0x13 }), 0x13000);
    assert.equal(locateSeHeader(img).offset, 0x13000);
  });
  test('the window ignores the 0xC000 metadata: 0x16000 found, 0x30000 not found', () => {
    extracted(extractSeHeaderWindow(vector('interop/keys/se-image-meta.img')), 0x16000);
    const far = withMetadata(image(0x31000, [[0x30000, SE_HDR]]), 0x30000);
    assert.deepEqual(extractSeHeaderWindow(far), { outcome: 'not-found' });
    extracted(extractSeHeaderWindow(far, { skipPages: 0x30, lengthPages: 1 }), 0x30000);
  });
  test('the interop plain image is extracted at 0x14000', () => {
    extracted(extractSeHeaderWindow(vector('interop/keys/se-image-plain.img')), 0x14000);
  });
  test('a file ending before the window, or an empty window, has no header', () => {
    assert.deepEqual(extractSeHeaderWindow(image(0x13000, [[0x12000, SE_HDR]])), { outcome: 'not-found' });
    assert.deepEqual(extractSeHeaderWindow(image(0x18000, [[0x14000, SE_HDR]]), { lengthPages: 0 }), {
      outcome: 'not-found',
    });
    assert.deepEqual(extractSeHeaderWindow(new Uint8Array(0)), { outcome: 'not-found' });
  });
  test('a header whose version is 0x200: bad version', () => {
    const hdr = SE_HDR.slice();
    writeU32(hdr, 0x08, 0x200);
    assert.deepEqual(extractSeHeaderWindow(image(0x18000, [[0x14000, hdr]])), {
      outcome: 'bad-version',
      offset: 0x14000,
    });
  });
  test('the window limit is exclusive: a header starting at skip+len is outside', () => {
    const img = image(0x19000, [[0x18000, SE_HDR]]);
    assert.deepEqual(extractSeHeaderWindow(img), { outcome: 'not-found' });
    extracted(extractSeHeaderWindow(img, { lengthPages: 5 }), 0x18000);
  });
  test('negative or non-integer page counts are ERR_INPUT_INVALID', () => {
    for (const p of [
      { skipPages: -1 },
      { lengthPages: -1 },
      { skipPages: Number.NaN },
      { lengthPages: Number.POSITIVE_INFINITY },
    ]) {
      assertCode(() => extractSeHeaderWindow(SE_HDR, p), 'ERR_INPUT_INVALID');
    }
  });
});
