/**
 * The Trust screen's view of the stored trust material: each item with its freshness (days until notAfter /
 * nextUpdate, warnings within 30 days) and, for HKDs and signing keys, the chain status checked offline at
 * the listing time against the imported material (self-signed CAs are the anchors). Chain checks cost a few
 * signature verifications, so the view is cached until the material changes or a minute passes.
 */
import { basename } from 'node:path';
import type { TrustItem as StoreTrustItem } from '../../../shared/types/store.js';
import type { ChainStatus, Health, TrustItem } from '../../../shared/types/ui.js';
import type { ChainReport, HkdResult } from '../../engine/pki/hkd-verifier.js';
import { createStoreHkdVerifier } from '../../services/trust.js';
import type { Store } from '../../store/index.js';

/** Warn about anything expiring within this many days. */
export const TRUST_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;
const CACHE_MS = 60_000;

/** A UI trust item with the store row it came from. */
export interface TrustViewItem {
  readonly ui: TrustItem;
  readonly stored: StoreTrustItem;
}

/** Cached trust listing of one store. */
export interface TrustView {
  /** Every item, in import order, with chain status and freshness at `now`. */
  list(now: Date): Promise<TrustViewItem[]>;
  /** Forgets the cache (after an import). */
  invalidate(): void;
}

function worst(healths: readonly Health[]): Health {
  if (healths.length === 0) return 'unknown';
  for (const h of ['error', 'warning', 'unknown'] as const) if (healths.includes(h)) return h;
  return 'ok';
}

/** The worst health of the given items ('unknown' when there are none). */
export function summarizeHealth(items: readonly TrustItem[]): Health {
  return worst(items.map((i) => i.health));
}

function describeFreshness(s: StoreTrustItem, now: Date): { daysLeft?: number; health: Health; warnings: string[] } {
  const warnings: string[] = [];
  const isCrl = s.kind === 'crl';
  if (s.thisUpdate && Date.parse(s.thisUpdate) > now.getTime()) {
    warnings.push(isCrl ? 'CRL is not valid yet (thisUpdate in the future)' : 'certificate is not valid yet');
    return { health: 'error', warnings };
  }
  if (!s.nextUpdate) {
    if (isCrl) warnings.push('CRL has no nextUpdate');
    return { health: isCrl ? 'warning' : 'ok', warnings };
  }
  const daysLeft = Math.floor((Date.parse(s.nextUpdate) - now.getTime()) / DAY_MS);
  const what = isCrl ? 'CRL nextUpdate' : 'certificate expires';
  if (Date.parse(s.nextUpdate) < now.getTime()) {
    warnings.push(
      isCrl ? `CRL is stale: nextUpdate was ${-daysLeft} days ago` : `certificate expired ${-daysLeft} days ago`,
    );
    return { daysLeft, health: 'error', warnings };
  }
  if (daysLeft < TRUST_WARNING_DAYS) {
    warnings.push(`${what} in ${daysLeft} days`);
    return { daysLeft, health: 'warning', warnings };
  }
  return { daysLeft, health: 'ok', warnings };
}

/** A chain check's result for one item. */
interface ChainCheck {
  status: ChainStatus;
  detail?: string;
  /** ERR_… and the item at fault, when it does not verify. */
  code?: string;
  item?: string;
}

/** The certificate a failed chain names (the one at the failing depth, or the CRL's issuer that is missing). */
function chainFault(chain: ChainReport): string | undefined {
  if (chain.missingCrl) return chain.missingCrl.issuer;
  const at = chain.depth !== undefined ? chain.chain[chain.depth] : undefined;
  return at ? at.source || at.subject : chain.signingKey?.source;
}

