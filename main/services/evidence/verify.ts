/**
 * Offline re-verification of an evidence bundle (directory or zip): envelope signature (bundled key, and the
 * trusted key when given), key fingerprint agreement, no missing or extra files, every file's SHA-256, the
 * evidence.json records against the folders, each attestation's measurement recomputed from its own files,
 * each HKD chain re-verified at the attestation's time with the bundled CRLs, and the audit chain.
 * Never throws for a bad bundle: every problem is a failed result naming the file and the check.
 */
import { createHash, type KeyObject } from 'node:crypto';
import {
  ATTESTATION_FILES,
  BUNDLE_FILES,
  EVIDENCE_PREDICATE_TYPE,
  EVIDENCE_SCHEMA_VERSION,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  type EvidenceAttestationRecord,
  type EvidenceAuditEntry,
  type EvidenceBundleVerification,
  type EvidenceCheckName,
  type EvidenceCheckResult,
  type EvidenceDocument,
} from '../../../shared/types/evidence.js';
import type { ErrorCode } from '../../../shared/errors/index.js';
import { walkAuditChain } from './audit-chain.js';
import { verifyDsseEnvelope, type DsseEnvelope } from './dsse.js';
import { createHkdChainChecker, type ChainHkd, type ChainMaterial, type HkdChainChecker } from './hkd-chain.js';
import { recomputeAttestation } from './recompute.js';
import { fingerprintPublicKey, parseEd25519PublicKey } from './signing-key.js';
import { openBundle, type BundleReader } from './zip.js';

/** Options of `verifyEvidenceBundle`. */
export interface VerifyEvidenceBundleParams {
  /** The key the bundle must be signed with (Ed25519 public key or its PEM). */
  readonly trustedKey?: KeyObject | string | Uint8Array;
  /** Replaces the built-in chain re-check (pki layer) for the bundled material. */
  readonly createChainChecker?: (material: ChainMaterial) => HkdChainChecker;
  /** At most this many failure lines per check (default 50); the summary line counts them all. */
  readonly maxFailuresPerCheck?: number;
}

const CHECK_ORDER: EvidenceCheckName[] = [
  'bundle',
  'manifest',
  'signature',
  'key-fingerprint',
  'files',
  'digests',
  'evidence',
  'measurement',
  'hkd-chain',
  'audit-chain',
];

