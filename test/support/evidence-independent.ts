/**
 * An independent re-implementation of `pvattest verify` for the evidence tests, written from the spec
 * (../shared/spec/attestation-formats.md §2, §4, §5, §6) with node:crypto only — it shares no code with
 * main/engine. Returns whether the recomputed measurement equals the one in the response.
 */
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';

const u32 = (b: Buffer, off: number) => b.readUInt32BE(off);

/** The five exchange entries (§5.1); absent = undefined. */
function exchangeEntries(
  file: Buffer,
): Record<'arcb' | 'measurement' | 'additional' | 'user' | 'cuid', Buffer | undefined> {
  if (file.subarray(0, 8).toString('latin1') !== 'pvattest') throw new Error('not an exchange file');
  if (u32(file, 8) !== 0x0100) throw new Error('exchange version');
  const entry = (off: number) => {
    const size = u32(file, off);
    const at = u32(file, off + 4);
    return size > 0 && at > 0 ? file.subarray(at, at + size) : undefined;
  };
  return { arcb: entry(0x18), measurement: entry(0x20), additional: entry(0x28), user: entry(0x30), cuid: entry(0x38) };
}

/** Recomputes the measurement of response.bin with arpk.key and se-header.bin (bare header). */
export function independentlyVerify(
  response: Buffer,
  arpk: Buffer,
  seHeader: Buffer,
): { verified: boolean; cuid: string; userData: string | null } {
  const e = exchangeEntries(response);
  const arcb = e.arcb;
  if (!arcb || !e.measurement || !e.cuid) throw new Error('response lacks ARCB, measurement or CUID');
  // §2.8: decrypt the confidential area with the ARPK
  const rql = u32(arcb, 0x0c);
  const sea = u32(arcb, 0x2c);
  if (rql !== arcb.length) throw new Error('ARCB length');
  const aadSize = rql - sea - 16;
  const d = createDecipheriv('aes-256-gcm', arpk, arcb.subarray(0x10, 0x1c));
  d.setAAD(arcb.subarray(0, aadSize));
  d.setAuthTag(arcb.subarray(rql - 16));
  const plain = Buffer.concat([d.update(arcb.subarray(aadSize, aadSize + sea)), d.final()]);
  const measurementKey = plain.subarray(0, 64);
  const nonce = plain.length === 80 ? plain.subarray(64, 80) : Buffer.alloc(0);
  // §6.1: PLD, ALD, TLD and the header tag
  if (seHeader.subarray(0, 8).toString('latin1') !== 'IBMSecEx') throw new Error('not an SE header');
  const phs = u32(seHeader, 0x0c);
  const tags = Buffer.concat([seHeader.subarray(0xe0, 0x1a0), seHeader.subarray(phs - 16, phs)]);
  // §4.1: the HMAC input
  const user = e.user ?? Buffer.alloc(0);
  const add = e.additional ?? Buffer.alloc(0);
  const lens = Buffer.alloc(8);
  lens.writeUInt16BE(user.length, 0);
  lens.writeUInt32BE(add.length, 4);
  const mac = createHmac('sha512', measurementKey)
    .update(Buffer.concat([tags, e.cuid, lens, user, nonce, add]))
    .digest();
  const verified = mac.length === e.measurement.length && timingSafeEqual(mac, e.measurement);
  return { verified, cuid: e.cuid.toString('hex'), userData: e.user ? e.user.toString('hex') : null };
}
