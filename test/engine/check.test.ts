// checkAttestation (pvattest check, spec §10.2/§10.3): host-key, user-data and secret-store policies on
// responses made by the software Ultravisor. Host-key issues are ordinary issues here (IBM's tool panics).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAttestError } from '../../shared/errors/index.js';
import {
  aes256GcmDecrypt,
  checkAttestation,
  computeMeasurement,
  createAttestationRequest,
  decryptArcbWith,
  encodeExchangeResponse,
  filledBytes,
  p521PrivateKeyFromPem,
  parseArcb,
  parseSeHeader,
  performAttestation,
  readAddSecretRequestTag,
  readHostKeyDocument,
  readU32,
  systemContext,
  type AddDataKind,
  type CheckHostKey,
  type PerformAttestationParams,
} from '../../main/engine/index.js';
import { ASRCB_ORDER, vector, vectorText } from '../support/vectors.js';

const KEYS = 'interop/keys';
const SE_HDR = vector(`${KEYS}/se.hdr`);
const ASRCB_DIR = 's390-tools/rust/pv/tests/assets/exp/asrcb';
const PRIV_A = p521PrivateKeyFromPem(vectorText(`${KEYS}/hostA.key`));
const DOC = {
  A: readHostKeyDocument(vector(`${KEYS}/hostA.crt`)),
  B: readHostKeyDocument(vector(`${KEYS}/hostB.crt`)),
};
const KEY_A: CheckHostKey = { name: 'hostA.crt', phkh: DOC.A.phkh };
const KEY_B: CheckHostKey = { name: '../keys/hostB.crt', phkh: DOC.B.phkh };
const CUID = filledBytes(16, 0x21);
const USER = vector(`${KEYS}/user17`);

const ISSUE = {
  noMatch: (kind: string) => `No given host-key document matches the given ${kind} public host-key hash`,
  many: (kind: string) => `More than one host-key document matches the given ${kind} public host-key hash`,
  user: 'The Provided user data does not match the user data from the attestation response.',
  noStore: 'The Attestation response contains no secret-store-hash, but checking was enabled',
  storeMismatch: 'The calculated secret-store-hash does not match with the provided hash',
};

const secretFile = (name: string) => ({ name, bytes: vector(`${ASRCB_DIR}/${name}`) });
const TWO = ['assoc_simple_default_cuid_one', 'null_none_default_cuid_one'].map(secretFile);
const ALL_NINE = ASRCB_ORDER.map(secretFile);

/** A response of the software UV (holding hostA) to a fresh request for hostA. */
function respond(addData: readonly AddDataKind[], over: Partial<PerformAttestationParams> = {}): Uint8Array {
  const req = createAttestationRequest({ hostKeys: [DOC.A.publicCoords], addData, ctx: systemContext() });
  return performAttestation({
    request: req.exchange,
    hostPrivateKeys: [PRIV_A],
    seHeader: SE_HDR,
    cuid: CUID,
    ...over,
  });
}

const tagsOf = (files: readonly { bytes: Uint8Array }[]) => files.map((f) => readAddSecretRequestTag(f.bytes));
const BOTH_PHKH: AddDataKind[] = ['phkh-img', 'phkh-att'];

describe('§10.2 host keys', () => {
  const response = respond(BOTH_PHKH);
  test('one matching HKD: hash is its name as given, for image and attestation; enforcement recorded', () => {
    const loose = checkAttestation({ response, hostKeys: [KEY_B, KEY_A] });
    assert.deepEqual(loose.issues, []);
    assert.equal(loose.successful, true);
    assert.deepEqual(loose.imageHostKey, { checkEnforced: false, hash: 'hostA.crt' });
    assert.deepEqual(loose.attestHostKey, { checkEnforced: false, hash: 'hostA.crt' });
    const strict = checkAttestation({
      response,
      hostKeys: [KEY_A],
      enforceImageKeyHash: true,
      enforceAttestationKeyHash: true,
    });
    assert.equal(strict.successful, true);
    assert.deepEqual(strict.imageHostKey, { checkEnforced: true, hash: 'hostA.crt' });
    assert.deepEqual(strict.attestHostKey, { checkEnforced: true, hash: 'hostA.crt' });
  });
  test('no matching HKD: an issue for image then attestation (not a panic), even without enforcement', () => {
    const r = checkAttestation({ response, hostKeys: [KEY_B] });
    assert.equal(r.successful, false);
    assert.deepEqual(r.issues, [ISSUE.noMatch('image'), ISSUE.noMatch('attestation')]);
    assert.equal(r.imageHostKey?.hash, undefined);
    assert.equal(r.attestHostKey?.hash, undefined);
  });
  test('two matching HKDs (the same key twice): "More than one" issue', () => {
    const r = checkAttestation({
      response,
      hostKeys: [KEY_A, { name: 'copy-of-A.crt', phkh: DOC.A.phkh.slice() }],
      enforceImageKeyHash: true,
    });
    assert.equal(r.successful, false);
    assert.deepEqual(r.issues, [ISSUE.many('image'), ISSUE.many('attestation')]);
    assert.deepEqual(r.imageHostKey, { checkEnforced: true });
  });
  test('PHKH absent and enforced: issue; absent and not enforced: OK and the key is omitted', () => {
    const none = respond([]);
    const enforced = checkAttestation({ response: none, hostKeys: [KEY_A], enforceImageKeyHash: true });
    assert.equal(enforced.successful, false);
    assert.equal(enforced.issues.length, 1);
    assert.match(
      enforced.issues[0] ?? '',
      /^The Attestation result does not contain an image.*, but checking was enabled\.$/,
    );
    assert.deepEqual(enforced.imageHostKey, { checkEnforced: true });
    assert.equal(enforced.attestHostKey, undefined);
    const loose = checkAttestation({ response: none, hostKeys: [KEY_A] });
    assert.equal(loose.successful, true);
    assert.equal(loose.imageHostKey, undefined);
    assert.equal(loose.attestHostKey, undefined);
  });
  test('only the attestation PHKH present, image enforced: image issue, attestation matched', () => {
    const att = respond(['phkh-att']);
    const r = checkAttestation({ response: att, hostKeys: [KEY_A], enforceImageKeyHash: true });
    assert.equal(r.issues.length, 1);
    assert.match(r.issues[0] ?? '', /image/);
    assert.deepEqual(r.attestHostKey, { checkEnforced: false, hash: 'hostA.crt' });
  });
  test('no HKDs given: nothing is checked, even with enforcement flags', () => {
    const r = checkAttestation({ response, enforceImageKeyHash: true, enforceAttestationKeyHash: true });
    assert.equal(r.successful, true);
    assert.equal(r.imageHostKey, undefined);
    assert.equal(r.attestHostKey, undefined);
    assert.deepEqual(r.additional?.imagePhkh, DOC.A.phkh);
  });
});

