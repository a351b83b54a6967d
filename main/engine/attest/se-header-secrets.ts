/**
 * The encrypted part of an SE header as the Ultravisor sees it (spec attestation §6.1, add-secret §7): a host key
 * whose PHKH is in one of the header's key slots unwraps the header key (same scheme as a request key slot) and
 * opens the encrypted area, which holds the CCK and the secret control flags (SCF). `sealSeHeader` builds such a
 * header for simulated guests (their images cannot boot, but their Ultravisor can open them).
 */
import { equalBytes, readU64, writeU32, writeU64 } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import { computePhkh, generateP521KeyPair, p521Ecdh, p521KeyPairFromPrivate } from '../crypto/p521.js';
import { aes256GcmDecrypt, aes256GcmEncrypt, kdfX963Sha256 } from '../crypto/primitives.js';
import { KEY_SLOT_PHKH_SIZE, KEY_SLOT_SIZE } from '../formats/arcb.js';
import {
  SE_HDR_CONF_CCK_OFFSET,
  SE_HDR_CONF_CCK_SIZE,
  SE_HDR_CONF_MIN_SIZE,
  SE_HDR_CONF_SCF_OFFSET,
  SE_HDR_HEAD_SIZE,
  SE_HDR_MAGIC,
  SE_HDR_TAG_SIZE,
  SE_HDR_VERSION_1,
  findSeHeader,
  extractSeHeader,
} from '../formats/se-header.js';
import { buildKeySlot } from './create.js';

/** What the Ultravisor learns by opening a header. CCK is secret. */
export interface SeHeaderSecrets {
  /** Index of the header key slot the host key matched. */
  readonly keySlot: number;
  readonly cck: Uint8Array;
  readonly scf: bigint;
}

const ZERO_IV = new Uint8Array(12);
const CUSTOMER_KEY_OFFSET = 0x40;

/**
 * Opens an SE header (bare or inside an image) with one of `hostPrivateKeys`; undefined when no key slot matches
 * or the header does not authenticate (e.g. a synthetic header with random contents).
 */
export function openSeHeader(
  headerOrImage: Uint8Array,
  hostPrivateKeys: readonly Uint8Array[],
): SeHeaderSecrets | undefined {
  let bare: Uint8Array;
  let header;
  try {
    bare = extractSeHeader(headerOrImage);
    header = findSeHeader(bare);
  } catch {
    return undefined;
  }
  const nks = Number(header.nks);
  const aadSize = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * nks;
  const sea = Number(header.sea);
  if (aadSize + sea + SE_HDR_TAG_SIZE !== header.phs || sea < SE_HDR_CONF_MIN_SIZE) return undefined;
  for (const k of hostPrivateKeys) {
    const pair = p521KeyPairFromPrivate(k);
    const phkh = computePhkh(pair.publicCoords);
    const slot = header.keySlotPhkhs.findIndex((p) => equalBytes(p, phkh));
    if (slot < 0) continue;
    const at = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * slot;
    let kek: Uint8Array | undefined;
    let key: Uint8Array | undefined;
    try {
      kek = kdfX963Sha256(p521Ecdh(pair.privateKey, header.customerPublicKey));
      key = aes256GcmDecrypt(
        kek,
        ZERO_IV,
        new Uint8Array(0),
        bare.subarray(at + KEY_SLOT_PHKH_SIZE, at + KEY_SLOT_SIZE),
      );
      const conf = aes256GcmDecrypt(key, header.iv, bare.subarray(0, aadSize), bare.subarray(aadSize, header.phs));
      const out = {
        keySlot: slot,
        cck: conf.slice(SE_HDR_CONF_CCK_OFFSET, SE_HDR_CONF_CCK_OFFSET + SE_HDR_CONF_CCK_SIZE),
        scf: readU64(conf, SE_HDR_CONF_SCF_OFFSET),
      };
      conf.fill(0);
      return out;
    } catch {
      return undefined;
    } finally {
      kek?.fill(0);
      key?.fill(0);
    }
  }
  return undefined;
}

/** Inputs of `sealSeHeader`. */
export interface SealSeHeaderParams {
  /** Host public keys (160-byte coordinates) the image is built for, one key slot each. */
  readonly hostKeys: readonly Uint8Array[];
  readonly cck: Uint8Array;
  readonly scf?: bigint;
  readonly ctx: EngineContext;
}

/**
 * A v1 SE header whose encrypted area (CCK, random XTS key and PSW, SCF) opens with the hosts' private keys.
 * PLD, ALD and TLD are random: the header attests like a real one and cannot boot anything. Randomness: IV (12),
 * header key (32), customer key, PLD/ALD/TLD (192), XTS key and PSW (80).
 */
export function sealSeHeader(p: SealSeHeaderParams): Uint8Array {
  const nks = p.hostKeys.length;
  const aadSize = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * nks;
  const phs = aadSize + SE_HDR_CONF_MIN_SIZE + SE_HDR_TAG_SIZE;
  const h = new Uint8Array(phs);
  h.set(SE_HDR_MAGIC, 0);
  writeU32(h, 0x08, SE_HDR_VERSION_1);
  writeU32(h, 0x0c, phs);
  const iv = p.ctx.randomBytes(12);
  h.set(iv, 0x10);
  writeU64(h, 0x20, BigInt(nks));
  writeU64(h, 0x28, BigInt(SE_HDR_CONF_MIN_SIZE));
  writeU64(h, 0x30, 0x100n);
  const key = p.ctx.randomBytes(32);
  const customer = generateP521KeyPair(p.ctx);
  h.set(customer.publicCoords, CUSTOMER_KEY_OFFSET);
  h.set(p.ctx.randomBytes(3 * 64), 0xe0);
  p.hostKeys.forEach((host, i) =>
    h.set(buildKeySlot(customer.privateKey, host, key), SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * i),
  );
  const conf = new Uint8Array(SE_HDR_CONF_MIN_SIZE);
  conf.set(p.cck, SE_HDR_CONF_CCK_OFFSET);
  conf.set(p.ctx.randomBytes(80), SE_HDR_CONF_CCK_OFFSET + SE_HDR_CONF_CCK_SIZE);
  writeU64(conf, SE_HDR_CONF_SCF_OFFSET, p.scf ?? 0n);
  h.set(aes256GcmEncrypt(key, iv, h.subarray(0, aadSize), conf), aadSize);
  key.fill(0);
  conf.fill(0);
  customer.privateKey.fill(0);
  return h;
}
