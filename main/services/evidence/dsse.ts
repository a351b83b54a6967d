/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) signed with Ed25519:
 * signature = Ed25519(PAE(payloadType, payload)), PAE = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
 * LEN = ASCII decimal byte length.
 */
import { sign, verify, type KeyObject } from 'node:crypto';

/** A DSSE envelope as JSON. */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** The DSSE v1 pre-authentication encoding. */
export function encodePae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** Signs `payload` into an envelope with one Ed25519 signature. */
export function signDsseEnvelope(
  payloadType: string,
  payload: Uint8Array,
  privateKey: KeyObject,
  keyid: string,
): DsseEnvelope {
  const sig = sign(null, encodePae(payloadType, payload), privateKey);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

/** True when some signature of the envelope verifies under `publicKey`. */
export function verifyDsseEnvelope(envelope: DsseEnvelope, publicKey: KeyObject): boolean {
  const payload = Buffer.from(envelope.payload, 'base64');
  const pae = encodePae(envelope.payloadType, payload);
  return envelope.signatures.some((s) => {
    try {
      return verify(null, pae, publicKey, Buffer.from(s.sig, 'base64'));
    } catch {
      return false;
    }
  });
}
