/**
 * Defect variants of the fake IBM PKI (main/engine/pki/demo-pki.ts), generated fresh at test time. Each
 * scenario is a complete verifier input (certs, CRLs, root, HKDs, pinned time) with exactly one defect.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Extension, type JsonName } from '@peculiar/x509';
import {
  type CreateFakeIbmPkiParams,
  type DemoKeyKind,
  type DemoHostKeyDocument,
  type FakeIbmPki,
  type IssuedCertificate,
  type PkiItem,
  createFakeIbmPki,
  generateSigningKeyPair,
  ibmName,
  issueCertificate,
  issueCrl,
  issueHostKeyDocument,
  randomSerial,
} from '../../main/engine/pki/demo-pki.js';
import type { EngineContext } from '../../main/engine/crypto/context.js';
import type { NamedBytes, VerifyHostKeyDocumentsParams } from '../../main/engine/pki/hkd-verifier.js';

export const FACTORY_NOW = new Date('2026-11-26T00:00:00Z');
const DAY = 86_400_000;

/** A clock pinned at FACTORY_NOW with real randomness (serials). */
export function factoryContext(now: Date = FACTORY_NOW): EngineContext {
  return { randomBytes: (n) => new Uint8Array(randomBytes(n)), now: () => now };
}

/** Creates a fresh fake IBM PKI with a pinned clock. */
export function createFakeIbmPkiForTest(opts: Partial<CreateFakeIbmPkiParams> = {}): Promise<FakeIbmPki> {
  return createFakeIbmPki({ ctx: factoryContext(), hkdCount: 1, ...opts });
}

/** Verifier input built from a PKI: signing key + intermediate, all three CRLs, root, first HKD, at FACTORY_NOW. */
export function scenarioFromPki(pki: FakeIbmPki): VerifyHostKeyDocumentsParams {
  const nb = (name: string, pem: string): NamedBytes => ({ name, bytes: new TextEncoder().encode(pem) });
  return {
    certs: [nb('signing-key.crt', pki.signingKey.pem), nb('intermediate.crt', pki.intermediate.pem)],
    crls: [
      nb('signing-key.crl', pki.signingKeyCrl.pem),
      nb('intermediate.crl', pki.intermediateCrl.pem),
      nb('root.crl', pki.rootCrl.pem),
    ],
    rootCa: nb('root.crt', pki.root.pem),
    hkds: pki.hkds.map((h, i) => nb(`hkd${i}.crt`, h.pem)),
    offline: true,
    at: FACTORY_NOW,
  };
}

/** Names of the generated defects. */
export type PkiDefect =
  | 'none'
  | 'revoked-hkd'
  | 'revoked-signing-key'
  | 'expired-hkd'
  | 'not-yet-valid-hkd'
  | 'expired-signing-key'
  | 'not-yet-valid-signing-key'
  | 'stale-hkd-crl'
  | 'future-hkd-crl'
  | 'forged-hkd-crl'
  | 'missing-hkd-crl'
  | 'stale-intermediate-crl'
  | 'future-intermediate-crl'
  | 'forged-intermediate-crl'
  | 'missing-intermediate-crl'
  | 'missing-root-crl'
  | 'akid-mismatch'
  | 'wrong-signer-right-names'
  | 'wrong-ou'
  | 'two-signing-keys'
  | 'non-p521-hkd'
  | 'armonk-key-poughkeepsie-crl'
  | 'poughkeepsie-key-armonk-crl'
  | 'reordered-crl-issuer'
  | 'chain-too-long'
  | 'weak-intermediate-key'
  | 'rsa-pss-chain'
  | 'self-signed-signing-key'
  | 'sha1-signed-chain'
  | 'intermediate-not-ca'
  | 'unknown-critical-extension'
  | 'ecdsa-p256-chain'
  | 'rsa-chain';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const replaceNamed = (list: readonly NamedBytes[], name: string, pem: string | null): NamedBytes[] =>
  pem === null
    ? list.filter((x) => x.name !== name)
    : list.map((x) => (x.name === name ? { name, bytes: enc(pem) } : x));

/** Reissues the signing-key certificate with other validity or subject (same key). */
async function reissueSigningKey(
  pki: FakeIbmPki,
  over: { notBefore?: Date; notAfter?: Date; subject?: JsonName },
): Promise<IssuedCertificate> {
  return issueCertificate({
    role: 'signing-key',
    subject: over.subject ?? pki.signingKey.name,
    keyPair: pki.signingKey.keyPair,
    issuer: pki.intermediate,
    serial: randomSerial(factoryContext()),
    notBefore: over.notBefore ?? pki.notBefore,
    notAfter: over.notAfter ?? pki.notAfter,
    distributionPoints: ['ibm-z-intermediate-ca.crl'],
  });
}

