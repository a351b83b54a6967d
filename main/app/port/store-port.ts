/**
 * The WorkstationPort over an open store and the real services: guests (services/guests), trust material
 * (services/trust, chain status from the HKD verifier), attestation of stored guests with first-contact
 * host-key prompts (services/attest-stored-guest), paged history and reports (store repositories), and
 * evidence export (services/evidence/store-export). Store records are translated to the UI's plain data.
 */
import { dirname, join } from 'node:path';
import { shortDn } from '../../../shared/dn.js';
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import type { AttestationRecord, Guest, GuestInput as StoreGuestInput } from '../../../shared/types/store.js';
import type {
  AttestationSummary,
  EvidenceExportResult,
  FleetGuestResult,
  GuestDetail,
  GuestInput,
  GuestSummary,
  HistoryPage,
  SeHeaderFacts,
  TrustImportResult,
  TrustItem,
} from '../../../shared/types/ui.js';
import type { Outcome } from '../../../shared/types/verdict.js';
import { toHex } from '../../engine/bytes.js';
import type { EngineContext } from '../../engine/crypto/context.js';
import { extractSeHeader, parseSeHeader } from '../../engine/formats/se-header.js';
import type { AttestControl, FleetControl, HostKeyOffer, WorkstationPort } from '../../ipc/port.js';
import { loadGuestSeHeader, type TransportFactory } from '../../services/attest-stored-guest.js';
import { PUBLIC_KEY_FILE } from '../../services/evidence/signing-key.js';
import { exportStoreEvidence } from '../../services/evidence/store-export.js';
import { addGuest, editGuest, listGuestStatuses, removeGuest } from '../../services/guests.js';
import { importTrustFiles, parseTrustFile, removeTrustItem } from '../../services/trust.js';
import type { Store } from '../../store/index.js';
import type { HostKeyInfo } from '../../transport/host-key.js';
import { runStoredAttestation } from './attest-runner.js';
import {
  parseId,
  toAppError,
  toAttestationDetail,
  toAttestationSummary,
  toGuestStatus,
  toLastAttestation,
} from './mappers.js';
import { buildTimeline, type TimelineRow } from './timeline.js';
import { guestTrustIssue, trustDependents } from './trust-dependents.js';
import { createReleasePort } from './release-port.js';
import { createTrustView, summarizeHealth, type TrustViewItem } from './trust-view.js';
import { destinationFile, evidenceDefaults, exportReportTo } from './evidence-view.js';
import { evidenceVerifyCommand } from '../../services/evidence/verify-command.js';

/** Inputs of `createStorePort`. */
export interface CreateStorePortParams {
  readonly store: Store;
  readonly ctx: EngineContext;
  /** Folder of the workstation's evidence signing key (`keys/` beside the database). */
  readonly keyDir: string;
  /** Where single-attestation reports go by default (default `reports/` beside the key folder). */
  readonly reportsDir?: string;
  /** Guests attested at the same time in a batch (default 4). */
  readonly fleetConcurrency?: number;
  /** A verification older than this makes a guest stale (default 24 h). */
  readonly staleAfterMs?: number;
  /** SSH agent socket for guests whose identity is "agent" (default `$SSH_AUTH_SOCK`). */
  readonly agentSocket?: string;
  /** Replaces the SSH transport (tests). */
  readonly transportFactory?: TransportFactory;
}

const MAX_HISTORY_PAGE = 500;

function cancelled(): AttestError {
  return new AttestError('ERR_APP_CANCELLED', 'cancelled by the user');
}

/** Runs `fn` and maps store errors that have a UI counterpart. */
async function mapped<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toAppError(error);
  }
}

function decodeHeader(base64: string): string {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  // Keep only the bare header (an image prefix may be large); throws ERR_SEHDR_* when there is none.
  return toHex(extractSeHeader(bytes));
}

