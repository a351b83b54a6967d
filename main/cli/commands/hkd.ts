/**
 * `se-attest hkd verify`: verifies host-key documents against the IBM Z signing key chain and CRLs, like
 * pvattest's certificate options, and prints one line per HKD. Also `verifyHkdFilesForCreate`, the verifier
 * behind `create` (a request only for verified HKDs; the first failure aborts, naming the HKD file).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import {
  type FetchCrl,
  type HkdResult,
  type HkdVerificationReport,
  type NamedBytes,
  MAX_PKI_INPUT_SIZE,
  createHkdVerifier,
  encodeCrlPem,
  hkdReportToJson,
  readCrls,
  reportOf,
  verifiedHostKeys,
} from '../../engine/pki/hkd-verifier.js';
import { readFileBounded, resolvePath } from '../../fs/index.js';
import type { CrlFetcherParams } from '../../services/crl-fetch.js';
import { CliExit, EXIT_ERROR, EXIT_OK, type CliIo } from '../io.js';

/**
 * Reads one PKI input file (through main/fs: a FIFO without a writer never blocks, nothing is read past the
 * bound). A missing or unreadable file, a directory, a FIFO or a device is ERR_PKI_READ_FILE; a file over the
 * bound is ERR_PKI_INPUT_TOO_LARGE.
 */
function readPkiFile(cwd: string, path: string, what: string): NamedBytes {
  // IBM's text ("Cannot read certificate at `PATH`"); what kind of file it is, when that is the reason
  const cannotRead = (kind?: string, errno?: string): AttestError =>
    new AttestError('ERR_PKI_READ_FILE', `Cannot read ${what} at \`${path}\`${kind ? ` (${kind})` : ''}`, {
      path,
      ...(errno ? { errno } : {}),
    });
  try {
    return { name: path, bytes: readFileBounded(path, MAX_PKI_INPUT_SIZE, { cwd }) };
  } catch (e) {
    if (isAttestError(e, 'ERR_FS_TOO_LARGE')) throw new AttestError('ERR_PKI_INPUT_TOO_LARGE', e.message, { path });
    if (isAttestError(e, 'ERR_FS_IS_DIRECTORY')) throw cannotRead('a directory');
    if (isAttestError(e, 'ERR_FS_NOT_REGULAR_FILE')) throw cannotRead(String(e.details?.kind ?? 'not a regular file'));
    if (isAttestError(e) && e.code.startsWith('ERR_FS_')) throw cannotRead(undefined, String(e.details?.errno ?? ''));
    throw e;
  }
}

/** Parses `--at`; undefined means now. */
function parseAt(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new AttestError('ERR_CLI_USAGE', `--at: not an ISO-8601 time: ${value}`);
  return d;
}

/** Options shared by `hkd verify` and `create`. */
export interface VerifyHkdFilesParams {
  hkdPaths: string[];
  certPaths: string[];
  crlPaths: string[];
  rootCaPath?: string;
  offline: boolean;
  at?: Date;
  cwd: string;
  /** Overrides the online downloader (tests); ignored when offline. */
  fetchCrl?: FetchCrl;
  /** Configured trust anchors used when no root CA file is given. */
  anchors?: NamedBytes[];
}

/** The system trust store (OpenSSL's default: `SSL_CERT_FILE` or Debian's bundle), used when no --root-ca is given. */
export function systemTrustAnchors(
  env: Readonly<Record<string, string | undefined>> = process.env,
): NamedBytes[] | undefined {
  const path = env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(path)) return undefined;
  return [readPkiFile('/', path, 'certificate')];
}

/**
 * The online CRL fetcher, loaded only when CRLs may be downloaded: it brings node:http and node:https (≈ 5 ms of
 * start-up an `--offline` run does not need, `npm run bench cli`).
 */
async function onlineCrlFetcher(params?: CrlFetcherParams): Promise<FetchCrl> {
  return (await import('../../services/crl-fetch.js')).createCrlFetcher(params);
}

