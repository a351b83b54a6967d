/**
 * The loopback web bridge: the same contract as Electron IPC, served on 127.0.0.1 at a random port.
 * Access starts with a one-time token in the URL, exchanged for an HttpOnly SameSite=Strict session cookie;
 * every later request must carry the cookie, the right Host, and (for calls) the bridge's own Origin.
 * Calls are `POST /api/call/<channel>` with a JSON body; events stream as server-sent events from
 * `GET /api/events`. The built renderer is served from `staticDir` with a strict CSP.
 */
import { randomBytes } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { isChannel, type EventMap, type EventName, type Result } from '../../shared/contract.js';
import type { AppInfo } from '../../shared/types/ui.js';
import { createDispatcher, type Dispatcher } from '../ipc/dispatcher.js';
import type { WorkstationPort } from '../ipc/port.js';
import { CONTROL_HEADER, CONTROL_OPEN_PATH } from './instance.js';
import { equalSecrets, readCookie, SECURITY_HEADERS } from './security.js';

/** Largest accepted request body (trust import of several files, base64). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/**
 * Prefix of the session cookie; the listening port is appended because browsers scope cookies by host, not
 * port, so two bridges on 127.0.0.1 must not overwrite each other's session.
 */
export const SESSION_COOKIE_PREFIX = 'sea_session_';
/** Path prefix of contract calls. */
export const CALL_PREFIX = '/api/call/';
/** Path of the event stream. */
export const EVENTS_PATH = '/api/events';
/** A sign-in URL minted for a running instance works once, within this long. */
export const MINTED_TOKEN_TTL_MS = 10 * 60_000;
/** Browsers signed in at once (the oldest session ends beyond this). */
export const MAX_SESSIONS = 16;
/** Files served without a session (the sign-in page shows the icon too). */
const PUBLIC_FILES: Readonly<Record<string, string>> = { '/favicon.svg': 'favicon.svg', '/favicon.ico': 'favicon.ico' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Inputs of the web bridge. */
export interface StartWebBridgeParams {
  port: WorkstationPort;
  /** Folder of the built renderer (index.html, app.js, app.css). */
  staticDir: string;
  info?: Omit<AppInfo, 'mode'>;
  /** TCP port to listen on; 0 (default) picks a random free port. */
  listenPort?: number;
  logError?: (channel: string, error: unknown) => void;
}

/** A running web bridge. */
export interface WebBridge {
  /** The URL to open, with the one-time token. */
  readonly url: string;
  readonly origin: string;
  readonly dispatcher: Dispatcher;
  /** The secret that lets `se-attest open` mint sign-in URLs (kept in the 0600 instance file, never printed). */
  readonly controlSecret: string;
  /** A fresh one-time sign-in URL (valid for MINTED_TOKEN_TTL_MS), for a browser that has no session. */
  mintUrl(): string;
  /** Stops the server, closes event streams and cancels runs. */
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: Result<unknown>): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/**
 * The page a browser sees without a session (a used, expired or unknown sign-in link, or none): what happened
 * and how to get in again without restarting the workstation.
 */
export function signInPage(reason: 'used-or-expired' | 'no-session'): string {
  const what =
    reason === 'used-or-expired'
      ? 'This sign-in link was already used or has expired.'
      : 'This browser is not signed in to the workstation.';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in again — SE Attestation Workstation</title><link rel="icon" href="/favicon.svg"></head>
<body>
<main>
<h1>Sign in again</h1>
<p>${what} Each link the workstation prints works once, in one browser, so nobody else on this computer can reuse it.</p>
<h2>To get in again</h2>
<ol>
<li>In a terminal on this computer, run <code>npx se-attest open</code> in the workstation’s folder (add <code>--db PATH</code> if it was started with <code>--db</code>). It prints a fresh one-time link for the workstation that is already running; nothing is restarted and no run is interrupted.</li>
<li>Open that link in this browser within ${MINTED_TOKEN_TTL_MS / 60_000} minutes.</li>
</ol>
<p>Running <code>npm start</code> again does the same while the workstation runs. If the workstation was stopped, <code>npm start</code> starts it and prints a new link.</p>
</main>
</body>
</html>
`;
}

function forbidden(res: ServerResponse, message: string, asJson: boolean, page?: 'used-or-expired'): void {
  if (asJson) sendJson(res, 403, { ok: false, error: { code: 'ERR_APP_FORBIDDEN', message } });
  else send(res, 403, signInPage(page ?? 'no-session'), 'text/html; charset=utf-8');
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Starts the bridge on 127.0.0.1. */
export async function startWebBridge(params: StartWebBridgeParams): Promise<WebBridge> {
  const startToken = randomBytes(32).toString('base64url');
  const controlSecret = randomBytes(32).toString('base64url');
  /** Unused sign-in tokens and when they expire (the start-up token never does, as before). */
  const tokens = new Map<string, number>([[startToken, Number.POSITIVE_INFINITY]]);
  /** Sessions of signed-in browsers, oldest first. */
  const sessions: string[] = [];
  const hasSession = (cookieHeader: string | undefined): boolean => {
    const offered = readCookie(cookieHeader, cookieName);
    return sessions.some((s) => equalSecrets(offered, s));
  };
  /** Takes a token out of use if it is valid now. */
  const redeem = (offered: string): boolean => {
    const now = Date.now();
    for (const [t, expires] of tokens) {
      if (expires <= now) tokens.delete(t);
      else if (equalSecrets(offered, t)) {
        tokens.delete(t);
        return true;
      }
    }
    return false;
  };
  const staticRoot = await realpath(resolve(params.staticDir));
  const streams = new Set<ServerResponse>();
  let origin = '';
  let hostHeader = '';
  let cookieName = SESSION_COOKIE_PREFIX;

  const emit = <E extends EventName>(event: E, payload: EventMap[E]): void => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(frame);
  };
  const dispatcher = createDispatcher({
    port: params.port,
    info: { name: 'SE Attestation Workstation', version: '0.0.0', ...params.info, mode: 'web' },
    emit,
    ...(params.logError ? { logError: params.logError } : {}),
  });

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    } catch {
      return send(res, 400, 'bad request: malformed percent-encoding', 'text/plain'); // issue 12: not a 500
    }
    const full = resolve(join(staticRoot, rel));
    if (full !== staticRoot && !full.startsWith(staticRoot + sep)) return send(res, 404, 'not found', 'text/plain');
    try {
      const real = await realpath(full);
      if (!real.startsWith(staticRoot + sep)) return send(res, 404, 'not found', 'text/plain');
      const body = await readFile(real);
      send(res, 200, body, CONTENT_TYPES[extname(real)] ?? 'application/octet-stream');
    } catch {
      send(res, 404, 'not found', 'text/plain');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const isApi = url.pathname.startsWith('/api/');
    // DNS-rebinding guard: the Host must be the loopback address and port we listen on.
    if (req.headers.host !== hostHeader) return forbidden(res, 'wrong host', isApi);

    // `se-attest open`: the holder of the control secret (the instance file, 0600) gets a fresh sign-in URL.
    if (url.pathname === CONTROL_OPEN_PATH) {
      const secret = req.headers[CONTROL_HEADER];
      if (
        req.method !== 'POST' ||
        req.headers.origin !== undefined ||
        !equalSecrets(typeof secret === 'string' ? secret : undefined, controlSecret)
      )
        return forbidden(res, 'control secret required', true);
      return sendJson(res, 200, { ok: true, value: { url: mintUrl() } });
    }

    if (req.method === 'GET' && PUBLIC_FILES[url.pathname] !== undefined)
      return serveStatic(res, `/${PUBLIC_FILES[url.pathname]!}`);

    // Token exchange: GET /?token=T once → session cookie, redirect to a token-free URL.
    const offered = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && offered !== null) {
      if (hasSession(req.headers.cookie)) {
        // Re-opening the printed URL in the same browser: already signed in, just drop the token from the URL.
        res.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Content-Length': '0' });
        res.end();
        return;
      }
      if (!redeem(offered)) return forbidden(res, 'invalid or already used token', false, 'used-or-expired');
      const session = randomBytes(32).toString('base64url');
      sessions.push(session);
      if (sessions.length > MAX_SESSIONS) sessions.shift();
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: '/',
        'Set-Cookie': `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        'Content-Length': '0',
      });
      res.end();
      return;
    }

    if (!hasSession(req.headers.cookie)) return forbidden(res, 'no valid session', isApi);
    const reqOrigin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    if (reqOrigin !== undefined && reqOrigin !== origin) return forbidden(res, 'wrong origin', isApi);
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
      return forbidden(res, 'cross-site request', isApi);

    if (url.pathname.startsWith(CALL_PREFIX)) {
      if (req.method !== 'POST')
        return sendJson(res, 405, { ok: false, error: { code: 'ERR_APP_BAD_REQUEST', message: 'POST only' } });
      // Calls must name our origin explicitly (browsers always send Origin on POST).
      if (reqOrigin !== origin) return forbidden(res, 'wrong origin', true);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { ok: false, error: { code: 'ERR_APP_BAD_REQUEST', message: 'JSON body required' } });
      }
      const channel = url.pathname.slice(CALL_PREFIX.length);
      if (!isChannel(channel))
        return sendJson(res, 404, {
          ok: false,
          error: { code: 'ERR_APP_UNKNOWN_CHANNEL', message: 'unknown channel' },
        });
      const body = await readBody(req);
      if (body === undefined)
        return sendJson(res, 413, { ok: false, error: { code: 'ERR_APP_BAD_REQUEST', message: 'body too large' } });
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, { ok: false, error: { code: 'ERR_APP_BAD_REQUEST', message: 'body is not JSON' } });
      }
      const result = await dispatcher.dispatch(channel, payload);
      return sendJson(res, 200, result);
    }

    if (url.pathname === EVENTS_PATH && req.method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      streams.add(res);
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      keepAlive.unref();
      req.on('close', () => {
        clearInterval(keepAlive);
        streams.delete(res);
      });
      return;
    }

    if (isApi)
      return sendJson(res, 404, { ok: false, error: { code: 'ERR_APP_UNKNOWN_CHANNEL', message: 'no such endpoint' } });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed', 'text/plain');
    return serveStatic(res, url.pathname);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      params.logError?.('http', error);
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'ERR_APP_INTERNAL', message: 'internal error' } });
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(params.listenPort ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  hostHeader = `127.0.0.1:${port}`;
  cookieName = `${SESSION_COOKIE_PREFIX}${port}`;
  origin = `http://${hostHeader}`;

  function mintUrl(): string {
    const minted = randomBytes(32).toString('base64url');
    tokens.set(minted, Date.now() + MINTED_TOKEN_TTL_MS);
    if (tokens.size > MAX_SESSIONS) tokens.delete(tokens.keys().next().value!); // oldest unused one
    return `${origin}/?token=${minted}`;
  }

  return {
    url: `${origin}/?token=${startToken}`,
    origin,
    dispatcher,
    controlSecret,
    mintUrl,
    async close() {
      dispatcher.cancelAll();
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
