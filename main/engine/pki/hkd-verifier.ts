/**
 * Host-key document (HKD) verification, as s390-tools' `CertVerifier` does it (spec hostkey-verification.md):
 * Phase A/B load trust anchors, CRLs and certificates (here); Phase C picks the IBM Z signing key by its subject
 * (`signing-key.ts`); Phase D validates its chain (`chain.ts`); Phase E checks each HKD (`hkd-check.ts`).
 * Everything is evaluated at one time `at`. The engine never touches the network: online CRL download goes
 * through the injected `fetchCrl`.
 *
 * Two signing-key rules (`SigningKeyRule`): pvattest's `exactly-one` for `-C` files, and `per-hkd` for a
 * workspace holding several IBM Z signing keys, where each HKD is checked against the key that issued it.
 */
import { isAttestError } from '../../../shared/errors/index.js';
import { validateChain } from './chain.js';
import { HkdOutcome, checkHkd, hkdFacts, hkdSignatureVerifies } from './hkd-check.js';
import { checkInputSize, readCertificates, readCrls, readHkdFile, type NamedBytes } from './pki-files.js';
import {
  PhaseFailure,
  chainFailureFields,
  summarize,
  type CertificateSummary,
  type ChainReport,
  type HkdFailureCategory,
  type HkdResult,
  type HkdVerificationReport,
  type SigningKeyRule,
  type SourcedCert,
  type VerificationStep,
} from './report.js';
import { CrlPool, downloadFirstCrls, type FetchCrl } from './revocation.js';
import { isIbmSigningKey, mayHaveIssued } from './signing-key.js';
import type { ParsedCertificate, ParsedCrl } from './x509.js';

export { encodeCrlPem, readCertificates, readCrls, type NamedBytes } from './pki-files.js';
export {
  hkdReportToJson,
  verifiedHostKeys,
  type CertificateSummary,
  type ChainReport,
  type FailureFields,
  type HkdFacts,
  type HkdFailureCategory,
  type HkdResult,
  type HkdVerificationReport,
  type MissingCrl,
  type SigningKeyRule,
  type VerificationStep,
} from './report.js';
export type { FetchCrl } from './revocation.js';
export { akidMatches, isIbmSigningKeySubject } from './signing-key.js';
export { MAX_PKI_INPUT_SIZE } from './x509.js';

/** Inputs of the chain part of verification (everything but the HKDs). */
export interface CreateHkdVerifierParams {
  /** `-C` files: the signing key(s) and intermediates (CRLs inside PEM files are imported too). */
  readonly certs: readonly NamedBytes[];
  /** `--crl` files. */
  readonly crls?: readonly NamedBytes[];
  /** `--root-ca` file: every certificate in it is a trust anchor. */
  readonly rootCa?: NamedBytes;
  /** Configured trust anchors, used only when `rootCa` is absent (the "system store"). */
  readonly anchors?: readonly NamedBytes[];
  /** No downloads at all. */
  readonly offline: boolean;
  /** Verification time for every certificate and CRL. */
  readonly at: Date;
  /** CRL downloader, used only when not offline. */
  readonly fetchCrl?: FetchCrl;
  /** How the signing key is chosen (default `exactly-one`, pvattest's rule for `-C` files). */
  readonly signingKeyRule?: SigningKeyRule;
}

/** Inputs of `verifyHostKeyDocuments`. */
export interface VerifyHostKeyDocumentsParams extends CreateHkdVerifierParams {
  readonly hkds: readonly NamedBytes[];
}

/** A verifier whose chain(s) were validated once; `verify` checks one HKD against them. */
export interface HkdVerifier {
  readonly signingKeyRule: SigningKeyRule;
  /** `exactly-one`: the signing key's chain. `per-hkd`: loading the material and finding signing keys. */
  readonly chain: ChainReport;
  /** `per-hkd`: the chain of every signing key found. */
  readonly signingKeys: readonly ChainReport[];
  verify(bytes: Uint8Array, name: string): Promise<HkdResult>;
}

/** Certificates, anchors and CRLs after Phases A and B. */
interface Material {
  readonly anchors: readonly SourcedCert[];
  readonly certs: readonly SourcedCert[];
  readonly crls: CrlPool;
}

