/**
 * The encrypted part of an SE header as the Ultravisor sees it (spec attestation §6.1, add-secret §7): a host key
 * whose PHKH is in one of the header's key slots unwraps the header key (same scheme as a request key slot) and
 * opens the encrypted area, which holds the CCK and the secret control flags (SCF). `sealSeHeader` builds such a
 * header for simulated guests (their images cannot boot, but their Ultravisor can open them).
 */
import { equalBytes, readU64, SecretBytes, wipe, withSecret, writeU64 } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import { unwrapKeySlotKey } from '../crypto/key-slot-wrap.js';
import { computePhkh, generateP521KeyPair, p521KeyPairFromPrivate } from '../crypto/p521.js';
import { AES_256_KEY_SIZE, aes256GcmDecrypt, aes256GcmEncrypt } from '../crypto/primitives.js';
import { KEY_SLOT_SIZE, KEY_SLOT_WRAPPED_KEY_OFFSET } from '../formats/arcb.js';
import {
  SE_HDR_CONF_CCK_OFFSET,
  SE_HDR_CONF_CCK_SIZE,
  SE_HDR_CONF_MIN_SIZE,
  SE_HDR_CONF_PSW_SIZE,
  SE_HDR_CONF_SCF_OFFSET,
  SE_HDR_CONF_XTS_KEY_SIZE,
  SE_HDR_DIGEST_SIZE,
  SE_HDR_HEAD_SIZE,
  SE_HDR_IV_SIZE,
  SE_HDR_KEY_SLOTS_OFFSET,
  SE_HDR_PLD_OFFSET,
  SE_HDR_TAG_SIZE,
  findSeHeader,
  extractSeHeader,
  writeSeHeaderHead,
} from '../formats/se-header.js';
import { buildKeySlot } from './create.js';

/** What the Ultravisor learns by opening a header. CCK is secret. */
export interface SeHeaderSecrets {
  /** Index of the header key slot the host key matched. */
  readonly keySlot: number;
  readonly cck: Uint8Array;
  readonly scf: bigint;
}

/** The nep written into sealed headers (they cannot boot: the pages are not there). */
export const SIMULATED_ENCRYPTED_PAGES = 0x100n;

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
    const privateKey = new SecretBytes(pair.privateKey);
    try {
      const phkh = computePhkh(pair.publicCoords);
      const slot = header.keySlotPhkhs.findIndex((p) => equalBytes(p, phkh));
      if (slot < 0) continue;
      const at = SE_HDR_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * slot;
      const wrapped = bare.subarray(at + KEY_SLOT_WRAPPED_KEY_OFFSET, at + KEY_SLOT_SIZE);
      return withSecret(unwrapKeySlotKey(privateKey.bytes, header.customerPublicKey, wrapped), (key) =>
        withSecret(
          aes256GcmDecrypt(key.bytes, header.iv, bare.subarray(0, aadSize), bare.subarray(aadSize, header.phs)),
          ({ bytes: conf }) => ({
            keySlot: slot,
            cck: conf.slice(SE_HDR_CONF_CCK_OFFSET, SE_HDR_CONF_CCK_OFFSET + SE_HDR_CONF_CCK_SIZE),
            scf: readU64(conf, SE_HDR_CONF_SCF_OFFSET),
          }),
        ),
      );
    } catch {
      return undefined;
    } finally {
      privateKey.wipe();
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
  const iv = p.ctx.randomBytes(SE_HDR_IV_SIZE);
  const key = new SecretBytes(p.ctx.randomBytes(AES_256_KEY_SIZE));
  const customer = generateP521KeyPair(p.ctx);
  writeSeHeaderHead(h, {
    iv,
    nks,
    sea: SE_HDR_CONF_MIN_SIZE,
    nep: SIMULATED_ENCRYPTED_PAGES,
    customerPublicKey: customer.publicCoords,
  });
  h.set(p.ctx.randomBytes(3 * SE_HDR_DIGEST_SIZE), SE_HDR_PLD_OFFSET);
  const conf = new SecretBytes(new Uint8Array(SE_HDR_CONF_MIN_SIZE));
  try {
    p.hostKeys.forEach((host, i) =>
      h.set(buildKeySlot(customer.privateKey, host, key.bytes), SE_HDR_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * i),
    );
    conf.bytes.set(p.cck, SE_HDR_CONF_CCK_OFFSET);
    const xtsKeyAndPsw = p.ctx.randomBytes(SE_HDR_CONF_XTS_KEY_SIZE + SE_HDR_CONF_PSW_SIZE);
    conf.bytes.set(xtsKeyAndPsw, SE_HDR_CONF_CCK_OFFSET + SE_HDR_CONF_CCK_SIZE);
    wipe(xtsKeyAndPsw);
    writeU64(conf.bytes, SE_HDR_CONF_SCF_OFFSET, p.scf ?? 0n);
    h.set(aes256GcmEncrypt(key.bytes, iv, h.subarray(0, aadSize), conf.bytes), aadSize);
    return h;
  } finally {
    key.wipe();
    conf.wipe();
    wipe(customer.privateKey);
  }
}
