/**
 * What depends on trust material, for the UI: before an item is removed, the guests and HKD chains that need
 * it; and, for each guest, trust material it needs and does not have (an HKD its policy names that is not
 * imported, no HKD at all, or HKDs whose chain cannot be verified). Pure functions over the trust view.
 */
import { shortDn } from '../../../shared/dn.js';
import type { Guest } from '../../../shared/types/store.js';
import type { GuestTrustIssue, TrustDependents, TrustItem } from '../../../shared/types/ui.js';
import type { TrustViewItem } from './trust-view.js';

/** The HKDs a guest encrypts its requests for: those its policy names, else every imported one. */
export function guestHkds(guest: Pick<Guest, 'policy'>, all: readonly TrustViewItem[]): TrustViewItem[] {
  const wanted = (guest.policy.hkdSha256 ?? []).map((s) => s.toLowerCase());
  return all.filter((t) => t.stored.kind === 'hkd' && (wanted.length === 0 || wanted.includes(t.stored.sha256)));
}

/**
 * Every HKD and certificate whose chain of trust goes through `item`: certificates it issued (transitively),
 * and for a CRL the certificates its issuer issued (the CRL is what proves they are not revoked).
 */
function chainDependents(item: TrustViewItem, all: readonly TrustViewItem[]): TrustViewItem[] {
  const certs = all.filter((t) => t.stored.kind !== 'crl' && t.stored.id !== item.stored.id);
  const issuedBy = (subject: string): TrustViewItem[] =>
    certs.filter((c) => c.stored.issuer === subject && c.stored.subject !== c.stored.issuer);
  const seeds =
    item.stored.kind === 'crl'
      ? issuedBy(item.stored.issuer)
      : item.stored.kind === 'hkd' || item.stored.subject === null
        ? []
        : issuedBy(item.stored.subject);
  const out = new Map<number, TrustViewItem>();
  const queue = [...seeds];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (out.has(next.stored.id)) continue;
    out.set(next.stored.id, next);
    if (next.stored.kind !== 'hkd' && next.stored.subject) queue.push(...issuedBy(next.stored.subject));
  }
  return [...out.values()];
}

/** The guests and chains that depend on `item`. */
export function trustDependents(
  item: TrustViewItem,
  all: readonly TrustViewItem[],
  guests: readonly Guest[],
): TrustDependents {
  const chains = chainDependents(item, all);
  const affectedHkds = new Set(
    (item.stored.kind === 'hkd' ? [item] : chains.filter((c) => c.stored.kind === 'hkd')).map((h) => h.stored.sha256),
  );
  const out: TrustDependents['guests'] = [];
  for (const g of guests) {
    const named = (g.policy.hkdSha256 ?? []).map((s) => s.toLowerCase());
    const uses = guestHkds(g, all).filter((h) => affectedHkds.has(h.stored.sha256));
    if (uses.length === 0) continue;
    const hkdName = shortDn(uses[0]!.stored.subject ?? uses[0]!.stored.issuer);
    const why =
      item.stored.kind === 'hkd'
        ? named.length > 0
          ? 'its policy names this HKD'
          : 'it uses every imported HKD'
        : `the chain of its HKD “${hkdName}” goes through it`;
    out.push({ id: String(g.id), name: g.name, why });
  }
  return {
    guests: out,
    chains: chains.map((c) => ({
      id: c.ui.id,
      kind: c.ui.kind,
      subject: c.ui.subject,
      fileName: c.ui.fileName,
    })),
  };
}

/**
 * Trust material `guest` needs and does not have: an HKD its policy names that is not imported (`removedName`
 * looks up what it was), no HKD at all, or HKDs whose chain does not verify.
 */
export function guestTrustIssue(
  guest: Pick<Guest, 'policy'>,
  all: readonly TrustViewItem[],
  removedName: (sha256: string) => string | undefined,
): GuestTrustIssue | undefined {
  const named = (guest.policy.hkdSha256 ?? []).map((s) => s.toLowerCase());
  const active = new Set(all.filter((t) => t.stored.kind === 'hkd').map((t) => t.stored.sha256));
  const missing = named.filter((s) => !active.has(s));
  if (missing.length > 0) {
    const name = removedName(missing[0]!);
    return {
      kind: 'hkd-missing',
      message: `${name ? `The HKD “${name}”` : `An HKD (SHA-256 ${missing[0]!.slice(0, 12)}…)`} named by its policy is not imported${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
    };
  }
  const hkds = guestHkds(guest, all);
  if (hkds.length === 0) return { kind: 'no-hkd', message: 'No host-key document imported' };
  const bad = hkds.map((h) => h.ui).find((h: TrustItem) => h.chainStatus === 'invalid' || h.chainStatus === 'unknown');
  if (bad) {
    return {
      kind: 'chain',
      message:
        bad.chainStatus === 'unknown'
          ? `The chain of HKD “${shortDn(bad.subject)}” cannot be checked: its IBM Z signing key is not imported`
          : `The chain of HKD “${shortDn(bad.subject)}” does not verify`,
    };
  }
  return undefined;
}
