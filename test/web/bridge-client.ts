/**
 * A tiny HTTP client for tests of the web bridge: exchanges the one-time token for the session cookie and
 * sends calls with full control over Host, Origin and Cookie headers (fetch cannot set those).
 */
import { request } from 'node:http';
import type { Channel, Result } from '../../shared/contract.js';
import type { WorkstationPort } from '../../main/ipc/port.js';
import { startWebBridge, type WebBridge } from '../../main/web/server.js';

/** A raw HTTP response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request to the bridge. */
export function rawRequest(
  origin: string,
  p: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(url.port),
        method: p.method ?? 'GET',
        path: p.path,
        headers: p.headers,
        setHost: p.headers?.['Host'] === undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (p.body !== undefined) req.write(p.body);
    req.end();
  });
}

/** Exchanges the token in `bridge.url`; returns the `name=value` cookie. */
export async function exchangeToken(bridge: WebBridge): Promise<string> {
  const url = new URL(bridge.url);
  const res = await rawRequest(bridge.origin, { path: `${url.pathname}${url.search}` });
  if (res.status !== 303) throw new Error(`token exchange failed: ${res.status}`);
  const setCookie = res.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('no cookie');
  return first.split(';')[0]!;
}

/** A started bridge with an exchanged session. */
export interface BridgeSession {
  bridge: WebBridge;
  cookie: string;
  call(
    channel: Channel,
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Result<unknown> }>;
  close(): Promise<void>;
}

/** Starts a bridge over `port` (static dir: this folder's fixtures) and opens a session. */
export async function openSession(
  port: WorkstationPort,
  staticDir = new URL('./fixtures/static/', import.meta.url).pathname,
): Promise<BridgeSession> {
  const bridge = await startWebBridge({ port, staticDir, logError: () => undefined });
  const cookie = await exchangeToken(bridge);
  return {
    bridge,
    cookie,
    async call(channel, payload, headers = {}) {
      const res = await rawRequest(bridge.origin, {
        method: 'POST',
        path: `/api/call/${channel}`,
        headers: { 'Content-Type': 'application/json', Origin: bridge.origin, Cookie: cookie, ...headers },
        body: JSON.stringify(payload),
      });
      return { status: res.status, body: JSON.parse(res.text) as Result<unknown> };
    },
    close: () => bridge.close(),
  };
}
