// Fuzz-style robustness: thousands of seeded random mutations of valid files (bit flips, byte sets, truncations,
// extensions, u32/u64 field overwrites with boundary values) fed to every parser and to the verify / perform /
// check operations. Each call must end in a result or an AttestError: never another exception type, never a
// hang (the suite's timeout is the hang guard). The seed is fixed (override with FUZZ_SEED=n); failures print the
// target, seed and iteration. How long the calls take is not asserted (issue 13: no wall-clock assertions):
// with FUZZ_REPORT=file each target's call count, mean and slowest call are appended to that file as JSON lines,
// which `npm run bench engine` reports (fuzz-call).
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isAttestError } from '../../shared/errors/index.js';
import {
  SE_IMG_META_OFFSET,
  aes256GcmDecrypt,
  buildKeySlot,
  checkAttestation,
  createAttestationRequest,
  firstCertificateDer,
  p521Ecdh,
  systemContext,
  decodeAdditionalData,
  decryptArcbWith,
  extractSeHeaderWindow,
  findSeHeader,
  fromHex,
  locateSeHeader,
  p521PrivateKeyFromPem,
  parseAddDataList,
  parseArcb,
  parseExchangeRequest,
  parseExchangeResponse,
  parseSeHeader,
  parseSeHeaderTagsC,
  performAttestation,
  readAddSecretRequestTag,
  readHostKeyDocument,
  verifyAttestationResponse,
  writeU32,
  writeU64,
  type Dialect,
} from '../../main/engine/index.js';
import { vector, vectorText } from '../support/vectors.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5e_a77e57) >>> 0;

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG and mutators

/** mulberry32: small, fast, deterministic. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

function boundaryU32(rng: Rng, len: number): number {
  const values = [
    0, 1, 0x0f, 0x10, 0x11, 0x3f, 0x40, 0x41, 0xe0, 0x100, 0x190, 0x1a0, 0x280, 0x7fff, 0x8000, 0x8001, 0x100000,
    0x100001,
  ];
  const edges = [0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, len - 1, len, len + 1, len - 16, len + 16, rng.u32()];
  return rng.pick([...values, ...edges]) >>> 0;
}

/** 1..4 random mutations of `base`; `hot` lists field offsets worth hitting more often. */
function mutate(rng: Rng, base: Uint8Array, hot: readonly number[]): Uint8Array {
  let b = base.slice();
  const n = 1 + rng.int(4);
  const index = () => {
    if (hot.length > 0 && rng.chance(0.6)) return Math.min(b.length - 1, rng.pick(hot) + rng.int(4));
    return rng.int(b.length);
  };
  for (let k = 0; k < n; k++) {
    const op = rng.int(9);
    if (b.length === 0 && op !== 3) continue;
    switch (op) {
      case 0: {
        const i = index();
        b[i] = (b[i] ?? 0) ^ (1 << rng.int(8));
        break;
      }
      case 1:
        b[index()] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x01, rng.int(256)]);
        break;
      case 2:
        b = b.slice(0, rng.chance(0.5) ? Math.max(0, b.length - 1 - rng.int(32)) : rng.int(b.length + 1));
        break;
      case 3: {
        const extra = rng.chance(0.5) ? new Uint8Array(1 + rng.int(64)) : rng.bytes(1 + rng.int(64));
        const out = new Uint8Array(b.length + extra.length);
        out.set(b);
        out.set(extra, b.length);
        b = out;
        break;
      }
      case 4:
      case 5:
      case 6: {
        const at = hot.length > 0 && rng.chance(0.8) ? rng.pick(hot) : rng.int(b.length);
        if (at + 4 <= b.length) writeU32(b, at, boundaryU32(rng, b.length));
        break;
      }
      case 7: {
        const at = hot.length > 0 ? rng.pick(hot) : rng.int(b.length);
        if (at + 8 <= b.length)
          writeU64(
            b,
            at,
            rng.pick([0n, 1n, 0xffffffffffffffffn, 0x14000n, 0x16000n, BigInt(b.length), BigInt(rng.u32())]),
          );
        break;
      }
      default: {
        // splice: copy a chunk of the file over another place
        const from = rng.int(b.length);
        const to = rng.int(b.length);
        const len = Math.min(1 + rng.int(32), b.length - from, b.length - to);
        b.copyWithin(to, from, from + len);
      }
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// Harness

interface Stats {
  results: number;
  errors: number;
  failures: string[];
  /** Per target (a probe's label without dialect, offset or parameters): calls, total and slowest time. */
  timings: Map<string, { calls: number; totalMs: number; slowestMs: number }>;
}

function newStats(): Stats {
  return { results: 0, errors: 0, failures: [], timings: new Map() };
}

/** Runs `fn`; a non-AttestError exception or a failed invariant is recorded with the seed and iteration. */
function probe<T>(
  stats: Stats,
  label: string,
  iteration: number,
  fn: () => T,
  invariant?: (value: T) => string | undefined,
): void {
  const start = performance.now();
  try {
    const value = fn();
    const broken = invariant?.(value);
    if (broken !== undefined)
      stats.failures.push(`${label}: seed=${SEED} iteration=${iteration}: invariant broken: ${broken}`);
    stats.results++;
  } catch (e) {
    if (isAttestError(e)) stats.errors++;
    else {
      const err = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      stats.failures.push(`${label}: seed=${SEED} iteration=${iteration}: non-AttestError thrown: ${err}`);
    }
  } finally {
    const ms = performance.now() - start;
    const target = label.replace(/\[[^\]]*\]|@.*$|\((?!image\)).*$/s, ''); // without dialect, offset, parameters
    const t = stats.timings.get(target) ?? { calls: 0, totalMs: 0, slowestMs: 0 };
    stats.timings.set(target, { calls: t.calls + 1, totalMs: t.totalMs + ms, slowestMs: Math.max(t.slowestMs, ms) });
  }
}

