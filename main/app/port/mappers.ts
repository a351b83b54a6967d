/**
 * Translation between the store's records (numeric ids, health `ok|stale|failing|pending|never`, statuses
 * `pending` or an outcome, verdicts recomputed by judgeAttestation) and the UI contract's plain data (string
 * ids, guest status `verified|stale|failing|never`, the same outcomes with their code, reason and policy checks).
 * Pure functions, no I/O; no outcome is decided here.
 */
import { AttestError, isAttestError, isErrorCode } from '../../../shared/errors/index.js';
import type { AttestationRecord, GuestHealth, GuestStatus as StoreGuestStatus } from '../../../shared/types/store.js';
import { isJudgedOutcome, isVerifiedOutcome } from '../../../shared/types/verdict.js';
import {
  ATTEST_STEPS,
  type AppErrorPayload,
  type AttestationDetail,
  type AttestationOutcome,
  type AttestationSummary,
  type AttestStepId,
  type GuestStatus,
  type HkdVerificationStep,
  type LastAttestation,
  type RecordedStep,
  type StepState,
  type ReportHkd,
} from '../../../shared/types/ui.js';

/** Reason code the UI shows as "measurement mismatch" (a failed verification without an error code). */
export const MISMATCH_REASON = 'mismatch';
/** Reason code of an attempt in progress, or of a process that died while recording one. */
const PENDING_REASON = 'pending';
const INTERRUPTED_REASON = 'interrupted';

/** The numeric store id in a UI id; throws ERR_APP_NOT_FOUND for anything else. */
export function parseId(id: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new AttestError('ERR_APP_NOT_FOUND', `no such ${what}`, { id });
  return Number(id);
}

/** Store errors that have a UI counterpart (not found, duplicate name) become app errors; others pass. */
export function toAppError(error: unknown): unknown {
  if (
    isAttestError(error, 'ERR_STORE_GUEST_NOT_FOUND') ||
    isAttestError(error, 'ERR_STORE_ATTESTATION_NOT_FOUND') ||
    isAttestError(error, 'ERR_STORE_TRUST_NOT_FOUND')
  ) {
    return new AttestError('ERR_APP_NOT_FOUND', error.message);
  }
  if (isAttestError(error, 'ERR_STORE_GUEST_EXISTS'))
    return new AttestError('ERR_APP_CONFLICT', error.message, error.details);
  return error;
}

/** The UI status of a guest from the store's derived health. */
export function toGuestStatus(s: Pick<StoreGuestStatus, 'health' | 'lastVerifiedAt'>): GuestStatus {
  const map: Record<GuestHealth, GuestStatus> = {
    ok: 'verified',
    stale: 'stale',
    failing: 'failing',
    never: 'never',
    pending: 'never',
  };
  // A run in progress: show what was known before it.
  if (s.health === 'pending') return s.lastVerifiedAt ? 'stale' : 'never';
  return map[s.health];
}

/** The outcome of a stored attempt (`pending` while it runs), as the store recorded it. */
export function toOutcome(r: Pick<AttestationRecord, 'status'>): AttestationOutcome {
  return r.status;
}

/** The code explaining a stored attempt that did not verify (undefined when verified). */
export function reasonCodeOf(r: Pick<AttestationRecord, 'status' | 'errorCode' | 'verdict'>): string | undefined {
  switch (r.status) {
    case 'verified':
      return undefined;
    case 'pending':
      return PENDING_REASON;
    case 'mismatch':
      return r.verdict?.code ?? MISMATCH_REASON;
    case 'interrupted':
      return r.verdict?.code ?? INTERRUPTED_REASON;
    case 'cancelled':
      return r.verdict?.code ?? r.errorCode ?? 'ERR_APP_CANCELLED';
    default:
      return r.verdict?.code ?? r.errorCode ?? 'ERR_APP_INTERNAL';
  }
}

/** The one-line reason of a stored attempt that did not verify (undefined when verified or unknown). */
export function reasonOf(r: Pick<AttestationRecord, 'status' | 'errorMessage' | 'verdict'>): string | undefined {
  if (isVerifiedOutcome(r.status)) return undefined;
  return r.verdict?.reason ?? r.errorMessage ?? undefined;
}

