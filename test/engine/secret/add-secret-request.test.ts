// Issue 14: IBM's add-secret requests, byte-compatible. Every golden ASRCB vector reproduced byte for byte
// with injected randomness and verified; decrypted with IBM's customer key; secret kinds, IDs, values, user-data
// signatures and IBM's error texts (spec add-secret §2–§4, §11).
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { isAttestError, type ErrorCode } from '../../../shared/errors/index.js';
import {
  ASRCB_FLAG_DISABLE_DUMP,
  associationSecret,
  createAddSecretRequest,
  decryptAddSecretRequest,
  deriveExtensionSecret,
  encodePlaintext,
  encodeSecretHeader,
  filledBytes,
  formatSecretId,
  metaSecret,
  normalizeP521Scalar,
  parseAddSecretRequest,
  readHostKeyDocument,
  retrievableSecret,
  scriptedContext,
  secretIdFromName,
  sha256,
  summarizeAddSecretRequest,
  systemContext,
  toHex,
  updateCckSecret,
  verifyAddSecretRequest,
  type ExtensionSecretSource,
  type GuestSecret,
} from '../../../main/engine/index.js';
import { ASRCB_ORDER, PV_ASSETS, hex, vector } from '../../support/vectors.js';

const ASSETS = 's390-tools/rust/pv/tests/assets';
const CUSTOMER = vector(`${ASSETS}/keys/private_cust.bin`);
const HOST = readHostKeyDocument(vector(`${ASSETS}/keys/host.pem.crt`)).publicCoords;
const TAGS = { pld: filledBytes(64, 1), ald: filledBytes(64, 2), tld: filledBytes(64, 3), tag: filledBytes(16, 4) };
const DERIVED = 'b7e28c1ed1ecd063afe5eb9b54c6685aca5c193163e82e2071c3150ed6ff6473';

/** The inputs IBM's `add_secret_request.rs` uses for each golden file, read from its name. */
function goldenInputs(name: string) {
  const [secret, ext, flags, cuid, slots] = name.split('_');
  const extension: ExtensionSecretSource =
    ext === 'none'
      ? { kind: 'none' }
      : ext === 'simple'
        ? { kind: 'simple', value: filledBytes(32, 0x17) }
        : { kind: 'derived', cck: filledBytes(32, 0) };
  return {
    secret: secret === 'null' ? metaSecret() : associationSecret('add_secret_request', filledBytes(32, 0x11)),
    hostKeys: Array<Uint8Array>(slots === 'one' ? 1 : 7).fill(HOST),
    bootTags: TAGS,
    ...(cuid === 'cuid' ? { cuid: filledBytes(16, 0x42) } : {}),
    flags: flags === 'dump' ? ASRCB_FLAG_DISABLE_DUMP : 0n,
    extensionSecret: extension,
    ctx: scriptedContext([filledBytes(12, 0x55), filledBytes(32, 0x17)]),
    customerPrivateKey: CUSTOMER,
  };
}