/** Appends each target's timings to FUZZ_REPORT (JSON lines), for the benchmark. */
function reportTimings(stats: Stats): void {
  const file = process.env['FUZZ_REPORT'];
  if (!file) return;
  for (const [target, t] of stats.timings)
    appendFileSync(
      file,
      `${JSON.stringify({ target, calls: t.calls, mean_us: Math.round((t.totalMs / t.calls) * 1000), slowest_ms: +t.slowestMs.toFixed(2) })}\n`,
    );
}

function assertClean(stats: Stats, opts: { needResults?: boolean; needErrors?: boolean } = {}): void {
  reportTimings(stats);
  if (process.env['FUZZ_VERBOSE']) console.log(`results=${stats.results} errors=${stats.errors}`);
  assert.deepEqual(stats.failures.slice(0, 10), [], `${stats.failures.length} failure(s); first ones listed`);
  if (opts.needResults ?? true)
    assert.ok(stats.results > 0, 'no mutation ended in a result: the fuzz inputs are too broken to be useful');
  if (opts.needErrors ?? true)
    assert.ok(stats.errors > 0, 'no mutation ended in an error: the mutations do not reach the checks');
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const KEYS = 'interop/keys';
const SE_HDR = vector(`${KEYS}/se.hdr`);
const RESPONSES = ['rs-phkh', 'rs-all4', 'rs-min', 'rs-3hkd', 'c-nononce', 'rs-user17'].map((c) => ({
  name: c,
  resp: vector(`interop/${c}/resp.bin`),
  req: vector(`interop/${c}/req.bin`),
  arpk: vector(`interop/${c}/arp.key`),
}));
const ASRCBS = [
  'assoc_simple_default_cuid_one',
  'null_none_default_cuid_one',
  'null_none_dump_cuid_one',
  'assoc_derived_default_cuid_one',
].map((n) => vector(`s390-tools/rust/pv/tests/assets/exp/asrcb/${n}`));
const HOST_PRIV = ['A', 'B', 'C'].map((n) => p521PrivateKeyFromPem(vectorText(`${KEYS}/host${n}.key`)));
const HOST_KEYS = ['A', 'B'].map((n) => ({
  name: `host${n}.crt`,
  phkh: readHostKeyDocument(vector(`${KEYS}/host${n}.crt`)).phkh,
}));
const DIALECTS: readonly Dialect[] = ['rust', 'c'];

const EXCHANGE_HOT = [0x08, 0x0c, 0x18, 0x1c, 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x3c];
const ARCB_HOT = [0x00, 0x08, 0x0c, 0x10, 0x24, 0x2c, 0x30, 0x34, 0x38, 0x3c, 0xe0];
const RESPONSE_HOT = [...EXCHANGE_HOT, ...ARCB_HOT.map((o) => 0x40 + o)];
const SEHDR_HOT = [0x00, 0x08, 0x0c, 0x20, 0x28, 0x30, 0x38, 0x1a0, 0x270];
const ASRCB_HOT = [0x00, 0x04, 0x08, 0x0c, 0x24, 0x2c];

/** Small images: header at 0x14000 (probe) and metadata → header at 0x16000. */
function images(): Uint8Array[] {
  const plain = new Uint8Array(0x15000);
  plain.set(SE_HDR, 0x14000);
  const meta = new Uint8Array(0x17000);
  meta.set(SE_HDR, 0x16000);
  meta.set(Buffer.from('SeImgLnx', 'latin1'), SE_IMG_META_OFFSET);
  writeU64(meta, SE_IMG_META_OFFSET + 8, 0x16000n);
  writeU32(meta, SE_IMG_META_OFFSET + 16, 1);
  writeU64(meta, SE_IMG_META_OFFSET + 20, 0x18000n);
  return [plain, meta];
}
const IMAGE_HOT = [
  SE_IMG_META_OFFSET,
  SE_IMG_META_OFFSET + 8,
  SE_IMG_META_OFFSET + 16,
  SE_IMG_META_OFFSET + 20,
  0x13ff8,
  0x14000,
  0x14008,
  0x1400c,
  0x14020,
  0x14270,
  0x16000,
  0x16008,
  0x1600c,
  0x16020,
];

// ---------------------------------------------------------------------------------------------------------------

describe(`fuzz (seed ${SEED})`, { timeout: 300_000 }, () => {
  test('exchange readers (request and response, both dialects) on mutated requests and responses', () => {
    const rng = new Rng(SEED ^ 0x01);
    const stats = newStats();
    for (let i = 0; i < 3000; i++) {
      const base = rng.pick(RESPONSES);
      const input = mutate(rng, rng.chance(0.7) ? base.resp : base.req, RESPONSE_HOT);
      for (const d of DIALECTS) {
        probe(
          stats,
          `parseExchangeResponse[${d}]`,
          i,
          () => parseExchangeResponse(input, d),
          (r) =>
            r.cuid.length !== 16 && d === 'rust'
              ? `CUID of ${r.cuid.length} bytes accepted`
              : r.userData && r.userData.length > 256
                ? 'user data > 256'
                : undefined,
        );
        probe(
          stats,
          `parseExchangeRequest[${d}]`,
          i,
          () => parseExchangeRequest(input, d),
          (r) =>
            r.measurementSize < 1 || r.measurementSize > 0x8000 || r.additionalSize > 0x8000
              ? `sizes ${r.measurementSize}/${r.additionalSize}`
              : undefined,
        );
      }
    }
    assertClean(stats);
  });

  test('parseArcb and decryptArcbWith (both dialects) on mutated ARCBs', () => {
    const rng = new Rng(SEED ^ 0x02);
    const stats = newStats();
    const arcbs = RESPONSES.map((r) => ({ arcb: parseExchangeResponse(r.resp).arcb, arpk: r.arpk }));
    for (let i = 0; i < 3000; i++) {
      const base = rng.pick(arcbs);
      const input = mutate(rng, base.arcb, ARCB_HOT);
      const d = rng.pick(DIALECTS);
      const arpk = rng.chance(0.8) ? base.arpk : rng.bytes(32);
      probe(
        stats,
        `parseArcb+decrypt[${d}]`,
        i,
        () => {
          const info = parseArcb(input, d);
          if (info.keySlots.length > info.nks)
            throw new Error(`more slots (${info.keySlots.length}) than nks (${info.nks})`);
          return decryptArcbWith(input, info, (iv, aad, sealed) => aes256GcmDecrypt(arpk, iv, aad, sealed), d);
        },
        (s) => (s.measurementKey.length !== 64 ? `measurement key of ${s.measurementKey.length} bytes` : undefined),
      );
    }
    assertClean(stats);
  });

  test('verifyAttestationResponse (both dialects) on mutated responses, ARPKs and headers', () => {
    const rng = new Rng(SEED ^ 0x03);
    const stats = newStats();
    let verified = 0;
    for (let i = 0; i < 4000; i++) {
      const base = rng.pick(RESPONSES);
      const which = rng.int(10);
      const response = which < 7 ? mutate(rng, base.resp, RESPONSE_HOT) : base.resp;
      const seHeader = which >= 7 ? mutate(rng, SE_HDR, SEHDR_HOT) : SE_HDR;
      const arpk = rng.chance(0.05) ? rng.bytes(rng.pick([0, 31, 32, 33])) : base.arpk;
      const dialect = rng.pick(DIALECTS);
      probe(
        stats,
        `verify[${dialect}]`,
        i,
        () => verifyAttestationResponse({ response, arpk, seHeader, dialect }),
        (v) => {
          if (v.verified) verified++;
          return v.cuid.length === 16 || dialect === 'c' ? undefined : `CUID of ${v.cuid.length} bytes`;
        },
      );
    }
    assertClean(stats);
    assert.ok(verified > 0, 'no mutation left the response verifiable (trailing bytes, ignored fields)');
  });

  test('verify with mutated images (probe and metadata search)', () => {
    const rng = new Rng(SEED ^ 0x04);
    const stats = newStats();
    const imgs = images();
    const base = RESPONSES[0] as (typeof RESPONSES)[number];
    for (let i = 0; i < 800; i++) {
      const img = mutate(rng, rng.pick(imgs), IMAGE_HOT);
      probe(stats, 'verify(image)', i, () =>
        verifyAttestationResponse({ response: base.resp, arpk: base.arpk, seHeader: img }),
      );
    }
    assertClean(stats);
  });

  test('SE header parsers: parseSeHeader (any offset), locateSeHeader, findSeHeader, parseSeHeaderTagsC', () => {
    const rng = new Rng(SEED ^ 0x05);
    const stats = newStats();
    for (let i = 0; i < 3000; i++) {
      const hdr = mutate(rng, SE_HDR, SEHDR_HOT);
      const offset = rng.pick([
        0,
        0,
        1,
        8,
        16,
        hdr.length - 0x1a0,
        hdr.length - 8,
        hdr.length,
        hdr.length + 8,
        -1,
        -0x1a0,
        rng.int(hdr.length + 1),
      ]);
      probe(
        stats,
        `parseSeHeader@${offset}`,
        i,
        () => parseSeHeader(hdr, offset),
        (h) =>
          h.tag.length !== 16 ||
          h.pld.length !== 64 ||
          h.tld.length !== 64 ||
          h.keySlotPhkhs.some((p) => p.length !== 32)
            ? 'short field in a parsed header'
            : offset + h.phs > hdr.length
              ? `phs ${h.phs} runs past the file`
              : undefined,
      );
      probe(
        stats,
        'locateSeHeader',
        i,
        () => locateSeHeader(hdr),
        (l) => (l.offset + 8 > hdr.length ? `offset ${l.offset} past the end` : undefined),
      );
      probe(stats, 'findSeHeader', i, () => findSeHeader(hdr));
      probe(
        stats,
        'parseSeHeaderTagsC',
        i,
        () => parseSeHeaderTagsC(hdr),
        (t) => (t.tag.length !== 16 ? 'short tag' : undefined),
      );
    }
    assertClean(stats);
  });

  test('image search and pvextract-hdr window on mutated images, random windows', () => {
    const rng = new Rng(SEED ^ 0x06);
    const stats = newStats();
    const imgs = images();
    for (let i = 0; i < 1000; i++) {
      const img = mutate(rng, rng.pick(imgs), IMAGE_HOT);
      probe(
        stats,
        'locateSeHeader(image)',
        i,
        () => locateSeHeader(img),
        (l) =>
          l.offset + 8 > img.length ||
          Buffer.from(img.subarray(l.offset, l.offset + 8)).toString('latin1') !== 'IBMSecEx'
            ? `no magic at ${l.offset}`
            : undefined,
      );
      probe(stats, 'findSeHeader(image)', i, () => findSeHeader(img));
      const params = {
        ...(rng.chance(0.7) ? {} : { skipPages: rng.pick([0, 0x13, 0x14, 0x15, 0x16, 0x17, rng.int(0x30)]) }),
        ...(rng.chance(0.7) ? {} : { lengthPages: rng.pick([0, 1, 2, 4, 0x100]) }),
      };
      probe(
        stats,
        `extractSeHeaderWindow(${JSON.stringify(params)})`,
        i,
        () => extractSeHeaderWindow(img, params),
        (r) =>
          r.outcome === 'extracted' && (r.header.length > r.sizeField || r.offset + r.header.length > img.length)
            ? 'header larger than its size field'
            : undefined,
      );
    }
    assertClean(stats);
  });

  test('readAddSecretRequestTag on mutated add-secret requests', () => {
    const rng = new Rng(SEED ^ 0x07);
    const stats = newStats();
    for (let i = 0; i < 3000; i++) {
      const input = mutate(rng, rng.pick(ASRCBS), ASRCB_HOT);
      probe(
        stats,
        'readAddSecretRequestTag',
        i,
        () => readAddSecretRequestTag(input),
        (t) => (t.length !== 16 ? `tag of ${t.length} bytes` : undefined),
      );
    }
    assertClean(stats);
  });

  test('decodeAdditionalData with random flags and data lengths; parseAddDataList and fromHex on random text', () => {
    const rng = new Rng(SEED ^ 0x08);
    const stats = newStats();
    const sizes = [0, 1, 31, 32, 33, 64, 96, 127, 128, 447, 448, 449, 1000];
    for (let i = 0; i < 3000; i++) {
      const flags = rng.chance(0.7) ? BigInt(rng.int(64)) << 58n : (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
      const data = rng.bytes(rng.chance(0.5) ? rng.pick(sizes) : rng.int(600));
      probe(
        stats,
        `decodeAdditionalData(0x${flags.toString(16)}, ${data.length})`,
        i,
        () => decodeAdditionalData(flags, data),
        (a) => {
          const used =
            (a.imagePhkh?.length ?? 0) +
            (a.attestationPhkh?.length ?? 0) +
            (a.secretStoreHash?.length ?? 0) +
            (a.firmwareState?.length ?? 0);
          return used + (a.unrecognized?.length ?? 0) !== data.length
            ? 'decoded fields do not add up to the data'
            : undefined;
        },
      );
      const alphabet = 'phkh-imgattsecretstorehashfirmwarestate,0x 9afAF\n';
      const text = Array.from({ length: rng.int(40) }, () => alphabet[rng.int(alphabet.length)]).join('');
      probe(stats, 'parseAddDataList', i, () => parseAddDataList(text));
      probe(stats, 'fromHex', i, () => fromHex(text));
    }
    assertClean(stats);
  });

  test('checkAttestation on mutated responses and add-secret files', () => {
    const rng = new Rng(SEED ^ 0x09);
    const stats = newStats();
    for (let i = 0; i < 3000; i++) {
      const base = rng.pick(RESPONSES);
      const response = mutate(rng, base.resp, RESPONSE_HOT);
      const secrets = ASRCBS.slice(0, rng.int(3)).map((b, k) => ({
        name: `s${k}`,
        bytes: rng.chance(0.2) ? mutate(rng, b, ASRCB_HOT) : b,
      }));
      probe(
        stats,
        'checkAttestation',
        i,
        () =>
          checkAttestation({
            response,
            hostKeys: rng.chance(0.7) ? HOST_KEYS.slice(0, 1 + rng.int(2)) : [],
            enforceImageKeyHash: rng.chance(0.5),
            enforceAttestationKeyHash: rng.chance(0.5),
            ...(rng.chance(0.5) ? { expectedUserData: rng.bytes(rng.int(20)) } : {}),
            ...(rng.chance(0.5) ? { secretStore: { requests: secrets, locked: rng.chance(0.5) } } : {}),
          }),
        (r) => (r.successful !== (r.issues.length === 0) ? 'successful disagrees with issues' : undefined),
      );
    }
    assertClean(stats);
  });

  test('performAttestation (software UV) on mutated requests, headers and parameters', () => {
    const rng = new Rng(SEED ^ 0x0a);
    const stats = newStats();
    const requests = RESPONSES.filter((r) => ['rs-phkh', 'rs-all4', 'c-nononce', 'rs-3hkd'].includes(r.name));
    let answered = 0;
    for (let i = 0; i < 300; i++) {
      const base = rng.pick(requests);
      const which = rng.int(10);
      const request = which < 7 ? mutate(rng, base.req, RESPONSE_HOT) : base.req;
      const seHeader = which >= 8 ? mutate(rng, SE_HDR, SEHDR_HOT) : SE_HDR;
      const keys = rng.chance(0.1)
        ? [rng.bytes(66)]
        : base.name === 'rs-3hkd'
          ? [HOST_PRIV[1] as Uint8Array]
          : [HOST_PRIV[0] as Uint8Array];
      probe(
        stats,
        `performAttestation(${base.name})`,
        i,
        () =>
          performAttestation({
            request,
            hostPrivateKeys: keys,
            seHeader,
            cuid: rng.chance(0.9) ? rng.bytes(16) : rng.bytes(rng.pick([0, 15, 17])),
            userData: rng.chance(0.5) ? undefined : rng.bytes(rng.pick([0, 1, 256, 257])),
            secretStore: rng.chance(0.5)
              ? undefined
              : { tags: Array.from({ length: rng.int(3) }, () => rng.bytes(16)), locked: rng.chance(0.5) },
            firmwareState: rng.chance(0.8) ? undefined : rng.bytes(rng.pick([320, 319])),
          }),
        (resp) => {
          answered++;
          // every answer must read back as a response
          const r = parseExchangeResponse(resp);
          return r.cuid.length !== 16 ? 'answer without a 16-byte CUID' : undefined;
        },
      );
    }
    assertClean(stats);
    assert.ok(answered > 0);
  });

  test('readHostKeyDocument on mutated host-key documents (DER and PEM)', () => {
    const rng = new Rng(SEED ^ 0x0b);
    const stats = newStats();
    const pems = ['A', 'B', 'C'].map((n) => vector(`${KEYS}/host${n}.crt`));
    const ders = pems.map((p) => firstCertificateDer(p));
    for (let i = 0; i < 800; i++) {
      const input = rng.chance(0.8)
        ? mutate(rng, rng.pick(ders), [0xd0, 0xd8, 0xd9, 0xe0])
        : mutate(rng, rng.pick(pems), []);
      probe(
        stats,
        'readHostKeyDocument',
        i,
        () => readHostKeyDocument(input),
        (d) => (d.phkh.length !== 32 ? 'PHKH not 32 bytes' : undefined),
      );
    }
    assertClean(stats);
  });

  test('createAttestationRequest with random or damaged host-key coordinates', () => {
    const rng = new Rng(SEED ^ 0x0c);
    const stats = newStats();
    const good = readHostKeyDocument(vector(`${KEYS}/hostA.crt`)).publicCoords;
    for (let i = 0; i < 20; i++) {
      const coords = rng.chance(0.5)
        ? mutate(rng, good, [0, 14, 80, 94, 156])
        : rng.bytes(rng.pick([160, 159, 161, 0]));
      const hostKeys = i % 5 === 0 ? [good] : [good, coords];
      probe(stats, 'createAttestationRequest', i, () => createAttestationRequest({ hostKeys, ctx: systemContext() }));
    }
    assertClean(stats);
  });
});

describe('targeted regressions found by fuzzing (exported engine functions must throw AttestError only)', () => {
  test('readHostKeyDocument: hostA.crt with the curve-OID tag byte (DER offset 217) changed → coded error', () => {
    const der = firstCertificateDer(vector(`${KEYS}/hostA.crt`));
    assert.equal(der[217], 0x06, 'the namedCurve OID tag of the SPKI parameters');
    for (const value of [0x07, 0x04, 0x30]) {
      const bad = der.slice();
      bad[217] = value;
      assert.throws(
        () => readHostKeyDocument(bad),
        (e: unknown) => isAttestError(e, 'ERR_HOST_KEY_INVALID') || isAttestError(e, 'ERR_HOST_KEY_NOT_P521'),
        `tag 0x${value.toString(16)}`,
      );
    }
  });
  test('p521Ecdh / buildKeySlot with a private scalar outside [1, n) → coded error', () => {
    const coords = readHostKeyDocument(vector(`${KEYS}/hostA.crt`)).publicCoords;
    for (const scalar of [new Uint8Array(66), new Uint8Array(66).fill(0xff)]) {
      assert.throws(
        () => p521Ecdh(scalar, coords),
        (e: unknown) => isAttestError(e),
      );
      assert.throws(
        () => buildKeySlot(scalar, coords, new Uint8Array(32)),
        (e: unknown) => isAttestError(e),
      );
    }
  });
});