/** The error payload of a failed step, when the reason is a coded error. */
export function errorPayloadOf(code: string | undefined, message: string): AppErrorPayload | undefined {
  return code && isErrorCode(code) ? { code, message } : undefined;
}

/** The "last attestation" column of a guest row. */
export function toLastAttestation(r: AttestationRecord): LastAttestation {
  const reasonCode = reasonCodeOf(r);
  const reason = reasonOf(r);
  return {
    id: String(r.id),
    at: r.startedAt,
    outcome: toOutcome(r),
    ...(reasonCode ? { reasonCode } : {}),
    ...(reason ? { reason } : {}),
  };
}

function durationOf(r: AttestationRecord): number {
  if (!r.finishedAt) return 0;
  return Math.max(0, Date.parse(r.finishedAt) - Date.parse(r.startedAt));
}

/** One history row. */
export function toAttestationSummary(r: AttestationRecord): AttestationSummary {
  const reasonCode = reasonCodeOf(r);
  const reason = reasonOf(r);
  const a = r.additionalData;
  return {
    id: String(r.id),
    guestId: String(r.guestId),
    guestName: r.guestName,
    startedAt: r.startedAt,
    durationMs: durationOf(r),
    outcome: toOutcome(r),
    ...(reasonCode ? { reasonCode } : {}),
    ...(reason ? { reason } : {}),
    ...(r.cuid ? { cuidHex: r.cuid } : {}),
    ...(r.measurement ? { measurementHex: r.measurement } : {}),
    ...(a?.imagePhkh ? { imagePhkhHex: a.imagePhkh } : {}),
    ...(a?.attestationPhkh ? { attestationPhkhHex: a.attestationPhkh } : {}),
    ...(r.userData ? { userDataHex: r.userData } : {}),
  };
}

interface ReportStepJson {
  certificate?: string;
  check?: string;
  result?: string;
  detail?: string;
  code?: string;
}

interface ReportJson {
  verified?: boolean;
  chain?: { steps?: ReportStepJson[] };
  /** A workspace with several signing keys: each key's own chain checks. */
  signingKeys?: { steps?: ReportStepJson[] }[];
  hkds?: {
    name?: string;
    verified?: boolean;
    reason?: string;
    code?: string;
    facts?: { subject?: string; issuer?: string; serial?: string; notAfter?: string; phkh?: string };
    steps?: ReportStepJson[];
  }[];
}

/** The HKD verification steps of a stored report (chain checks first, then each HKD's own checks). */
export function toHkdSteps(report: unknown): HkdVerificationStep[] {
  if (report === null || typeof report !== 'object') return [];
  const r = report as ReportJson;
  const step = (subject: string, s: ReportStepJson): HkdVerificationStep => ({
    hkdSubject: subject,
    check: s.check ?? 'check',
    ok: s.result !== 'fail',
    ...(s.detail ? { detail: s.detail } : {}),
    ...(s.code ? { code: s.code } : {}),
  });
  const out: HkdVerificationStep[] = [];
  for (const s of r.chain?.steps ?? []) out.push(step(s.certificate ?? 'chain of trust', s));
  for (const k of r.signingKeys ?? []) for (const s of k.steps ?? []) out.push(step(s.certificate ?? 'signing key', s));
  for (const h of r.hkds ?? []) {
    const subject = h.facts?.subject ?? h.name ?? 'HKD';
    for (const s of h.steps ?? []) out.push(step(subject, s));
    out.push({
      hkdSubject: subject,
      check: 'verdict',
      ok: h.verified === true,
      ...(h.reason ? { detail: h.reason } : {}),
      ...(h.code ? { code: h.code } : {}),
    });
  }
  return out;
}