const golden = (name: string) => vector(`${ASSETS}/exp/asrcb/${name}`);
const throwsCode = (fn: () => unknown, code: ErrorCode, message?: string | RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAttestError(e, code), `expected ${code}, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });

describe('golden vectors (rust/pv/tests/assets/exp/asrcb)', () => {
  for (const name of ASRCB_ORDER) {
    test(`${name}: reproduced byte for byte`, () => {
      const made = createAddSecretRequest(goldenInputs(name));
      assert.equal(toHex(made.bytes), toHex(golden(name)));
      assert.equal(toHex(made.tag), toHex(golden(name).slice(-16)));
    });
    test(`${name}: verify accepts it and writes nothing (no user data)`, () => {
      assert.deepEqual(verifyAddSecretRequest(golden(name)), { userDataType: 0 });
    });
    test(`${name}: opens with IBM's customer key and the host-key document`, () => {
      const opened = decryptAddSecretRequest(golden(name), { customerPrivateKey: CUSTOMER, hostPublicKeys: [HOST] });
      const { secret, extensionSecret } = goldenInputs(name);
      assert.equal(toHex(opened.value), toHex(secret.value));
      const ext =
        extensionSecret.kind === 'none'
          ? filledBytes(32, 0)
          : extensionSecret.kind === 'simple'
            ? extensionSecret.value
            : hex(DERIVED);
      assert.equal(toHex(opened.extensionSecret), toHex(ext));
      assert.equal(opened.keySlot, 0);
    });
  }
  test('decrypted contents match the spec (§11): association value and extension-secret hashes', () => {
    const open = (n: string) =>
      decryptAddSecretRequest(golden(n), { customerPrivateKey: CUSTOMER, hostPublicKeys: [HOST] });
    assert.match(toHex(sha256(open('assoc_none_default_cuid_one').value)), /^02d449a3.*a4bedc$/);
    assert.match(toHex(sha256(open('null_none_default_cuid_one').extensionSecret)), /^66687aad.*5f2925$/);
    assert.match(toHex(sha256(open('null_simple_default_cuid_one').extensionSecret)), /^78b37abf.*a1c875$/);
    assert.match(toHex(sha256(open('null_derived_default_cuid_one').extensionSecret)), /^0940a943.*3b513f$/);
  });
  test('the summary names type, ID, CUID, slots and tag without decrypting', () => {
    const s = summarizeAddSecretRequest(golden('assoc_none_default_cuid_one'));
    assert.equal(s.secretType, 2);
    assert.equal(toHex(s.secretId!), '70dc758d711fef605b1b1b1774a2a4ab701020ea4b2cb399ebbdd5a3971c76a9');
    assert.equal(toHex(s.cuid), '42'.repeat(16));
    assert.equal(s.nks, 1);
    assert.equal(s.rql, 1416);
    assert.equal(summarizeAddSecretRequest(golden('null_none_default_cuid_seven')).phkhs.length, 7);
  });
  test('a different host key opens none of them', () => {
    const other = readHostKeyDocument(vector('interop/keys/hostA.crt')).publicCoords;
    throwsCode(
      () =>
        decryptAddSecretRequest(golden('null_none_default_cuid_one'), {
          customerPrivateKey: CUSTOMER,
          hostPublicKeys: [other],
        }),
      'ERR_SECRET_DECRYPT_FAILED',
    );
  });
  test('PV_ASSETS are the checked-in copies', () => assert.ok(PV_ASSETS.endsWith('rust/pv/tests/assets')));
});

