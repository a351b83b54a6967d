/**
 * Online CRL download for the HKD verifier (spec §3.7): GET with a short total timeout, a body size cap,
 * redirects followed, HTTP status ignored (parsing decides). Only http: and https: URIs are fetched (as the C
 * tools did; a deliberate deviation from the Rust tools, which hand any scheme to libcurl). The engine gets
 * this as its injected `fetchCrl(url)`.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FetchCrl } from '../engine/pki/hkd-verifier.js';

/** Default total timeout per URI (s390-tools: 3 s). */
export const CRL_FETCH_TIMEOUT_MS = 3000;
/** Default body cap (1 MiB, as the C tools). */
export const CRL_FETCH_MAX_BYTES = 1024 * 1024;
const USER_AGENT = 'se-attest-crl';

/** Options of `createCrlFetcher`. */
export interface CrlFetcherParams {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  /** Called with every body fetched (e.g. to keep it for later offline use). */
  readonly onFetched?: (url: string, body: Uint8Array) => void;
}

/** Builds a `fetchCrl` that downloads one URI; rejects on bad scheme, timeout, oversize body or network error. */
export function createCrlFetcher(params: CrlFetcherParams = {}): FetchCrl {
  const timeoutMs = params.timeoutMs ?? CRL_FETCH_TIMEOUT_MS;
  const maxBytes = params.maxBytes ?? CRL_FETCH_MAX_BYTES;
  const maxRedirects = params.maxRedirects ?? 5;
  return async (url: string) => {
    const deadline = Date.now() + timeoutMs;
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const res = await getOnce(current, deadline, maxBytes);
      if (res.redirect) {
        current = new URL(res.redirect, current).toString();
        continue;
      }
      params.onFetched?.(url, res.body!);
      return res.body!;
    }
    throw new Error(`too many redirects for ${url}`);
  };
}

/** One GET; resolves with a body or a redirect target. */
function getOnce(url: string, deadline: number, maxBytes: number): Promise<{ body?: Uint8Array; redirect?: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new Error(`not a URL: ${url}`));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return Promise.reject(new Error(`unsupported scheme ${parsed.protocol}`));
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new Error('timeout'));
  const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(parsed, { method: 'GET', headers: { 'user-agent': USER_AGENT, accept: '*/*' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        resolve({ redirect: res.headers.location });
        return;
      }
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > maxBytes) {
        req.destroy(new Error(`CRL larger than ${maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new Error(`CRL larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), remaining);
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}
