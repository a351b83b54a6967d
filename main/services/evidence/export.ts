/**
 * Use case: export the annual evidence bundle (issue 7). Streams everything: attestations are read from the
 * EvidenceSource one at a time, their folders written, and a compact record appended to a scratch NDJSON file
 * that later feeds evidence.json and the PDF. Only per-guest counters, the trust material and the list of
 * (file, SHA-256) subjects stay in memory.
 *
 * Bundle layout (bundle-relative paths):
 *   report.pdf, evidence.json, evidence.schema.json, audit-log.json, workstation-key.pub.pem,
 *   attestations/<id>/{request.bin,response.bin,arpk.key(0600),se-header.bin,verification.json},
 *   releases/<id>/add-secret-request.bin (a uv release's request: encrypted for its host, never a clear value),
 *   trust/{hkds,certificates,roots,crls}/<sha256>.<ext>,
 *   manifest.intoto.json (DSSE envelope over an in-toto Statement listing every other file).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { AttestError } from '../../../shared/errors/index.js';
import { sha256Hex } from '../../engine/crypto/primitives.js';
import {
  emptyOutcomeCounts,
  isVerifiedOutcome,
  type Outcome,
  type OutcomeCounts,
  type Verdict,
} from '../../../shared/types/verdict.js';
import {
  ATTESTATION_FILES,
  BUNDLE_FILES,
  EVIDENCE_PREDICATE_TYPE,
  EVIDENCE_SCHEMA_VERSION,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  RELEASE_FILES,
  type EvidenceAttestationRecord,
  type EvidenceAuditSummary,
  type EvidenceDocument,
  type EvidenceGuestSummary,
  type EvidenceReleaseRecord,
  type EvidenceTrustRecord,
} from '../../../shared/types/evidence.js';
import { signDsseEnvelope } from './dsse.js';
import {
  certificateNames,
  createHkdChainChecker,
  type ChainHkd,
  type ChainMaterial,
  type HkdChainChecker,
  type HkdChainResult,
} from './hkd-chain.js';
import { judgeBundleAttestation, type RecomputedAttestation } from './recompute.js';
import { writeReportPdf } from './report-pdf.js';
import { EVIDENCE_JSON_SCHEMA } from './schema.js';
import { loadOrCreateWorkstationKey, type WorkstationKey } from './signing-key.js';
import type { EvidenceAttestation, EvidenceRelease, EvidenceSource, EvidenceTrustRole } from './source.js';
import { createDirectorySink, createZipSink, type BundleSink } from './bundle-sink.js';

/** Inputs of `exportEvidenceBundle`. */
export interface ExportEvidenceParams {
  readonly source: EvidenceSource;
  /** Period: from inclusive, to exclusive. */
  readonly from: Date;
  readonly to: Date;
  readonly guestNames?: readonly string[];
  /** Bundle directory (must not exist or be empty); with `zip`, the zip file path instead. */
  readonly out: string;
  readonly zip?: boolean;
  /** Where the workstation's Ed25519 key lives (created on first use). Ignored when `key` is given. */
  readonly keyDir?: string;
  readonly key?: WorkstationKey;
  readonly organisation: string;
  readonly now?: () => Date;
  /** Replaces the built-in HKD chain re-check (pki layer, offline, at each attestation's start time). */
  readonly chainChecker?: HkdChainChecker;
  readonly gapWarningSeconds?: number;
}

/** What an export produced. */
export interface EvidenceExportResult {
  /** The bundle directory, or the zip file. */
  readonly path: string;
  readonly guests: number;
  readonly attestations: number;
  /** Attestations per outcome (only `verified` counts as verified). */
  readonly outcomes: OutcomeCounts;
  readonly files: number;
  readonly fingerprint: string;
  readonly auditHeadHash: string | null;
}

/** One in-toto subject; `annotations.size` is the file's byte length (the verifier reads no more). */
interface Subject {
  name: string;
  digest: { sha256: string };
  annotations: { size: number };
}

const ROLE_DIR: Record<EvidenceTrustRole | 'hkd', string> = {
  hkd: 'hkds',
  certificate: 'certificates',
  root: 'roots',
  crl: 'crls',
};
const ROLE_EXT: Record<EvidenceTrustRole | 'hkd', string> = { hkd: 'crt', certificate: 'crt', root: 'crt', crl: 'crl' };