/** The HKDs of a stored report with their facts and verdicts. */
export function toReportHkds(report: unknown): ReportHkd[] | undefined {
  if (report === null || typeof report !== 'object') return undefined;
  const hkds = (report as ReportJson).hkds;
  if (!Array.isArray(hkds)) return undefined;
  return hkds.map((h) => {
    const f = h.facts ?? {};
    return {
      subject: f.subject ?? h.name ?? 'HKD',
      ...(f.issuer ? { issuer: f.issuer } : {}),
      ...(f.serial ? { serialHex: f.serial.toLowerCase() } : {}),
      ...(f.notAfter ? { notAfter: f.notAfter } : {}),
      ...(f.phkh ? { phkhHex: f.phkh } : {}),
      verified: h.verified === true,
      ...(h.reason && h.verified !== true ? { reason: h.reason } : {}),
      ...(h.code ? { code: h.code } : {}),
    };
  });
}

function ms(a: string | undefined, b: string | undefined): number | undefined {
  return a && b ? Math.max(0, Date.parse(b) - Date.parse(a)) : undefined;
}

/**
 * The step list of a stored attempt, from its timestamps: steps before the end are done; a judged outcome other
 * than verified (mismatch, policy violation) fails 'verify'; an error or interruption fails the step after the
 * last one reached (with the recorded message), a cancelled run is cancelled there, a pending one runs there;
 * later steps are pending; the store write ('record') is done once the attempt ended.
 */
export function toRecordedSteps(r: AttestationRecord): RecordedStep[] {
  const st = r.steps;
  const hkdVerified = (r.hkdReport as ReportJson | null)?.verified;
  // The last step known to have finished.
  let reached: AttestStepId;
  if (st.verified) reached = 'verify';
  else if (st.responseReceived) reached = 'download';
  else if (st.guestContacted) reached = 'connect';
  else if (st.requestCreated || r.requestSha256) reached = 'create';
  else if (hkdVerified === true) reached = 'verify-hkds';
  else reached = 'record'; // nothing reached: the first step failed
  const stopped: AttestStepId | undefined = isVerifiedOutcome(r.status)
    ? undefined
    : isJudgedOutcome(r.status) // a mismatch or policy violation: the verify step decided it
      ? 'verify'
      : reached === 'record'
        ? 'verify-hkds'
        : ATTEST_STEPS[ATTEST_STEPS.indexOf(reached) + 1];
  const stoppedState: StepState =
    r.status === 'cancelled' ? 'cancelled' : r.status === 'pending' ? 'running' : 'failed';
  const duration: Partial<Record<AttestStepId, number | undefined>> = {
    create: ms(st['started'], st.requestCreated),
    connect: ms(st.requestCreated, st.guestContacted),
    download: ms(st.guestContacted, st.responseReceived),
    verify: ms(st.responseReceived, st.verified),
  };
  const stopIndex = stopped ? ATTEST_STEPS.indexOf(stopped) : -1;
  const message = reasonOf(r);
  return ATTEST_STEPS.map((step, i): RecordedStep => {
    const d = duration[step];
    if (step === 'record') return { step, state: r.status === 'pending' ? 'pending' : 'done' };
    if (stopIndex < 0 || i < stopIndex) return { step, state: 'done', ...(d !== undefined ? { durationMs: d } : {}) };
    if (i === stopIndex) return { step, state: stoppedState, ...(message ? { message } : {}) };
    return { step, state: 'pending' };
  });
}

/** The full report of one attempt. */
export function toAttestationDetail(r: AttestationRecord, hostKeyFingerprint: string | null): AttestationDetail {
  const additional: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.additionalData ?? {})) if (typeof v === 'string') additional[k] = v;
  const hkds = toReportHkds(r.hkdReport);
  return {
    ...toAttestationSummary(r),
    policy: r.policy,
    policyChecks: r.verdict?.checks ?? [],
    hkdSteps: toHkdSteps(r.hkdReport),
    steps: toRecordedSteps(r),
    ...(Object.keys(additional).length > 0 ? { additionalData: additional } : {}),
    ...(r.requestSha256 ? { requestSha256Hex: r.requestSha256 } : {}),
    ...(r.responseSha256 ? { responseSha256Hex: r.responseSha256 } : {}),
    ...(hostKeyFingerprint ? { hostKeyFingerprint } : {}),
    ...(hkds ? { hkds } : {}),
  };
}
