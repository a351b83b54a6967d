/**
 * An in-memory WorkstationPort: a test double for the UI shell (IPC handlers, web bridge, renderer e2e).
 * It parses real certificates/CRLs with @peculiar/x509 so the Trust screen shows real facts, walks the
 * attestation steps with progress and first-contact host-key prompts, and fails guests whose host is
 * listed as tampered exactly the way a measurement mismatch is reported. Not used by production code.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { X509Certificate, X509Crl } from '@peculiar/x509';
import { AttestError, isErrorCode } from '../../shared/errors/index.js';
import {
  ATTEST_STEPS,
  type AttestationDetail,
  type AttestationSummary,
  type AttestStepId,
  type EvidenceExportResult,
  type FleetGuestResult,
  type GuestDetail,
  type GuestInput,
  type GuestListQuery,
  type GuestStatus,
  type GuestSummary,
  type Health,
  type HistoryPage,
  type HistoryQuery,
  type TrustImportResult,
  type TrustItem,
} from '../../shared/types/ui.js';
import type { Outcome } from '../../shared/types/verdict.js';
import type { ReleaseRunRecord, SecretRelease } from '../../shared/types/release.js';
import type { AttestControl, FleetControl, TaskControl, TrustFile, WorkstationPort } from '../../main/ipc/port.js';
import { evidenceVerifyCommand } from '../../main/services/evidence/verify-command.js';
import { emptyOutcomeCounts } from '../../shared/types/verdict.js';

/** Options of the fake. */
export interface FakePortParams {
  /** Hosts (the host part of sshTarget) whose measurement does not match: attestation fails. */
  tamperedHosts?: readonly string[];
  /** Hosts that refuse connection, with the guest's own error text. */
  unreachableHosts?: Readonly<Record<string, string>>;
  /** Called before each step; tests use it to hold a run in a given step. */
  beforeStep?: (guestId: string, step: AttestStepId, signal: AbortSignal) => Promise<void>;
  /** Clock (default: Date.now). */
  now?: () => Date;
  /** Hours after which a verified guest is stale (default 24). */
  staleAfterHours?: number;
}

interface GuestRow {
  id: string;
  input: GuestInput;
  pinned?: { algorithm: string; fingerprintSha256: string; pinnedAt: string };
  createdAt: string;
  /** Extra generated history rows (older than real ones), for scale tests. */
  seeded: number;
}

const DAY_MS = 86_400_000;

function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function hostOf(target: string): string {
  const noUser = target.includes('@') ? target.slice(target.indexOf('@') + 1) : target;
  return noUser.replace(/:\d+$/, '');
}

function cancelled(): AttestError {
  return new AttestError('ERR_APP_CANCELLED', 'cancelled by the user');
}

/** The in-memory port with a few test hooks. */
export interface FakePort extends WorkstationPort {
  /** Adds `count` generated history rows to a guest (no memory cost: rows are computed on read). */
  seedHistory(guestId: string, count: number): void;
  /** How many history rows listHistory has returned so far (to prove paging). */
  readonly rowsServed: number;
}

/** The fake workstation key (the Evidence screen's defaults). */
export const FAKE_PUBLIC_KEY_PATH = '/workspace/keys/evidence-ed25519.pub.pem';
export const FAKE_KEY_FINGERPRINT = 'SHA256:FAKEfakeFAKEfakeFAKEfakeFAKEfakeFAKEfakeFAK';