/** A folder-safe attestation (or release) id; throws ERR_EVIDENCE_SOURCE for ids that are not. */
export function safeAttestationId(id: string | number, what: 'attestation' | 'release' = 'attestation'): string {
  const s = String(id);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(s) || s === '.' || s === '..')
    throw new AttestError('ERR_EVIDENCE_SOURCE', `${what} id '${s}' cannot name a folder`);
  return s;
}

/** SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  return (await describeFile(path)).sha256;
}

/** SHA-256 and byte length of a file, streamed. */
async function describeFile(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** The subject of a file produced at `path`. */
async function fileSubject(name: string, path: string): Promise<Subject> {
  const { sha256, size } = await describeFile(path);
  return { name, digest: { sha256 }, annotations: { size } };
}

async function writeChunk(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

async function* readNdjson<T>(path: string): AsyncGenerator<T> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) if (line.length > 0) yield JSON.parse(line) as T;
}

async function prepareOutDir(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0)
      throw new AttestError('ERR_EVIDENCE_OUTPUT_EXISTS', `${dir} exists and is not empty`, { path: dir });
  } catch (e) {
    if (e instanceof AttestError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new AttestError('ERR_EVIDENCE_OUTPUT_EXISTS', `${dir} is not a usable directory`, { path: dir });
  }
  await mkdir(dir, { recursive: true });
}

/** Per-guest counters while streaming. */
interface GuestStats {
  createdAt: string | null;
  attestations: number;
  outcomes: OutcomeCounts;
  /** Where gaps are counted from: the later of the period start and the guest's creation. */
  gapStartMs: number;
  lastVerifiedMs: number | null;
  gap: { secs: number; from: number; to: number };
  hkds: Set<string>;
}

function newGuestStats(periodFrom: number, createdAt: string | null | undefined): GuestStats {
  const created = createdAt ? Date.parse(createdAt) : Number.NaN;
  const start = Number.isNaN(created) ? periodFrom : Math.max(periodFrom, created);
  return {
    createdAt: createdAt && !Number.isNaN(created) ? new Date(created).toISOString() : null,
    attestations: 0,
    outcomes: emptyOutcomeCounts(),
    gapStartMs: start,
    lastVerifiedMs: null,
    gap: { secs: 0, from: start, to: start },
    hkds: new Set(),
  };
}

/** Trust-record names of a certificate (HKD, signing key, CA); nulls for CRLs and unreadable bytes. */
function trustNames(
  bytes: Uint8Array,
  role: EvidenceTrustRecord['role'],
  subject?: string | null,
  issuer?: string | null,
) {
  const names = role === 'crl' ? null : certificateNames(bytes);
  return {
    subject: subject ?? names?.subject ?? null,
    issuer: issuer ?? names?.issuer ?? null,
    subjectCn: names?.subjectCn ?? null,
    subjectOu: names?.subjectOu ?? null,
    serial: names?.serial ?? null,
  };
}

