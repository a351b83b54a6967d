/**
 * Store commands of `se-attest`: `guest add|list|show|edit|remove`, `trust import|list|remove`, `history GUEST`,
 * `audit verify|list` (flags: main/cli/flags/store.ts). Every command takes `--db PATH` (default `$SE_ATTEST_DB`,
 * else `~/.local/share/se-attestation-workstation/workstation.db`). Exit codes: 0 ok, 1 error, 2 audit chain broken.
 */
import { resolve } from 'node:path';
import { AttestError } from '../../../shared/errors/index.js';
import type { AttestationRecord, GuestInput, GuestPolicy, TrustKind } from '../../../shared/types/store.js';
import { isVerifiedOutcome } from '../../../shared/types/verdict.js';
import { listAuditEntries, verifyAuditLog } from '../../services/audit.js';
import { addGuest, editGuest, listGuestStatuses, listGuests, removeGuest, showGuest } from '../../services/guests.js';
import { listHistory, toHistoryJson } from '../../services/history.js';
import { MAX_PKI_INPUT_SIZE } from '../../engine/pki/hkd-verifier.js';
import { importTrustFiles, listTrust, removeTrustItem } from '../../services/trust.js';
import { resolveDbPath } from '../../services/db-path.js';
import { openWorkspace, type Store } from '../../services/workspace.js';
import { naming } from '../files.js';
import { formatFailedChecks, statusLabel } from '../format/verdict-output.js';
import { parseAddDataList } from '../../engine/formats/additional-data.js';
import { KEY_SLOT_PHKH_SIZE } from '../../engine/formats/arcb.js';
import { extractSeHeader } from '../../engine/formats/se-header.js';
import { readFileBounded, withFileForReading } from '../../fs/index.js';
import { CliExit, EXIT_ATTESTATION_FAILED, EXIT_ERROR, type CliIo } from '../io.js';

function withStore<T>(io: CliIo, opts: { db?: string }, fn: (store: Store) => T, readOnly = false): T {
  // a folder, FIFO or device as --db: a coded error before SQLite opens it
  const store = openWorkspace(resolveDbPath(io, opts.db), { readOnly, createFolder: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function table(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0))) ?? [];
  return (
    cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n'
  );
}

function hexOption(name: string, value: string | undefined, bytes?: number): string | undefined {
  if (value === undefined) return undefined;
  const clean = value.replace(/^0x/i, '').toLowerCase();
  if (!/^([0-9a-f]{2})*$/.test(clean) || (bytes !== undefined && clean.length !== bytes * 2)) {
    throw new AttestError('ERR_INPUT_INVALID', `${name} must be ${bytes ? `${bytes} bytes of ` : ''}hex`);
  }
  return clean;
}

function nullable(v: string | undefined): string | null | undefined {
  return v === undefined ? undefined : v === '' ? null : v;
}

/** The options of `guest add` and `guest edit` as parsed. */
export interface GuestOpts {
  db?: string;
  target?: string;
  jump?: string;
  identity?: string;
  hostKeyFingerprint?: string;
  hdr?: string;
  image?: string;
  hkd?: string[];
  expectImagePhkh?: string;
  expectAttestationPhkh?: string;
  expectUserData?: string;
  requireAddData?: string;
  notes?: string;
  tag?: string[];
  rename?: string;
}

