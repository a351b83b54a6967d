/**
 * Offline re-verification of an evidence bundle (directory or zip): envelope signature (bundled key, and the
 * trusted key when given), key fingerprint agreement, no missing or extra files, every file's SHA-256,
 * evidence.json against its JSON Schema (before anything else reads it), the evidence.json records against
 * the folders, each attestation's measurement AND outcome recomputed from its own files and the recorded
 * policy (the one verdict model, `judgeBundleAttestation`), each HKD chain re-verified at the attestation's
 * time with the bundled CRLs, each secret release against the attestations that gated it (issue 14), and the
 * audit chain.
 *
 * Hostile bundles (issue 12): every read is bounded (BUNDLE_READ_LIMITS and the sizes the container
 * declares), JSON nesting is bounded before parsing, every JSON file is schema-checked before use, large
 * files are hashed as streams. Never throws for a bad bundle: every problem is a failed result naming the
 * check and the file; anything unforeseen is still a named `bundle` failure.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AttestError, type ErrorCode } from '../../../shared/errors/index.js';
import {
  ATTESTATION_FILES,
  BUNDLE_FILES,
  EVIDENCE_CHECKS,
  type EvidenceAttestationRecord,
  type EvidenceAuditEntry,
  type EvidenceAuditSummary,
  type EvidenceBundleVerification,
  type EvidenceCheckName,
  type EvidenceCheckResult,
  type EvidenceDocument,
  type EvidenceReleaseRecord,
  RELEASE_FILES,
} from '../../../shared/types/evidence.js';
import { emptyOutcomeCounts, OUTCOME_LABELS, type Outcome, type OutcomeCounts } from '../../../shared/types/verdict.js';
import { computeSecretStoreHash } from '../../engine/attest/measurement.js';
import { sha256Hex } from '../../engine/crypto/primitives.js';
import { ASRCB_MAX_SIZE, parseAddSecretRequest } from '../../engine/formats/asrcb.js';
import { MAX_EXCHANGE_SIZE } from '../../engine/formats/exchange.js';
import { walkAuditChain } from './audit-chain.js';
import { verifyDsseEnvelope, type DsseEnvelope } from './dsse.js';
import { createHkdChainChecker, type ChainHkd, type ChainMaterial, type HkdChainChecker } from './hkd-chain.js';
import { parseBoundedJson } from './json-reader.js';
import { judgeBundleAttestation } from './recompute.js';
import { isKnownEvidenceSchema, validateBundleJson, type BundleSchemaName } from './schema-validate.js';
import { fingerprintPublicKey, parseEd25519PublicKey } from './signing-key.js';
import { openBundle, type BundleReader } from './zip.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most bytes `evidence verify` reads of each file (README "Evidence bundles"). They fit real bundles with
 * room to spare (10,000 attestations: evidence.json ≈ 17 MiB, manifest ≈ 8 MiB) and keep peak RSS < 512 MiB.
 * report.pdf and files without content checks are only hashed, as streams, whatever their size.
 */
export const BUNDLE_READ_LIMITS = {
  manifest: 32 * MiB,
  evidence: 64 * MiB,
  schema: 1 * MiB,
  auditLog: 64 * MiB,
  publicKey: 64 * KiB,
  /** request.bin, response.bin: the largest exchange file any reader accepts (a real one is a few KiB). */
  exchange: MAX_EXCHANGE_SIZE,
  arpk: 1 * KiB,
  seHeader: 64 * KiB,
  verification: 1 * MiB,
  /** releases/<id>/add-secret-request.bin: the largest request the Ultravisor accepts. */
  addSecretRequest: ASRCB_MAX_SIZE,
  certificate: 1 * MiB,
  crl: 32 * MiB,
  /** All trust material together (certificates, anchors, CRLs, HKDs), held for the chain re-check. */
  trustTotal: 128 * MiB,
} as const;

/** Files up to this size are hashed from one read; larger ones as streams. */
const SMALL_FILE = 1 * MiB;

/** Options of `verifyEvidenceBundle`. */
export interface VerifyEvidenceBundleParams {
  /** The key the bundle must be signed with (Ed25519 public key or its PEM). */
  readonly trustedKey?: KeyObject | string | Uint8Array;
  /** Replaces the built-in chain re-check (pki layer) for the bundled material. */
  readonly createChainChecker?: (material: ChainMaterial) => HkdChainChecker;
  /** At most this many failure lines per check (default 50); the summary line counts them all. */
  readonly maxFailuresPerCheck?: number;
}

const CHECK_ORDER: readonly EvidenceCheckName[] = EVIDENCE_CHECKS;

interface Statement {
  _type: string;
  subject: { name: string; digest: { sha256: string }; annotations?: { size?: number } }[];
  predicateType: string;
  predicate: {
    workstationKeyFingerprint?: string;
    auditHeadHash?: string | null;
    attestations?: number;
    releases?: number;
  };
}

class Results {
  private readonly failures = new Map<EvidenceCheckName, EvidenceCheckResult[]>();
  private readonly counts = new Map<EvidenceCheckName, number>();
  private readonly passes = new Map<EvidenceCheckName, string>();
  constructor(private readonly max: number) {}
  fail(check: EvidenceCheckName, file: string | undefined, code: ErrorCode, detail: string): void {
    const n = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, n);
    if (n > this.max) return;
    const list = this.failures.get(check) ?? [];
    list.push({ check, ok: false, ...(file !== undefined ? { file } : {}), code, detail });
    this.failures.set(check, list);
  }
  /** Records a failed read as a failure of `check`. */
  failRead(check: EvidenceCheckName, file: string, e: unknown): void {
    if (e instanceof AttestError) this.fail(check, file, e.code, e.message);
    else this.fail(check, file, 'ERR_EVIDENCE_BUNDLE_UNREADABLE', (e as Error)?.message ?? String(e));
  }
  pass(check: EvidenceCheckName, detail: string): void {
    this.passes.set(check, detail);
  }
  failed(check: EvidenceCheckName): boolean {
    return (this.counts.get(check) ?? 0) > 0;
  }
  list(): EvidenceCheckResult[] {
    const out: EvidenceCheckResult[] = [];
    for (const c of CHECK_ORDER) {
      const n = this.counts.get(c) ?? 0;
      if (n > 0) {
        out.push(...(this.failures.get(c) ?? []).sort((x, y) => (x.file ?? '').localeCompare(y.file ?? '')));
        if (n > this.max) out.push({ check: c, ok: false, detail: `... and ${n - this.max} more problems` });
      } else if (this.passes.has(c)) {
        out.push({ check: c, ok: true, detail: this.passes.get(c)! });
      }
    }
    return out;
  }
}