/** A signing key with its validated (or failed) chain. */
interface SigningKeyState {
  readonly key: SourcedCert;
  readonly summary: CertificateSummary;
  readonly report: ChainReport;
  readonly crls: CrlPool;
  readonly crlValidity: WeakMap<ParsedCrl, string | null>;
}

/** Phases A (anchors, CRL files, CRLs in certificate files) and B (certificates, their CRL downloads). */
async function loadMaterial(params: CreateHkdVerifierParams, steps: VerificationStep[]): Promise<Material> {
  for (const item of [
    ...params.certs,
    ...(params.crls ?? []),
    ...(params.rootCa ? [params.rootCa] : []),
    ...(params.anchors ?? []),
  ])
    checkInputSize(item);
  const anchors: SourcedCert[] = [];
  const crls = new CrlPool();
  // A1: anchors
  if (params.rootCa) {
    let certs: ParsedCertificate[];
    try {
      certs = readCertificates(params.rootCa.bytes);
    } catch {
      certs = [];
    }
    if (certs.length === 0)
      throw new PhaseFailure('ERR_PKI_LOAD_ROOT', 'LOAD_ROOT', `Cannot load certificate from ${params.rootCa.name}`);
    for (const c of certs) anchors.push({ cert: c, source: params.rootCa.name });
    crls.add(readCrls(params.rootCa.bytes), params.rootCa.name);
    steps.push({
      certificate: params.rootCa.name,
      check: 'trust anchor',
      result: 'info',
      detail: `${certs.length} trust anchor(s) from --root-ca`,
    });
  } else {
    for (const a of params.anchors ?? []) {
      try {
        for (const c of readCertificates(a.bytes)) anchors.push({ cert: c, source: a.name });
      } catch {
        /* an unusable configured anchor is skipped */
      }
      crls.add(readCrls(a.bytes), a.name);
    }
    steps.push({
      certificate: 'configured trust store',
      check: 'trust anchor',
      result: 'info',
      detail: `${anchors.length} configured trust anchor(s)`,
    });
  }
  // A2: --crl files
  for (const f of params.crls ?? []) {
    const list = readCrls(f.bytes);
    if (list.length === 0) throw new PhaseFailure('ERR_PKI_LOAD_CRL', 'LOAD_CRL', `Cannot load CRL from ${f.name}`);
    crls.add(list, f.name);
  }
  // A3: CRLs inside --cert files (silently)
  for (const f of params.certs) crls.add(readCrls(f.bytes), f.name);
  // B: certificates, and (online) the CRL of each
  const certs: SourcedCert[] = [];
  for (const f of params.certs) for (const c of readCertificates(f.bytes)) certs.push({ cert: c, source: f.name });
  if (!params.offline && params.fetchCrl) {
    for (const c of certs) {
      const got = await downloadFirstCrls(c.cert.crlDistributionPoints, params.fetchCrl);
      crls.add(got.crls, got.url ?? 'download');
      if (got.url)
        steps.push({
          certificate: c.source,
          check: 'CRL download',
          result: 'info',
          detail: `fetched ${got.crls.length} CRL(s) from ${got.url}`,
        });
    }
  }
  return { anchors, certs, crls };
}

/** A PhaseFailure from anything a phase threw (coded errors of the readers included). */
function asPhaseFailure(e: unknown): PhaseFailure {
  if (e instanceof PhaseFailure) return e;
  if (isAttestError(e))
    return new PhaseFailure(
      e.code,
      e.code === 'ERR_PKI_INPUT_TOO_LARGE' ? 'INPUT_TOO_LARGE' : 'CERT_MALFORMED',
      e.message,
    );
  throw e;
}

/** A failed chain report ending with the failing step. */
function failedChain(failure: PhaseFailure, steps: VerificationStep[], extra: Partial<ChainReport> = {}): ChainReport {
  steps.push({
    certificate: 'chain of trust',
    check: 'chain',
    result: 'fail',
    code: failure.code,
    detail: failure.message,
  });
  return {
    ok: false,
    code: failure.code,
    category: failure.category,
    reason: failure.message,
    ...(failure.extra.x509Code !== undefined ? { x509Code: failure.extra.x509Code } : {}),
    ...(failure.extra.depth !== undefined ? { depth: failure.extra.depth } : {}),
    ...(failure.extra.missingCrl ? { missingCrl: failure.extra.missingCrl } : {}),
    chain: [],
    steps,
    ...extra,
  };
}

