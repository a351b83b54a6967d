/**
 * The audit chain as an evidence bundle carries it (hashed by the store's `computeEntryHash`):
 * hash_n = SHA-256(bytes(prevHash_n) ‖ UTF-8(canonicalJson({seq, at, action, subjectType, subjectId, data}))),
 * prevHash_n = hash_{n-1}, the genesis prevHash is 64 zeros, seq increments by one.
 */
import { computeEntryHash } from '../../store/audit-log.js';
import type { EvidenceAuditEntry } from '../../../shared/types/evidence.js';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The hash of an exported entry given its predecessor's hash: the store's own formula. */
export function computeAuditEntryHash(prevHash: string, e: Omit<EvidenceAuditEntry, 'prevHash' | 'hash'>): string {
  return computeEntryHash(prevHash, e);
}

/** A problem found while re-walking. */
export interface AuditChainProblem {
  readonly seq: number | null;
  readonly reason: string;
}

/** Re-walks entries in order; the first entry's prevHash is the anchor. Returns every problem found. */
export function walkAuditChain(entries: readonly EvidenceAuditEntry[]): AuditChainProblem[] {
  const problems: AuditChainProblem[] = [];
  let prev: EvidenceAuditEntry | undefined;
  for (const e of entries) {
    if (
      typeof e?.seq !== 'number' ||
      typeof e.hash !== 'string' ||
      typeof e.prevHash !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.prevHash)
    ) {
      problems.push({ seq: typeof e?.seq === 'number' ? e.seq : null, reason: 'malformed entry' });
      prev = undefined;
      continue;
    }
    if (prev) {
      if (e.seq !== prev.seq + 1)
        problems.push({ seq: e.seq, reason: `entry ${prev.seq + 1} is missing (the next entry is ${e.seq})` });
      if (e.prevHash !== prev.hash)
        problems.push({ seq: e.seq, reason: `entry ${e.seq} does not link to the previous entry's hash` });
    } else if (e.seq === 1 && e.prevHash !== AUDIT_GENESIS_HASH) {
      problems.push({ seq: e.seq, reason: 'entry 1 does not start from the genesis hash' });
    }
    if (computeAuditEntryHash(e.prevHash, e) !== e.hash)
      problems.push({ seq: e.seq, reason: `entry ${e.seq} was altered (its hash does not match its content)` });
    prev = e;
  }
  return problems;
}