/** Reads in flight at once (zip entries are read through the thread pool; directories read synchronously). */
const CONCURRENCY = 16;

/** Runs `fn` over `items` with at most `limit` in flight, yielding to the event loop between items. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
      if (next % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** SHA-256 of a file: one bounded read for small files, a stream for large ones. */
async function digestOf(bundle: BundleReader, name: string): Promise<string> {
  if (bundle.size(name) <= SMALL_FILE) return sha256Hex(await bundle.read(name, SMALL_FILE));
  const h = createHash('sha256');
  for await (const chunk of await bundle.stream(name)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Searches a stream for `re` (matches up to `overlap` bytes long), holding one chunk at a time. */
async function findInStream(
  stream: AsyncIterable<unknown>,
  re: RegExp,
  overlap = 256,
): Promise<RegExpExecArray | null> {
  let tail = '';
  for await (const chunk of stream) {
    const text = tail + (chunk as Buffer).toString('latin1');
    const m = re.exec(text);
    if (m) return m;
    tail = text.slice(-overlap);
  }
  return null;
}

/** The per-file limit of a bundle-relative path (undefined: only hashed, never read whole). */
export function readLimitOf(name: string): number | undefined {
  switch (name) {
    case BUNDLE_FILES.manifest:
      return BUNDLE_READ_LIMITS.manifest;
    case BUNDLE_FILES.evidence:
      return BUNDLE_READ_LIMITS.evidence;
    case BUNDLE_FILES.schema:
      return BUNDLE_READ_LIMITS.schema;
    case BUNDLE_FILES.auditLog:
      return BUNDLE_READ_LIMITS.auditLog;
    case BUNDLE_FILES.publicKey:
      return BUNDLE_READ_LIMITS.publicKey;
  }
  if (name.startsWith('trust/crls/')) return BUNDLE_READ_LIMITS.crl;
  if (name.startsWith('trust/')) return BUNDLE_READ_LIMITS.certificate;
  if (name.startsWith('releases/'))
    return name.endsWith(`/${RELEASE_FILES.request}`) ? BUNDLE_READ_LIMITS.addSecretRequest : undefined;
  const file = name.slice(name.lastIndexOf('/') + 1);
  switch (file) {
    case ATTESTATION_FILES.request:
    case ATTESTATION_FILES.response:
      return BUNDLE_READ_LIMITS.exchange;
    case ATTESTATION_FILES.arpk:
      return BUNDLE_READ_LIMITS.arpk;
    case ATTESTATION_FILES.seHeader:
      return BUNDLE_READ_LIMITS.seHeader;
    case ATTESTATION_FILES.verification:
      return BUNDLE_READ_LIMITS.verification;
  }
  return undefined;
}

/** Reads and schema-checks one JSON file; every problem is a failure of `check` naming `name`. */
async function readJsonFile<T>(
  bundle: BundleReader,
  r: Results,
  check: EvidenceCheckName,
  name: string,
  schema: BundleSchemaName | undefined,
  what: string,
  onBytes?: (bytes: Buffer) => void,
): Promise<T | undefined> {
  if (!bundle.has(name)) {
    r.fail(check, name, 'ERR_EVIDENCE_FILE_MISSING', `${what} is missing`);
    return undefined;
  }
  let bytes: Buffer;
  try {
    bytes = await bundle.read(name, readLimitOf(name) ?? SMALL_FILE);
  } catch (e) {
    r.failRead(check, name, e);
    return undefined;
  }
  onBytes?.(bytes);
  const parsed = parseBoundedJson(bytes);
  if (!parsed.ok) {
    r.fail(check, name, 'ERR_EVIDENCE_JSON_INVALID', `${what}: ${parsed.reason}`);
    return undefined;
  }
  if (schema) {
    const violations = validateBundleJson(schema, parsed.value);
    for (const v of violations) r.fail(check, name, 'ERR_EVIDENCE_SCHEMA_INVALID', `${v.path}: ${v.message}`);
    if (violations.length > 0) return undefined;
  }
  return parsed.value as T;
}

/** Re-verifies a bundle; `ok` only when every check passed (see `signer` for who signed). */
export async function verifyEvidenceBundle(
  path: string,
  params: VerifyEvidenceBundleParams = {},
): Promise<EvidenceBundleVerification> {
  const r = new Results(params.maxFailuresPerCheck ?? 50);
  const signer: EvidenceBundleVerification['signer'] = { authenticated: false, fingerprint: null };
  let bundle: BundleReader;
  try {
    bundle = await openBundle(path);
  } catch (e) {
    r.failRead('bundle', path, e);
    return finish(r, 0, 0, null, signer);
  }
  try {
    return await verifyOpened(bundle, params, r, signer);
  } catch (e) {
    // a defect of the verifier or the platform, never a pass: still a named check
    r.fail('bundle', undefined, 'ERR_EVIDENCE_INTERNAL', `verification stopped: ${(e as Error)?.message ?? e}`);
    return finish(r, 0, bundle.files.length, null, signer);
  } finally {
    await bundle.close();
  }
}

async function verifyOpened(
  container: BundleReader,
  params: VerifyEvidenceBundleParams,
  r: Results,
  signer: EvidenceBundleVerification['signer'],
): Promise<EvidenceBundleVerification> {
  r.pass('bundle', `${container.files.length} files`);
  // once the manifest is read, no file is read past the size it declares (nor past its own limit)
  const declared = new Map<string, number>();
  const bundle: BundleReader = {
    ...container,
    read: (name, max) => container.read(name, Math.min(max, declared.get(name) ?? max)),
  };
  /** False when the manifest declares another size (a files failure; the file is then neither read nor hashed). */
  const sizeAgrees = (name: string) => {
    const size = declared.get(name);
    return size === undefined || container.size(name) === size;
  };

  // manifest
  let envelope: DsseEnvelope | undefined = await readJsonFile<DsseEnvelope>(
    bundle,
    r,
    'manifest',
    BUNDLE_FILES.manifest,
    'envelope',
    'the signed manifest',
  );
  let statement: Statement | undefined;
  if (envelope) {
    const payload = parseBoundedJson(Buffer.from(envelope.payload, 'base64'));
    if (!payload.ok) {
      r.fail('manifest', BUNDLE_FILES.manifest, 'ERR_EVIDENCE_MANIFEST_INVALID', `the payload: ${payload.reason}`);
      envelope = undefined;
    } else {
      const violations = validateBundleJson('statement', payload.value);
      for (const v of violations)
        r.fail('manifest', BUNDLE_FILES.manifest, 'ERR_EVIDENCE_MANIFEST_INVALID', `payload ${v.path}: ${v.message}`);
      if (violations.length === 0) {
        statement = payload.value as Statement;
        for (const s of statement.subject)
          if (s.annotations?.size !== undefined && s.name !== BUNDLE_FILES.manifest)
            declared.set(s.name, s.annotations.size);
        r.pass('manifest', `in-toto Statement v1, ${statement.subject.length} subjects`);
      }
    }
  }

  // signature
  let bundledKey: KeyObject | undefined;
  if (!bundle.has(BUNDLE_FILES.publicKey))
    r.fail('signature', BUNDLE_FILES.publicKey, 'ERR_EVIDENCE_FILE_MISSING', 'the workstation public key is missing');
  else {
    try {
      const keyBytes = await bundle.read(BUNDLE_FILES.publicKey, BUNDLE_READ_LIMITS.publicKey);
      bundledKey = parseEd25519PublicKey(keyBytes, BUNDLE_FILES.publicKey);
    } catch (e) {
      r.failRead('signature', BUNDLE_FILES.publicKey, e);
    }
  }
  let trusted: KeyObject | undefined;
  if (params.trustedKey !== undefined) {
    try {
      trusted =
        typeof params.trustedKey === 'object' && 'asymmetricKeyType' in params.trustedKey
          ? params.trustedKey
          : parseEd25519PublicKey(params.trustedKey as string, 'the trusted key');
    } catch (e) {
      r.fail('signature', undefined, 'ERR_EVIDENCE_KEY_FILE', (e as Error).message);
    }
  }
  if (bundledKey) signer.fingerprint = fingerprintPublicKey(bundledKey);
  if (envelope) {
    if (bundledKey && !verifyDsseEnvelope(envelope, bundledKey))
      r.fail(
        'signature',
        BUNDLE_FILES.manifest,
        'ERR_EVIDENCE_SIGNATURE_INVALID',
        `the envelope signature does not verify with ${BUNDLE_FILES.publicKey}`,
      );
    if (trusted && !verifyDsseEnvelope(envelope, trusted))
      r.fail(
        'signature',
        BUNDLE_FILES.manifest,
        'ERR_EVIDENCE_SIGNATURE_INVALID',
        `the envelope is not signed by the trusted key ${fingerprintPublicKey(trusted)}`,
      );
    if (!r.failed('signature') && bundledKey)
      r.pass(
        'signature',
        trusted
          ? `DSSE Ed25519 signature valid, made by the trusted key ${fingerprintPublicKey(trusted)}`
          : `DSSE Ed25519 signature valid for the bundled key ${fingerprintPublicKey(bundledKey)} (signer not authenticated: no trusted key given)`,
      );
  } else if (!r.failed('signature'))
    r.fail('signature', BUNDLE_FILES.manifest, 'ERR_EVIDENCE_SIGNATURE_INVALID', 'no valid envelope to check');

  // evidence.json: schema first, nothing reads it before
  const evidence: EvidenceDocument | undefined = await readEvidence(bundle, r);

  // key fingerprint agreement
  if (bundledKey) {
    const fp = fingerprintPublicKey(bundledKey);
    const recorded = evidence?.workstationKey.fingerprint;
    if (recorded !== undefined && recorded !== fp)
      r.fail(
        'key-fingerprint',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_KEY_MISMATCH',
        `evidence.json records key ${recorded}, the bundle carries ${fp}`,
      );
    if (statement && statement.predicate.workstationKeyFingerprint !== fp)
      r.fail(
        'key-fingerprint',
        BUNDLE_FILES.manifest,
        'ERR_EVIDENCE_KEY_MISMATCH',
        `the manifest names key ${String(statement.predicate.workstationKeyFingerprint)}, the bundle carries ${fp}`,
      );
    if (bundle.has(BUNDLE_FILES.report)) {
      // the cover's fingerprint is also in the PDF's Info dictionary (Subject), which is never compressed
      try {
        const m = await findInStream(
          await bundle.stream(BUNDLE_FILES.report),
          /\(workstation key (SHA256:[A-Za-z0-9+/]{43})\)/,
        );
        if (!m)
          r.fail(
            'key-fingerprint',
            BUNDLE_FILES.report,
            'ERR_EVIDENCE_KEY_MISMATCH',
            'the report does not record a workstation key fingerprint',
          );
        else if (m[1] !== fp)
          r.fail(
            'key-fingerprint',
            BUNDLE_FILES.report,
            'ERR_EVIDENCE_KEY_MISMATCH',
            `the report names key ${m[1]!}, the bundle carries ${fp}`,
          );
      } catch (e) {
        r.failRead('key-fingerprint', BUNDLE_FILES.report, e);
      }
    }
    if (trusted && fingerprintPublicKey(trusted) !== fp)
      r.fail(
        'key-fingerprint',
        BUNDLE_FILES.publicKey,
        'ERR_EVIDENCE_KEY_MISMATCH',
        `the bundled key ${fp} is not the trusted key ${fingerprintPublicKey(trusted)}`,
      );
    if (!r.failed('key-fingerprint'))
      r.pass(
        'key-fingerprint',
        `${fp} matches evidence.json, the report, the manifest${trusted ? ' and the trusted key' : ''}`,
      );
  }
  signer.authenticated = trusted !== undefined && !r.failed('signature') && !r.failed('key-fingerprint');

  // files and digests
  const listed = new Map<string, string>();
  const claimed = new Set<string>();
  let digestsChecked = 0;
  const checkDigest = (name: string, actual: string) => {
    const sha = listed.get(name);
    if (sha === undefined) return; // an unlisted file: reported by the files check
    digestsChecked++;
    if (actual !== sha)
      r.fail('digests', name, 'ERR_EVIDENCE_DIGEST_MISMATCH', `SHA-256 ${actual} does not match the manifest's ${sha}`);
  };
  if (statement) {
    for (const s of statement.subject) {
      if (listed.has(s.name)) r.fail('files', s.name, 'ERR_EVIDENCE_MANIFEST_INVALID', 'listed twice in the manifest');
      listed.set(s.name, s.digest.sha256);
    }
    if (listed.has(BUNDLE_FILES.manifest))
      r.fail('files', BUNDLE_FILES.manifest, 'ERR_EVIDENCE_MANIFEST_INVALID', 'the manifest lists itself');
    for (const name of listed.keys()) {
      if (!bundle.has(name)) {
        r.fail('files', name, 'ERR_EVIDENCE_FILE_MISSING', 'listed in the manifest but missing from the bundle');
        continue;
      }
      const size = declared.get(name);
      if (size !== undefined && bundle.size(name) !== size)
        r.fail(
          'files',
          name,
          bundle.size(name) > size ? 'ERR_EVIDENCE_FILE_TOO_LARGE' : 'ERR_EVIDENCE_DIGEST_MISMATCH',
          `holds ${bundle.size(name)} bytes, the signed manifest declares ${size}`,
        );
    }
    for (const name of bundle.files)
      if (name !== BUNDLE_FILES.manifest && !listed.has(name))
        r.fail('files', name, 'ERR_EVIDENCE_FILE_EXTRA', 'in the bundle but not in the signed manifest');
  }
  for (const o of bundle.odd) r.fail('files', o.name, o.code, `refused: ${o.reason}`);
  if (statement && !r.failed('files')) r.pass('files', `${listed.size} files listed, none missing, none extra`);
  if (statement) {
    // Files of attestation folders are hashed by the per-attestation check, which reads them anyway; so are
    // those of release folders by the release check.
    if (evidence) for (const a of evidence.attestations) for (const f of a.files) claimed.add(`${a.folder}/${f}`);
    if (evidence)
      for (const x of evidence.releases)
        if (x.folder === releaseFolder(x)) for (const f of x.files) claimed.add(`${x.folder}/${f}`);
    await forEachLimit(
      [...listed].filter(([name]) => bundle.has(name) && !claimed.has(name) && sizeAgrees(name)),
      CONCURRENCY,
      async ([name]) => {
        try {
          checkDigest(name, await digestOf(bundle, name));
        } catch (e) {
          r.failRead('digests', name, e);
        }
      },
    );
  }

  if (!evidence) return finish(r, 0, bundle.files.length, null, signer);

  checkRecords(bundle, evidence, statement, r);

  // trust material for the chain re-check
  const material: { certificates: ChainHkd[]; roots: ChainHkd[]; crls: ChainHkd[] } = {
    certificates: [],
    roots: [],
    crls: [],
  };
  const hkdBytes = new Map<string, ChainHkd>();
  let trustBytes = 0;
  for (const t of evidence.trust) {
    if (!bundle.has(t.path)) continue;
    let bytes: Buffer;
    try {
      bytes = await bundle.read(t.path, readLimitOf(t.path) ?? BUNDLE_READ_LIMITS.certificate);
    } catch (e) {
      r.failRead('hkd-chain', t.path, e);
      continue;
    }
    trustBytes += bytes.length;
    if (trustBytes > BUNDLE_READ_LIMITS.trustTotal) {
      r.fail(
        'hkd-chain',
        t.path,
        'ERR_EVIDENCE_FILE_TOO_LARGE',
        `the trust material exceeds ${BUNDLE_READ_LIMITS.trustTotal} bytes in all`,
      );
      break;
    }
    const item = { name: t.path, bytes: new Uint8Array(bytes), sha256: t.sha256 };
    if (t.role === 'hkd') hkdBytes.set(t.sha256, item);
    else
      (t.role === 'certificate' ? material.certificates : t.role === 'root' ? material.roots : material.crls).push(
        item,
      );
  }
  const checkChain = (params.createChainChecker ?? createHkdChainChecker)(material);

  // measurement, outcome and HKD chain per attestation
  const recomputedOutcomes = emptyOutcomeCounts();
  const recomputedById = new Map<string, RecomputedFacts>();
  let chains = 0;
  await forEachLimit(evidence.attestations, CONCURRENCY, async (a) => {
    const facts = await checkAttestation(
      bundle,
      a,
      r,
      checkChain,
      hkdBytes,
      statement ? checkDigest : undefined,
      sizeAgrees,
    );
    recomputedOutcomes[facts.outcome]++;
    recomputedById.set(a.id, facts);
    if (a.hkdChain.verdict !== 'not-checked') chains++;
  });
  if (!r.failed('measurement'))
    r.pass(
      'measurement',
      `${evidence.attestations.length} attestations' measurements recomputed from their files, each as recorded`,
    );
  if (!r.failed('outcome'))
    r.pass(
      'outcome',
      `${evidence.attestations.length} outcomes recomputed from the files and the recorded policies, each as recorded: ${describeOutcomes(recomputedOutcomes)}`,
    );
  if (statement && !r.failed('digests')) r.pass('digests', `${digestsChecked} SHA-256 digests match the manifest`);
  if (!r.failed('hkd-chain'))
    r.pass(
      'hkd-chain',
      `${chains} HKD chains re-verified at their attestation times with the bundled CRLs, each as recorded`,
    );

  await checkReleases(bundle, evidence, recomputedById, r, statement ? checkDigest : undefined);

  // audit chain: evidence.json is released first (only its audit summary is needed)
  const attestations = evidence.attestations.length;
  const auditSummary = evidence.audit;
  evidence.attestations.length = 0;
  evidence.trust.length = 0;
  recomputedById.clear();
  material.crls.length = 0;
  hkdBytes.clear();
  await checkAudit(bundle, r, auditSummary, statement);
  return finish(r, attestations, bundle.files.length, recomputedOutcomes, signer);
}

/** evidence.json read and validated against the JSON Schema shipped in the bundle (the verifier's own). */
async function readEvidence(bundle: BundleReader, r: Results): Promise<EvidenceDocument | undefined> {
  const schema = await readJsonFile<unknown>(
    bundle,
    r,
    'schema',
    BUNDLE_FILES.schema,
    undefined,
    'the evidence.json schema',
  );
  if (schema !== undefined && !isKnownEvidenceSchema(schema))
    r.fail(
      'schema',
      BUNDLE_FILES.schema,
      'ERR_EVIDENCE_SCHEMA_INVALID',
      'not the JSON Schema of this evidence version (validated against the known one instead)',
    );
  const evidence = await readJsonFile<EvidenceDocument>(
    bundle,
    r,
    'schema',
    BUNDLE_FILES.evidence,
    'evidence',
    'evidence.json',
  );
  if (evidence && !r.failed('schema'))
    r.pass('schema', `evidence.json is valid against ${BUNDLE_FILES.schema} (schema ${evidence.schemaVersion})`);
  return evidence;
}

/** The evidence.json records against the bundle's folders, trust files and totals. */
function checkRecords(
  bundle: BundleReader,
  evidence: EvidenceDocument,
  statement: Statement | undefined,
  r: Results,
): void {
  checkFolderFiles(bundle, r, 'attestations', evidence.attestations);
  checkReleaseRecords(bundle, evidence, r);
  const ids = new Set<string>();
  const perGuest = new Map<string, OutcomeCounts>();
  for (const a of evidence.attestations) {
    const folder = `attestations/${a.id}`;
    if (a.folder !== folder)
      r.fail(
        'evidence',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_RECORD_INVALID',
        `attestation ${a.id} names folder ${a.folder}`,
      );
    if (ids.has(a.id))
      r.fail('evidence', BUNDLE_FILES.evidence, 'ERR_EVIDENCE_RECORD_INVALID', `attestation ${a.id} is recorded twice`);
    ids.add(a.id);
    const counts = perGuest.get(a.guest) ?? emptyOutcomeCounts();
    counts[a.outcome]++;
    perGuest.set(a.guest, counts);
  }
  for (const t of evidence.trust)
    if (!bundle.has(t.path))
      r.fail('evidence', t.path, 'ERR_EVIDENCE_FILE_MISSING', 'trust item recorded in evidence.json but missing');
  const total = emptyOutcomeCounts();
  for (const c of perGuest.values()) for (const k of Object.keys(total) as (keyof OutcomeCounts)[]) total[k] += c[k];
  const same = (x: OutcomeCounts, y: OutcomeCounts) =>
    (Object.keys(x) as (keyof OutcomeCounts)[]).every((k) => x[k] === y[k]);
  if (evidence.totals.attestations !== evidence.attestations.length || !same(evidence.totals.outcomes, total))
    r.fail(
      'evidence',
      BUNDLE_FILES.evidence,
      'ERR_EVIDENCE_RECORD_INVALID',
      `the period totals (${describeOutcomes(evidence.totals.outcomes)}) do not count the attestation records (${describeOutcomes(total)})`,
    );
  for (const g of evidence.guests) {
    const counted = perGuest.get(g.name) ?? emptyOutcomeCounts();
    const n = Object.values(counted).reduce((x, y) => x + y, 0);
    if (g.attestations !== n || !same(g.outcomes, counted))
      r.fail(
        'evidence',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_RECORD_INVALID',
        `guest ${g.name}: the totals (${describeOutcomes(g.outcomes)}) do not count its attestation records (${describeOutcomes(counted)})`,
      );
  }
  if (statement && statement.predicate.attestations !== evidence.attestations.length)
    r.fail(
      'evidence',
      BUNDLE_FILES.manifest,
      'ERR_EVIDENCE_RECORD_INVALID',
      'the manifest predicate counts a different number of attestations',
    );
  if (statement && (statement.predicate.releases ?? 0) !== evidence.releases.length)
    r.fail(
      'evidence',
      BUNDLE_FILES.manifest,
      'ERR_EVIDENCE_RECORD_INVALID',
      'the manifest predicate counts a different number of releases',
    );
  if (!r.failed('evidence'))
    r.pass(
      'evidence',
      `evidence.json (schema ${evidence.schemaVersion}): ${evidence.attestations.length} attestations, ${evidence.guests.length} guests, totals agree`,
    );
}

/** The folder a release's files are in: `releases/<id>`. */
const releaseFolder = (x: Pick<EvidenceReleaseRecord, 'id'>) => `releases/${x.id}`;

/**
 * The files of the `<top>/<id>/` folders against the records' `files`: recorded but missing, present but not
 * recorded, folders without a record, files outside any folder.
 */
function checkFolderFiles(
  bundle: BundleReader,
  r: Results,
  top: 'attestations' | 'releases',
  records: readonly { readonly id: string; readonly files: readonly string[] }[],
): void {
  const folders = new Map<string, Set<string>>();
  for (const f of bundle.files) {
    if (!f.startsWith(`${top}/`)) continue;
    const m = /^[^/]+\/([^/]+)\/([^/]+)$/.exec(f);
    if (!m) {
      const what = top === 'attestations' ? 'an attestation' : 'a release';
      r.fail('evidence', f, 'ERR_EVIDENCE_FILE_EXTRA', `not inside ${what} folder`);
      continue;
    }
    const set = folders.get(m[1]!) ?? new Set<string>();
    set.add(m[2]!);
    folders.set(m[1]!, set);
  }
  for (const x of records) {
    const present = folders.get(x.id) ?? new Set<string>();
    const recorded = new Set(x.files);
    for (const f of recorded)
      if (!present.has(f))
        r.fail('evidence', `${top}/${x.id}/${f}`, 'ERR_EVIDENCE_FILE_MISSING', 'recorded in evidence.json but missing');
    for (const f of present)
      if (!recorded.has(f))
        r.fail('evidence', `${top}/${x.id}/${f}`, 'ERR_EVIDENCE_FILE_EXTRA', 'not recorded in evidence.json');
  }
  const ids = new Set(records.map((x) => x.id));
  for (const id of folders.keys())
    if (!ids.has(id))
      r.fail('evidence', `${top}/${id}`, 'ERR_EVIDENCE_FILE_EXTRA', 'a folder without a record in evidence.json');
}

/** The release records: unique ids, their folders (`releases/<id>` when they have files). */
function checkReleaseRecords(bundle: BundleReader, evidence: EvidenceDocument, r: Results): void {
  checkFolderFiles(bundle, r, 'releases', evidence.releases);
  const ids = new Set<string>();
  for (const x of evidence.releases) {
    const folder = releaseFolder(x);
    if (ids.has(x.id))
      r.fail('evidence', BUNDLE_FILES.evidence, 'ERR_EVIDENCE_RECORD_INVALID', `release ${x.id} is recorded twice`);
    ids.add(x.id);
    if (x.folder !== (x.files.length > 0 ? folder : null))
      r.fail(
        'evidence',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_RECORD_INVALID',
        `release ${x.id} names folder ${String(x.folder)} for ${x.files.length} files`,
      );
  }
}

/** "release 3 ("tls-key" to payments)": how a failure names a release. */
const nameRelease = (x: EvidenceReleaseRecord) => `release ${x.id} ("${x.release}" to ${x.guest})`;

/**
 * Each release against the attestations that gated it (issue 14), from the bundle's own files: every gating
 * attestation is in the bundle, of the release's guest, and recomputes to the outcome the release records; a
 * release that got past its gate (it records the CUID it was bound to only then) was gated by a `verified`
 * attestation of that very instance; a uv release's request is the recorded one (SHA-256), bound to that CUID,
 * and, when released, the checking attestation is `verified` and measured the store hash of exactly the recorded
 * requests (lock state included); a released channel secret went over the connection whose host key the gate
 * attested (user data = the recorded binding).
 */
async function checkReleases(
  bundle: BundleReader,
  evidence: EvidenceDocument,
  recomputed: ReadonlyMap<string, RecomputedFacts>,
  r: Results,
  checkDigest: ((name: string, actual: string) => void) | undefined,
): Promise<void> {
  let gated = 0;
  for (const x of evidence.releases) {
    const where = x.folder ?? BUNDLE_FILES.evidence;
    const gateFail = (detail: string) =>
      r.fail('release', where, 'ERR_EVIDENCE_RELEASE_GATE', `${nameRelease(x)}: ${detail}`);
    const mismatch = (detail: string) =>
      r.fail('release', where, 'ERR_EVIDENCE_RELEASE_MISMATCH', `${nameRelease(x)}: ${detail}`);
    const facts = new Map<'gate' | 'check', RecomputedFacts>();
    for (const g of x.gatingAttestations) {
      const f = recomputed.get(g.id);
      if (!f) {
        gateFail(`its ${g.role} attestation ${g.id} is not in the bundle`);
        continue;
      }
      if (f.guest !== x.guest) gateFail(`its ${g.role} attestation ${g.id} is of guest ${f.guest}`);
      if (f.outcome !== g.outcome)
        gateFail(
          `its ${g.role} attestation ${g.id} recomputes to ${f.outcome} from the bundle's files, the release records ${String(g.outcome)}`,
        );
      facts.set(g.role, f);
    }
    const gate = facts.get('gate');
    const passedGate = x.cuid !== null || x.status === 'released' || x.added;
    if (passedGate) {
      const gateId = x.gatingAttestations.find((g) => g.role === 'gate')?.id;
      if (gateId === undefined) gateFail('it went past its gate without a gating attestation');
      else if (gate && gate.outcome !== 'verified')
        gateFail(
          `it went past its gate, but its gate attestation ${gateId} recomputes to ${gate.outcome}, not verified`,
        );
      else if (gate && gate.cuid !== x.cuid)
        mismatch(
          `bound to CUID ${String(x.cuid)}, but its gate attestation ${gateId} attested CUID ${String(gate.cuid)}`,
        );
    }
    // the request (uv)
    let tag: Uint8Array | undefined;
    if (x.folder === releaseFolder(x) && x.files.includes(RELEASE_FILES.request)) {
      const name = `${x.folder}/${RELEASE_FILES.request}`;
      try {
        const bytes = await bundle.read(name, BUNDLE_READ_LIMITS.addSecretRequest);
        const sha = sha256Hex(bytes);
        checkDigest?.(name, sha);
        if (sha !== x.requestSha256)
          mismatch(`the request's SHA-256 is ${sha}, the release records ${String(x.requestSha256)}`);
        const layout = parseAddSecretRequest(new Uint8Array(bytes));
        tag = layout.tag;
        const cuid = Buffer.from(layout.cuid).toString('hex');
        if (cuid !== x.cuid) mismatch(`the request is bound to CUID ${cuid}, the release records ${String(x.cuid)}`);
        if (x.secretType !== null && layout.secretHeader && layout.secretHeader.type !== x.secretType)
          mismatch(`the request holds secret type ${layout.secretHeader.type}, the release records ${x.secretType}`);
        const id = layout.secretHeader?.id ? Buffer.from(layout.secretHeader.id).toString('hex') : null;
        if (x.secretId !== null && id !== x.secretId)
          mismatch(`the request holds secret ID ${String(id)}, the release records ${x.secretId}`);
      } catch (e) {
        if (e instanceof AttestError) r.fail('release', name, e.code, `${nameRelease(x)}: ${e.message}`);
        else r.failRead('release', name, e);
      }
    } else if (x.kind === 'uv' && (x.added || x.status === 'released'))
      mismatch('a uv release that reached the guest without its add-secret request in the bundle');
    if (x.status === 'released' && x.kind === 'uv') {
      const check = facts.get('check');
      const checkId = x.gatingAttestations.find((g) => g.role === 'check')?.id;
      if (checkId === undefined) gateFail('released without the attestation that checked the secret store');
      else if (check && check.outcome !== 'verified')
        gateFail(`its check attestation ${checkId} recomputes to ${check.outcome}, not verified`);
      else if (check && tag) {
        const tags = [...x.priorRequests.map((q) => new Uint8Array(Buffer.from(q.tag, 'hex'))), tag];
        const expected = Buffer.from(computeSecretStoreHash(tags, x.locked)).toString('hex');
        if (check.secretStoreHash !== expected)
          mismatch(
            `its check attestation ${checkId} measured secret-store hash ${String(check.secretStoreHash)}, not that of the ${tags.length} recorded request(s)${x.locked ? ', locked' : ''}`,
          );
      }
    }
    if (x.status === 'released' && x.kind === 'channel' && gate && gate.userData !== x.bindingSha256)
      mismatch(
        `sent over a connection with host key SHA-256 ${String(x.bindingSha256)}, but its gate attestation attested user data ${String(gate.userData)}`,
      );
    if (passedGate) gated++;
  }
  if (!r.failed('release'))
    r.pass(
      'release',
      `${evidence.releases.length} releases: every gating attestation in the bundle and recomputed as recorded; the ${gated} that went past their gate were gated by a verified attestation of their instance`,
    );
}

/** "3 verified, 1 policy violation" (zero counts left out). */
export function describeOutcomes(c: OutcomeCounts): string {
  const parts = (Object.keys(c) as (keyof OutcomeCounts)[])
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${OUTCOME_LABELS[k]}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

async function checkAudit(
  bundle: BundleReader,
  r: Results,
  summary: EvidenceAuditSummary,
  statement: Statement | undefined,
): Promise<void> {
  const audit = await readJsonFile<{ entries: EvidenceAuditEntry[] }>(
    bundle,
    r,
    'audit-chain',
    BUNDLE_FILES.auditLog,
    'audit-log',
    'audit-log.json',
  );
  if (!audit) return;
  for (const p of walkAuditChain(audit.entries))
    r.fail('audit-chain', BUNDLE_FILES.auditLog, 'ERR_EVIDENCE_AUDIT_CHAIN', `seq ${p.seq ?? '?'}: ${p.reason}`);
  const head = audit.entries.length > 0 ? audit.entries[audit.entries.length - 1]!.hash : null;
  const anchor = audit.entries.length > 0 ? audit.entries[0]!.prevHash : null;
  if (summary.entries !== audit.entries.length || summary.headHash !== head || summary.anchorPrevHash !== anchor)
    r.fail(
      'audit-chain',
      BUNDLE_FILES.auditLog,
      'ERR_EVIDENCE_AUDIT_CHAIN',
      'the entries, anchor or head hash differ from those recorded in evidence.json',
    );
  if (statement && (statement.predicate.auditHeadHash ?? null) !== head)
    r.fail(
      'audit-chain',
      BUNDLE_FILES.auditLog,
      'ERR_EVIDENCE_AUDIT_CHAIN',
      'the head hash differs from the one in the signed manifest',
    );
  if (!r.failed('audit-chain')) r.pass('audit-chain', `${audit.entries.length} entries re-walked, head ${head ?? '-'}`);
}

function finish(
  r: Results,
  attestations: number,
  files: number,
  outcomes: OutcomeCounts | null,
  signer: EvidenceBundleVerification['signer'],
): EvidenceBundleVerification {
  const results = r.list();
  const ok =
    results.length > 0 && results.every((x) => x.ok) && CHECK_ORDER.every((c) => results.some((x) => x.check === c));
  return { ok, results, attestations, files, outcomes, signer };
}

/** Checks one attestation; returns the outcome recomputed from its files. */
async function checkAttestation(
  bundle: BundleReader,
  a: EvidenceAttestationRecord,
  r: Results,
  checkChain: HkdChainChecker,
  hkdBytes: Map<string, ChainHkd>,
  checkDigest: ((name: string, actual: string) => void) | undefined,
  sizeAgrees: (name: string) => boolean,
): Promise<RecomputedFacts> {
  const folder = `attestations/${a.id}`;
  const file = (n: string) => `${folder}/${n}`;
  const get = async (n: string): Promise<Uint8Array | undefined> => {
    const name = file(n);
    if (!bundle.has(name)) return undefined;
    try {
      const bytes = await bundle.read(name, readLimitOf(name) ?? SMALL_FILE);
      checkDigest?.(name, sha256Hex(bytes));
      return new Uint8Array(bytes);
    } catch (e) {
      r.failRead('measurement', name, e);
      // still hashed, as a stream: a file that cannot be used is not thereby unchecked
      try {
        if (checkDigest && sizeAgrees(name)) {
          const h = createHash('sha256');
          for await (const chunk of await bundle.stream(name)) h.update(chunk as Buffer);
          checkDigest(name, h.digest('hex'));
        }
      } catch (e2) {
        r.failRead('digests', name, e2);
      }
      return undefined;
    }
  };
  const files = {
    request: await get(ATTESTATION_FILES.request),
    response: await get(ATTESTATION_FILES.response),
    arpk: await get(ATTESTATION_FILES.arpk),
    seHeader: await get(ATTESTATION_FILES.seHeader),
  };
  const { recomputed: re, verdict } = judgeBundleAttestation(files, {
    policy: a.policy,
    status: a.status,
    errorCode: a.errorCode,
    errorMessage: a.errorMessage,
    hkdSha256: a.hkdSha256,
  });
  const culprit = files.response
    ? ATTESTATION_FILES.response
    : files.request
      ? ATTESTATION_FILES.request
      : ATTESTATION_FILES.verification;
  const differs: string[] = [];
  if (re.verdict !== a.measurementResult)
    differs.push(`measurement ${re.verdict}${re.code ? ` (${re.code})` : ''}, recorded ${a.measurementResult}`);
  if (re.verdict === 'verified' || re.verdict === 'mismatch') {
    if (re.cuid !== a.cuid) differs.push('CUID');
    if (re.userData !== a.userData) differs.push('user data');
    if (re.measurement !== a.measurement) differs.push('measurement');
    if (re.imagePhkh !== a.imagePhkh || re.attestationPhkh !== a.attestationPhkh) differs.push('PHKHs');
    if (re.additionalData !== a.additionalData) differs.push('additional data');
  }
  if (differs.length > 0)
    r.fail(
      'measurement',
      file(culprit),
      'ERR_EVIDENCE_MEASUREMENT_MISMATCH',
      `recomputed from the folder: ${differs.join(', ')}`,
    );
  const recordedChecks = a.checks.map((c) => `${c.check}:${c.passed}:${c.expected}:${c.seen ?? ''}`).join('|');
  const recomputedChecks = verdict.checks.map((c) => `${c.check}:${c.passed}:${c.expected}:${c.seen ?? ''}`).join('|');
  if (verdict.outcome !== a.outcome || verdict.code !== a.outcomeCode || recordedChecks !== recomputedChecks) {
    const why = verdict.code ? ` (${verdict.code}: ${verdict.reason})` : ` (${verdict.reason})`;
    r.fail(
      'outcome',
      file(culprit),
      'ERR_EVIDENCE_OUTCOME_MISMATCH',
      verdict.outcome !== a.outcome
        ? `attestation ${a.id} (guest ${a.guest}): evidence.json records ${a.outcome}, the bundle's files and recorded policy recompute to ${verdict.outcome}${why}`
        : `attestation ${a.id} (guest ${a.guest}): the recorded ${a.outcome} has other policy checks or code than recomputed${why}`,
    );
  }
  const vj = await readJsonFile<{ attestation: { id: string; outcome: string } }>(
    bundle,
    r,
    'measurement',
    file(ATTESTATION_FILES.verification),
    'verification',
    'verification.json',
    (bytes) => checkDigest?.(file(ATTESTATION_FILES.verification), sha256Hex(bytes)),
  );
  if (vj && (vj.attestation.id !== a.id || vj.attestation.outcome !== a.outcome))
    r.fail(
      'measurement',
      file(ATTESTATION_FILES.verification),
      'ERR_EVIDENCE_RECORD_INVALID',
      'verification.json does not match the evidence.json record',
    );

  const hkds: ChainHkd[] = [];
  for (const sha of a.hkdSha256) {
    const h = hkdBytes.get(sha);
    if (!h) {
      r.fail(
        'hkd-chain',
        `trust/hkds/${sha}.crt`,
        'ERR_EVIDENCE_FILE_MISSING',
        `HKD used by ${folder} is not in the bundle`,
      );
      return factsOf(a, re, verdict.outcome);
    }
    hkds.push(h);
  }
  const chain = await checkChain(hkds, new Date(a.startedAt));
  if (chain.verdict !== a.hkdChain.verdict || (chain.code ?? null) !== (a.hkdChain.code ?? null)) {
    const culpritHkd = hkds.find((h) => chain.reason?.startsWith(`${h.name}:`))?.name ?? hkds[0]?.name ?? folder;
    r.fail(
      'hkd-chain',
      culpritHkd,
      'ERR_EVIDENCE_HKD_CHAIN',
      `for ${folder} at ${a.startedAt}: re-verified ${chain.verdict}${chain.code ? ` (${chain.code}: ${chain.reason ?? ''})` : ''}, recorded ${a.hkdChain.verdict}`,
    );
  }
  return factsOf(a, re, verdict.outcome);
}

/** What the release check needs of an attestation, as recomputed from its folder. */
interface RecomputedFacts {
  readonly guest: string;
  readonly outcome: Outcome;
  readonly cuid: string | null;
  readonly userData: string | null;
  readonly secretStoreHash: string | null;
}

function factsOf(
  a: EvidenceAttestationRecord,
  re: { cuid: string | null; userData: string | null; secretStoreHash: string | null },
  outcome: Outcome,
): RecomputedFacts {
  return { guest: a.guest, outcome, cuid: re.cuid, userData: re.userData, secretStoreHash: re.secretStoreHash };
}