/** Builds the verifier input for one defect. */
export async function createDefectScenario(defect: PkiDefect): Promise<VerifyHostKeyDocumentsParams> {
  const ctx = factoryContext();
  const revoked = defect === 'revoked-hkd' ? [0] : [];
  const locality = defect === 'armonk-key-poughkeepsie-crl' ? 'Armonk' : 'Poughkeepsie';
  const kinds: Partial<Record<PkiDefect, DemoKeyKind>> = {
    'rsa-pss-chain': 'rsa-pss-2048',
    'sha1-signed-chain': 'rsa-2048-sha1',
    'ecdsa-p256-chain': 'ecdsa-p256',
    'rsa-chain': 'rsa-2048',
  };
  const pki = await createFakeIbmPkiForTest({
    revokedHkds: revoked,
    signingLocality: locality,
    caKeyKind: kinds[defect] ?? 'ecdsa-p384',
  });
  const s = scenarioFromPki(pki);
  const t = FACTORY_NOW.getTime();
  const hkdWith = async (over: Partial<Parameters<typeof issueHostKeyDocument>[0]>) =>
    issueHostKeyDocument({
      ctx,
      signingKey: pki.signingKey,
      notBefore: pki.notBefore,
      notAfter: pki.notAfter,
      machineType: '3931',
      machineSerial: '00000000BEEF1',
      ...over,
    });
  const hkdCrl = (over: Partial<Parameters<typeof issueCrl>[0]>) =>
    issueCrl({
      issuerName: pki.signingKey.name,
      signer: pki.signingKey.keyPair,
      authorityKeyId: pki.signingKey.keyId,
      thisUpdate: pki.notBefore,
      nextUpdate: pki.notAfter,
      ...over,
    });
  const interCrl = (over: Partial<Parameters<typeof issueCrl>[0]>) =>
    issueCrl({
      issuerName: pki.intermediate.name,
      signer: pki.intermediate.keyPair,
      authorityKeyId: pki.intermediate.keyId,
      thisUpdate: pki.notBefore,
      nextUpdate: pki.notAfter,
      ...over,
    });
  switch (defect) {
    case 'none':
    case 'revoked-hkd':
    case 'armonk-key-poughkeepsie-crl':
    case 'rsa-pss-chain':
    case 'sha1-signed-chain':
    case 'ecdsa-p256-chain':
    case 'rsa-chain':
      if (defect === 'armonk-key-poughkeepsie-crl') {
        const crl = await hkdCrl({ issuerName: ibmName('IBM Z Host Key Signing Service', 'Poughkeepsie') });
        return { ...s, crls: replaceNamed(s.crls ?? [], 'signing-key.crl', crl.pem) };
      }
      return s;
    case 'revoked-signing-key': {
      const crl = await interCrl({ revokedSerials: [pki.signingKey.serial] });
      return { ...s, crls: replaceNamed(s.crls ?? [], 'intermediate.crl', crl.pem) };
    }
    case 'expired-hkd':
      return {
        ...s,
        hkds: [
          {
            name: 'hkd0.crt',
            bytes: enc((await hkdWith({ notBefore: new Date(t - 10 * DAY), notAfter: new Date(t - DAY) })).pem),
          },
        ],
      };
    case 'not-yet-valid-hkd':
      return {
        ...s,
        hkds: [
          {
            name: 'hkd0.crt',
            bytes: enc((await hkdWith({ notBefore: new Date(t + DAY), notAfter: pki.notAfter })).pem),
          },
        ],
      };
    case 'expired-signing-key':
      return {
        ...s,
        certs: replaceNamed(
          s.certs,
          'signing-key.crt',
          (await reissueSigningKey(pki, { notAfter: new Date(t - DAY) })).pem,
        ),
      };
    case 'not-yet-valid-signing-key':
      return {
        ...s,
        certs: replaceNamed(
          s.certs,
          'signing-key.crt',
          (await reissueSigningKey(pki, { notBefore: new Date(t + DAY) })).pem,
        ),
      };
    case 'stale-hkd-crl':
      return {
        ...s,
        crls: replaceNamed(
          s.crls ?? [],
          'signing-key.crl',
          (await hkdCrl({ thisUpdate: new Date(t - 10 * DAY), nextUpdate: new Date(t - DAY) })).pem,
        ),
      };
    case 'future-hkd-crl':
      return {
        ...s,
        crls: replaceNamed(
          s.crls ?? [],
          'signing-key.crl',
          (await hkdCrl({ thisUpdate: new Date(t + DAY), nextUpdate: pki.notAfter })).pem,
        ),
      };
    case 'forged-hkd-crl': {
      const forger = await generateSigningKeyPair('ecdsa-p384');
      return {
        ...s,
        crls: replaceNamed(
          s.crls ?? [],
          'signing-key.crl',
          (await hkdCrl({ signer: forger, authorityKeyId: null })).pem,
        ),
      };
    }
    case 'missing-hkd-crl':
      return { ...s, crls: replaceNamed(s.crls ?? [], 'signing-key.crl', null) };
    case 'stale-intermediate-crl':
      return {
        ...s,
        crls: replaceNamed(
          s.crls ?? [],
          'intermediate.crl',
          (await interCrl({ thisUpdate: new Date(t - 10 * DAY), nextUpdate: new Date(t - DAY) })).pem,
        ),
      };
    case 'future-intermediate-crl':
      return {
        ...s,
        crls: replaceNamed(
          s.crls ?? [],
          'intermediate.crl',
          (await interCrl({ thisUpdate: new Date(t + DAY), nextUpdate: pki.notAfter })).pem,
        ),
      };
    case 'forged-intermediate-crl': {
      const forger = await generateSigningKeyPair('ecdsa-p384');
      const forged = await interCrl({
        signer: forger,
        authorityKeyId: null,
        thisUpdate: new Date(pki.notBefore.getTime() + 1000),
      });
      return { ...s, crls: [...(s.crls ?? []), { name: 'forged-intermediate.crl', bytes: enc(forged.pem) }] };
    }
    case 'missing-intermediate-crl':
      return { ...s, crls: replaceNamed(s.crls ?? [], 'intermediate.crl', null) };
    case 'missing-root-crl':
      return { ...s, crls: replaceNamed(s.crls ?? [], 'root.crl', null) };
    case 'akid-mismatch':
      return {
        ...s,
        hkds: [
          {
            name: 'hkd0.crt',
            bytes: enc((await hkdWith({ authorityKeyId: '0102030405060708090a0b0c0d0e0f1011121314' })).pem),
          },
        ],
      };
    case 'wrong-signer-right-names': {
      const other = await generateSigningKeyPair('ecdsa-p384');
      return { ...s, hkds: [{ name: 'hkd0.crt', bytes: enc((await hkdWith({ signer: other })).pem) }] };
    }
    case 'wrong-ou':
      return {
        ...s,
        certs: replaceNamed(
          s.certs,
          'signing-key.crt',
          (await reissueSigningKey(pki, { subject: ibmName('IBM Z Host Key Signing Service Invalid', 'Poughkeepsie') }))
            .pem,
        ),
      };
    case 'two-signing-keys': {
      const twin = await reissueSigningKey(pki, { subject: ibmName('IBM Z Host Key Signing Service', 'Armonk') });
      return { ...s, certs: [...s.certs, { name: 'signing-key-armonk.crt', bytes: enc(twin.pem) }] };
    }
    case 'non-p521-hkd':
      return { ...s, hkds: [{ name: 'hkd0.crt', bytes: enc((await hkdWith({ keyKind: 'ecdh-p256' })).pem) }] };
    case 'poughkeepsie-key-armonk-crl': {
      const crl = await hkdCrl({ issuerName: ibmName('IBM Z Host Key Signing Service', 'Armonk') });
      return { ...s, crls: replaceNamed(s.crls ?? [], 'signing-key.crl', crl.pem) };
    }
    case 'reordered-crl-issuer': {
      // C, O, OU, L, ST, CN: the order of IBM's real HKD CRLs (spec §3.6 try 4)
      const reordered: JsonName = [
        { C: ['US'] },
        { O: [IBM_NAME] },
        { OU: ['IBM Z Host Key Signing Service'] },
        { L: ['Poughkeepsie'] },
        { ST: ['New York'] },
        { CN: [IBM_NAME] },
      ];
      return {
        ...s,
        crls: replaceNamed(s.crls ?? [], 'signing-key.crl', (await hkdCrl({ issuerName: reordered })).pem),
      };
    }
    case 'chain-too-long': {
      // root → inter → inter2 → inter3 → signing key: three intermediates, one more than OpenSSL's depth 2
      let issuer: IssuedCertificate = pki.intermediate;
      const extra: NamedBytes[] = [];
      const extraCrls: NamedBytes[] = [];
      for (const n of [2, 3]) {
        const kp = await generateSigningKeyPair('ecdsa-p384');
        const ca = await issueCertificate({
          role: 'ca',
          subject: ibmName(`IBM Z Intermediate CA ${n}`),
          keyPair: kp,
          issuer,
          serial: randomSerial(ctx),
          notBefore: pki.notBefore,
          notAfter: pki.notAfter,
        });
        extra.push({ name: `intermediate${n}.crt`, bytes: enc(ca.pem) });
        const crl = await issueCrl({
          issuerName: ca.name,
          signer: kp,
          authorityKeyId: ca.keyId,
          thisUpdate: pki.notBefore,
          nextUpdate: pki.notAfter,
        });
        extraCrls.push({ name: `intermediate${n}.crl`, bytes: enc(crl.pem) });
        issuer = ca;
      }
      const signing = await issueCertificate({
        role: 'signing-key',
        subject: pki.signingKey.name,
        keyPair: pki.signingKey.keyPair,
        issuer,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      });
      return {
        ...s,
        certs: [{ name: 'signing-key.crt', bytes: enc(signing.pem) }, ...s.certs.slice(1), ...extra],
        crls: [...(s.crls ?? []), ...extraCrls],
      };
    }
    case 'weak-intermediate-key': {
      const weak = await generateSigningKeyPair('rsa-1024');
      const inter = await issueCertificate({
        role: 'ca',
        subject: pki.intermediate.name,
        keyPair: weak,
        issuer: pki.root,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      });
      const signing = await issueCertificate({
        role: 'signing-key',
        subject: pki.signingKey.name,
        keyPair: pki.signingKey.keyPair,
        issuer: inter,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      });
      const crl = await issueCrl({
        issuerName: inter.name,
        signer: weak,
        authorityKeyId: inter.keyId,
        thisUpdate: pki.notBefore,
        nextUpdate: pki.notAfter,
      });
      return {
        ...s,
        certs: [
          { name: 'signing-key.crt', bytes: enc(signing.pem) },
          { name: 'intermediate.crt', bytes: enc(inter.pem) },
        ],
        crls: replaceNamed(s.crls ?? [], 'intermediate.crl', crl.pem),
      };
    }
    case 'intermediate-not-ca': {
      const inter = await issueCertificate({
        role: 'signing-key',
        subject: pki.intermediate.name,
        keyPair: pki.intermediate.keyPair,
        issuer: pki.root,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      });
      return { ...s, certs: replaceNamed(s.certs, 'intermediate.crt', inter.pem) };
    }
    case 'unknown-critical-extension': {
      const odd = new Extension('1.3.6.1.4.1.99999.1', true, new Uint8Array([0x05, 0x00]));
      const signing = await issueCertificate({
        role: 'signing-key',
        subject: pki.signingKey.name,
        keyPair: pki.signingKey.keyPair,
        issuer: pki.intermediate,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
        extraExtensions: [odd],
      });
      return { ...s, certs: replaceNamed(s.certs, 'signing-key.crt', signing.pem) };
    }
    case 'self-signed-signing-key': {
      const self = await issueCertificate({
        role: 'signing-key',
        subject: pki.signingKey.name,
        keyPair: pki.signingKey.keyPair,
        serial: randomSerial(ctx),
        notBefore: pki.notBefore,
        notAfter: pki.notAfter,
      });
      return {
        ...s,
        certs: [{ name: 'signing-key.crt', bytes: enc(self.pem) }],
        rootCa: { name: 'signing-key.crt', bytes: enc(self.pem) },
      };
    }
  }
}

