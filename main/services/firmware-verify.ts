/**
 * Use case: ask a firmware verification server whether a response's firmware state is valid (`se-attest check
 * --firmware`, pvattest check's protocol, spec §10.2): POST `{"version":"1.0","payload":"<base64>"}` to
 * `<url>/hmrs/firmware/attestation/v<1|2>/verify` with IBM's headers, follow up to 50 redirects within one total
 * timeout (120 s by default, as IBM's), accept only HTTP 200 and read the JSON answer (at most 1 MiB). Called
 * only when the user asks for the check and the response carries a firmware state: nothing is sent otherwise.
 * Errors: ERR_FIRMWARE_URL_INVALID, ERR_FIRMWARE_CONNECT, ERR_FIRMWARE_TIMEOUT, ERR_FIRMWARE_HTTP_STATUS,
 * ERR_FIRMWARE_TOO_MANY_REDIRECTS, ERR_FIRMWARE_RESPONSE_INVALID.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AttestError } from '../../shared/errors/index.js';
import {
  IBM_FIRMWARE_VERIFY_URL,
  encodeFirmwareVerifyRequest,
  firmwareVerifyPath,
  parseFirmwareVerifyResponse,
  type FirmwareCheckVersion,
  type FirmwareVerdict,
} from '../engine/attest/check.js';

/** Total time for one verification, redirects included (IBM's tool: 120 s). */
const FIRMWARE_VERIFY_TIMEOUT_MS = 120_000;
/** Redirects followed at most (IBM's tool: 50). */
const FIRMWARE_VERIFY_MAX_REDIRECTS = 50;
/** Largest answer read. */
const FIRMWARE_VERIFY_MAX_BYTES = 1024 * 1024;

/** Inputs of `verifyFirmwareState`. */
export interface VerifyFirmwareStateParams {
  /** The response's firmware state (additional data, 320 bytes). */
  readonly firmwareState: Uint8Array;
  readonly version: FirmwareCheckVersion;
  /** The server's base URL (default IBM's, `IBM_FIRMWARE_VERIFY_URL`). */
  readonly url?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Parses the base URL given by the user; only http: and https: are used. */
function parseFirmwareVerifyUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AttestError('ERR_FIRMWARE_URL_INVALID', `--firmware-verify-url: not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new AttestError('ERR_FIRMWARE_URL_INVALID', `--firmware-verify-url: only http and https URLs are used`);
  return parsed;
}

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly body: string;
}

/** One request; resolves with the status, a redirect target and the body. */
function exchange(
  url: URL,
  method: 'POST' | 'GET',
  body: string | undefined,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(timeoutError(url));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { 'user-agent': 's390-tools-pvattest', accept: '*/*', 'x-client-id': 'X' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const fail = (e: AttestError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(timeoutError(url)), remaining);
    const onAbort = () => fail(new AttestError('ERR_FIRMWARE_TIMEOUT', 'the firmware verification was cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const req = send(url, { method, headers }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > FIRMWARE_VERIFY_MAX_BYTES) {
          fail(
            new AttestError(
              'ERR_FIRMWARE_RESPONSE_INVALID',
              `The firmware verification server's answer is larger than ${FIRMWARE_VERIFY_MAX_BYTES} bytes`,
            ),
          );
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({
          status,
          ...(location !== undefined ? { location } : {}),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', (e) => fail(connectError(url, e)));
    });
    req.on('error', (e) => fail(connectError(url, e)));
    req.end(body);
  });
}

function timeoutError(url: URL): AttestError {
  return new AttestError(
    'ERR_FIRMWARE_TIMEOUT',
    `The firmware verification server at ${url.origin} did not answer in time`,
  );
}

function connectError(url: URL, e: Error): AttestError {
  const code = (e as NodeJS.ErrnoException).code ?? e.message;
  return new AttestError(
    'ERR_FIRMWARE_CONNECT',
    `Couldn't connect to the firmware verification server at ${url.origin} (${code})`,
  );
}

/**
 * Sends the firmware state to the verification server and returns its verdict (`valid: false` is a result; the
 * check turns it into an issue). Redirects: 307/308 repeat the POST, 301/302/303 continue with GET (as libcurl).
 */
export async function verifyFirmwareState(params: VerifyFirmwareStateParams): Promise<FirmwareVerdict> {
  const base = parseFirmwareVerifyUrl(params.url ?? IBM_FIRMWARE_VERIFY_URL);
  const deadline = Date.now() + (params.timeoutMs ?? FIRMWARE_VERIFY_TIMEOUT_MS);
  let url = new URL(`${base.href.replace(/\/+$/, '')}${firmwareVerifyPath(params.version)}`);
  let method: 'POST' | 'GET' = 'POST';
  let body: string | undefined = encodeFirmwareVerifyRequest(params.firmwareState);
  for (let hop = 0; hop <= FIRMWARE_VERIFY_MAX_REDIRECTS; hop++) {
    const answer = await exchange(url, method, body, deadline, params.signal);
    if (answer.status >= 300 && answer.status < 400 && answer.location !== undefined) {
      url = parseFirmwareVerifyUrl(new URL(answer.location, url).href);
      if (answer.status !== 307 && answer.status !== 308) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    if (answer.status !== 200)
      throw new AttestError(
        'ERR_FIRMWARE_HTTP_STATUS',
        `The firmware verification server responded with http response status code '${answer.status}'`,
        { status: answer.status },
      );
    return parseFirmwareVerifyResponse(params.version, answer.body);
  }
  throw new AttestError(
    'ERR_FIRMWARE_TOO_MANY_REDIRECTS',
    `The firmware verification server redirected more than ${FIRMWARE_VERIFY_MAX_REDIRECTS} times`,
  );
}