function toUiItem(s: StoreTrustItem, now: Date, chain: ChainCheck): TrustItem {
  const fresh = describeFreshness(s, now);
  const isCrl = s.kind === 'crl';
  const warnings = [...fresh.warnings];
  let health = fresh.health;
  if (chain.status === 'invalid') {
    health = 'error';
    warnings.push(`chain invalid: ${chain.detail ?? 'not verified'}`);
  } else if (chain.status === 'unknown' && health === 'ok') {
    health = 'warning';
  }
  return {
    id: String(s.id),
    kind: s.kind,
    fileName: s.source ? basename(s.source) : s.sha256.slice(0, 16),
    subject: s.subject ?? s.issuer,
    issuer: s.issuer,
    ...(s.serialNumber ? { serialHex: s.serialNumber.toLowerCase() } : {}),
    ...(isCrl
      ? { ...(s.thisUpdate ? { thisUpdate: s.thisUpdate } : {}), ...(s.nextUpdate ? { nextUpdate: s.nextUpdate } : {}) }
      : { ...(s.thisUpdate ? { notBefore: s.thisUpdate } : {}), ...(s.nextUpdate ? { notAfter: s.nextUpdate } : {}) }),
    ...(fresh.daysLeft !== undefined ? { daysLeft: fresh.daysLeft } : {}),
    chainStatus: chain.status,
    ...(chain.detail ? { chainDetail: chain.detail } : {}),
    ...(chain.code ? { chainCode: chain.code } : {}),
    ...(chain.item ? { chainItem: chain.item } : {}),
    health,
    warnings,
    ...(s.phkh ? { phkhHex: s.phkh } : {}),
    sha256Hex: s.sha256,
    importedAt: s.importedAt,
  };
}

/** The chain status of a stored signing-key item: its own chain, as the verifier validated it. */
function signingKeyStatus(sha256: string, reports: readonly ChainReport[]): ChainCheck {
  const r = reports.find((x) => x.signingKey?.sha256 === sha256);
  if (!r)
    return {
      status: 'invalid',
      detail: 'not an IBM Z signing key by its subject (spec §3.3): the verifier does not use it as one',
    };
  return r.ok ? { status: 'valid', detail: 'chain to an imported root CA verified offline' } : failedChain(r);
}

/** A chain that does not verify, with its code and the item at fault. */
function failedChain(r: ChainReport): ChainCheck {
  const item = chainFault(r);
  return {
    status: 'invalid',
    detail: r.reason ?? 'chain not verified',
    ...(r.code ? { code: r.code } : {}),
    ...(item ? { item } : {}),
  };
}

/**
 * Chain status of every HKD and signing key, checked offline at `now` with the verifier the attestations use:
 * each signing key by its own chain, each HKD against the signing key that issued it.
 */
async function checkChains(store: Store, now: Date): Promise<Map<number, ChainCheck>> {
  const out = new Map<number, ChainCheck>();
  const hkds = store.trust.withBytes('hkd');
  const signingKeys = store.trust.list({ kind: 'signing-key' });
  if (hkds.length === 0 && signingKeys.length === 0) return out;
  const verifier = await createStoreHkdVerifier(store, { at: now });
  const noSigningKey = !verifier.chain.ok && verifier.chain.category === 'NO_SIGNING_KEY';
  for (const sk of signingKeys)
    out.set(sk.id, verifier.chain.ok ? signingKeyStatus(sk.sha256, verifier.signingKeys) : failedChain(verifier.chain));
  for (const h of hkds) {
    if (noSigningKey) {
      out.set(h.item.id, {
        status: 'unknown',
        detail: 'no IBM Z signing-key certificate imported: import it with its CA and CRLs to check this HKD',
      });
      continue;
    }
    const r: HkdResult = await verifier.verify(h.der, h.item.source ?? h.item.sha256);
    const by = r.signingKey ? ` ${basename(r.signingKey.source)}` : '';
    out.set(
      h.item.id,
      r.verified
        ? { status: 'valid', detail: `signed by the IBM Z signing key${by}, not revoked, valid now` }
        : {
            status: 'invalid',
            detail: r.reason,
            ...(r.code ? { code: r.code } : {}),
            item:
              r.category === 'SIGNING_KEY_INVALID'
                ? (chainFault(
                    verifier.signingKeys.find((k) => k.signingKey?.sha256 === r.signingKey?.sha256) ?? verifier.chain,
                  ) ?? r.name)
                : (h.item.source ?? r.name),
          },
    );
  }
  return out;
}

/** Creates the cached trust view of a store. */
export function createTrustView(store: Store): TrustView {
  let cache: { key: string; at: number; items: TrustViewItem[] } | undefined;
  return {
    async list(now) {
      const stored = store.trust.list();
      const key = `${stored.length}:${stored[stored.length - 1]?.id ?? 0}`;
      if (cache && cache.key === key && Math.abs(now.getTime() - cache.at) < CACHE_MS) return cache.items;
      const chains = await checkChains(store, now);
      const items = stored.map((s) => ({
        stored: s,
        ui: toUiItem(s, now, chains.get(s.id) ?? { status: 'not-applicable' }),
      }));
      cache = { key, at: now.getTime(), items };
      return items;
    },
    invalidate() {
      cache = undefined;
    },
  };
}