function toStoreInput(input: Partial<GuestInput>): Partial<StoreGuestInput> {
  const out: Partial<StoreGuestInput> = {};
  if (input.name !== undefined) out.name = input.name;
  if (input.sshTarget !== undefined) out.sshTarget = input.sshTarget.trim() || null;
  if (input.identityRef !== undefined) out.identityRef = input.identityRef.trim() || null;
  if (input.seHeaderBase64 !== undefined) out.seHeaderHex = decodeHeader(input.seHeaderBase64);
  if (input.policy !== undefined) out.policy = { ...input.policy };
  if (input.notes !== undefined) out.notes = input.notes || null;
  if (input.tags !== undefined) out.tags = [...input.tags];
  if (input.hostKeyFingerprint !== undefined) out.hostKeyFingerprint = input.hostKeyFingerprint || null;
  if (input.jumpHost !== undefined) out.jumpHost = input.jumpHost.trim() || null;
  return out;
}

/** A time as the store writes it (ISO, UTC, milliseconds), so ranges compare as text. */
function isoOf(text: string): string {
  return new Date(text).toISOString();
}

/** Builds the port. */
export function createStorePort(params: CreateStorePortParams): WorkstationPort {
  const { store, ctx } = params;
  const trustView = createTrustView(store);
  /** Algorithm and time of host keys pinned or seen in this session (the store keeps the algorithm since schema 5). */
  const pins = new Map<number, { algorithm: string; pinnedAt?: string }>();
  /** Host-key prompts one at a time (the UI shows one dialog). */
  let promptChain: Promise<unknown> = Promise.resolve();
  const now = (): Date => ctx.now();
  const agentSocket = params.agentSocket ?? process.env['SSH_AUTH_SOCK'];

  function guestTrust(
    guest: Guest,
    all: readonly TrustViewItem[],
  ): { hkds: TrustItem[]; crls: TrustItem[]; other: TrustItem[] } {
    const wanted = (guest.policy.hkdSha256 ?? []).map((s) => s.toLowerCase());
    const hkds = all
      .filter((t) => t.stored.kind === 'hkd' && (wanted.length === 0 || wanted.includes(t.stored.sha256)))
      .map((t) => t.ui);
    const crls = all.filter((t) => t.stored.kind === 'crl').map((t) => t.ui);
    const other = all.filter((t) => t.stored.kind !== 'hkd' && t.stored.kind !== 'crl').map((t) => t.ui);
    return { hkds, crls, other };
  }

  function summarize(
    guest: Guest,
    status: ReturnType<typeof listGuestStatuses>[number] | undefined,
    trust: readonly TrustViewItem[],
  ): GuestSummary {
    const t = guestTrust(guest, trust);
    const issue = guestTrustIssue(guest, trust, removedName);
    const last = status && status.attestationCount > 0 ? lastRecord(guest.id) : undefined;
    const expiries = [...t.hkds, ...t.crls, ...t.other]
      .map((i) => i.nextUpdate ?? i.notAfter)
      .filter((d): d is string => d !== undefined)
      .sort((a, b) => Date.parse(a) - Date.parse(b));
    return {
      id: String(guest.id),
      name: guest.name,
      sshTarget: guest.sshTarget ?? '',
      status: status ? toGuestStatus(status) : 'never',
      ...(last ? { lastAttestation: toLastAttestation(last) } : {}),
      hkdHealth: summarizeHealth(t.hkds),
      crlHealth: summarizeHealth(t.crls),
      ...(expiries[0] ? { trustExpiresAt: expiries[0] } : {}),
      ...(issue ? { trustIssue: issue } : {}),
    };
  }

  /** What an HKD no longer imported was (subject's common name or file), by its SHA-256. */
  function removedName(sha256: string): string | undefined {
    const row = store.db.prepare('SELECT subject, source FROM trust_items WHERE sha256 = ?').get(sha256) as
      { subject: string | null; source: string | null } | undefined;
    if (!row) return undefined;
    return row.subject ? shortDn(row.subject) : (row.source ?? undefined);
  }

  function lastRecord(guestId: number): AttestationRecord | undefined {
    return store.attestations.list(guestId, { limit: 1 })[0];
  }

  function statusOf(guestId: number) {
    return listGuestStatuses(store, {
      now: now(),
      ...(params.staleAfterMs !== undefined ? { staleAfterMs: params.staleAfterMs } : {}),
    }).find((s) => s.guestId === guestId);
  }

  async function summaryOf(guest: Guest): Promise<GuestSummary> {
    return summarize(guest, statusOf(guest.id), await trustView.list(now()));
  }

  /** The store id of an existing guest (removed ones included: their history stays readable). */
  function existingGuestId(id: string): number {
    const gid = parseId(id, 'guest');
    if (!store.guests.getById(gid)) throw new AttestError('ERR_APP_NOT_FOUND', 'no such guest', { id });
    return gid;
  }

  /** The SQL conditions of attempts of a guest (or all) started within a period. */
  function attemptFilter(
    guestId: string | undefined,
    period: { from?: string; to?: string },
  ): { where: string[]; args: (string | number)[] } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (guestId !== undefined) {
      where.push('guest_id = ?');
      args.push(existingGuestId(guestId));
    }
    if (period.from !== undefined) {
      where.push('started_at >= ?');
      args.push(isoOf(period.from));
    }
    if (period.to !== undefined) {
      where.push('started_at <= ?');
      args.push(isoOf(period.to));
    }
    return { where, args };
  }

  function requireGuest(id: string): Guest {
    const guest = store.guests.find(parseId(id, 'guest'));
    if (!guest) throw new AttestError('ERR_APP_NOT_FOUND', 'no such guest', { id });
    return guest;
  }

  function seHeaderFacts(guest: Guest): SeHeaderFacts | undefined {
    try {
      const header = parseSeHeader(extractSeHeader(loadGuestSeHeader(store, guest)));
      return {
        sizeBytes: header.phs,
        pldHex: toHex(header.pld),
        aldHex: toHex(header.ald),
        tldHex: toHex(header.tld),
        keySlotPhkhs: header.keySlotPhkhs.map(toHex),
      };
    } catch {
      return undefined; // no header, unreadable image: the detail screen shows none
    }
  }

  function confirmHostKey(control: AttestControl, guest: Guest, info: HostKeyInfo): Promise<boolean> {
    const offer: HostKeyOffer = {
      guestId: String(guest.id),
      target: guest.sshTarget ?? `${info.host}:${info.port}`,
      algorithm: info.keyType,
      fingerprintSha256: info.fingerprint,
    };
    const next = promptChain.then(() => (control.signal.aborted ? false : control.confirmHostKey(offer)));
    promptChain = next.catch(() => undefined);
    return next;
  }

  async function attestOne(guestId: string, control: AttestControl): Promise<AttestationSummary> {
    const guest = requireGuest(guestId);
    if (control.signal.aborted) throw cancelled();
    return runStoredAttestation({
      store,
      guest,
      ctx,
      control,
      confirmHostKey: (info) => confirmHostKey(control, guest, info),
      onPinned: (info) => pins.set(guest.id, { algorithm: info.keyType, pinnedAt: now().toISOString() }),
      onHostKeySeen: (info) => {
        if (!pins.has(guest.id)) pins.set(guest.id, { algorithm: info.keyType });
      },
      ...(agentSocket ? { agentSocket } : {}),
      ...(params.transportFactory ? { transportFactory: params.transportFactory } : {}),
    });
  }

  const reportsDir = params.reportsDir ?? join(dirname(params.keyDir), 'reports');

  return {
    ...createReleasePort({ store, ctx, ...(agentSocket ? { agentSocket } : {}) }),
    async listGuests(query) {
      const trust = await trustView.list(now());
      const statuses = new Map(
        listGuestStatuses(store, {
          now: now(),
          ...(params.staleAfterMs !== undefined ? { staleAfterMs: params.staleAfterMs } : {}),
        }).map((s) => [s.guestId, s]),
      );
      const search = query.search?.trim().toLowerCase() ?? '';
      return store.guests
        .list()
        .filter((g) =>
          search ? `${g.name} ${g.sshTarget ?? ''} ${g.tags.join(' ')}`.toLowerCase().includes(search) : true,
        )
        .map((g) => summarize(g, statuses.get(g.id), trust))
        .filter((g) => (query.status ? g.status === query.status : true));
    },

    async getGuest(id) {
      const guest = requireGuest(id);
      const trust = await trustView.list(now());
      const pin = pins.get(guest.id);
      const header = seHeaderFacts(guest);
      return {
        ...summarize(guest, statusOf(guest.id), trust),
        ...(guest.identityRef ? { identityRef: guest.identityRef } : {}),
        ...(guest.jumpHost ? { jumpHost: guest.jumpHost } : {}),
        ...(guest.hostKeyFingerprint
          ? {
              pinnedHostKey: {
                algorithm: guest.hostKeyType ?? pin?.algorithm ?? 'unknown',
                fingerprintSha256: guest.hostKeyFingerprint,
                pinnedAt: pin?.pinnedAt ?? guest.updatedAt,
              },
            }
          : {}),
        ...(header ? { seHeader: header } : {}),
        policy: guest.policy,
        hostKeyDocuments: guestTrust(guest, trust).hkds,
        ...(guest.notes ? { notes: guest.notes } : {}),
        tags: guest.tags,
        createdAt: guest.createdAt,
      } satisfies GuestDetail;
    },

    addGuest: (input) =>
      mapped(async () => {
        const guest = addGuest(store, { ...(toStoreInput(input) as StoreGuestInput), name: input.name });
        return summaryOf(guest);
      }),

    editGuest: (id, patch) =>
      mapped(async () => {
        const current = requireGuest(id);
        const change = toStoreInput(patch);
        // Another target is another machine: its host key must be confirmed again, unless a new pin is typed
        // with it (the form sends the current pin back unchanged: that does not carry over to another machine).
        const newPin =
          change.hostKeyFingerprint !== undefined && change.hostKeyFingerprint !== current.hostKeyFingerprint;
        if (change.sshTarget !== undefined && change.sshTarget !== current.sshTarget && !newPin) {
          change.hostKeyFingerprint = null;
          pins.delete(current.id);
        }
        if (change.hostKeyFingerprint !== undefined && change.hostKeyFingerprint !== current.hostKeyFingerprint) {
          pins.delete(current.id);
          change.hostKeyType = null; // a typed pin names no algorithm; the next contact tells it
        }
        return summaryOf(editGuest(store, current.name, change));
      }),

    removeGuest: (id) =>
      mapped(() => {
        const guest = requireGuest(id);
        removeGuest(store, guest.name);
        pins.delete(guest.id);
      }),

    async importTrust(files, control): Promise<TrustImportResult> {
      const result: TrustImportResult = { imported: [], alreadyPresent: [], rejected: [] };
      const importedIds: number[] = [];
      const presentIds: number[] = [];
      let done = 0;
      for (const file of files) {
        if (control.signal.aborted) throw cancelled();
        const [outcome] = importTrustFiles(store, [{ source: file.name, bytes: file.bytes }]);
        if (outcome?.error)
          result.rejected.push({ name: file.name, code: outcome.error.code, message: outcome.error.message });
        else for (const x of outcome?.items ?? []) (x.created ? importedIds : presentIds).push(x.item.id);
        control.reportProgress(++done, files.length, file.name);
      }
      trustView.invalidate();
      const byId = new Map((await trustView.list(now())).map((t) => [t.stored.id, t.ui]));
      for (const id of new Set(importedIds)) {
        const item = byId.get(id);
        if (item) result.imported.push(item);
      }
      for (const id of new Set(presentIds)) {
        const item = byId.get(id);
        if (item && !importedIds.includes(id)) result.alreadyPresent.push(item);
      }
      return result;
    },

    async listTrust() {
      return (await trustView.list(now())).map((t) => t.ui);
    },

    async removeTrust(id) {
      try {
        removeTrustItem(store, parseId(id, 'trust item'));
      } catch (e) {
        if (isAttestError(e, 'ERR_STORE_TRUST_NOT_FOUND')) throw new AttestError('ERR_APP_NOT_FOUND', e.message);
        throw e;
      }
      trustView.invalidate();
    },

    async trustDependents(id) {
      const all = await trustView.list(now());
      const item = all.find((t) => t.ui.id === id);
      if (!item) throw new AttestError('ERR_APP_NOT_FOUND', 'no such trust item', { id });
      return trustDependents(item, all, store.guests.list());
    },

    async restoreTrust(id) {
      const row = store.db
        .prepare('SELECT sha256, source, removed_at FROM trust_items WHERE id = ?')
        .get(parseId(id, 'trust item')) as
        { sha256: string; source: string | null; removed_at: string | null } | undefined;
      if (!row) throw new AttestError('ERR_APP_NOT_FOUND', 'no such trust item', { id });
      if (row.removed_at !== null) {
        // Importing the same bytes again brings the removed row back (audited as a restoring import).
        const der = store.trust.bytes(row.sha256);
        const parsed = parseTrustFile(der, row.source ?? row.sha256.slice(0, 16));
        store.transaction(() => parsed.forEach((p) => store.trust.import(p)));
        trustView.invalidate();
      }
      const restored = (await trustView.list(now())).find((t) => t.ui.id === id);
      if (!restored) throw new AttestError('ERR_APP_NOT_FOUND', 'the trust item could not be restored', { id });
      return restored.ui;
    },

    runAttestation: (guestId, control) => attestOne(guestId, control),

    async attestFleet(guestIds, control: FleetControl): Promise<FleetGuestResult[]> {
      const results: FleetGuestResult[] = new Array(guestIds.length);
      let next = 0;
      let done = 0;
      const limit = Math.max(1, Math.min(params.fleetConcurrency ?? 4, guestIds.length));
      const worker = async (): Promise<void> => {
        while (next < guestIds.length) {
          if (control.signal.aborted) return;
          const index = next++;
          const guestId = guestIds[index]!;
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
            if (isAttestError(error, 'ERR_APP_CANCELLED')) return;
            const e = toAppError(error);
            result = {
              guestId,
              outcome: 'error',
              reasonCode: isAttestError(e) ? e.code : 'ERR_APP_INTERNAL',
              reason: e instanceof Error ? e.message : 'failed',
            };
          }
          results[index] = result;
          control.reportGuestDone(result, ++done, guestIds.length);
        }
      };
      await Promise.all(Array.from({ length: limit }, worker));
      if (control.signal.aborted) throw cancelled();
      return results;
    },

    async listHistory(query): Promise<HistoryPage> {
      const limit = Math.min(Math.max(0, query.limit), MAX_HISTORY_PAGE);
      const offset = Math.max(0, query.offset);
      let ids: number[];
      let total: number;
      const { where, args } = attemptFilter(query.guestId, query);
      if (where.length === 0) {
        total = store.attestations.count();
        ids = store.db
          .prepare('SELECT id FROM attestations ORDER BY id DESC LIMIT ? OFFSET ?')
          .pluck()
          .all(limit, offset) as number[];
      } else {
        const clause = `WHERE ${where.join(' AND ')}`;
        total = store.db
          .prepare(`SELECT count(*) FROM attestations ${clause}`)
          .pluck()
          .get(...args) as number;
        ids = store.db
          .prepare(`SELECT id FROM attestations ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
          .pluck()
          .all(...args, limit, offset) as number[];
      }
      return { offset, total, items: ids.map((id) => toAttestationSummary(store.attestations.get(id))) };
    },

    guestTimeline: (query) =>
      mapped(() => {
        const gid = existingGuestId(query.guestId);
        const span = store.db
          .prepare(
            "SELECT min(started_at) AS first, max(started_at) AS last FROM attestations WHERE guest_id = ? AND status != 'pending'",
          )
          .get(gid) as { first: string | null; last: string | null };
        const { where, args } = attemptFilter(query.guestId, query);
        where.push("status != 'pending'");
        const rows = (
          store.db
            .prepare(
              `SELECT id, status, error_code, started_at, finished_at FROM attestations WHERE ${where.join(' AND ')} ORDER BY started_at, id`,
            )
            .all(...args) as {
            id: number;
            status: Outcome; // pending rows are left out above
            error_code: string | null;
            started_at: string;
            finished_at: string | null;
          }[]
        ).map((r): TimelineRow => ({
          id: r.id,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          outcome: r.status,
          ...(r.status !== 'verified' && r.error_code ? { reasonCode: r.error_code } : {}),
        }));
        return buildTimeline({
          guestId: query.guestId,
          rows,
          ...(query.from !== undefined ? { from: isoOf(query.from) } : {}),
          ...(query.to !== undefined ? { to: isoOf(query.to) } : {}),
          ...(query.maxPoints !== undefined ? { maxPoints: query.maxPoints } : {}),
          ...(span.first ? { firstAt: span.first } : {}),
          ...(span.last ? { lastAt: span.last } : {}),
        });
      }),

    getAttestation: (id) =>
      mapped(() => {
        const record = store.attestations.get(parseId(id, 'attestation'));
        const guest = store.guests.getById(record.guestId);
        // the key the guest presented in that run (older records: the guest's current pin)
        return toAttestationDetail(record, record.hostKeyFingerprint ?? guest?.hostKeyFingerprint ?? null);
      }),

    exportEvidence: (request, control): Promise<EvidenceExportResult> =>
      mapped(async () => {
        const guestNames = request.guestIds.map((id) => {
          const g = store.guests.getById(parseId(id, 'guest'));
          if (!g) throw new AttestError('ERR_APP_NOT_FOUND', 'no such guest', { id });
          return g.name;
        });
        const destination = resolveDestination(request.destination, now());
        const out = await exportStoreEvidence({
          store,
          from: new Date(request.from),
          to: new Date(request.to),
          ...(guestNames.length > 0 ? { guestNames } : {}),
          destination: destination.path,
          zip: destination.zip,
          keyDir: params.keyDir,
          ...(request.organisation ? { organisation: request.organisation } : {}),
          signal: control.signal,
          onProgress: (done, total) => control.reportProgress(done, total),
        });
        return {
          path: out.path,
          attestationCount: out.attestationCount,
          sha256Hex: out.sha256Hex,
          publicKeyPath: join(params.keyDir, PUBLIC_KEY_FILE),
          outcomes: out.outcomes,
          fingerprint: out.fingerprint,
          verifyCommand: evidenceVerifyCommand(join(params.keyDir, PUBLIC_KEY_FILE), out.path),
        };
      }),

    evidenceDefaults: (request) => mapped(() => evidenceDefaults(store, params.keyDir, request)),

    exportAttestationReport: (request) => mapped(() => exportReportTo(store, reportsDir, request)),
  };
}

/**
 * Where a bundle goes: a path ending in `.zip` is the zip file itself; anything else is a folder (created if
 * missing) that receives `evidence-<UTC time>.zip`.
 */
export function resolveDestination(destination: string, at: Date): { path: string; zip: true } {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return { path: destinationFile(destination, 'zip', `evidence-${stamp}.zip`), zip: true };
}