describe('secret kinds, IDs and values (§2.5, §3)', () => {
  test('IDs: SHA-256 of the name, or --use-name (31 bytes + NUL)', () => {
    assert.equal(
      toHex(secretIdFromName('association secret')),
      '75ad01b403a9e4595df07ace38129799ddad908a8f82f9c32cdd7d53efc73c62',
    );
    assert.equal(
      toHex(secretIdFromName('test retr secret')),
      '612cd63ea8f2c115c10e15b88a9016c155ef9c7c2c8e56d0784c8a1dc93a80ba',
    );
    assert.equal(
      toHex(secretIdFromName('PLAINTEXT_PAD')),
      '0f7bb0d287e7dce8945dc6c3a5d4d6812d015e0ba712970f78fe0d6dadba254a',
    );
    assert.equal(toHex(secretIdFromName('ecx', true)), `656378${'00'.repeat(29)}`);
    assert.equal(
      toHex(secretIdFromName('Fancy secret ID', true)),
      `46616e6379207365637265742049440000${'00'.repeat(15)}`,
    );
    const long = secretIdFromName('the most fanciest secret ID you ever seen in the time the universe exists', true);
    assert.equal(Buffer.from(long).toString('latin1'), 'the most fanciest secret ID you\0');
  });
  test('ID display: printable names with their hex, others hex only', () => {
    assert.equal(formatSecretId(secretIdFromName('ecx', true)), `ecx | 0x656378${'00'.repeat(29)}`);
    const hashed = secretIdFromName('add_secret_request');
    assert.equal(formatSecretId(hashed), `0x${toHex(hashed)}`);
    assert.equal(formatSecretId(filledBytes(32, 0)), `0x${'00'.repeat(32)}`);
  });
  test('secret headers (guest_secret.rs unit tests)', () => {
    assert.equal(toHex(encodeSecretHeader({ type: 1, length: 0 })), `00000001${'00'.repeat(12)}`);
    assert.equal(
      toHex(encodeSecretHeader({ type: 2, length: 32, id: filledBytes(32, 1) })),
      `0000000200000020${'00'.repeat(8)}${'01'.repeat(32)}`,
    );
    assert.equal(toHex(encodeSecretHeader({ type: 0x16, length: 32 })), `0000001600000020${'00'.repeat(40)}`);
  });
  test('plaintext encoding: u16 length, payload, zero padding to 16', () => {
    assert.equal(toHex(encodePlaintext(filledBytes(14, 7))), `000e${'07'.repeat(14)}`);
    assert.equal(toHex(encodePlaintext(filledBytes(10, 7))), `000a${'07'.repeat(10)}00000000`);
    assert.equal(toHex(encodePlaintext(new Uint8Array(0))), '00'.repeat(16));
    assert.equal(encodePlaintext(filledBytes(8190, 1)).length, 8192);
  });
  test('the CCK-derived extension secret (§2.7 vector)', () => {
    assert.equal(toHex(deriveExtensionSecret(filledBytes(32, 0), filledBytes(16, 4))), DERIVED);
  });
  test('retrievable types pick the type id from the key size', () => {
    const r = (type: 'aes' | 'aes-xts' | 'hmac-sha', size: number) =>
      retrievableSecret({ name: 'k', type, input: filledBytes(size, 9), inputName: 'k.bin' }).type;
    assert.deepEqual([r('aes', 16), r('aes', 24), r('aes', 32)], [4, 5, 6]);
    assert.deepEqual([r('aes-xts', 32), r('aes-xts', 64)], [7, 8]);
    assert.deepEqual([r('hmac-sha', 64), r('hmac-sha', 128)], [9, 10]);
  });
  test('EC keys: scalars left-padded (P-521 to 80, Ed448 to 64), other curves refused', () => {
    const ec = (curve: string) => {
      const { privateKey } =
        curve === 'ed25519' || curve === 'ed448'
          ? generateKeyPairSync(curve as 'ed25519')
          : generateKeyPairSync('ec', { namedCurve: curve });
      return retrievableSecret({
        name: 'k',
        type: 'ec',
        input: new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })),
        inputName: 'k.der',
      });
    };
    assert.deepEqual(
      ['prime256v1', 'secp384r1', 'secp521r1', 'ed25519', 'ed448'].map((c) => [ec(c).type, ec(c).value.length]),
      [
        [0x11, 32],
        [0x12, 48],
        [0x13, 80],
        [0x14, 32],
        [0x15, 64],
      ],
    );
    assert.deepEqual([...ec('secp521r1').value.subarray(0, 14)], new Array(14).fill(0));
    assert.deepEqual([...ec('ed448').value.subarray(0, 7)], new Array(7).fill(0));
    throwsCode(
      () => ec('secp256k1'),
      'ERR_SECRET_EC_CURVE',
      'Incorrect curve or format for a EC-PRIVATE-KEY. Is: secp256k1; expected: secp256r1, secp384r1, secp521r1, ed25519, or ed448',
    );
  });
  test("IBM's error texts for bad secrets (§3.2)", () => {
    const r = (type: 'aes' | 'aes-xts' | 'hmac-sha' | 'plain' | 'ec', input: Uint8Array) => () =>
      retrievableSecret({ name: 'x', type, input, inputName: 'plain.txt' });
    throwsCode(
      r('aes', filledBytes(20, 1)),
      'ERR_SECRET_KEY_SIZE',
      'Incorrect key size for a AES-KEY. Is: 160; expected: 128, 192, or 256',
    );
    throwsCode(
      r('aes-xts', filledBytes(16, 1)),
      'ERR_SECRET_KEY_SIZE',
      'Incorrect key size for a AES-XTS-KEY. Is: 64; expected: 128 or 256',
    );
    throwsCode(
      r('hmac-sha', filledBytes(100, 1)),
      'ERR_SECRET_KEY_SIZE',
      'Incorrect key size for a HMAC-SHA-KEY. Is: 400; expected: 256 or 512',
    );
    throwsCode(
      r('plain', filledBytes(8191, 1)),
      'ERR_SECRET_KEY_SIZE',
      'Incorrect key size for a PLAINTEXT. Is: 8191; expected: less than 8192',
    );
    throwsCode(
      r('ec', new TextEncoder().encode('not a key')),
      'ERR_SECRET_EC_KEY_UNREADABLE',
      'Cannot read plain.txt as EC PRIVATE KEY from PEM or DER',
    );
    throwsCode(
      () => associationSecret('a', filledBytes(31, 1)),
      'ERR_SECRET_ASSOCIATION_SIZE',
      'Association secret must be exactly 32 bytes long',
    );
    throwsCode(
      () => updateCckSecret(filledBytes(33, 1)),
      'ERR_SECRET_CCK_SIZE',
      'CCK file must be exactly 32 bytes long',
    );
    throwsCode(
      () =>
        createAddSecretRequest({
          ...goldenInputs('null_simple_default_cuid_one'),
          extensionSecret: { kind: 'simple', value: filledBytes(31, 1) },
        }),
      'ERR_SECRET_EXTENSION_SIZE',
      'extension secret must be exactly 32 bytes long',
    );
    throwsCode(
      () => createAddSecretRequest({ ...goldenInputs('null_none_default_cuid_one'), cuid: filledBytes(15, 1) }),
      'ERR_CUID_SIZE',
    );
    throwsCode(
      () => createAddSecretRequest({ ...goldenInputs('null_none_default_cuid_one'), hostKeys: [] }),
      'ERR_CREATE_NO_HOST_KEY',
    );
    throwsCode(
      () => createAddSecretRequest({ ...goldenInputs('null_none_default_cuid_one'), hostKeys: [filledBytes(160, 3)] }),
      'ERR_HOST_KEY_INVALID',
    );
  });
  test('sizes (§2.2): meta 1352, association 1416, empty plaintext 1400, largest plaintext 9576, seven slots 1832', () => {
    const size = (secret: GuestSecret, slots = 1) =>
      createAddSecretRequest({
        ...goldenInputs('null_none_default_cuid_one'),
        secret,
        hostKeys: Array<Uint8Array>(slots).fill(HOST),
      }).bytes.length;
    const plain = (n: number) =>
      retrievableSecret({ name: 'p', type: 'plain', input: filledBytes(n, 1), inputName: 'p' });
    assert.deepEqual(
      [
        size(metaSecret()),
        size(associationSecret('a', filledBytes(32, 1))),
        size(plain(0)),
        size(plain(8190)),
        size(metaSecret(), 7),
      ],
      [1352, 1416, 1400, 9576, 1832],
    );
  });
});

