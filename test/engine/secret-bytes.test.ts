// Issue 13: one type for secret bytes (SecretBytes), wiped in `finally` and never printed or serialised; the ECDH
// shared secret and the KEK of a key slot, and the ARPK / protection key of create and add-secret create, are
// wiped on every path, a throw included.
import assert from 'node:assert/strict';
import { format, inspect } from 'node:util';
import { describe, test } from 'node:test';
import { isAttestError } from '../../shared/errors/index.js';
import { REDACTED, SecretBytes, withSecret } from '../../main/engine/bytes.js';
import { createAttestationRequest } from '../../main/engine/attest/create.js';
import { systemContext, type EngineContext } from '../../main/engine/crypto/context.js';
import { unwrapKeySlotKey, withKeySlotKek, wrapKeySlotKey } from '../../main/engine/crypto/key-slot-wrap.js';
import { generateP521KeyPair } from '../../main/engine/crypto/p521.js';
import { createAddSecretRequest } from '../../main/engine/secret/add-secret-request.js';
import { associationSecret } from '../../main/engine/secret/values.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const SECRET_HEX = Buffer.from(SECRET).toString('hex');
const isZero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);

/** The system context, keeping every random buffer it hands out (the engine holds those very buffers). */
function recordingContext(): EngineContext & { readonly drawn: Uint8Array[] } {
  const inner = systemContext();
  const drawn: Uint8Array[] = [];
  return {
    drawn,
    now: () => inner.now(),
    randomBytes(size) {
      const b = inner.randomBytes(size);
      drawn.push(b);
      return b;
    },
  };
}

/** A 160-byte "host key" that is not a point on P-521: ECDH with it throws ERR_HOST_KEY_INVALID. */
const NOT_A_POINT = new Uint8Array(160).fill(3);

describe('SecretBytes', () => {
  test('JSON, string conversion, util.inspect, console formatting and structuredClone never show the bytes', () => {
    const s = new SecretBytes(SECRET.slice());
    const texts = [
      JSON.stringify(s),
      JSON.stringify({ arpk: s, nested: [s] }),
      String(s),
      `${s}`,
      inspect(s),
      inspect({ deep: { deeper: s } }, { depth: 10, showHidden: true }),
      format('%o %O %s %j', s, s, s, { s }),
    ];
    for (const t of texts) {
      assert.ok(!t.includes(SECRET_HEX), t);
      assert.ok(!/160,\s*161|\b160\b.*\b161\b/.test(t), `no byte values in ${t}`);
      assert.ok(t.includes(REDACTED), t);
    }
    assert.equal(JSON.stringify({ arpk: s }), `{"arpk":"${REDACTED}"}`);
    assert.deepEqual(Object.keys(s), []);
    const cloned: unknown = structuredClone(s);
    assert.ok(!JSON.stringify(cloned).includes('160'), 'a structured clone carries no bytes');
    assert.equal(s.bytes.length, 32, 'the holder still has them');
  });

  test('wipe() zeroes the very buffer it was given; use after wiping is a coded error', () => {
    const raw = SECRET.slice();
    const s = new SecretBytes(raw);
    s.wipe();
    assert.ok(isZero(raw));
    assert.equal(s.wiped, true);
    assert.equal(s.length, 0);
    assert.throws(
      () => s.bytes,
      (e) => isAttestError(e, 'ERR_INPUT_INVALID'),
    );
    s.wipe(); // idempotent
  });

  test('withSecret wipes when the callback throws, and when it returns', () => {
    const raw = SECRET.slice();
    assert.throws(
      () =>
        withSecret(raw, (s) => {
          assert.equal(s.bytes[0], 0xa0);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.ok(isZero(raw), 'wiped on the error path');
    const raw2 = SECRET.slice();
    assert.equal(
      withSecret(raw2, (s) => s.length),
      32,
    );
    assert.ok(isZero(raw2), 'wiped on the normal path');
  });

  test('release() hands the bytes over: the holder no longer wipes them', () => {
    const raw = SECRET.slice();
    const s = new SecretBytes(raw);
    const out = s.release();
    s.wipe();
    assert.equal(out, raw);
    assert.equal(Buffer.from(out).toString('hex'), SECRET_HEX);
  });
});

describe('key-slot KEK (ECDH shared secret → X9.63 KDF)', () => {
  const ctx = systemContext();
  const customer = generateP521KeyPair(ctx);
  const host = generateP521KeyPair(ctx);

  test('the KEK is wiped when the code using it throws', () => {
    let seen: Uint8Array | undefined;
    assert.throws(
      () =>
        withKeySlotKek(customer.privateKey, host.publicCoords, (kek) => {
          seen = kek;
          assert.equal(kek.length, 32);
          assert.ok(!isZero(kek), 'a real KEK while in use');
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.ok(seen && isZero(seen), 'zeroed after the throw');
  });

  test('both sides derive the same KEK (wrap with the customer key, unwrap with the host key)', () => {
    const wrapped = wrapKeySlotKey(customer.privateKey, host.publicCoords, SECRET);
    assert.equal(wrapped.length, 48);
    const back = unwrapKeySlotKey(host.privateKey, customer.publicCoords, wrapped);
    assert.equal(Buffer.from(back).toString('hex'), SECRET_HEX);
    assert.throws(
      () =>
        unwrapKeySlotKey(
          customer.privateKey,
          host.publicCoords,
          wrapped.map((b, i) => (i === 0 ? b ^ 1 : b)),
        ),
      (e) => isAttestError(e, 'ERR_ARCB_TAG_MISMATCH'),
    );
  });
});

describe('create and add-secret create wipe their keys on the error path', () => {
  const host = generateP521KeyPair(systemContext());

  test('create: a bad second host key throws, and the ARPK and the measurement key drawn are zero', () => {
    const ctx = recordingContext();
    assert.throws(
      () => createAttestationRequest({ hostKeys: [host.publicCoords, NOT_A_POINT], ctx }),
      (e) => isAttestError(e, 'ERR_HOST_KEY_INVALID'),
    );
    const [arpk, iv, measurementKey] = ctx.drawn;
    assert.equal(arpk?.length, 32);
    assert.equal(iv?.length, 12);
    assert.equal(measurementKey?.length, 64);
    assert.ok(isZero(arpk!), 'ARPK wiped');
    assert.ok(isZero(measurementKey!), 'measurement key wiped');
  });

  test('create: on success the measurement key is wiped and the ARPK handed to the caller intact', () => {
    const ctx = recordingContext();
    const request = createAttestationRequest({ hostKeys: [host.publicCoords], ctx });
    const [arpk, , measurementKey] = ctx.drawn;
    assert.equal(request.arpk, arpk);
    assert.ok(!isZero(request.arpk));
    assert.ok(isZero(measurementKey!));
  });

  test('add-secret create: a bad host key throws, and the protection key drawn is zero', () => {
    const ctx = recordingContext();
    const tags = { pld: new Uint8Array(64), ald: new Uint8Array(64), tld: new Uint8Array(64), tag: new Uint8Array(16) };
    assert.throws(
      () =>
        createAddSecretRequest({
          secret: associationSecret('a', SECRET.slice()),
          hostKeys: [host.publicCoords, NOT_A_POINT],
          bootTags: tags,
          ctx,
        }),
      (e) => isAttestError(e, 'ERR_HOST_KEY_INVALID'),
    );
    const protectionKey = ctx.drawn.at(-1)!;
    assert.equal(protectionKey.length, 32);
    assert.ok(isZero(protectionKey), 'protection key wiped');
  });
});