function guestInputFrom(io: CliIo, o: GuestOpts, current?: GuestPolicy): Partial<GuestInput> {
  const input: Partial<GuestInput> = {};
  if (o.target !== undefined) input.sshTarget = nullable(o.target);
  if (o.jump !== undefined) input.jumpHost = nullable(o.jump);
  if (o.identity !== undefined) input.identityRef = nullable(o.identity);
  if (o.hostKeyFingerprint !== undefined) input.hostKeyFingerprint = nullable(o.hostKeyFingerprint);
  if (o.image !== undefined) input.imagePath = o.image === '' ? null : resolve(io.cwd, o.image);
  if (o.notes !== undefined) input.notes = nullable(o.notes);
  if (o.tag !== undefined) input.tags = o.tag;
  if (o.hdr !== undefined) {
    if (o.hdr === '') input.seHeaderHex = null;
    else {
      // a bare header or an image of any size (only its header is read): the guest keeps the bare header
      const hdr = o.hdr;
      const header = naming(hdr, () => withFileForReading(hdr, { cwd: io.cwd }, (f) => extractSeHeader(f)));
      input.seHeaderHex = Buffer.from(header).toString('hex');
    }
  }
  const policy: GuestPolicy = { ...(current ?? {}) };
  let policyChanged = false;
  const setPolicy = <K extends keyof GuestPolicy>(k: K, v: GuestPolicy[K] | undefined) => {
    if (v === undefined) return;
    policyChanged = true;
    if (v === '' || (Array.isArray(v) && v.length === 0)) delete policy[k];
    else policy[k] = v;
  };
  setPolicy(
    'hkdSha256',
    o.hkd?.map((h) => hexOption('--hkd', h, 32)!),
  );
  setPolicy(
    'expectedImagePhkh',
    o.expectImagePhkh === '' ? '' : hexOption('--expect-image-phkh', o.expectImagePhkh, KEY_SLOT_PHKH_SIZE),
  );
  setPolicy(
    'expectedAttestationPhkh',
    o.expectAttestationPhkh === ''
      ? ''
      : hexOption('--expect-attestation-phkh', o.expectAttestationPhkh, KEY_SLOT_PHKH_SIZE),
  );
  setPolicy('expectedUserData', o.expectUserData === '' ? '' : hexOption('--expect-user-data', o.expectUserData));
  if (o.requireAddData !== undefined) {
    setPolicy('requiredAddData', parseAddDataList(o.requireAddData));
  }
  if (policyChanged) input.policy = policy;
  if (o.rename !== undefined) input.name = o.rename;
  return input;
}

/** The one-line reason of an attempt that did not verify. */
function reasonOf(r: AttestationRecord): string | null {
  return r.verdict && !isVerifiedOutcome(r.verdict.outcome) ? r.verdict.reason : null;
}

/** Expected beside seen for every failed policy check of `records` (empty when none failed). */
function failedChecksOf(records: readonly AttestationRecord[]): string {
  const parts = records
    .filter((r) => r.verdict?.checks.some((c) => !c.passed))
    .map((r) => `attestation ${r.id} (${r.startedAt}):\n${formatFailedChecks(r.verdict, '  ')}`);
  return parts.length > 0 ? `\nFailed policy checks:\n${parts.join('')}` : '';
}

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AttestError('ERR_INPUT_INVALID', `--since: not a date: "${value}"`);
  return new Date(t);
}

function parsePositive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new AttestError('ERR_INPUT_INVALID', `${name} must be a non-negative number`);
  return n;
}

/** `guest add NAME`. */
export function guestAdd(io: CliIo, name: string, o: GuestOpts): void {
  withStore(io, o, (store) => {
    const g = addGuest(store, { ...guestInputFrom(io, o), name });
    io.out(`added guest ${g.name} (id ${g.id})\n`);
  });
}

/** `guest edit NAME`. */
export function guestEdit(io: CliIo, name: string, o: GuestOpts): void {
  withStore(io, o, (store) => {
    const current = store.guests.get(name);
    const g = editGuest(store, name, guestInputFrom(io, o, current.policy));
    io.out(`updated guest ${g.name}\n`);
  });
}

/** `guest remove NAME`. */
export function guestRemove(io: CliIo, name: string, o: { db?: string }): void {
  withStore(io, o, (store) => {
    removeGuest(store, name);
    io.out(`removed guest ${name}\n`);
  });
}

