/**
 * A fake IBM Z PKI generator for demos, simulated guests and tests: root CA → intermediate CA → IBM Z
 * signing key → host-key documents (P-521), plus the three CRLs, shaped like IBM's (subject rules of spec
 * §3.3, AKID/SKID, DPs naming the CRL files). Pure apart from WebCrypto key generation; the clock and serial
 * randomness come from the injected EngineContext. The building blocks (`issueCertificate`, `issueCrl`,
 * `generateSigningKeyPair`, `ibmName`) are exported so test factories can derive defective variants.
 */
import 'reflect-metadata';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  type Extension,
  type JsonName,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  X509CrlGenerator,
} from '@peculiar/x509';
import { KeyObject, sign, type webcrypto } from 'node:crypto';
import { concatBytes } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import {
  TAG_GENERALIZED_TIME,
  TAG_INTEGER,
  TAG_UTC_TIME,
  encodeTlv,
  encodingOf,
  readChildren,
  readTop,
} from './der.js';
import { PEM_LABEL_CERTIFICATE, PEM_LABEL_CRL, PEM_LABEL_PRIVATE_KEY, encodePem } from './pem.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaPssParams = webcrypto.RsaPssParams;

const IBM = 'International Business Machines Corporation';
const DAY_MS = 86_400_000;

/** Key algorithms the generator can use for CA and signing keys. */
export type DemoKeyKind =
  | 'ecdsa-p384'
  | 'ecdsa-p256'
  | 'rsa-2048'
  | 'rsa-2048-sha1'
  | 'rsa-3072'
  | 'rsa-pss-2048'
  | 'rsa-1024'
  | 'ecdh-p521'
  | 'ecdh-p256';

/** A generated key pair with the algorithm used to sign with it. */
export interface DemoKeyPair {
  readonly kind: DemoKeyKind;
  readonly keys: CryptoKeyPair;
  readonly signingAlgorithm: Algorithm | EcdsaParams | RsaPssParams;
}

/** A certificate or CRL in both encodings. */
export interface PkiItem {
  readonly der: Uint8Array;
  readonly pem: string;
}

/** A generated certificate with its key pair and key id. */
export interface IssuedCertificate extends PkiItem {
  readonly name: JsonName;
  readonly serial: string;
  readonly keyPair: DemoKeyPair;
  /** SKID (hex) of this certificate. */
  readonly keyId: string;
}

/** A generated HKD: certificate plus private key and machine facts. */
export interface DemoHostKeyDocument extends IssuedCertificate {
  /** PKCS#8 PEM of the P-521 host private key (a secret: write with mode 0600). */
  readonly privateKeyPem: string;
  readonly machineType: string;
  readonly machineSerial: string;
}