describe('§10.2 user data', () => {
  const withUser = respond([], { userData: USER });
  test('matching user data passes and is reported', () => {
    const r = checkAttestation({ response: withUser, expectedUserData: USER.slice() });
    assert.equal(r.successful, true);
    assert.deepEqual(r.userData, USER);
  });
  test('one byte different, one byte shorter or longer: issue', () => {
    const changed = USER.slice();
    changed[5] = (changed[5] ?? 0) ^ 0x01;
    const variants = [changed, USER.subarray(0, 16), new Uint8Array([...USER, 0])];
    for (const expected of variants) {
      const r = checkAttestation({ response: withUser, expectedUserData: expected });
      assert.deepEqual(r.issues, [ISSUE.user]);
      assert.equal(r.userData, undefined);
    }
  });
  test('a response without user data fails against any expected data, also an empty file', () => {
    const none = respond([]);
    for (const expected of [new Uint8Array(0), USER])
      assert.deepEqual(checkAttestation({ response: none, expectedUserData: expected }).issues, [ISSUE.user]);
  });
  test('without expected user data nothing is checked or reported', () => {
    const r = checkAttestation({ response: withUser });
    assert.equal(r.successful, true);
    assert.equal(r.userData, undefined);
  });
});

describe('§10.2 secret store', () => {
  test('the asrcb files in the order they were added, locked: passes and lists the names', () => {
    const response = respond(['secret-store-hash'], { secretStore: { tags: tagsOf(TWO), locked: true } });
    const r = checkAttestation({ response, secretStore: { requests: TWO, locked: true } });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.secretStore, {
      addSecretRequests: ['assoc_simple_default_cuid_one', 'null_none_default_cuid_one'],
      locked: true,
    });
  });
  test('reversed order, the wrong lock state, a missing or an extra request: mismatch issue', () => {
    const response = respond(['secret-store-hash'], { secretStore: { tags: tagsOf(TWO), locked: true } });
    const cases = [
      { requests: [...TWO].reverse(), locked: true },
      { requests: TWO, locked: false },
      { requests: TWO.slice(0, 1), locked: true },
      { requests: [...TWO, secretFile('null_none_dump_cuid_one')], locked: true },
    ];
    for (const secretStore of cases) {
      const r = checkAttestation({ response, secretStore });
      assert.deepEqual(r.issues, [ISSUE.storeMismatch]);
      assert.equal(r.secretStore, undefined);
    }
  });
  test('all nine asrcb vectors in order pass; swapping two fails', () => {
    const response = respond(['secret-store-hash'], { secretStore: { tags: tagsOf(ALL_NINE), locked: false } });
    assert.equal(checkAttestation({ response, secretStore: { requests: ALL_NINE, locked: false } }).successful, true);
    const swapped = [...ALL_NINE];
    [swapped[3], swapped[4]] = [ALL_NINE[4] as (typeof ALL_NINE)[number], ALL_NINE[3] as (typeof ALL_NINE)[number]];
    assert.deepEqual(checkAttestation({ response, secretStore: { requests: swapped, locked: false } }).issues, [
      ISSUE.storeMismatch,
    ]);
  });
  test('empty unlocked store (the UV default): no requests + unlocked passes with an empty list; locked fails', () => {
    const response = respond(['secret-store-hash']);
    const ok = checkAttestation({ response, secretStore: { requests: [], locked: false } });
    assert.deepEqual(ok.secretStore, { addSecretRequests: [], locked: false });
    assert.deepEqual(checkAttestation({ response, secretStore: { requests: [], locked: true } }).issues, [
      ISSUE.storeMismatch,
    ]);
    assert.deepEqual(checkAttestation({ response, secretStore: { requests: TWO, locked: false } }).issues, [
      ISSUE.storeMismatch,
    ]);
  });
  test('a response without a secret-store hash: issue', () => {
    const r = checkAttestation({ response: respond(BOTH_PHKH), secretStore: { requests: TWO, locked: true } });
    assert.deepEqual(r.issues, [ISSUE.noStore]);
  });
  test('a --secret file that is not an add-secret request is an error (ERR_ASRCB_INVALID), not an issue', () => {
    const response = respond(['secret-store-hash'], { secretStore: { tags: tagsOf(TWO), locked: true } });
    const notSecrets = [
      vector('s390-tools/rust/pv/tests/assets/exp/arcb.bin'),
      vector('interop/rs-min/req.bin'),
      new TextEncoder().encode('hello\n'),
      new Uint8Array(0),
    ];
    for (const bytes of notSecrets) {
      assert.throws(
        () => checkAttestation({ response, secretStore: { requests: [...TWO, { name: 'bad', bytes }], locked: true } }),
        (e: unknown) =>
          isAttestError(e, 'ERR_ASRCB_INVALID') && e.message.startsWith('Input does not contain an add-secret request'),
      );
    }
  });
});