/** Creates the in-memory port. */
export function createFakePort(params: FakePortParams = {}): FakePort {
  const now = params.now ?? (() => new Date());
  let organisation: string | null = null;
  const staleMs = (params.staleAfterHours ?? 24) * 3_600_000;
  const tampered = new Set(params.tamperedHosts ?? []);
  const unreachable = params.unreachableHosts ?? {};
  const guests = new Map<string, GuestRow>();
  const trust = new Map<string, TrustItem>();
  const removedTrust = new Map<string, TrustItem>();
  const records: AttestationDetail[] = []; // oldest first
  let nextGuest = 1;
  let nextTrust = 1;
  let nextAttestation = 1;
  let rowsServed = 0;
  // releases and runs by the fake's guest id ('g1', …); the records carry a numeric stand-in
  const releases: { guestId: string; release: SecretRelease }[] = [];
  const runs: { guestId: string; run: ReleaseRunRecord }[] = [];

  function historyOf(guestId?: string): AttestationDetail[] {
    return guestId === undefined ? records : records.filter((r) => r.guestId === guestId);
  }

  function trustHealth(kinds: readonly TrustItem['kind'][]): Health {
    const items = [...trust.values()].filter((t) => kinds.includes(t.kind));
    if (items.length === 0) return 'unknown';
    if (items.some((t) => t.health === 'error')) return 'error';
    if (items.some((t) => t.health === 'warning')) return 'warning';
    return 'ok';
  }

  function statusOf(row: GuestRow): { status: GuestStatus; last?: AttestationDetail } {
    const h = historyOf(row.id);
    const last = h[h.length - 1];
    if (!last) return { status: row.seeded > 0 ? 'stale' : 'never' };
    if (last.outcome !== 'verified') return { status: 'failing', last };
    const age = now().getTime() - Date.parse(last.startedAt);
    return { status: age > staleMs ? 'stale' : 'verified', last };
  }

  function summarize(row: GuestRow): GuestSummary {
    const { status, last } = statusOf(row);
    const expiries = [...trust.values()]
      .map((t) => t.nextUpdate ?? t.notAfter)
      .filter((d): d is string => d !== undefined)
      .sort();
    return {
      id: row.id,
      name: row.input.name,
      sshTarget: row.input.sshTarget,
      status,
      ...(last
        ? {
            lastAttestation: {
              id: last.id,
              at: last.startedAt,
              outcome: last.outcome,
              ...(last.reasonCode ? { reasonCode: last.reasonCode } : {}),
              ...(last.reason ? { reason: last.reason } : {}),
            },
          }
        : {}),
      hkdHealth: trustHealth(['hkd']),
      crlHealth: trustHealth(['crl']),
      ...(expiries[0] ? { trustExpiresAt: expiries[0] } : {}),
    };
  }

  function getRow(id: string): GuestRow {
    const row = guests.get(id);
    if (!row) throw new AttestError('ERR_APP_NOT_FOUND', 'no such guest', { id });
    return row;
  }

  function describeFile(file: TrustFile): Omit<TrustItem, 'id'> {
    const text = Buffer.from(file.bytes).toString('latin1');
    const importedAt = now().toISOString();
    const base = { fileName: file.name, sha256Hex: sha256Hex(file.bytes), importedAt, warnings: [] as string[] };
    const daysUntil = (d: Date): number => Math.floor((d.getTime() - now().getTime()) / DAY_MS);
    if (text.includes('BEGIN X509 CRL') || /\.crl$/i.test(file.name)) {
      const crl = text.includes('BEGIN') ? new X509Crl(text) : new X509Crl(new Uint8Array(file.bytes));
      const next = crl.nextUpdate;
      const daysLeft = next ? daysUntil(next) : undefined;
      const warnings: string[] = [];
      let health: Health = 'ok';
      if (daysLeft === undefined) {
        health = 'warning';
        warnings.push('CRL has no nextUpdate');
      } else if (daysLeft < 0) {
        health = 'error';
        warnings.push(`CRL expired ${-daysLeft} days ago`);
      } else if (daysLeft < 30) {
        health = 'warning';
        warnings.push(`CRL nextUpdate in ${daysLeft} days`);
      }
      return {
        ...base,
        kind: 'crl',
        subject: crl.issuer,
        issuer: crl.issuer,
        thisUpdate: crl.thisUpdate.toISOString(),
        ...(next ? { nextUpdate: next.toISOString() } : {}),
        ...(daysLeft !== undefined ? { daysLeft } : {}),
        chainStatus: 'not-applicable',
        health,
        warnings,
      };
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(text.includes('BEGIN CERTIFICATE') ? text : new Uint8Array(file.bytes));
    } catch {
      throw new AttestError('ERR_HOST_KEY_INVALID', 'neither a certificate nor a CRL');
    }
    const isHkd = (cert.publicKey.algorithm as { namedCurve?: string }).namedCurve === 'P-521';
    const daysLeft = daysUntil(cert.notAfter);
    const warnings: string[] = [];
    let health: Health = 'ok';
    if (daysLeft < 0) {
      health = 'error';
      warnings.push(`certificate expired ${-daysLeft} days ago`);
    } else if (daysLeft < 30) {
      health = 'warning';
      warnings.push(`certificate expires in ${daysLeft} days`);
    }
    const selfSigned = cert.subject === cert.issuer;
    return {
      ...base,
      kind: isHkd ? 'hkd' : 'certificate',
      subject: cert.subject,
      issuer: cert.issuer,
      serialHex: cert.serialNumber.toLowerCase(),
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      daysLeft,
      chainStatus: isHkd ? (selfSigned ? 'unknown' : 'valid') : 'not-applicable',
      ...(isHkd && selfSigned
        ? { chainDetail: 'self-signed: no IBM signing-key chain (accepted with --no-verify only)' }
        : {}),
      health,
      warnings,
      ...(isHkd
        ? {
            phkhHex: sha256Hex(
              cert.publicKey.rawData.byteLength ? new Uint8Array(cert.publicKey.rawData) : new Uint8Array(),
            ),
          }
        : {}),
    };
  }

  function seededRow(row: GuestRow, index: number): AttestationSummary {
    // index 0 = the newest seeded row; seeded rows are older than all real ones.
    const at = new Date(Date.parse(row.createdAt) - (index + 1) * 60_000).toISOString();
    return {
      id: `${row.id}-seed-${index}`,
      guestId: row.id,
      guestName: row.input.name,
      startedAt: at,
      durationMs: 900 + (index % 200),
      outcome: index % 97 === 0 ? 'mismatch' : 'verified',
      ...(index % 97 === 0 ? { reasonCode: 'mismatch', reason: 'measurement mismatch' } : {}),
      cuidHex: sha256Hex(`${row.id}:${index}`).slice(0, 32),
    };
  }

  async function attestOne(guestId: string, control: AttestControl): Promise<AttestationSummary> {
    const row = getRow(guestId);
    const host = hostOf(row.input.sshTarget);
    const started = now();
    const steps: AttestationDetail['steps'] = [];
    const hkds = [...trust.values()].filter((t) => t.kind === 'hkd');
    const wanted = row.input.policy.hkdSha256 ?? [];
    const used = wanted.length > 0 ? hkds.filter((h) => wanted.includes(h.sha256Hex)) : hkds;
    let failure: { step: AttestStepId; code: string; message: string; outcome: 'mismatch' | 'error' } | undefined;

    for (const step of ATTEST_STEPS) {
      if (control.signal.aborted) {
        control.reportStep({ guestId, step, state: 'cancelled' });
        throw cancelled();
      }
      await params.beforeStep?.(guestId, step, control.signal);
      if (control.signal.aborted) {
        control.reportStep({ guestId, step, state: 'cancelled' });
        throw cancelled();
      }
      control.reportStep({ guestId, step, state: 'running' });
      if (step === 'verify-hkds' && used.length === 0) {
        failure = {
          step,
          code: 'ERR_CREATE_NO_HOST_KEY',
          message: 'no host-key document imported: import one on the Trust screen',
          outcome: 'error',
        };
      } else if (step === 'connect') {
        const refusal = unreachable[host];
        if (refusal !== undefined) {
          failure = { step, code: 'ERR_TRANSPORT_INTERNAL', message: refusal, outcome: 'error' };
        } else if (!row.pinned) {
          const fingerprintSha256 = `SHA256:${Buffer.from(createHash('sha256').update(`hostkey:${host}`).digest())
            .toString('base64')
            .replace(/=+$/, '')}`;
          const trusted = await control.confirmHostKey({
            guestId,
            target: row.input.sshTarget,
            algorithm: 'ssh-ed25519',
            fingerprintSha256,
          });
          if (control.signal.aborted) {
            control.reportStep({ guestId, step, state: 'cancelled' });
            throw cancelled();
          }
          if (!trusted) {
            control.reportStep({
              guestId,
              step,
              state: 'failed',
              message: 'host key not trusted',
              error: { code: 'ERR_APP_HOSTKEY_REJECTED', message: 'host key not trusted' },
            });
            throw new AttestError('ERR_APP_HOSTKEY_REJECTED', 'the guest host key was not trusted');
          }
          row.pinned = { algorithm: 'ssh-ed25519', fingerprintSha256, pinnedAt: now().toISOString() };
        }
      } else if (step === 'verify' && tampered.has(host)) {
        failure = {
          step,
          code: 'mismatch',
          message:
            'measurement mismatch: the response was not computed over this SE header (the guest image was altered)',
          outcome: 'mismatch',
        };
      }
      if (failure) {
        const code = failure.code;
        control.reportStep({
          guestId,
          step,
          state: 'failed',
          message: failure.message,
          ...(isErrorCode(code) ? { error: { code, message: failure.message } } : {}),
        });
        steps.push({ step, state: 'failed', message: failure.message });
        break;
      }
      control.reportStep({ guestId, step, state: 'done' });
      steps.push({ step, state: 'done', durationMs: 1 });
    }

    const id = `att-${nextAttestation++}`;
    const verified = failure === undefined;
    const cuid = sha256Hex(`cuid:${host}`).slice(0, 32);
    const detail: AttestationDetail = {
      id,
      guestId,
      guestName: row.input.name,
      startedAt: started.toISOString(),
      durationMs: Math.max(1, now().getTime() - started.getTime()),
      outcome: verified ? 'verified' : failure!.outcome,
      ...(failure ? { reasonCode: failure.code, reason: failure.message } : {}),
      policy: row.input.policy,
      policyChecks: [],
      cuidHex: cuid,
      measurementHex: sha256Hex(`measurement:${host}`) + sha256Hex(`m2:${host}`),
      imagePhkhHex: used[0]?.phkhHex ?? '',
      userDataHex: '',
      hkdSteps: used.flatMap((h) => [
        { hkdSubject: h.subject, check: 'host key is EC P-521', ok: true },
        {
          hkdSubject: h.subject,
          check: 'signed by an IBM Z signing key',
          ok: h.chainStatus === 'valid',
          detail: h.chainDetail ?? 'chain verified',
        },
        { hkdSubject: h.subject, check: 'not revoked (CRL)', ok: h.health !== 'error' },
      ]),
      steps,
      requestSha256Hex: sha256Hex(`req:${id}`),
      responseSha256Hex: sha256Hex(`resp:${id}`),
      ...(row.pinned ? { hostKeyFingerprint: row.pinned.fingerprintSha256 } : {}),
    };
    records.push(detail);
    return summaryOf(detail);
  }

  function summaryOf(d: AttestationDetail): AttestationSummary {
    const {
      hkdSteps: _h,
      steps: _s,
      additionalData: _a,
      flagsHex: _f,
      nonceHex: _n,
      requestSha256Hex: _q,
      responseSha256Hex: _r,
      hostKeyFingerprint: _k,
      ...summary
    } = d;
    return summary;
  }

  return {
    get rowsServed() {
      return rowsServed;
    },
    seedHistory(guestId, count) {
      getRow(guestId).seeded += count;
    },
    async listGuests(query: GuestListQuery) {
      const search = query.search?.toLowerCase() ?? '';
      return [...guests.values()]
        .map(summarize)
        .filter((g) => (query.status ? g.status === query.status : true))
        .filter((g) => (search ? `${g.name} ${g.sshTarget}`.toLowerCase().includes(search) : true));
    },
    async getGuest(id) {
      const row = getRow(id);
      const hdr = row.input.seHeaderBase64 ? Buffer.from(row.input.seHeaderBase64, 'base64') : undefined;
      return {
        ...summarize(row),
        ...(row.input.identityRef ? { identityRef: row.input.identityRef } : {}),
        ...(row.pinned ? { pinnedHostKey: row.pinned } : {}),
        ...(hdr
          ? {
              seHeader: {
                sizeBytes: hdr.length,
                pldHex: sha256Hex(hdr.subarray(0, 64)) + sha256Hex(hdr.subarray(64, 128)),
                aldHex: sha256Hex(hdr.subarray(128, 192)) + sha256Hex(hdr.subarray(192, 256)),
                tldHex: sha256Hex(hdr.subarray(256, 320)) + sha256Hex(hdr.subarray(320, 384)),
                keySlotPhkhs: [...trust.values()]
                  .filter((t) => t.kind === 'hkd')
                  .slice(0, 1)
                  .map((t) => t.phkhHex ?? ''),
              },
            }
          : {}),
        policy: row.input.policy,
        hostKeyDocuments: [...trust.values()].filter((t) => t.kind === 'hkd'),
        ...(row.input.notes ? { notes: row.input.notes } : {}),
        tags: row.input.tags ?? [],
        createdAt: row.createdAt,
      } satisfies GuestDetail;
    },
    async addGuest(input) {
      if ([...guests.values()].some((g) => g.input.name === input.name)) {
        throw new AttestError('ERR_APP_CONFLICT', 'a guest with this name exists', { name: input.name });
      }
      const row: GuestRow = { id: `g${nextGuest++}`, input: { ...input }, createdAt: now().toISOString(), seeded: 0 };
      guests.set(row.id, row);
      return summarize(row);
    },
    async editGuest(id, patch) {
      const row = getRow(id);
      row.input = { ...row.input, ...patch };
      if (patch.sshTarget !== undefined) delete row.pinned;
      return summarize(row);
    },
    async removeGuest(id) {
      getRow(id);
      guests.delete(id);
    },
    async importTrust(files: readonly TrustFile[], control: TaskControl): Promise<TrustImportResult> {
      const result: TrustImportResult = { imported: [], alreadyPresent: [], rejected: [] };
      let done = 0;
      for (const file of files) {
        if (control.signal.aborted) throw cancelled();
        try {
          const described = describeFile(file);
          const existing = [...trust.values()].find((t) => t.sha256Hex === described.sha256Hex);
          const item: TrustItem = existing ?? { id: `t${nextTrust++}`, ...described };
          trust.set(item.id, item);
          (existing ? result.alreadyPresent : result.imported).push(item);
        } catch (error) {
          const code = error instanceof AttestError ? error.code : 'ERR_HOST_KEY_INVALID';
          result.rejected.push({
            name: file.name,
            code,
            message: error instanceof Error ? error.message : 'unreadable',
          });
        }
        control.reportProgress(++done, files.length, file.name);
      }
      return result;
    },
    async listTrust() {
      return [...trust.values()];
    },
    async removeTrust(id) {
      const item = trust.get(id);
      if (!item) throw new AttestError('ERR_APP_NOT_FOUND', 'no such trust item', { id });
      trust.delete(id);
      removedTrust.set(id, item);
    },
    async trustDependents(id) {
      const item = trust.get(id);
      if (!item) throw new AttestError('ERR_APP_NOT_FOUND', 'no such trust item', { id });
      const chains = [...trust.values()].filter((t) => t.id !== id && t.issuer === item.subject && t.kind !== 'crl');
      const hkds = item.kind === 'hkd' ? [item] : chains.filter((c) => c.kind === 'hkd');
      const users = [...guests.values()].filter((g) => {
        const named = g.input.policy.hkdSha256 ?? [];
        return hkds.some((h) => named.length === 0 || named.includes(h.sha256Hex));
      });
      return {
        guests: users.map((g) => ({
          id: g.id,
          name: g.input.name,
          why: g.input.policy.hkdSha256?.length ? 'its policy names this HKD' : 'it uses every imported HKD',
        })),
        chains: chains.map((c) => ({ id: c.id, kind: c.kind, subject: c.subject, fileName: c.fileName })),
      };
    },
    async restoreTrust(id) {
      const item = removedTrust.get(id) ?? trust.get(id);
      if (!item) throw new AttestError('ERR_APP_NOT_FOUND', 'no such trust item', { id });
      removedTrust.delete(id);
      trust.set(id, item);
      return item;
    },
    async guestTimeline(query) {
      getRow(query.guestId);
      const from = query.from ? Date.parse(query.from) : -Infinity;
      const to = query.to ? Date.parse(query.to) : Infinity;
      const all = historyOf(query.guestId);
      const rows = all.filter((r) => Date.parse(r.startedAt) >= from && Date.parse(r.startedAt) <= to);
      const outcomeOf = (r: AttestationDetail): Outcome => (r.outcome === 'pending' ? 'interrupted' : r.outcome);
      return {
        guestId: query.guestId,
        from: query.from ?? rows[0]?.startedAt ?? now().toISOString(),
        to: query.to ?? rows[rows.length - 1]?.startedAt ?? now().toISOString(),
        total: rows.length,
        points: rows.map((r) => ({
          id: r.id,
          at: r.startedAt,
          outcome: outcomeOf(r),
          durationMs: r.durationMs,
          ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
        })),
        buckets: [],
        ...(all[0] ? { firstAt: all[0].startedAt, lastAt: all[all.length - 1]!.startedAt } : {}),
      };
    },
    runAttestation: attestOne,
    async attestFleet(guestIds, control: FleetControl): Promise<FleetGuestResult[]> {
      const results: FleetGuestResult[] = [];
      for (const guestId of guestIds) {
        if (control.signal.aborted) throw cancelled();
        let result: FleetGuestResult;
        try {
          const s = await attestOne(guestId, control);
          result = {
            guestId,
            outcome: s.outcome,
            attestationId: s.id,
            ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}),
            ...(s.reason ? { reason: s.reason } : {}),
          };
        } catch (error) {
          if (error instanceof AttestError && error.code === 'ERR_APP_CANCELLED') throw error;
          result = {
            guestId,
            outcome: 'error',
            reasonCode: error instanceof AttestError ? error.code : 'ERR_APP_INTERNAL',
            reason: error instanceof Error ? error.message : 'failed',
          };
        }
        results.push(result);
        control.reportGuestDone(result, results.length, guestIds.length);
      }
      return results;
    },
    async listHistory(query: HistoryQuery): Promise<HistoryPage> {
      const real = historyOf(query.guestId).slice().reverse().map(summaryOf);
      const seededRows = query.guestId ? [getRow(query.guestId)] : [...guests.values()];
      const seededTotal = seededRows.reduce((n, r) => n + r.seeded, 0);
      const total = real.length + seededTotal;
      const items: AttestationSummary[] = [];
      for (let i = query.offset; i < Math.min(total, query.offset + query.limit); i++) {
        if (i < real.length) items.push(real[i]!);
        else {
          let k = i - real.length;
          for (const r of seededRows) {
            if (k < r.seeded) {
              items.push(seededRow(r, k));
              break;
            }
            k -= r.seeded;
          }
        }
      }
      rowsServed += items.length;
      return { offset: query.offset, total, items };
    },
    async getAttestation(id) {
      const found = records.find((r) => r.id === id);
      if (found) return found;
      const m = /^(.+)-seed-(\d+)$/.exec(id);
      const row = m ? guests.get(m[1]!) : undefined;
      if (!m || !row || Number(m[2]) >= row.seeded)
        throw new AttestError('ERR_APP_NOT_FOUND', 'no such attestation', { id });
      return {
        ...seededRow(row, Number(m[2])),
        policy: row.input.policy,
        policyChecks: [],
        hkdSteps: [],
        steps: ATTEST_STEPS.map((step) => ({ step, state: 'done' as const })),
      };
    },
    async listReleases(guestId) {
      if (!guests.has(guestId)) throw new AttestError('ERR_APP_NOT_FOUND', `no guest ${guestId}`);
      return {
        releases: releases.filter((r) => r.guestId === guestId).map((r) => r.release),
        runs: runs
          .filter((r) => r.guestId === guestId)
          .map((r) => r.run)
          .reverse(),
      };
    },
    async configureRelease(guestId, input) {
      if (!guests.has(guestId)) throw new AttestError('ERR_APP_NOT_FOUND', `no guest ${guestId}`);
      const at = now().toISOString();
      const kept = releases.findIndex((r) => r.guestId === guestId && r.release.name === input.name);
      const id = kept >= 0 ? releases[kept]!.release.id : releases.length + 1;
      const release: SecretRelease = { ...input, id, guestId: Number(guestId.slice(1)), createdAt: at, updatedAt: at };
      if (kept >= 0) releases[kept] = { guestId, release };
      else releases.push({ guestId, release });
      return release;
    },
    async runRelease(guestId, name, control) {
      const row = guests.get(guestId);
      const release = releases.find((r) => r.guestId === guestId && r.release.name === name)?.release;
      if (!row || !release) throw new AttestError('ERR_RELEASE_NOT_FOUND', `no release ${name}`);
      // the fake gates on the guest's last attestation (the real port attests again)
      const last = statusOf(row).last;
      const verified = last?.outcome === 'verified' && !tampered.has(hostOf(row.input.sshTarget));
      control.reportRelease({
        guestId,
        release: name,
        step: 'attest',
        status: verified ? 'done' : 'failed',
        ...(verified ? {} : { code: 'ERR_RELEASE_NOT_VERIFIED' }),
      });
      const at = now().toISOString();
      const run: ReleaseRunRecord = {
        id: runs.length + 1,
        guestId: release.guestId,
        guestName: row.input.name,
        releaseId: release.id,
        releaseName: name,
        kind: release.kind,
        status: verified ? 'released' : 'failed',
        failedStep: verified ? null : 'attest',
        errorCode: verified ? null : 'ERR_RELEASE_NOT_VERIFIED',
        errorMessage: verified
          ? null
          : `release of "${name}" to ${row.input.name} failed at step "attest": nothing was sent`,
        startedAt: at,
        finishedAt: at,
        cuid: last?.cuidHex ?? null,
        secretType: null,
        secretName: name,
        secretId: null,
        requestSha256: verified ? sha256Hex(`${guestId}:${name}:${runs.length}`) : null,
        requestSize: null,
        added: verified,
        locked: verified && release.lock === true,
        priorRequests: [],
        bindingSha256: null,
        gateAttestationId: last ? runs.length + 1 : null,
        checkAttestationId: null,
        contentHash: sha256Hex(`run ${runs.length}`),
      };
      runs.push({ guestId, run });
      return run;
    },
    async exportEvidence(request, control): Promise<EvidenceExportResult> {
      const from = Date.parse(request.from);
      const to = Date.parse(request.to);
      const chosen = records.filter((r) => {
        const t = Date.parse(r.startedAt);
        return t >= from && t <= to && (request.guestIds.length === 0 || request.guestIds.includes(r.guestId));
      });
      control.reportProgress(chosen.length, chosen.length, 'bundle written');
      const path = `${request.destination.replace(/\/+$/, '')}/evidence-${now().toISOString().slice(0, 10)}.zip`;
      if (request.organisation) organisation = request.organisation;
      const outcomes = emptyOutcomeCounts();
      for (const c of chosen) if (c.outcome !== 'pending') outcomes[c.outcome]++;
      return {
        path,
        attestationCount: chosen.length,
        sha256Hex: sha256Hex(JSON.stringify(chosen.map((c) => c.id))),
        outcomes,
        fingerprint: FAKE_KEY_FINGERPRINT,
        verifyCommand: evidenceVerifyCommand(FAKE_PUBLIC_KEY_PATH, path),
      };
    },
    async evidenceDefaults(request) {
      return {
        organisation,
        publicKeyPath: FAKE_PUBLIC_KEY_PATH,
        publicKeyFingerprint: FAKE_KEY_FINGERPRINT,
        verifyCommand: evidenceVerifyCommand(FAKE_PUBLIC_KEY_PATH, request.bundlePath),
      };
    },
    async exportAttestationReport(request) {
      const found = await this.getAttestation(request.id);
      return {
        path: `${request.destination ?? '/workspace/reports'}/attestation-${request.id}.${request.format}`,
        format: request.format,
        outcome: found.outcome === 'pending' ? 'interrupted' : found.outcome,
      };
    },
  };
}