interface Statement {
  _type: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: { workstationKeyFingerprint?: string; auditHeadHash?: string | null; attestations?: number };
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

async function digestOf(bundle: BundleReader, name: string, large: boolean): Promise<string> {
  if (!large)
    return createHash('sha256')
      .update(await bundle.read(name))
      .digest('hex');
  const h = createHash('sha256');
  for await (const chunk of await bundle.stream(name)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function parseJson<T>(bytes: Buffer): T | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Re-verifies a bundle; `ok` only when every check passed. */
export async function verifyEvidenceBundle(
  path: string,
  params: VerifyEvidenceBundleParams = {},
): Promise<EvidenceBundleVerification> {
  const r = new Results(params.maxFailuresPerCheck ?? 50);
  let bundle: BundleReader;
  try {
    bundle = await openBundle(path);
  } catch (e) {
    r.fail('bundle', path, 'ERR_EVIDENCE_BUNDLE_UNREADABLE', (e as Error).message);
    return { ok: false, results: r.list(), attestations: 0, files: 0 };
  }
  try {
    return await verifyOpened(bundle, params, r);
  } finally {
    await bundle.close();
  }
}

async function verifyOpened(
  bundle: BundleReader,
  params: VerifyEvidenceBundleParams,
  r: Results,
): Promise<EvidenceBundleVerification> {
  r.pass('bundle', `${bundle.files.length} files`);
  const readIf = async (name: string): Promise<Buffer | undefined> =>
    bundle.has(name) ? bundle.read(name) : undefined;

  // manifest
  let envelope: DsseEnvelope | undefined;
  let statement: Statement | undefined;
  const manifestBytes = await readIf(BUNDLE_FILES.manifest);
  if (!manifestBytes)
    r.fail('manifest', BUNDLE_FILES.manifest, 'ERR_EVIDENCE_FILE_MISSING', 'the signed manifest is missing');
  else {
    envelope = parseJson<DsseEnvelope>(manifestBytes);
    if (
      !envelope ||
      typeof envelope.payload !== 'string' ||
      !Array.isArray(envelope.signatures) ||
      envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE
    ) {
      r.fail(
        'manifest',
        BUNDLE_FILES.manifest,
        'ERR_EVIDENCE_MANIFEST_INVALID',
        `not a DSSE envelope with payloadType ${IN_TOTO_PAYLOAD_TYPE}`,
      );
      envelope = undefined;
    } else {
      statement = parseJson<Statement>(Buffer.from(envelope.payload, 'base64'));
      const validSubjects =
        Array.isArray(statement?.subject) &&
        statement.subject.every(
          (s) =>
            typeof s?.name === 'string' &&
            typeof s.digest?.sha256 === 'string' &&
            /^[0-9a-f]{64}$/.test(s.digest.sha256),
        );
      if (
        !statement ||
        statement._type !== IN_TOTO_STATEMENT_TYPE ||
        statement.predicateType !== EVIDENCE_PREDICATE_TYPE ||
        !validSubjects
      ) {
        r.fail(
          'manifest',
          BUNDLE_FILES.manifest,
          'ERR_EVIDENCE_MANIFEST_INVALID',
          'the payload is not an in-toto Statement v1 of an evidence bundle',
        );
        statement = undefined;
      } else r.pass('manifest', `in-toto Statement v1, ${statement.subject.length} subjects`);
    }
  }

  // signature
  let bundledKey: KeyObject | undefined;
  const keyBytes = await readIf(BUNDLE_FILES.publicKey);
  if (!keyBytes)
    r.fail('signature', BUNDLE_FILES.publicKey, 'ERR_EVIDENCE_FILE_MISSING', 'the workstation public key is missing');
  else {
    try {
      bundledKey = parseEd25519PublicKey(keyBytes, BUNDLE_FILES.publicKey);
    } catch (e) {
      r.fail('signature', BUNDLE_FILES.publicKey, 'ERR_EVIDENCE_KEY_FILE', (e as Error).message);
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
        `DSSE Ed25519 signature valid (${fingerprintPublicKey(bundledKey)}${trusted ? ', the trusted key' : ''})`,
      );
  }

  // evidence.json (parsed early: the fingerprint check needs it)
  let evidence: EvidenceDocument | undefined;
  const evidenceBytes = await readIf(BUNDLE_FILES.evidence);
  if (!evidenceBytes)
    r.fail('evidence', BUNDLE_FILES.evidence, 'ERR_EVIDENCE_FILE_MISSING', 'evidence.json is missing');
  else {
    evidence = parseJson<EvidenceDocument>(evidenceBytes);
    if (
      !evidence ||
      evidence.schemaVersion !== EVIDENCE_SCHEMA_VERSION ||
      !Array.isArray(evidence.attestations) ||
      !Array.isArray(evidence.trust)
    ) {
      r.fail(
        'evidence',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_RECORD_INVALID',
        `not an evidence document of schema ${EVIDENCE_SCHEMA_VERSION}`,
      );
      evidence = undefined;
    }
  }

  // key fingerprint agreement
  if (bundledKey) {
    const fp = fingerprintPublicKey(bundledKey);
    const recorded = evidence?.workstationKey?.fingerprint;
    if (recorded !== undefined && recorded !== fp)
      r.fail(
        'key-fingerprint',
        BUNDLE_FILES.evidence,
        'ERR_EVIDENCE_KEY_MISMATCH',
        `evidence.json records key ${recorded}, the bundle carries ${fp}`,
      );
    if (statement && statement.predicate?.workstationKeyFingerprint !== fp)
      r.fail(
        'key-fingerprint',
        BUNDLE_FILES.manifest,
        'ERR_EVIDENCE_KEY_MISMATCH',
        `the manifest names key ${String(statement.predicate?.workstationKeyFingerprint)}, the bundle carries ${fp}`,
      );
    const pdf = await readIf(BUNDLE_FILES.report);
    if (pdf) {
      // the cover's fingerprint is also in the PDF's Info dictionary (Subject), which is never compressed
      const m = /\(workstation key (SHA256:[A-Za-z0-9+/]{43})\)/.exec(pdf.toString('latin1'));
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
    for (const name of listed.keys())
      if (!bundle.has(name))
        r.fail('files', name, 'ERR_EVIDENCE_FILE_MISSING', 'listed in the manifest but missing from the bundle');
    for (const name of bundle.files)
      if (name !== BUNDLE_FILES.manifest && !listed.has(name))
        r.fail('files', name, 'ERR_EVIDENCE_FILE_EXTRA', 'in the bundle but not in the signed manifest');
    for (const name of bundle.odd)
      r.fail('files', name, 'ERR_EVIDENCE_FILE_EXTRA', 'not a regular file or an unsafe name');
    if (!r.failed('files')) r.pass('files', `${listed.size} files listed, none missing, none extra`);
    // Files of attestation folders are hashed by the per-attestation check, which reads them anyway.
    if (evidence)
      for (const a of evidence.attestations) for (const f of a.files ?? []) claimed.add(`attestations/${a.id}/${f}`);
    await forEachLimit(
      [...listed].filter(([name]) => bundle.has(name) && !claimed.has(name)),
      CONCURRENCY,
      async ([name]) => {
        const actual = await digestOf(bundle, name, name === BUNDLE_FILES.report || name === BUNDLE_FILES.evidence);
        checkDigest(name, actual);
      },
    );
  }

  if (!evidence) return finish(r, 0, bundle.files.length);

  // evidence records against the bundle's folders
  const folders = new Map<string, Set<string>>();
  for (const f of bundle.files) {
    const m = /^attestations\/([^/]+)\/([^/]+)$/.exec(f);
    if (m) {
      const set = folders.get(m[1]!) ?? new Set<string>();
      set.add(m[2]!);
      folders.set(m[1]!, set);
    } else if (f.startsWith('attestations/'))
      r.fail('evidence', f, 'ERR_EVIDENCE_FILE_EXTRA', 'not inside an attestation folder');
  }
  const ids = new Set<string>();
  for (const a of evidence.attestations) {
    const folder = `attestations/${a.id}`;
    if (ids.has(a.id))
      r.fail('evidence', BUNDLE_FILES.evidence, 'ERR_EVIDENCE_RECORD_INVALID', `attestation ${a.id} is recorded twice`);
    ids.add(a.id);
    const present = folders.get(a.id) ?? new Set<string>();
    const recorded = new Set(a.files ?? []);
    for (const f of recorded)
      if (!present.has(f))
        r.fail('evidence', `${folder}/${f}`, 'ERR_EVIDENCE_FILE_MISSING', 'recorded in evidence.json but missing');
    for (const f of present)
      if (!recorded.has(f))
        r.fail('evidence', `${folder}/${f}`, 'ERR_EVIDENCE_FILE_EXTRA', 'not recorded in evidence.json');
  }
  for (const id of folders.keys())
    if (!ids.has(id))
      r.fail('evidence', `attestations/${id}`, 'ERR_EVIDENCE_FILE_EXTRA', 'a folder without a record in evidence.json');
  for (const t of evidence.trust)
    if (!bundle.has(t.path))
      r.fail('evidence', t.path, 'ERR_EVIDENCE_FILE_MISSING', 'trust item recorded in evidence.json but missing');
  const verifiedCount = evidence.attestations.filter((a) => a.verdict === 'verified').length;
  if (evidence.totals?.attestations !== evidence.attestations.length || evidence.totals?.verified !== verifiedCount)
    r.fail(
      'evidence',
      BUNDLE_FILES.evidence,
      'ERR_EVIDENCE_RECORD_INVALID',
      'the totals do not match the attestation records',
    );
  if (statement && statement.predicate?.attestations !== evidence.attestations.length)
    r.fail(
      'evidence',
      BUNDLE_FILES.manifest,
      'ERR_EVIDENCE_RECORD_INVALID',
      'the manifest predicate counts a different number of attestations',
    );
  if (!r.failed('evidence'))
    r.pass(
      'evidence',
      `evidence.json (schema ${evidence.schemaVersion}): ${evidence.attestations.length} attestations, ${evidence.guests.length} guests`,
    );

  // trust material for the chain re-check
  const material: { certificates: ChainHkd[]; roots: ChainHkd[]; crls: ChainHkd[] } = {
    certificates: [],
    roots: [],
    crls: [],
  };
  const hkdBytes = new Map<string, ChainHkd>();
  for (const t of evidence.trust) {
    if (!bundle.has(t.path)) continue;
    const item = { name: t.path, bytes: new Uint8Array(await bundle.read(t.path)), sha256: t.sha256 };
    if (t.role === 'hkd') hkdBytes.set(t.sha256, item);
    else
      (t.role === 'certificate' ? material.certificates : t.role === 'root' ? material.roots : material.crls).push(
        item,
      );
  }
  const checkChain = (params.createChainChecker ?? createHkdChainChecker)(material);

  // measurement and HKD chain per attestation
  let measured = 0;
  let chains = 0;
  await forEachLimit(evidence.attestations, CONCURRENCY, async (a) => {
    await checkAttestation(bundle, a, r, checkChain, hkdBytes, statement ? checkDigest : undefined);
    if (a.verdict === 'verified') measured++;
    if (a.hkdChain?.verdict !== 'not-checked') chains++;
  });
  if (!r.failed('measurement'))
    r.pass(
      'measurement',
      `${evidence.attestations.length} attestations recomputed from their files (${measured} verified), each as recorded`,
    );
  if (statement && !r.failed('digests')) r.pass('digests', `${digestsChecked} SHA-256 digests match the manifest`);
  if (!r.failed('hkd-chain'))
    r.pass(
      'hkd-chain',
      `${chains} HKD chains re-verified at their attestation times with the bundled CRLs, each as recorded`,
    );

  // audit chain
  const auditBytes = await readIf(BUNDLE_FILES.auditLog);
  const audit = auditBytes ? parseJson<{ entries: EvidenceAuditEntry[] }>(auditBytes) : undefined;
  if (!audit || !Array.isArray(audit.entries))
    r.fail('audit-chain', BUNDLE_FILES.auditLog, 'ERR_EVIDENCE_AUDIT_CHAIN', 'audit-log.json is missing or unreadable');
  else {
    for (const p of walkAuditChain(audit.entries))
      r.fail('audit-chain', BUNDLE_FILES.auditLog, 'ERR_EVIDENCE_AUDIT_CHAIN', `seq ${p.seq ?? '?'}: ${p.reason}`);
    const head = audit.entries.length > 0 ? audit.entries[audit.entries.length - 1]!.hash : null;
    const anchor = audit.entries.length > 0 ? audit.entries[0]!.prevHash : null;
    if (
      evidence.audit?.entries !== audit.entries.length ||
      evidence.audit?.headHash !== head ||
      evidence.audit?.anchorPrevHash !== anchor
    )
      r.fail(
        'audit-chain',
        BUNDLE_FILES.auditLog,
        'ERR_EVIDENCE_AUDIT_CHAIN',
        'the entries, anchor or head hash differ from those recorded in evidence.json',
      );
    if (statement && (statement.predicate?.auditHeadHash ?? null) !== head)
      r.fail(
        'audit-chain',
        BUNDLE_FILES.auditLog,
        'ERR_EVIDENCE_AUDIT_CHAIN',
        'the head hash differs from the one in the signed manifest',
      );
    if (!r.failed('audit-chain'))
      r.pass('audit-chain', `${audit.entries.length} entries re-walked, head ${head ?? '-'}`);
  }
  return finish(r, evidence.attestations.length, bundle.files.length);
}

function finish(r: Results, attestations: number, files: number): EvidenceBundleVerification {
  const results = r.list();
  const ok =
    results.length > 0 && results.every((x) => x.ok) && CHECK_ORDER.every((c) => results.some((x) => x.check === c));
  return { ok, results, attestations, files };
}

async function checkAttestation(
  bundle: BundleReader,
  a: EvidenceAttestationRecord,
  r: Results,
  checkChain: HkdChainChecker,
  hkdBytes: Map<string, ChainHkd>,
  checkDigest: ((name: string, actual: string) => void) | undefined,
): Promise<void> {
  const folder = `attestations/${a.id}`;
  const file = (n: string) => `${folder}/${n}`;
  const get = async (n: string) => {
    if (!bundle.has(file(n))) return undefined;
    const bytes = await bundle.read(file(n));
    checkDigest?.(file(n), createHash('sha256').update(bytes).digest('hex'));
    return new Uint8Array(bytes);
  };
  for (const extra of a.files ?? []) {
    if (!(Object.values(ATTESTATION_FILES) as string[]).includes(extra)) await get(extra); // hashed only
  }
  const files = {
    request: await get(ATTESTATION_FILES.request),
    response: await get(ATTESTATION_FILES.response),
    arpk: await get(ATTESTATION_FILES.arpk),
    seHeader: await get(ATTESTATION_FILES.seHeader),
  };
  const re = recomputeAttestation(files);
  const differs: string[] = [];
  if (re.verdict !== a.verdict)
    differs.push(`verdict ${re.verdict}${re.code ? ` (${re.code})` : ''}, recorded ${a.verdict}`);
  if (re.verdict === 'verified' || re.verdict === 'mismatch') {
    if (re.cuid !== a.cuid) differs.push('CUID');
    if (re.userData !== a.userData) differs.push('user data');
    if (re.measurement !== a.measurement) differs.push('measurement');
    if (re.imagePhkh !== a.imagePhkh || re.attestationPhkh !== a.attestationPhkh) differs.push('PHKHs');
  }
  if (differs.length > 0) {
    const culprit = files.response
      ? ATTESTATION_FILES.response
      : files.request
        ? ATTESTATION_FILES.request
        : ATTESTATION_FILES.verification;
    r.fail(
      'measurement',
      file(culprit),
      'ERR_EVIDENCE_MEASUREMENT_MISMATCH',
      `recomputed from the folder: ${differs.join(', ')}`,
    );
  }
  const vj = await get(ATTESTATION_FILES.verification);
  const parsed = vj ? parseJson<{ attestation?: { id?: string; verdict?: string } }>(Buffer.from(vj)) : undefined;
  if (!parsed || parsed.attestation?.id !== a.id || parsed.attestation?.verdict !== a.verdict)
    r.fail(
      'measurement',
      file(ATTESTATION_FILES.verification),
      'ERR_EVIDENCE_RECORD_INVALID',
      'verification.json does not match the evidence.json record',
    );

  const hkds: ChainHkd[] = [];
  for (const sha of a.hkdSha256 ?? []) {
    const h = hkdBytes.get(sha);
    if (!h) {
      r.fail(
        'hkd-chain',
        `trust/hkds/${sha}.crt`,
        'ERR_EVIDENCE_FILE_MISSING',
        `HKD used by ${folder} is not in the bundle`,
      );
      return;
    }
    hkds.push(h);
  }
  const chain = await checkChain(hkds, new Date(a.startedAt));
  if (chain.verdict !== a.hkdChain?.verdict || (chain.code ?? null) !== (a.hkdChain?.code ?? null)) {
    const culprit = hkds.find((h) => chain.reason?.startsWith(`${h.name}:`))?.name ?? hkds[0]?.name ?? folder;
    r.fail(
      'hkd-chain',
      culprit,
      'ERR_EVIDENCE_HKD_CHAIN',
      `for ${folder} at ${a.startedAt}: re-verified ${chain.verdict}${chain.code ? ` (${chain.code}: ${chain.reason ?? ''})` : ''}, recorded ${a.hkdChain?.verdict ?? '-'}`,
    );
  }
}
