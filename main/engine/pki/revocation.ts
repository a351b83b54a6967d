/**
 * CRLs: the pool the verifier collects (with where each came from), OpenSSL's choice of a CRL for a chain member
 * (spec §3.4), the validity of an HKD CRL for a signing key (spec §3.6) and the online download of the first
 * distribution point that yields a CRL (spec §3.7). The engine never touches the network: `fetchCrl` is injected.
 */
import { readCrls } from './pki-files.js';
import { publicKeyOf, MAX_PKI_INPUT_SIZE, type ParsedCertificate, type ParsedCrl } from './x509.js';
import { akidMatches } from './signing-key.js';
import { verifySignature } from './signature.js';

/** Downloads one CRL distribution point; rejects on any failure (the verifier treats failures as silent). */
export type FetchCrl = (url: string) => Promise<Uint8Array>;

/** Every CRL the verifier knows, with the file or URL it came from. */
export class CrlPool {
  readonly crls: ParsedCrl[] = [];
  private readonly sources = new Map<ParsedCrl, string>();

  add(list: readonly ParsedCrl[], source: string): void {
    for (const c of list) {
      this.crls.push(c);
      this.sources.set(c, source);
    }
  }

  sourceOf(crl: ParsedCrl): string {
    return this.sources.get(crl) ?? 'CRL';
  }
}

function timeValid(crl: ParsedCrl, at: Date): boolean {
  return crl.thisUpdate.getTime() <= at.getTime() && (!crl.nextUpdate || at.getTime() < crl.nextUpdate.getTime());
}

/** OpenSSL-style CRL choice for a chain member: same issuer name, AKID not contradicting, time-valid first, newest thisUpdate. */
export function chooseChainCrl(
  pool: readonly ParsedCrl[],
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  at: Date,
): ParsedCrl | undefined {
  let best: ParsedCrl | undefined;
  let bestScore = -1;
  for (const crl of pool) {
    if (crl.issuer.canonical !== cert.issuer.canonical) continue;
    if (crl.authorityKeyId && !akidMatches(crl.authorityKeyId, issuer)) continue;
    const score = timeValid(crl, at) ? 1 : 0;
    if (score > bestScore || (score === bestScore && best && crl.thisUpdate.getTime() > best.thisUpdate.getTime())) {
      best = crl;
      bestScore = score;
    }
  }
  return best;
}

/** Why a candidate HKD CRL is invalid for the signing key, or null when valid (spec §3.6). */
export function hkdCrlProblem(crl: ParsedCrl, signing: ParsedCertificate, at: Date): string | null {
  if (!crl.nextUpdate) return 'no nextUpdate';
  if (crl.thisUpdate.getTime() > at.getTime()) return `not yet valid (thisUpdate ${crl.thisUpdate.toISOString()})`;
  if (at.getTime() >= crl.nextUpdate.getTime()) return `expired (nextUpdate ${crl.nextUpdate.toISOString()})`;
  if (crl.authorityKeyId && !akidMatches(crl.authorityKeyId, signing))
    return 'authority key identifier does not match the signing key';
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, publicKeyOf(signing)))
    return 'signature does not verify with the signing key';
  return null;
}

/** Downloads the first distribution point that yields ≥1 CRL (spec §3.7); all failures are silent. */
export async function downloadFirstCrls(
  uris: readonly string[],
  fetchCrl: FetchCrl,
): Promise<{ crls: ParsedCrl[]; url?: string }> {
  for (const url of uris) {
    let body: Uint8Array;
    try {
      body = await fetchCrl(url);
    } catch {
      continue;
    }
    if (body.length > MAX_PKI_INPUT_SIZE) continue;
    const crls = readCrls(body);
    if (crls.length > 0) return { crls, url };
  }
  return { crls: [] };
}