/** Phase D for one signing key; `steps` start with what loading the material reported. */
function validateSigningKey(
  key: SourcedCert,
  material: Material,
  params: CreateHkdVerifierParams,
  steps: VerificationStep[],
): SigningKeyState {
  const summary = summarize(key);
  steps.push({
    certificate: key.source,
    check: 'signing key',
    result: 'pass',
    detail: `IBM Z signing key: ${key.cert.subject.text}`,
  });
  let path: CertificateSummary[] = [];
  let report: ChainReport;
  try {
    validateChain(
      {
        leaf: key,
        untrusted: material.certs.filter((c) => c !== key),
        anchors: material.anchors,
        crls: material.crls,
        at: params.at,
        offline: params.offline,
      },
      steps,
      (chain) => (path = chain.map(summarize)),
    );
    report = { ok: true, signingKey: summary, chain: path, steps };
  } catch (e) {
    report = failedChain(asPhaseFailure(e), steps, { signingKey: summary, chain: path });
  }
  return { key, summary, report, crls: material.crls, crlValidity: new WeakMap() };
}

/** The signing key that issued `hkd` among several: issuer name and key id first, then the signature (see README). */
function issuerOf(hkd: ParsedCertificate, keys: readonly SigningKeyState[]): SigningKeyState | undefined {
  const named = keys.filter((k) => mayHaveIssued(k.key.cert, hkd));
  const verifying = (named.length > 0 ? named : keys).filter((k) => hkdSignatureVerifies(hkd, k.key.cert));
  const chainOk = (k: SigningKeyState): boolean => k.report.ok;
  const chosen = verifying.find(chainOk) ?? verifying[0] ?? named.find(chainOk) ?? named[0];
  // with one signing key the workspace behaves as pvattest with that key in -C (its AKID/signature errors)
  return chosen ?? (keys.length === 1 ? keys[0] : undefined);
}

const PARSE_CATEGORIES: Readonly<Record<string, HkdFailureCategory>> = {
  ERR_PKI_INPUT_TOO_LARGE: 'INPUT_TOO_LARGE',
  ERR_HKD_NOT_PEM_OR_DER: 'HKD_NOT_PEM_OR_DER',
  ERR_HKD_EMPTY: 'HKD_EMPTY',
};

/** Validates the signing key chain(s) once and returns a verifier for HKDs (spec Phases A–D). */
export async function createHkdVerifier(params: CreateHkdVerifierParams): Promise<HkdVerifier> {
  const rule: SigningKeyRule = params.signingKeyRule ?? 'exactly-one';
  const steps: VerificationStep[] = [];
  let chain: ChainReport;
  let keys: SigningKeyState[] = [];
  try {
    const material = await loadMaterial(params, steps);
    // C: signing key(s), by subject
    const found = material.certs.filter((c) => isIbmSigningKey(c.cert));
    if (found.length === 0)
      throw new PhaseFailure('ERR_HKD_NO_SIGNING_KEY', 'NO_SIGNING_KEY', 'Specify one IBM Z signing key');
    if (rule === 'exactly-one') {
      if (found.length > 1)
        throw new PhaseFailure(
          'ERR_HKD_MANY_SIGNING_KEYS',
          'MANY_SIGNING_KEYS',
          `Specify only one IBM Z signing key (found ${found.length}: ${found.map((s) => s.source).join(', ')})`,
        );
      keys = [validateSigningKey(found[0]!, material, params, steps)];
      chain = keys[0]!.report;
    } else {
      keys = found.map((k) => validateSigningKey(k, material, params, []));
      steps.push({
        certificate: 'workspace',
        check: 'signing keys',
        result: 'info',
        detail: `${found.length} IBM Z signing key(s): ${found.map((s) => s.source).join(', ')}; each HKD is checked against the one that issued it`,
      });
      chain = { ok: true, chain: [], steps };
    }
  } catch (e) {
    chain = failedChain(asPhaseFailure(e), steps);
  }
  const state: VerifierState = { rule, chain, keys, params };
  return {
    signingKeyRule: rule,
    chain,
    signingKeys: rule === 'per-hkd' ? keys.map((k) => k.report) : [],
    verify: (bytes, name) => verifyOne(bytes, name, state),
  };
}