/** `guest list`. */
export function guestList(io: CliIo, o: { db?: string; tag?: string; staleAfter?: string; format: string }): void {
  withStore(io, o, (store) => {
    const staleAfterMs = parsePositive('--stale-after', o.staleAfter, 24) * 3600_000;
    const names = new Set(listGuests(store, o.tag).map((g) => g.name));
    const statuses = listGuestStatuses(store, { staleAfterMs }).filter((s) => names.has(s.name));
    if (o.format === 'json') {
      // each guest's status fields, and its latest attempt that counts for it in the history's shape
      const listed = statuses.map((s) => ({
        ...s,
        last: s.lastOutcomeId === null ? null : toHistoryJson(store.attestations.get(s.lastOutcomeId)),
      }));
      io.out(`${JSON.stringify(listed, null, 2)}\n`);
      return;
    }
    // LAST OUTCOME is the latest run that counts for the status; LAST RUN the latest of any kind
    io.out(
      table([
        ['NAME', 'STATUS', 'LAST OUTCOME', 'CODE', 'LAST VERIFIED', 'LAST RUN', 'ATTESTATIONS'],
        ...statuses.map((s) => [
          s.name,
          s.health,
          statusLabel(s.lastOutcome),
          s.lastOutcomeCode,
          s.lastVerifiedAt,
          s.lastAttemptAt ? `${s.lastAttemptAt} (${statusLabel(s.lastStatus)})` : null,
          s.attestationCount,
        ]),
      ]),
    );
  });
}

/** `guest show NAME`. */
export function guestShow(io: CliIo, name: string, o: { db?: string; staleAfter?: string; format: string }): void {
  withStore(io, o, (store) => {
    const d = showGuest(store, name, { staleAfterMs: parsePositive('--stale-after', o.staleAfter, 24) * 3600_000 });
    if (o.format === 'json') {
      io.out(`${JSON.stringify({ ...d, recent: d.recent.map(toHistoryJson) }, null, 2)}\n`);
      return;
    }
    const g = d.guest;
    io.out(
      table([
        ['name', g.name],
        ['status', d.status.health],
        [
          'last outcome',
          d.status.lastOutcome
            ? `${statusLabel(d.status.lastOutcome)}${d.status.lastOutcomeCode ? ` (${d.status.lastOutcomeCode})` : ''}`
            : null,
        ],
        ['last verified', d.status.lastVerifiedAt],
        ['ssh target', g.sshTarget],
        ['jump host', g.jumpHost],
        ['identity', g.identityRef],
        ['host-key fingerprint', g.hostKeyFingerprint],
        ['SE header', g.seHeaderSha256 ? `${g.seHeaderSize} bytes, SHA-256 ${g.seHeaderSha256}` : null],
        ['image path', g.imagePath],
        ['policy', JSON.stringify(g.policy)],
        ['tags', g.tags.join(', ')],
        ['notes', g.notes],
      ]),
    );
    if (d.recent.length > 0) {
      io.out(
        '\n' +
          table([
            ['ID', 'OUTCOME', 'STARTED', 'CODE', 'REASON'],
            ...d.recent.map((r) => [r.id, statusLabel(r.status), r.startedAt, r.verdict?.code, reasonOf(r)]),
          ]) +
          failedChecksOf(d.recent),
      );
    }
  });
}

/** `trust import FILES...`. */
export function trustImport(io: CliIo, files: string[], o: { db?: string }): void {
  const failed = withStore(io, o, (store) => {
    const results = importTrustFiles(
      store,
      files.map((f) => ({
        source: resolve(io.cwd, f),
        bytes: readFileBounded(f, MAX_PKI_INPUT_SIZE, { cwd: io.cwd }),
      })),
    );
    let bad = 0;
    for (const r of results) {
      if (r.error) {
        bad++;
        io.err(`${r.source}: ${r.error.message} (${r.error.code})\n`);
      }
      for (const { item, created } of r.items) {
        io.out(
          `${created ? 'imported' : 'already present'}  ${item.kind}  ${item.sha256.slice(0, 16)}  ${item.subject ?? item.issuer}\n`,
        );
      }
    }
    return bad;
  });
  if (failed > 0) throw new CliExit(EXIT_ERROR);
}