/** A KeyObject of IBM's customer P-521 key (the EC signing key of IBM's user-data round trip). */
function customerSigningKey(): KeyObject {
  const pub = vector(`${ASSETS}/keys/public_cust.bin`);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-521',
      d: b64(normalizeP521Scalar(CUSTOMER)),
      x: b64(pub.subarray(14, 80)),
      y: b64(pub.subarray(94, 160)),
    },
    format: 'jwk',
  });
}

describe('user data and signatures (§4)', () => {
  const base = () => ({ ...goldenInputs('null_none_default_ncuid_one'), ctx: systemContext() });
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsa3072 = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const ec = customerSigningKey();
  const ecPublic = createPublicKey(ec);

  test('unsigned user data: marker 1, verify writes the whole 512-byte block', () => {
    const req = createAddSecretRequest({ ...base(), userData: filledBytes(0x183, 0xab) });
    assert.equal(req.userDataType, 1);
    const v = verifyAddSecretRequest(req.bytes);
    assert.equal(v.output?.length, 512);
    assert.equal(toHex(v.output!.subarray(0, 0x183)), 'ab'.repeat(0x183));
  });
  for (const [label, key, verifyKey, size, marker] of [
    ['ECDSA P-521', ec, ecPublic, 0x100, 2],
    ['RSA 2048', rsa2048.privateKey, rsa2048.publicKey, 0x100, 3],
    ['RSA 3072', rsa3072.privateKey, rsa3072.publicKey, 0x80, 4],
  ] as const) {
    test(`${label}: signed, verified with the key, the data part written`, () => {
      const req = createAddSecretRequest({ ...base(), userData: filledBytes(size, 0x5a), userSigningKey: key });
      assert.equal(req.userDataType, marker);
      const v = verifyAddSecretRequest(req.bytes, verifyKey);
      assert.equal(toHex(v.output!), '5a'.repeat(size));
      throwsCode(
        () => verifyAddSecretRequest(req.bytes),
        'ERR_SECRET_USER_KEY_MISSING',
        'No user-key for verification provided and user-data is signed',
      );
      const tampered = req.bytes.slice();
      tampered[0x218] = tampered[0x218]! ^ 1;
      throwsCode(
        () => verifyAddSecretRequest(tampered, verifyKey),
        'ERR_SECRET_SIGNATURE_INVALID',
        'The user-defined request signature could not be verified with the provided certificate',
      );
      throwsCode(
        () => createAddSecretRequest({ ...base(), userData: filledBytes(size + 1, 1), userSigningKey: key }),
        'ERR_SECRET_USER_DATA_SIZE',
        new RegExp(`Max ${size} bytes allowed$`),
      );
      // the request still opens: the tag covers the signed block
      const opened = decryptAddSecretRequest(req.bytes, { customerPrivateKey: CUSTOMER, hostPublicKeys: [HOST] });
      assert.equal(opened.value.length, 0);
    });
  }
  test('ECDSA signature length field at 0x190 (≤ 139 bytes)', () => {
    const req = createAddSecretRequest({ ...base(), userSigningKey: ec });
    const len = (req.bytes[0x218 + 0x190]! << 8) | req.bytes[0x218 + 0x191]!;
    assert.ok(len >= 136 && len <= 139, `DER length ${len}`);
  });
  test('mismatched key types name both (IBM texts)', () => {
    const ecReq = createAddSecretRequest({ ...base(), userSigningKey: ec });
    throwsCode(
      () => verifyAddSecretRequest(ecReq.bytes, rsa2048.publicKey),
      'ERR_SECRET_USER_KEY_MISMATCH',
      'Provided user-data key type (RSA 2048) does not match with the user-data (ECDSA signed)',
    );
    const unsigned = createAddSecretRequest({ ...base(), userData: filledBytes(3, 1) });
    throwsCode(
      () => verifyAddSecretRequest(unsigned.bytes, ecPublic),
      'ERR_SECRET_USER_KEY_MISMATCH',
      'Provided user-data key type (EC) does not match with the user-data (unsigned)',
    );
  });
  test('unsupported signing keys are refused', () => {
    const bad = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    throwsCode(
      () => createAddSecretRequest({ ...base(), userSigningKey: bad }),
      'ERR_SECRET_SIGNING_KEY_UNSUPPORTED',
      'Unsupported user data signing key provided. Only EC(secp521r1) and RSA(2048 & 3072 bit) are supported',
    );
  });
  test('too much unsigned data', () => {
    throwsCode(
      () => createAddSecretRequest({ ...base(), userData: filledBytes(513, 1) }),
      'ERR_SECRET_USER_DATA_SIZE',
      'Invalid unsigned user-data for signing provided. Max 512 bytes allowed',
    );
  });
});