/** What `verify` checks an HKD against. */
interface VerifierState {
  readonly rule: SigningKeyRule;
  readonly chain: ChainReport;
  readonly keys: readonly SigningKeyState[];
  readonly params: CreateHkdVerifierParams;
}

/** One HKD: parse it, pick its signing key, inherit a chain failure or run Phase E. */
async function verifyOne(bytes: Uint8Array, name: string, s: VerifierState): Promise<HkdResult> {
  const out = new HkdOutcome(name);
  let hkd: ParsedCertificate;
  try {
    const file = readHkdFile(name, bytes);
    hkd = file.certificate;
    if (file.certificatesInFile > 1)
      out.step(
        'parse',
        'info',
        `The host-key document in '${name}' contains more than one certificate (${file.certificatesInFile}); only the first is used`,
      );
  } catch (e) {
    if (!isAttestError(e)) throw e;
    return out.fail(e.code, PARSE_CATEGORIES[e.code] ?? 'CERT_MALFORMED', e.message, 'parse');
  }
  const { facts, publicCoords } = hkdFacts(hkd);
  out.setFacts(facts, publicCoords);
  const inherit = (chain: ChainReport): HkdResult =>
    out.fail(
      chain.code ?? 'ERR_PKI_INTERNAL',
      chain.category ?? 'SIGNING_KEY_INVALID',
      chain.reason ?? 'chain of trust not validated',
      'chain of trust',
      chainFailureFields(chain),
    );
  if (!s.chain.ok) return inherit(s.chain);
  const key = s.rule === 'exactly-one' ? s.keys[0] : issuerOf(hkd, s.keys);
  if (!key) {
    const known = s.keys.map((k) => `${k.key.source} (key id ${k.key.cert.subjectKeyId ?? 'none'})`).join(', ');
    return out.fail(
      'ERR_HKD_NO_ISSUING_SIGNING_KEY',
      'NO_ISSUING_SIGNING_KEY',
      `no IBM Z signing key that issued this host-key document found (issuer "${hkd.issuer.text}", authority key id ${hkd.authorityKeyId?.keyId ?? 'none'}; signing keys: ${known})`,
      'signing key',
    );
  }
  out.setSigningKey(key.summary);
  if (s.rule === 'per-hkd')
    out.step(
      'signing key',
      'info',
      `issued by ${key.key.source} (${key.key.cert.subject.text}, key id ${key.key.cert.subjectKeyId ?? 'none'})`,
    );
  if (!key.report.ok) return inherit(key.report);
  return checkHkd(hkd, out, {
    signing: key.key.cert,
    signingSummary: key.summary,
    crls: key.crls,
    at: s.params.at,
    offline: s.params.offline,
    ...(s.params.fetchCrl ? { fetchCrl: s.params.fetchCrl } : {}),
    crlValidity: key.crlValidity,
  });
}

/** Verifies every HKD against the validated chain(s); never throws for verification failures (they are in the report). */
export async function verifyHostKeyDocuments(params: VerifyHostKeyDocumentsParams): Promise<HkdVerificationReport> {
  const verifier = await createHkdVerifier(params);
  const hkds: HkdResult[] = [];
  for (const h of params.hkds) hkds.push(await verifier.verify(h.bytes, h.name));
  return reportOf(verifier, hkds, params);
}

/** The report of HKD results obtained from `verifier`. */
export function reportOf(
  verifier: HkdVerifier,
  hkds: readonly HkdResult[],
  p: { readonly at: Date; readonly offline: boolean },
): HkdVerificationReport {
  return {
    at: p.at.toISOString(),
    offline: p.offline,
    verified: verifier.chain.ok && hkds.length > 0 && hkds.every((h) => h.verified),
    signingKeyRule: verifier.signingKeyRule,
    chain: verifier.chain,
    signingKeys: verifier.signingKeys,
    hkds,
  };
}
