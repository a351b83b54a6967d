/**
 * Synthetic SE headers and images for simulated guests and the demo: the plaintext layout of a real SE header
 * v1 (spec §6.1) with one key slot per given host PHKH and random digests, tag and encrypted area. Attestation
 * treats these fields as opaque bytes, so a synthetic header attests exactly like one made by pvimg; it cannot
 * boot anything.
 */
import { writeU32, writeU64 } from '../engine/bytes.js';
import type { EngineContext } from '../engine/crypto/context.js';
import { KEY_SLOT_SIZE } from '../engine/formats/arcb.js';
import {
  SE_HDR_HEAD_SIZE,
  SE_HDR_MAGIC,
  SE_HDR_TAG_SIZE,
  SE_HDR_VERSION_1,
  SE_IMG_META_MAGIC,
  SE_IMG_META_OFFSET,
} from '../engine/formats/se-header.js';

const ENCRYPTED_AREA_SIZE = 0x80;

/** A header whose key slots carry `hostPhkhs` (the hosts the image is "built for"). */
export function buildSyntheticSeHeader(hostPhkhs: readonly Uint8Array[], ctx: EngineContext): Uint8Array {
  const phs = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * hostPhkhs.length + ENCRYPTED_AREA_SIZE + SE_HDR_TAG_SIZE;
  const h = new Uint8Array(phs);
  h.set(SE_HDR_MAGIC, 0);
  writeU32(h, 0x08, SE_HDR_VERSION_1);
  writeU32(h, 0x0c, phs);
  h.set(ctx.randomBytes(12), 0x10);
  writeU64(h, 0x20, BigInt(hostPhkhs.length));
  writeU64(h, 0x28, BigInt(ENCRYPTED_AREA_SIZE));
  writeU64(h, 0x30, 0x100n);
  h.set(ctx.randomBytes(0x1a0 - 0x40), 0x40); // customer key, PLD, ALD, TLD
  hostPhkhs.forEach((phkh, i) => {
    const at = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * i;
    h.set(phkh, at);
    h.set(ctx.randomBytes(KEY_SLOT_SIZE - 32), at + 32);
  });
  h.set(ctx.randomBytes(ENCRYPTED_AREA_SIZE + SE_HDR_TAG_SIZE), phs - ENCRYPTED_AREA_SIZE - SE_HDR_TAG_SIZE);
  return h;
}

/** An SE image holding `header` at 0x14000 with the `SeImgLnx` metadata block at 0xC000 pointing to it. */
export function buildSyntheticSeImage(header: Uint8Array, ctx: EngineContext, size = 0x18000): Uint8Array {
  const image = new Uint8Array(size);
  image.set(ctx.randomBytes(0x1000), 0);
  image.set(SE_IMG_META_MAGIC, SE_IMG_META_OFFSET);
  writeU64(image, SE_IMG_META_OFFSET + 8, 0x14000n);
  writeU32(image, SE_IMG_META_OFFSET + 16, 1);
  writeU64(image, SE_IMG_META_OFFSET + 20, 0x16000n);
  image.set(header, 0x14000);
  return image;
}