describe('§10.3 issue order, errors and scope', () => {
  test('issues come in check order: image, attestation, user data, secret store', () => {
    const response = respond(BOTH_PHKH);
    const r = checkAttestation({
      response,
      hostKeys: [KEY_B],
      expectedUserData: USER,
      secretStore: { requests: [], locked: false },
    });
    assert.deepEqual(r.issues, [ISSUE.noMatch('image'), ISSUE.noMatch('attestation'), ISSUE.user, ISSUE.noStore]);
    assert.equal(r.successful, false);
  });
  test('everything at once passing (the §10.3 example shape)', () => {
    const response = respond(['phkh-img', 'phkh-att', 'secret-store-hash'], {
      userData: USER,
      secretStore: { tags: tagsOf(TWO), locked: true },
    });
    const r = checkAttestation({
      response,
      hostKeys: [KEY_A],
      enforceImageKeyHash: true,
      enforceAttestationKeyHash: true,
      expectedUserData: USER,
      secretStore: { requests: TWO, locked: true },
    });
    assert.equal(r.successful, true);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.imageHostKey, { checkEnforced: true, hash: 'hostA.crt' });
    assert.deepEqual(r.userData, USER);
    assert.equal(r.secretStore?.locked, true);
  });
  test('check does not verify the measurement: a tampered measurement still passes the policies', () => {
    const response = respond(BOTH_PHKH).slice();
    const measAt = readU32(response, 0x24);
    response[measAt] = (response[measAt] ?? 0) ^ 0xff;
    assert.equal(checkAttestation({ response, hostKeys: [KEY_A] }).successful, true);
  });
  test('additional data shorter than the flags ask for is an error (ERR_ADD_DATA_MISSING), as in verify', () => {
    const req = createAttestationRequest({ hostKeys: [DOC.A.publicCoords], addData: BOTH_PHKH, ctx: systemContext() });
    const secrets = decryptArcbWith(req.arcb, parseArcb(req.arcb), (iv, aad, s) =>
      aes256GcmDecrypt(req.arpk, iv, aad, s),
    );
    const additionalData = DOC.A.phkh;
    const measurement = computeMeasurement({ ...secrets, tags: parseSeHeader(SE_HDR), cuid: CUID, additionalData });
    const response = encodeExchangeResponse({
      arcb: req.arcb,
      measurement,
      additionalData,
      userData: undefined,
      cuid: CUID,
    });
    assert.throws(() => checkAttestation({ response }), { code: 'ERR_ADD_DATA_MISSING' });
  });
  test('reader errors surface as in verify: truncated response, wrong magic', () => {
    const response = respond([]);
    assert.throws(() => checkAttestation({ response: response.subarray(0, response.length - 1) }), {
      code: 'ERR_EXCHANGE_TOO_SMALL',
    });
    const bad = response.slice();
    bad[0] = 0;
    assert.throws(() => checkAttestation({ response: bad }), { code: 'ERR_EXCHANGE_MAGIC' });
  });
  test('the IBM-made interop responses check against the host key the UV held', () => {
    // rs-3hkd: the UV held the second host key (hostB) → attestation PHKH matches hostB only
    const r = checkAttestation({
      response: vector('interop/rs-3hkd/resp.bin'),
      hostKeys: [KEY_A, KEY_B],
      enforceAttestationKeyHash: true,
    });
    assert.deepEqual(r.attestHostKey, { checkEnforced: true, hash: KEY_B.name });
    assert.equal(r.successful, true);
  });
});
