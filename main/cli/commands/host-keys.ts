/**
 * Loading the host-key documents for `create` and `attest`: verified through the HKD verifier unless
 * `--no-verify` is given (pvattest's rule: exactly one of `--no-verify` or `--cert`).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { MAX_HKD_FILE_SIZE, readHostKeyDocument } from '../../engine/pki/host-key-document.js';
import { readFileBounded } from '../../fs/index.js';
import { naming } from '../files.js';
import { certFiles, type CertificateFlags } from '../options.js';
import type { CliIo } from '../io.js';

/** pvattest's warning whenever host-key documents are used without verification (warn level, stderr). */
export const NO_VERIFY_WARNING =
  'Host-key document verification is disabled. The attestation request may not be protected.\n';

/** pvattest's certificate options. */
export interface HostKeyOptions {
  hostKeyDocument: string[];
  noVerify?: boolean;
  cert?: string[];
  crl?: string[];
  rootCa?: string;
  offline?: boolean;
  at?: string;
}

/** The certificate flags as parsed by commander, in the form `resolveHostKeys` takes. */
export function hostKeyOptionsFrom(
  flags: CertificateFlags & { hostKeyDocument: string[]; at?: string },
): HostKeyOptions {
  return {
    hostKeyDocument: flags.hostKeyDocument,
    noVerify: flags.verify === false,
    cert: certFiles(flags),
    ...(flags.crl !== undefined ? { crl: flags.crl } : {}),
    ...(flags.rootCa !== undefined ? { rootCa: flags.rootCa } : {}),
    ...(flags.offline !== undefined ? { offline: flags.offline } : {}),
    ...(flags.at !== undefined ? { at: flags.at } : {}),
  };
}

/** A host key ready for a key slot. */
export interface ResolvedHostKey {
  readonly path: string;
  readonly publicCoords: Uint8Array;
}

/** Reads (and unless --no-verify, verifies) the host-key documents, in the order given. */
export async function resolveHostKeys(io: CliIo, opts: HostKeyOptions, quiet = false): Promise<ResolvedHostKey[]> {
  return (await resolveHostKeysWithReport(io, opts, quiet)).keys;
}

/**
 * Like `resolveHostKeys`, and also returns the verification report as plain JSON (undefined with --no-verify).
 * The first HKD that fails stops everything with its code, naming the file.
 */
export async function resolveHostKeysWithReport(
  io: CliIo,
  opts: HostKeyOptions,
  quiet = false,
): Promise<{ keys: ResolvedHostKey[]; report: unknown }> {
  const hasCert = (opts.cert?.length ?? 0) > 0;
  if (opts.noVerify && hasCert)
    throw new AttestError('ERR_CLI_USAGE', "the argument '--no-verify' cannot be used with '--cert <FILE>'");
  if (!opts.noVerify && !hasCert) {
    throw new AttestError(
      'ERR_CLI_USAGE',
      'the following required arguments were not provided: <--no-verify|--cert <FILE>> (give the IBM Z signing key and intermediate CA with -C, or --no-verify)',
    );
  }
  if (opts.noVerify) {
    const keys = opts.hostKeyDocument.map((path) => ({
      path,
      publicCoords: naming(
        path,
        () => readHostKeyDocument(readFileBounded(path, MAX_HKD_FILE_SIZE, { cwd: io.cwd })).publicCoords,
      ),
    }));
    return { keys, report: undefined };
  }
  if (opts.at !== undefined && Number.isNaN(Date.parse(opts.at)))
    throw new AttestError('ERR_CLI_USAGE', `--at: not an ISO time: '${opts.at}'`);
  // the chain-verification stack (chain building, revocation, the verifier's report) only when HKDs are verified:
  // `create --no-verify` reads the HKD's key and needs none of it (`npm run bench cli`)
  const [{ verifyHkdFiles }, { hkdReportToJson, verifiedHostKeys }] = await Promise.all([
    import('./hkd.js'),
    import('../../engine/pki/hkd-verifier.js'),
  ]);
  const report = await verifyHkdFiles({
    hkdPaths: opts.hostKeyDocument,
    certPaths: opts.cert ?? [],
    crlPaths: opts.crl ?? [],
    ...(opts.rootCa !== undefined ? { rootCaPath: opts.rootCa } : {}),
    offline: opts.offline === true,
    ...(opts.at !== undefined ? { at: new Date(opts.at) } : {}),
    cwd: io.cwd,
  });
  // pvattest's warning for an HKD file holding several certificates (only the first is used)
  for (const h of report.hkds)
    if (!quiet && h.steps.some((st) => st.check === 'parse' && st.result === 'info' && st.certificate === h.name))
      io.err(`The host-key document in '${h.name}' contains more than one certificate!\n`);
  return {
    keys: verifiedHostKeys(report).map((k) => ({ path: k.name, publicCoords: k.publicCoords })),
    report: hkdReportToJson(report),
  };
}
