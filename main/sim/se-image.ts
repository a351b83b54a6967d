/**
 * Synthetic SE headers for simulated guests and the demo: the plaintext layout of a real SE header
 * v1 (spec §6.1) with one key slot per given host PHKH and random digests, tag and encrypted area. Attestation
 * treats these fields as opaque bytes, so a synthetic header attests exactly like one made by pvimg; it cannot
 * boot anything.
 */
import type { EngineContext } from '../engine/crypto/context.js';
import { SIMULATED_ENCRYPTED_PAGES } from '../engine/attest/se-header-secrets.js';
import { KEY_SLOT_PHKH_SIZE, KEY_SLOT_SIZE } from '../engine/formats/arcb.js';
import {
  SE_HDR_CUSTOMER_KEY_OFFSET,
  SE_HDR_CUSTOMER_KEY_SIZE,
  SE_HDR_HEAD_SIZE,
  SE_HDR_IV_SIZE,
  SE_HDR_KEY_SLOTS_OFFSET,
  SE_HDR_TAG_SIZE,
  writeSeHeaderHead,
} from '../engine/formats/se-header.js';

const ENCRYPTED_AREA_SIZE = 0x80;

/** A header whose key slots carry `hostPhkhs` (the hosts the image is "built for"). */
export function buildSyntheticSeHeader(hostPhkhs: readonly Uint8Array[], ctx: EngineContext): Uint8Array {
  const phs = SE_HDR_HEAD_SIZE + KEY_SLOT_SIZE * hostPhkhs.length + ENCRYPTED_AREA_SIZE + SE_HDR_TAG_SIZE;
  const h = new Uint8Array(phs);
  const iv = ctx.randomBytes(SE_HDR_IV_SIZE);
  const rest = ctx.randomBytes(SE_HDR_HEAD_SIZE - SE_HDR_CUSTOMER_KEY_OFFSET); // customer key, PLD, ALD, TLD
  writeSeHeaderHead(h, {
    iv,
    nks: hostPhkhs.length,
    sea: ENCRYPTED_AREA_SIZE,
    nep: SIMULATED_ENCRYPTED_PAGES,
    customerPublicKey: rest,
  });
  h.set(rest.subarray(SE_HDR_CUSTOMER_KEY_SIZE), SE_HDR_CUSTOMER_KEY_OFFSET + SE_HDR_CUSTOMER_KEY_SIZE);
  hostPhkhs.forEach((phkh, i) => {
    const at = SE_HDR_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * i;
    h.set(phkh, at);
    h.set(ctx.randomBytes(KEY_SLOT_SIZE - KEY_SLOT_PHKH_SIZE), at + KEY_SLOT_PHKH_SIZE);
  });
  h.set(ctx.randomBytes(ENCRYPTED_AREA_SIZE + SE_HDR_TAG_SIZE), phs - ENCRYPTED_AREA_SIZE - SE_HDR_TAG_SIZE);
  return h;
}