/** The whole fake PKI. */
export interface FakeIbmPki {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly signingKey: IssuedCertificate;
  readonly hkds: readonly DemoHostKeyDocument[];
  readonly rootCrl: PkiItem;
  readonly intermediateCrl: PkiItem;
  /** The HKD CRL, signed by the signing key. */
  readonly signingKeyCrl: PkiItem;
  /** Validity start used for every item. */
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Options of `createFakeIbmPki`. */
export interface CreateFakeIbmPkiParams {
  /** Clock (for the validity window) and randomness (for serials). */
  readonly ctx: EngineContext;
  /** Number of HKDs (default 2). */
  readonly hkdCount?: number;
  /** Indexes of HKDs whose serial is listed in the HKD CRL. */
  readonly revokedHkds?: readonly number[];
  /** Locality of the signing key (default Poughkeepsie). */
  readonly signingLocality?: 'Poughkeepsie' | 'Armonk';
  /** CA and signing key algorithm (default ecdsa-p384, fast to generate). */
  readonly caKeyKind?: DemoKeyKind;
  /** Validity in days from `ctx.now()` minus one day (default 3650). */
  readonly validityDays?: number;
  /** Machine types/serials for the HKDs (default 3931 / generated). */
  readonly machines?: readonly { type: string; serial: string }[];
  /**
   * Marks every subject, e.g. "DEMO": put in front of each OU, so the IBM name rules still hold (the signing
   * key's OU still ends in "Key Signing Service") and nobody can mistake the items for IBM's.
   */
  readonly label?: string;
  /** Base URL of the CRL distribution points (e.g. a local test server); by default bare file names. */
  readonly crlBaseUrl?: string;
}

/** An IBM-style DN in the fixtures' order C, O, CN, ST, L, OU. */
export function ibmName(ou: string, locality: string = 'Armonk'): JsonName {
  return [{ C: ['US'] }, { O: [IBM] }, { CN: [IBM] }, { ST: ['New York'] }, { L: [locality] }, { OU: [ou] }];
}

/** Generates a key pair of the given kind with WebCrypto. */
export async function generateSigningKeyPair(kind: DemoKeyKind): Promise<DemoKeyPair> {
  const subtle = globalThis.crypto.subtle;
  const rsa = (bits: number, name: string, hash = 'SHA-256') => ({
    name,
    modulusLength: bits,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash,
  });
  switch (kind) {
    case 'rsa-2048-sha1':
      return {
        kind,
        keys: (await subtle.generateKey(rsa(2048, 'RSASSA-PKCS1-v1_5', 'SHA-1'), true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair,
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
      };
    case 'ecdsa-p384':
      return {
        kind,
        keys: (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      };
    case 'ecdsa-p256':
      return {
        kind,
        keys: (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-1024': {
      const bits = kind === 'rsa-2048' ? 2048 : kind === 'rsa-3072' ? 3072 : 1024;
      return {
        kind,
        keys: (await subtle.generateKey(rsa(bits, 'RSASSA-PKCS1-v1_5'), true, ['sign', 'verify'])) as CryptoKeyPair,
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
      };
    }
    case 'rsa-pss-2048':
      return {
        kind,
        keys: (await subtle.generateKey(rsa(2048, 'RSA-PSS'), true, ['sign', 'verify'])) as CryptoKeyPair,
        signingAlgorithm: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
      };
    case 'ecdh-p521':
      return {
        kind,
        keys: (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-512' },
      };
    case 'ecdh-p256':
      return {
        kind,
        keys: (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'sign',
          'verify',
        ])) as CryptoKeyPair,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      };
  }
}

/** A positive serial number (hex) from the context's randomness. */
export function randomSerial(ctx: EngineContext): string {
  const b = ctx.randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return Buffer.from(b).toString('hex');
}

/** What kind of certificate to issue (decides the extensions). */
export type CertificateRole = 'ca' | 'signing-key' | 'hkd';

/** Options of `issueCertificate`. */
export interface IssueCertificateParams {
  readonly role: CertificateRole;
  readonly subject: JsonName;
  readonly keyPair: DemoKeyPair;
  /** The issuer; omitted for a self-signed root. */
  readonly issuer?: { readonly name: JsonName; readonly keyPair: DemoKeyPair; readonly keyId: string };
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** CRL distribution point URIs (default none). */
  readonly distributionPoints?: readonly string[];
  /** Overrides the AKID key id (hex); `null` omits the AKID. */
  readonly authorityKeyId?: string | null;
  /** Extra extensions appended as given. */
  readonly extraExtensions?: readonly Extension[];
  /** Overrides the signing algorithm (e.g. SHA-512 for HKDs). */
  readonly signingAlgorithm?: Algorithm | EcdsaParams | RsaPssParams;
}

/** Issues one certificate with IBM-like extensions for its role. */
export async function issueCertificate(p: IssueCertificateParams): Promise<IssuedCertificate> {
  const skid = await SubjectKeyIdentifierExtension.create(p.keyPair.keys.publicKey);
  const issuerKeyId = p.issuer ? p.issuer.keyId : skid.keyId;
  const extensions: Extension[] = [];
  if (p.role === 'ca') {
    extensions.push(new BasicConstraintsExtension(true, undefined, true));
    extensions.push(new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true));
  } else if (p.role === 'signing-key') {
    extensions.push(new BasicConstraintsExtension(false, undefined, true));
    extensions.push(new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true));
    extensions.push(new ExtendedKeyUsageExtension([ExtendedKeyUsage.codeSigning], false));
  } else {
    extensions.push(new KeyUsagesExtension(KeyUsageFlags.keyAgreement, true));
  }
  if (p.distributionPoints && p.distributionPoints.length > 0)
    extensions.push(new CRLDistributionPointsExtension([...p.distributionPoints], false));
  if (p.authorityKeyId !== null)
    extensions.push(new AuthorityKeyIdentifierExtension(p.authorityKeyId ?? issuerKeyId, false));
  extensions.push(skid);
  extensions.push(...(p.extraExtensions ?? []));
  const signer = p.issuer?.keyPair ?? p.keyPair;
  const cert = await X509CertificateGenerator.create({
    serialNumber: p.serial,
    subject: p.subject,
    issuer: p.issuer?.name ?? p.subject,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: p.keyPair.keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: p.signingAlgorithm ?? signer.signingAlgorithm,
    extensions,
  });
  const der = new Uint8Array(cert.rawData);
  return {
    der,
    pem: encodePem(PEM_LABEL_CERTIFICATE, der),
    name: p.subject,
    serial: p.serial,
    keyPair: p.keyPair,
    keyId: skid.keyId,
  };
}

/** Options of `issueCrl`. */
export interface IssueCrlParams {
  readonly issuerName: JsonName;
  readonly signer: DemoKeyPair;
  /** AKID key id (hex); `null` omits the AKID. */
  readonly authorityKeyId: string | null;
  readonly thisUpdate: Date;
  /** Omitted: no nextUpdate. */
  readonly nextUpdate?: Date;
  readonly revokedSerials?: readonly string[];
  readonly revocationDate?: Date;
}

/** Issues a CRL (v2) listing the given serials. */
export async function issueCrl(p: IssueCrlParams): Promise<PkiItem> {
  const extensions: Extension[] =
    p.authorityKeyId === null ? [] : [new AuthorityKeyIdentifierExtension(p.authorityKeyId, false)];
  const crl = await X509CrlGenerator.create({
    issuer: p.issuerName,
    thisUpdate: p.thisUpdate,
    nextUpdate: p.nextUpdate,
    signingKey: p.signer.keys.privateKey,
    signingAlgorithm: p.signer.signingAlgorithm,
    extensions,
    entries: (p.revokedSerials ?? []).map((s) => ({
      serialNumber: s,
      revocationDate: p.revocationDate ?? p.thisUpdate,
    })),
  });
  const der = new Uint8Array(crl.rawData);
  return { der, pem: encodePem(PEM_LABEL_CRL, der) };
}

/** PKCS#8 PEM of a private key. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', key));
  return encodePem(PEM_LABEL_PRIVATE_KEY, der);
}

/** The HKD subject: IBM DN with OU "IBM Z Host Key" and the machine facts in CN-independent serialNumber-free form. */
export function hkdName(machineType: string, machineSerial: string, label?: string): JsonName {
  const ou = `${label ? `${label} ` : ''}IBM Z Host Key ${machineType} ${machineSerial}`;
  return [{ C: ['US'] }, { O: [IBM] }, { CN: [IBM] }, { ST: ['New York'] }, { L: ['Armonk'] }, { OU: [ou] }];
}

/** Issues one HKD under a signing key. */
export async function issueHostKeyDocument(p: {
  readonly ctx: EngineContext;
  readonly signingKey: IssuedCertificate;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly machineType: string;
  readonly machineSerial: string;
  readonly keyKind?: DemoKeyKind;
  readonly authorityKeyId?: string | null;
  readonly signer?: DemoKeyPair;
  readonly distributionPoints?: readonly string[];
  /** Marks the subject, e.g. "DEMO" (kept in front of the OU). */
  readonly label?: string;
}): Promise<DemoHostKeyDocument> {
  const keyPair = await generateSigningKeyPair(p.keyKind ?? 'ecdh-p521');
  const signer = p.signer ?? p.signingKey.keyPair;
  const cert = await issueCertificate({
    role: 'hkd',
    subject: hkdName(p.machineType, p.machineSerial, p.label),
    keyPair,
    issuer: { name: p.signingKey.name, keyPair: signer, keyId: p.signingKey.keyId },
    serial: randomSerial(p.ctx),
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    distributionPoints: p.distributionPoints ?? ['ibm-z-signing-key.crl'],
    authorityKeyId: p.authorityKeyId,
  });
  return {
    ...cert,
    privateKeyPem: await exportPrivateKeyPem(keyPair.keys.privateKey),
    machineType: p.machineType,
    machineSerial: p.machineSerial,
  };
}

/** Generates a complete fake IBM chain with CRLs and HKDs, valid from `ctx.now()` − 1 day. */
export async function createFakeIbmPki(params: CreateFakeIbmPkiParams): Promise<FakeIbmPki> {
  const ctx = params.ctx;
  const kind = params.caKeyKind ?? 'ecdsa-p384';
  const notBefore = new Date(Math.floor(ctx.now().getTime() / 1000) * 1000 - DAY_MS);
  const notAfter = new Date(notBefore.getTime() + (params.validityDays ?? 3650) * DAY_MS);
  const [rootKeys, interKeys, signKeys] = await Promise.all([
    generateSigningKeyPair(kind),
    generateSigningKeyPair(kind),
    generateSigningKeyPair(kind),
  ]);
  const ou = (text: string) => (params.label ? `${params.label} ${text}` : text);
  const dp = (file: string) => [params.crlBaseUrl ? `${params.crlBaseUrl.replace(/\/$/, '')}/${file}` : file];
  const root = await issueCertificate({
    role: 'ca',
    subject: ibmName(ou('IBM Z Root CA')),
    keyPair: rootKeys,
    serial: randomSerial(ctx),
    notBefore,
    notAfter,
  });
  const intermediate = await issueCertificate({
    role: 'ca',
    subject: ibmName(ou('IBM Z Intermediate CA')),
    keyPair: interKeys,
    issuer: root,
    serial: randomSerial(ctx),
    notBefore,
    notAfter,
    distributionPoints: dp('ibm-z-root-ca.crl'),
  });
  const signingKey = await issueCertificate({
    role: 'signing-key',
    subject: ibmName(ou('IBM Z Host Key Signing Service'), params.signingLocality ?? 'Poughkeepsie'),
    keyPair: signKeys,
    issuer: intermediate,
    serial: randomSerial(ctx),
    notBefore,
    notAfter,
    distributionPoints: dp('ibm-z-intermediate-ca.crl'),
  });
  const hkds: DemoHostKeyDocument[] = [];
  const count = params.hkdCount ?? 2;
  for (let i = 0; i < count; i++) {
    const m = params.machines?.[i] ?? { type: '3931', serial: `0000000${(0xa0000 + i).toString(16).toUpperCase()}` };
    hkds.push(
      await issueHostKeyDocument({
        ctx,
        signingKey,
        notBefore,
        notAfter,
        machineType: m.type,
        machineSerial: m.serial,
        distributionPoints: dp('ibm-z-signing-key.crl'),
        ...(params.label ? { label: params.label } : {}),
      }),
    );
  }
  const crlTimes = { thisUpdate: notBefore, nextUpdate: notAfter };
  const [rootCrl, intermediateCrl, signingKeyCrl] = await Promise.all([
    issueCrl({ issuerName: root.name, signer: rootKeys, authorityKeyId: root.keyId, ...crlTimes }),
    issueCrl({ issuerName: intermediate.name, signer: interKeys, authorityKeyId: intermediate.keyId, ...crlTimes }),
    issueCrl({
      issuerName: signingKey.name,
      signer: signKeys,
      authorityKeyId: signingKey.keyId,
      ...crlTimes,
      revokedSerials: (params.revokedHkds ?? []).map((i) => hkds[i]!.serial),
    }),
  ]);
  return { root, intermediate, signingKey, hkds, rootCrl, intermediateCrl, signingKeyCrl, notBefore, notAfter };
}

/** Options of `reissueCrlWithSerials`. */
export interface ReissueCrlWithSerialsParams {
  /** A CRL made by `issueCrl` (its version, algorithm, issuer, times and extensions are kept). */
  readonly template: PkiItem;
  /** The key that signed the template. */
  readonly signer: DemoKeyPair;
  /** Serials (hex) to list; may be very many (e.g. 100k for benchmarks). */
  readonly serials: readonly string[];
}

/** Rebuilds a CRL with an arbitrary number of revoked serials and re-signs it (large-CRL tests and benchmarks; ECDSA and RSA PKCS#1 signers). */
export function reissueCrlWithSerials(p: ReissueCrlWithSerialsParams): PkiItem {
  const top = readTop(p.template.der, 'ERR_PKI_LOAD_CRL');
  const [tbsEl, algEl] = readChildren(top, 'ERR_PKI_LOAD_CRL');
  const parts = readChildren(tbsEl!, 'ERR_PKI_LOAD_CRL');
  const kept: Uint8Array[] = [];
  let inserted = false;
  let timesSeen = 0;
  const revokedDate = encodeTlv(0x17, new TextEncoder().encode('240101000000Z'));
  const entries: Uint8Array[] = p.serials.map((s) => {
    let hex = s.length % 2 ? `0${s}` : s;
    if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return encodeTlv(0x30, concatBytes(encodeTlv(0x02, Uint8Array.from(Buffer.from(hex, 'hex'))), revokedDate));
  });
  const revoked = encodeTlv(0x30, concatBytes(...entries));
  for (const el of parts) {
    const isTime = el.tag === TAG_UTC_TIME || el.tag === TAG_GENERALIZED_TIME;
    if (isTime) timesSeen++;
    if (el.tag === 0x30 && timesSeen > 0) continue; // the old revokedCertificates
    if (!inserted && timesSeen > 0 && !isTime && el.tag !== TAG_INTEGER) {
      kept.push(revoked);
      inserted = true;
    }
    kept.push(encodingOf(el));
  }
  if (!inserted) kept.push(revoked);
  const tbs = encodeTlv(0x30, concatBytes(...kept));
  const key = KeyObject.from(p.signer.keys.privateKey);
  const alg = p.signer.signingAlgorithm as { name: string; hash?: string };
  const hash = alg.name === 'ECDSA' ? (alg.hash ?? 'SHA-256').replace('-', '').toLowerCase() : 'sha256';
  const sig = new Uint8Array(sign(hash, tbs, alg.name === 'ECDSA' ? { key, dsaEncoding: 'der' } : key));
  const bitString = encodeTlv(0x03, concatBytes(new Uint8Array([0]), sig));
  const der = encodeTlv(0x30, concatBytes(tbs, encodingOf(algEl!), bitString));
  return { der, pem: encodePem(PEM_LABEL_CRL, der) };
}