const IBM_NAME = 'International Business Machines Corporation';

/** A second IBM Z signing key under a PKI's intermediate, its HKD CRL and one HKD it issued. */
export interface RotatedSigningKey {
  readonly signingKey: IssuedCertificate;
  readonly crl: PkiItem;
  readonly hkd: DemoHostKeyDocument;
}

/**
 * IBM's key rotation: a new signing key with the same subject as the PKI's (or another locality), issued by the
 * same intermediate, with its own HKD CRL and an HKD signed by it (`hkdAuthorityKeyId: null` omits the HKD's AKID).
 */
export async function rotateSigningKey(
  pki: FakeIbmPki,
  opts: { locality?: 'Poughkeepsie' | 'Armonk'; hkdAuthorityKeyId?: null; machineSerial?: string } = {},
): Promise<RotatedSigningKey> {
  const ctx = factoryContext();
  const subject = opts.locality ? ibmName('IBM Z Host Key Signing Service', opts.locality) : pki.signingKey.name;
  const signingKey = await issueCertificate({
    role: 'signing-key',
    subject,
    keyPair: await generateSigningKeyPair('ecdsa-p384'),
    issuer: pki.intermediate,
    serial: randomSerial(ctx),
    notBefore: pki.notBefore,
    notAfter: pki.notAfter,
    distributionPoints: ['ibm-z-intermediate-ca.crl'],
  });
  const crl = await issueCrl({
    issuerName: signingKey.name,
    signer: signingKey.keyPair,
    authorityKeyId: signingKey.keyId,
    thisUpdate: pki.notBefore,
    nextUpdate: pki.notAfter,
  });
  const hkd = await issueHostKeyDocument({
    ctx,
    signingKey,
    notBefore: pki.notBefore,
    notAfter: pki.notAfter,
    machineType: '9175',
    machineSerial: opts.machineSerial ?? '00000000B0B01',
    ...(opts.hkdAuthorityKeyId === null ? { authorityKeyId: null } : {}),
  });
  return { signingKey, crl, hkd };
}