/** Reads every file and verifies every HKD (the chain once); a file that cannot be read fails that HKD only. */
export async function verifyHkdFiles(p: VerifyHkdFilesParams): Promise<HkdVerificationReport> {
  const at = p.at ?? new Date();
  const certs = p.certPaths.map((c) => readPkiFile(p.cwd, c, 'certificate'));
  const crls = p.crlPaths.map((c) => readPkiFile(p.cwd, c, 'CRL'));
  const rootCa = p.rootCaPath !== undefined ? readPkiFile(p.cwd, p.rootCaPath, 'certificate') : undefined;
  const verifier = await createHkdVerifier({
    certs,
    crls,
    rootCa,
    anchors: p.anchors ?? (rootCa === undefined ? systemTrustAnchors() : undefined),
    offline: p.offline,
    at,
    fetchCrl: p.offline ? undefined : (p.fetchCrl ?? (await onlineCrlFetcher())),
  });
  const hkds: HkdResult[] = [];
  for (const path of p.hkdPaths) {
    let file: NamedBytes;
    try {
      file = readPkiFile(p.cwd, path, 'host-key document');
    } catch (e) {
      if (!isAttestError(e)) throw e;
      hkds.push({
        name: path,
        verified: false,
        code: e.code,
        category: e.code === 'ERR_PKI_INPUT_TOO_LARGE' ? 'INPUT_TOO_LARGE' : undefined,
        reason: e.message,
        steps: [],
      });
      continue;
    }
    hkds.push(await verifier.verify(file.bytes, path));
  }
  return reportOf(verifier, hkds, { at, offline: p.offline });
}

/**
 * The verifier behind `create`: returns the host keys of the HKDs in input order, or throws an AttestError
 * naming the first failing HKD file (pvattest semantics: a request only for verified HKDs).
 */
export async function verifyHkdFilesForCreate(
  params: VerifyHkdFilesParams,
): Promise<{ path: string; publicCoords: Uint8Array }[]> {
  return verifiedHostKeys(await verifyHkdFiles(params)).map((k) => ({ path: k.name, publicCoords: k.publicCoords }));
}

/** One line per HKD for people. */
function formatLine(h: HkdResult): string {
  if (h.verified) {
    const f = h.facts;
    const machine = f?.machineType
      ? ` machine ${f.machineType}${f.machineSerial ? ` serial ${f.machineSerial}` : ''},`
      : '';
    const by = h.signingKey ? ` signed by ${h.signingKey.source},` : '';
    return `${h.name}: verified (${machine} valid until ${f?.notAfter ?? '?'},${by} PHKH ${f?.phkh ?? '?'})`;
  }
  return `${h.name}: ${h.reason} (${h.code ?? 'ERR_HKD_VERIFICATION_FAILED'})`;
}

/** `hkd verify`'s options as parsed. */
export interface HkdVerifyOptions {
  hostKeyDocument: string[];
  cert?: string[];
  crt?: string[];
  crl?: string[];
  rootCa?: string;
  offline?: boolean;
  at?: string;
  format: string;
}

/** Keeps downloaded CRLs as `<host>_<path>.crl` PEM files (label `X509 CRL`, which OpenSSL reads) in `dir`. */
export function crlSaver(io: CliIo, dir: string): (url: string, body: Uint8Array) => void {
  const target = resolvePath(io.cwd, dir);
  mkdirSync(target, { recursive: true });
  return (url, body) => {
    const crls = readCrls(body);
    if (crls.length === 0) return;
    const name =
      url
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/[^A-Za-z0-9._-]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 120) || 'crl';
    writeFileSync(
      join(target, name.endsWith('.crl') ? name : `${name}.crl`),
      crls.map((c) => encodeCrlPem(c.der)).join(''),
    );
    io.err(`saved the CRL from ${url}\n`);
  };
}

/** Runs `hkd verify` (flags in main/cli/flags/hkd.ts). */
export async function runHkdVerify(io: CliIo, opts: HkdVerifyOptions & { saveCrls?: string }): Promise<void> {
  const certPaths = [...(opts.cert ?? []), ...(opts.crt ?? [])];
  if (certPaths.length === 0)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: --cert <FILE>');
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new AttestError('ERR_CLI_USAGE', `--format: expected text or json, got ${opts.format}`);
  const report = await verifyHkdFiles({
    hkdPaths: opts.hostKeyDocument,
    certPaths,
    crlPaths: opts.crl ?? [],
    rootCaPath: opts.rootCa,
    offline: opts.offline === true,
    at: parseAt(opts.at),
    cwd: io.cwd,
    ...(opts.saveCrls !== undefined && !opts.offline
      ? { fetchCrl: await onlineCrlFetcher({ onFetched: crlSaver(io, opts.saveCrls) }) }
      : {}),
  });
  if (opts.format === 'json') io.out(`${JSON.stringify(hkdReportToJson(report), null, 2)}\n`);
  else {
    for (const h of report.hkds) {
      if (h.verified) io.out(`${formatLine(h)}\n`);
      else io.err(`${formatLine(h)}\n`);
    }
  }
  throw new CliExit(report.verified ? EXIT_OK : EXIT_ERROR);
}