/** `trust remove SHA256`. */
export function trustRemove(io: CliIo, sha: string, o: { db?: string }): void {
  withStore(io, o, (store) => {
    const wanted = sha.toLowerCase();
    const matches = wanted.length >= 8 ? store.trust.list().filter((i) => i.sha256.startsWith(wanted)) : [];
    if (matches.length !== 1) {
      throw new AttestError(
        'ERR_STORE_TRUST_NOT_FOUND',
        matches.length === 0
          ? `no trust item with SHA-256 ${sha}`
          : `${sha} matches ${matches.length} items: give more digits`,
      );
    }
    const removed = removeTrustItem(store, matches[0]!.id);
    io.out(`removed  ${removed.kind}  ${removed.sha256.slice(0, 16)}  ${removed.subject ?? removed.issuer}\n`);
  });
}

/** `trust list`. */
export function trustList(
  io: CliIo,
  o: { db?: string; kind?: TrustKind; expiringDays?: string; format: string },
): void {
  withStore(io, o, (store) => {
    const items = listTrust(store, {
      expiringDays: parsePositive('--expiring-days', o.expiringDays, 7),
      ...(o.kind ? { kind: o.kind } : {}),
    });
    if (o.format === 'json') {
      io.out(`${JSON.stringify(items, null, 2)}\n`);
      return;
    }
    io.out(
      table([
        ['KIND', 'SHA-256', 'FRESHNESS', 'NEXT UPDATE', 'SUBJECT / ISSUER'],
        ...items.map((i) => [
          i.kind,
          i.sha256.slice(0, 16),
          i.freshness,
          i.nextUpdate,
          i.kind === 'crl' ? `issuer ${i.issuer}` : i.subject,
        ]),
      ]),
    );
  });
}

/** `history GUEST`. */
export function history(
  io: CliIo,
  name: string,
  o: { db?: string; since?: string; limit?: string; format: string },
): void {
  withStore(io, o, (store) => {
    const since = parseSince(o.since);
    const records = listHistory(store, name, {
      ...(since ? { since } : {}),
      ...(o.limit !== undefined ? { limit: parsePositive('--limit', o.limit, 50) } : {}),
    });
    if (o.format === 'json') {
      io.out(`${JSON.stringify(records.map(toHistoryJson), null, 2)}\n`);
      return;
    }
    io.out(
      table([
        ['ID', 'OUTCOME', 'STARTED', 'FINISHED', 'CUID', 'CODE', 'REASON'],
        ...records.map((r) => [
          r.id,
          statusLabel(r.status),
          r.startedAt,
          r.finishedAt,
          r.cuid,
          r.verdict?.code,
          reasonOf(r),
        ]),
      ]) + failedChecksOf(records),
    );
  });
}

/** `audit verify`. */
export function auditVerify(io: CliIo, o: { db?: string; format: string }): void {
  const result = withStore(io, o, (store) => verifyAuditLog(store));
  if (o.format === 'json') io.out(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) io.out(`audit chain intact: ${result.entries} entries, head ${result.headHash ?? '(empty)'}\n`);
  else {
    const b = result.firstBroken!;
    const where = b.seq !== null ? `entry ${b.seq}` : `${b.subjectType} ${b.subjectId}`;
    io.out(`audit chain BROKEN at ${where}: ${b.reason}\n`);
  }
  if (!result.ok) throw new CliExit(EXIT_ATTESTATION_FAILED);
}

/** `audit list`. */
export function auditList(io: CliIo, o: { db?: string; after?: string; format: string }): void {
  withStore(io, o, (store) => {
    const entries = listAuditEntries(store, { afterSeq: parsePositive('--after', o.after, 0) });
    if (o.format === 'json') io.out(`${JSON.stringify(entries, null, 2)}\n`);
    else
      io.out(
        table([
          ['SEQ', 'AT', 'ACTION', 'SUBJECT', 'HASH'],
          ...entries.map((e) => [e.seq, e.at, e.action, `${e.subjectType} ${e.subjectId ?? ''}`, e.hash.slice(0, 16)]),
        ]),
      );
  });
}