/** Exports an evidence bundle; see the module summary. */
export async function exportEvidenceBundle(p: ExportEvidenceParams): Promise<EvidenceExportResult> {
  const now = p.now ?? (() => new Date());
  if (Number.isNaN(p.from.getTime()) || Number.isNaN(p.to.getTime()) || p.from.getTime() >= p.to.getTime()) {
    throw new AttestError('ERR_EVIDENCE_PERIOD_INVALID', 'the period must have from < to');
  }
  const generatedAt = now();
  const key = p.key ?? (p.keyDir !== undefined ? loadOrCreateWorkstationKey(p.keyDir) : undefined);
  if (!key) throw new AttestError('ERR_EVIDENCE_KEY_FILE', 'no evidence signing key or key directory given');

  const zipPath = p.zip ? (p.out.endsWith('.zip') ? p.out : `${p.out}.zip`) : undefined;
  const scratch = await mkdtemp(join(tmpdir(), 'se-evidence-'));
  let sink: BundleSink | undefined;
  try {
    if (zipPath) {
      try {
        sink = createZipSink(zipPath, scratch);
      } catch {
        throw new AttestError('ERR_EVIDENCE_OUTPUT_EXISTS', `${zipPath} cannot be created (does it exist?)`, {
          path: zipPath,
        });
      }
    } else {
      await prepareOutDir(p.out);
      sink = createDirectorySink(p.out);
    }
    const out = sink;
    const subjects: Subject[] = [];
    const put = (rel: string, bytes: Uint8Array | string, mode = 0o644): void => {
      out.put(rel, bytes, mode);
      const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
      subjects.push({ name: rel, digest: { sha256: sha256Hex(bytes) }, annotations: { size } });
    };

    // Guests
    const known = new Map<string, string | null>();
    for await (const g of p.source.listGuests()) known.set(g.name, g.createdAt ?? null);
    const filter = p.guestNames && p.guestNames.length > 0 ? [...new Set(p.guestNames)] : null;
    if (filter) {
      const unknown = filter.filter((n) => !known.has(n));
      if (unknown.length > 0)
        throw new AttestError('ERR_EVIDENCE_SOURCE', `unknown guest(s): ${unknown.join(', ')}`, { guests: unknown });
    }
    const guestNames = (filter ?? [...known.keys()]).sort();
    const stats = new Map<string, GuestStats>();
    const periodFrom = p.from.getTime();
    for (const n of guestNames) stats.set(n, newGuestStats(periodFrom, known.get(n)));

    // Trust material (certificates, anchors, CRLs): small, kept for the chain re-check.
    const trust: EvidenceTrustRecord[] = [];
    const material: { certificates: ChainHkd[]; roots: ChainHkd[]; crls: ChainHkd[] } = {
      certificates: [],
      roots: [],
      crls: [],
    };
    const seenTrust = new Set<string>();
    for await (const t of p.source.listTrustMaterial()) {
      const sha = sha256Hex(t.bytes);
      if (seenTrust.has(sha)) continue;
      seenTrust.add(sha);
      const rel = `trust/${ROLE_DIR[t.role]}/${sha}.${ROLE_EXT[t.role]}`;
      put(rel, t.bytes);
      trust.push({ path: rel, sha256: sha, role: t.role, ...trustNames(t.bytes, t.role, t.subject, t.issuer) });
      const nb = { name: rel, bytes: t.bytes, sha256: sha };
      (t.role === 'certificate' ? material.certificates : t.role === 'root' ? material.roots : material.crls).push(nb);
    }
    const checkChain = p.chainChecker ?? createHkdChainChecker(material as ChainMaterial);

    // Attestations
    const recordsPath = join(scratch, 'records.ndjson');
    const records = createWriteStream(recordsPath);
    const ids = new Set<string>();
    /** Outcome per exported attestation id (the releases name the ones that gated them). */
    const outcomeOf = new Map<string, Outcome>();
    let total = 0;
    for await (const a of p.source.listAttestations({
      from: p.from,
      to: p.to,
      ...(filter ? { guestNames: filter } : {}),
    })) {
      const id = safeAttestationId(a.id);
      if (ids.has(id)) throw new AttestError('ERR_EVIDENCE_SOURCE', `attestation id ${id} appears twice`);
      ids.add(id);
      let st = stats.get(a.guestName);
      if (!st) {
        if (filter) continue; // a guest outside the filter
        // attestations of a guest that was removed since: still evidence of the period
        st = newGuestStats(periodFrom, null);
        stats.set(a.guestName, st);
        guestNames.push(a.guestName);
      }
      const record = await writeAttestation(id, a, put, checkChain, trust);
      outcomeOf.set(id, record.outcome);
      await writeChunk(records, `${JSON.stringify(record)}\n`);
      await out.drain();
      if (++total % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      st.attestations++;
      st.outcomes[record.outcome]++;
      for (const h of record.hkdSha256) st.hkds.add(h);
      if (isVerifiedOutcome(record.outcome)) {
        const t = Math.max(Date.parse(record.startedAt), st.gapStartMs);
        const last = st.lastVerifiedMs ?? st.gapStartMs;
        if ((t - last) / 1000 > st.gap.secs) st.gap = { secs: (t - last) / 1000, from: last, to: t };
        st.lastVerifiedMs = Math.max(t, last);
      }
    }
    await closeStream(records);

    // Secret releases (few): each with the outcomes of its gating attestations as exported above
    const releases: EvidenceReleaseRecord[] = [];
    const releaseIds = new Set<string>();
    for await (const rel of p.source.listReleases?.({
      from: p.from,
      to: p.to,
      ...(filter ? { guestNames: filter } : {}),
    }) ?? []) {
      const record = writeRelease(rel, put, outcomeOf);
      if (releaseIds.has(record.id))
        throw new AttestError('ERR_EVIDENCE_SOURCE', `release id ${record.id} appears twice`);
      releaseIds.add(record.id);
      releases.push(record);
    }
    releases.sort(
      (x, y) => x.startedAt.localeCompare(y.startedAt) || x.id.localeCompare(y.id, 'en', { numeric: true }),
    );
    const periodEnd = Math.min(p.to.getTime(), generatedAt.getTime());
    guestNames.sort();
    const guests: EvidenceGuestSummary[] = guestNames.map((name) => {
      const st = stats.get(name)!;
      const last = st.lastVerifiedMs ?? st.gapStartMs;
      if ((periodEnd - last) / 1000 > st.gap.secs)
        st.gap = { secs: (periodEnd - last) / 1000, from: last, to: periodEnd };
      return {
        name,
        createdAt: st.createdAt,
        attestations: st.attestations,
        outcomes: st.outcomes,
        longestGapSeconds: Math.max(0, st.gap.secs),
        longestGapFrom: new Date(st.gap.from).toISOString(),
        longestGapTo: new Date(st.gap.to).toISOString(),
        hkdSha256: [...st.hkds].sort(),
      };
    });

    const outcomes = sumOutcomes(guests.map((g) => g.outcomes));
    // Audit log
    const audit = await writeAuditLog(out, p, subjects);

    const document: Omit<EvidenceDocument, 'attestations'> = {
      schemaVersion: EVIDENCE_SCHEMA_VERSION,
      organisation: p.organisation,
      period: { from: p.from.toISOString(), to: p.to.toISOString() },
      generatedAt: generatedAt.toISOString(),
      guestFilter: filter,
      workstationKey: { algorithm: 'ed25519', fingerprint: key.fingerprint, path: BUNDLE_FILES.publicKey },
      totals: { guests: guests.length, attestations: total, outcomes },
      guests,
      trust: trust.sort((x, y) => x.path.localeCompare(y.path)),
      audit,
      releases,
    };
    put(BUNDLE_FILES.publicKey, key.publicKeyPem);
    put(BUNDLE_FILES.schema, `${JSON.stringify(EVIDENCE_JSON_SCHEMA, null, 2)}\n`);

    // evidence.json: header members, then the attestations streamed from the scratch file
    const evidencePath = out.pathFor(BUNDLE_FILES.evidence);
    const ev = createWriteStream(evidencePath, { mode: 0o644 });
    const head = JSON.stringify(document, null, 1);
    await writeChunk(ev, `${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n "attestations": [\n`);
    let first = true;
    for await (const line of createInterface({ input: createReadStream(recordsPath), crlfDelay: Infinity })) {
      if (line.length === 0) continue;
      await writeChunk(ev, `${first ? '' : ',\n'}  ${line}`);
      first = false;
    }
    await writeChunk(ev, '\n ]\n}\n');
    await closeStream(ev);
    subjects.push(await fileSubject(BUNDLE_FILES.evidence, evidencePath));
    await out.commit(BUNDLE_FILES.evidence);

    // report.pdf
    const pdfPath = out.pathFor(BUNDLE_FILES.report);
    await writeReportPdf({
      path: pdfPath,
      document,
      attestations: readNdjson<EvidenceAttestationRecord>(recordsPath),
      ...(p.gapWarningSeconds !== undefined ? { gapWarningSeconds: p.gapWarningSeconds } : {}),
    });
    subjects.push(await fileSubject(BUNDLE_FILES.report, pdfPath));
    await out.commit(BUNDLE_FILES.report);

    // manifest
    subjects.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const statement = {
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: subjects,
      predicateType: EVIDENCE_PREDICATE_TYPE,
      predicate: {
        schemaVersion: EVIDENCE_SCHEMA_VERSION,
        organisation: p.organisation,
        period: document.period,
        generatedAt: document.generatedAt,
        workstationKeyFingerprint: key.fingerprint,
        attestations: total,
        guests: guests.length,
        releases: releases.length,
        auditHeadHash: audit.headHash,
      },
    };
    const envelope = signDsseEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(statement), 'utf8'),
      key.privateKey,
      key.fingerprint,
    );
    out.put(BUNDLE_FILES.manifest, `${JSON.stringify(envelope, null, 1)}\n`);
    await out.finish();
    return {
      path: zipPath ?? p.out,
      guests: guests.length,
      attestations: total,
      outcomes,
      files: subjects.length + 1,
      fingerprint: key.fingerprint,
      auditHeadHash: audit.headHash,
    };
  } catch (e) {
    // a refused output (existing directory) is left alone; partial output of ours is removed
    if (sink && !(e instanceof AttestError && e.code === 'ERR_EVIDENCE_OUTPUT_EXISTS')) await sink.abort();
    throw e;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function writeAttestation(
  id: string,
  a: EvidenceAttestation,
  put: (rel: string, bytes: Uint8Array | string, mode?: number) => void,
  checkChain: HkdChainChecker,
  trust: EvidenceTrustRecord[],
): Promise<EvidenceAttestationRecord> {
  const folder = `attestations/${id}`;
  const files: string[] = [];
  const add = (name: string, bytes: Uint8Array | null, mode?: number) => {
    if (!bytes) return;
    files.push(name);
    put(`${folder}/${name}`, bytes, mode);
  };
  add(ATTESTATION_FILES.request, a.request);
  add(ATTESTATION_FILES.response, a.response);
  add(ATTESTATION_FILES.arpk, a.arpk, 0o600);
  add(ATTESTATION_FILES.seHeader, a.seHeader);
  const hkds: ChainHkd[] = [];
  for (const h of a.hkds) {
    const sha = sha256Hex(h.bytes);
    const rel = `trust/hkds/${sha}.crt`;
    if (!trust.some((t) => t.sha256 === sha && t.role === 'hkd')) {
      trust.push({ path: rel, sha256: sha, role: 'hkd', ...trustNames(h.bytes, 'hkd') });
      put(rel, h.bytes);
    }
    hkds.push({ name: rel, bytes: h.bytes, sha256: sha });
  }
  const chain = await checkChain(hkds, new Date(a.startedAt));
  files.push(ATTESTATION_FILES.verification);
  const { record, recomputed: r, verdict } = evidenceRecordOf(id, a, hkds, chain, files);
  const verification = {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    attestation: record,
    recomputed: { measurement: r.verdict, code: r.code, reason: r.reason, nonce: r.nonce, verdict },
    storedHkdReport: a.hkdReport ?? null,
  };
  put(`${folder}/${ATTESTATION_FILES.verification}`, `${JSON.stringify(verification, null, 1)}\n`);
  return record;
}

/** Writes a release's folder (a uv release's add-secret request) and returns its evidence record; never a value. */
function writeRelease(
  rel: EvidenceRelease,
  put: (rel: string, bytes: Uint8Array | string, mode?: number) => void,
  outcomeOf: ReadonlyMap<string, Outcome>,
): EvidenceReleaseRecord {
  const id = safeAttestationId(rel.id, 'release');
  const folder = `releases/${id}`;
  const files: string[] = [];
  if (rel.request) {
    files.push(RELEASE_FILES.request);
    put(`${folder}/${RELEASE_FILES.request}`, rel.request);
  }
  const gating = (
    [
      ['gate', rel.gateAttestationId],
      ['check', rel.checkAttestationId],
    ] as const
  ).flatMap(([role, at]) => {
    if (at === null) return [];
    const atId = String(at);
    return [{ id: atId, role, outcome: outcomeOf.get(atId) ?? null }];
  });
  return {
    id,
    guest: rel.guestName,
    release: rel.releaseName,
    kind: rel.kind,
    status: rel.status,
    failedStep: rel.failedStep,
    errorCode: rel.errorCode,
    startedAt: new Date(rel.startedAt).toISOString(),
    finishedAt: rel.finishedAt === null ? null : new Date(rel.finishedAt).toISOString(),
    cuid: rel.cuid,
    secretName: rel.secretName,
    secretType: rel.secretType,
    secretId: rel.secretId,
    requestSha256: rel.request ? sha256Hex(rel.request) : null,
    added: rel.added,
    locked: rel.locked,
    priorRequests: rel.priorRequests.map((r) => ({ sha256: r.sha256, tag: r.tag })),
    bindingSha256: rel.bindingSha256,
    gatingAttestations: gating,
    folder: files.length > 0 ? folder : null,
    files,
  };
}

/**
 * The evidence record of one attestation: recomputed from its own files and judged against its recorded policy
 * (`judgeBundleAttestation`, the one verdict model), with the HKD chain verdict at its time. `files`: the names
 * the folder holds (single-attestation reports pass none).
 */
export function evidenceRecordOf(
  id: string,
  a: EvidenceAttestation,
  hkds: readonly ChainHkd[],
  chain: HkdChainResult,
  files: readonly string[],
): { record: EvidenceAttestationRecord; recomputed: RecomputedAttestation; verdict: Verdict } {
  const policySource = a.policySource ?? (a.policy ? 'recorded' : 'none');
  const { recomputed: r, verdict } = judgeBundleAttestation(
    {
      request: a.request ?? undefined,
      response: a.response ?? undefined,
      arpk: a.arpk ?? undefined,
      seHeader: a.seHeader ?? undefined,
    },
    {
      policy: a.policy,
      status: a.status,
      errorCode: a.errorCode,
      errorMessage: a.errorMessage,
      hkdSha256: hkds.map((h) => h.sha256),
    },
  );
  const measured = r.verdict === 'verified' || r.verdict === 'mismatch';
  const stored =
    a.hkdReport &&
    typeof a.hkdReport === 'object' &&
    typeof (a.hkdReport as { verified?: unknown }).verified === 'boolean'
      ? (a.hkdReport as { verified: boolean }).verified
      : null;
  const record: EvidenceAttestationRecord = {
    id,
    guest: a.guestName,
    status: a.status,
    startedAt: new Date(a.startedAt).toISOString(),
    finishedAt: a.finishedAt === null ? null : new Date(a.finishedAt).toISOString(),
    outcome: verdict.outcome,
    outcomeCode: verdict.code,
    outcomeReason: verdict.reason,
    policy: a.policy,
    policySource,
    checks: verdict.checks,
    measurementResult: r.verdict,
    measurementCode: r.code,
    cuid: r.cuid ?? a.cuid,
    userData: r.userData ?? (measured ? null : a.userData),
    measurement: r.measurement,
    requestPhkhs: r.requestPhkhs,
    imagePhkh: r.imagePhkh,
    attestationPhkh: r.attestationPhkh,
    secretStoreHash: r.secretStoreHash,
    firmwareState: r.firmwareState,
    additionalData: r.additionalData ?? (measured ? null : a.additionalData),
    errorCode: a.errorCode,
    errorMessage: a.errorMessage,
    hkdSha256: hkds.map((h) => h.sha256),
    hkdChain: { ...chain, storedVerdict: stored },
    folder: `attestations/${id}`,
    files: [...files].sort(),
  };
  return { record, recomputed: r, verdict };
}

async function writeAuditLog(
  sink: BundleSink,
  p: ExportEvidenceParams,
  subjects: Subject[],
): Promise<EvidenceAuditSummary> {
  const path = sink.pathFor(BUNDLE_FILES.auditLog);
  const out = createWriteStream(path, { mode: 0o644 });
  await writeChunk(
    out,
    `{\n "schemaVersion": ${JSON.stringify(EVIDENCE_SCHEMA_VERSION)},\n "hash": "sha256(bytes(prevHash) || utf8(canonicalJson({seq, at, action, subjectType, subjectId, data})))",\n "entries": [\n`,
  );
  const summary: EvidenceAuditSummary = {
    entries: 0,
    firstSeq: null,
    lastSeq: null,
    anchorPrevHash: null,
    headHash: null,
  };
  for await (const e of p.source.listAuditEntries({ from: p.from, to: p.to })) {
    const entry = {
      seq: e.seq,
      at: e.at,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      data: e.data,
      prevHash: e.prevHash,
      hash: e.hash,
    };
    await writeChunk(out, `${summary.entries === 0 ? '' : ',\n'}  ${JSON.stringify(entry)}`);
    if (summary.entries === 0) {
      summary.firstSeq = e.seq;
      summary.anchorPrevHash = e.prevHash;
    }
    summary.entries++;
    summary.lastSeq = e.seq;
    summary.headHash = e.hash;
  }
  await writeChunk(out, '\n ]\n}\n');
  await closeStream(out);
  subjects.push(await fileSubject(BUNDLE_FILES.auditLog, path));
  await sink.commit(BUNDLE_FILES.auditLog);
  return summary;
}

/** The sum of per-guest outcome counts. */
function sumOutcomes(all: readonly OutcomeCounts[]): OutcomeCounts {
  const total = emptyOutcomeCounts();
  for (const c of all) for (const k of Object.keys(total) as (keyof OutcomeCounts)[]) total[k] += c[k];
  return total;
}