describe("pvsecret's reader rules (§2.9) as coded errors", () => {
  const good = golden('null_none_default_cuid_one');
  test('wrong magic, unknown marker, wrong version', () => {
    const bad = good.slice();
    bad[0] = 0x41;
    throwsCode(
      () => verifyAddSecretRequest(bad),
      'ERR_SECRET_REQUEST_INVALID',
      /^Input does not contain an add-secret request/,
    );
    const marker = good.slice();
    marker[7] = 5;
    throwsCode(
      () => verifyAddSecretRequest(marker),
      'ERR_SECRET_USER_DATA_TYPE',
      'Input contains unsupported user-data type: 0x0005',
    );
    const version = good.slice();
    version[0x0a] = 2;
    throwsCode(
      () => verifyAddSecretRequest(version),
      'ERR_SECRET_REQUEST_VERSION',
      'Input does not contain an add-secret request version 1',
    );
    throwsCode(() => verifyAddSecretRequest(good.subarray(0, 7)), 'ERR_SECRET_REQUEST_INVALID');
  });
  test('a request longer than its rql is too small; a truncated one is an error (IBM panics, exit 101)', () => {
    throwsCode(
      () => parseAddSecretRequest(new Uint8Array([...good, 0])),
      'ERR_SECRET_REQUEST_TOO_SMALL',
      /^Provided binary request is too small/,
    );
    throwsCode(() => verifyAddSecretRequest(good.subarray(0, 1000)), 'ERR_SECRET_REQUEST_TRUNCATED');
    throwsCode(() => verifyAddSecretRequest(good.subarray(0, 40)), 'ERR_SECRET_REQUEST_TOO_SMALL');
  });
  test('hostile sizes are bounded: sea beyond rql, an rql of 4 GiB', () => {
    const sea = good.slice();
    sea.set([0xff, 0xff, 0xff, 0x00], 0x2c);
    throwsCode(() => verifyAddSecretRequest(sea), 'ERR_SECRET_REQUEST_TOO_SMALL');
    const rql = good.slice();
    rql.set([0xff, 0xff, 0xff, 0xff], 0x0c);
    throwsCode(() => verifyAddSecretRequest(rql), 'ERR_SECRET_REQUEST_TRUNCATED');
  });
});
