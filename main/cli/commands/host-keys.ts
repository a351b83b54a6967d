/**
 * Loading the host-key documents for `create` and `attest`: verified through the HKD verifier unless
 * `--no-verify` is given (pvattest's rule: exactly one of `--no-verify` or `--cert`).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { hkdReportToJson, readHostKeyDocument, verifiedHostKeys } from '../../engine/index.js';
import type { Command } from 'commander';
import { collectList, naming, readFileBounded } from '../files.js';
import type { CliIo } from '../io.js';
import { verifyHkdFiles } from './hkd.js';

/** Printed whenever host-key documents are used without verification. */
export const NO_VERIFY_WARNING =
  'WARNING: Host-key document verification is disabled. The attestation result may not be protected: anyone holding the private key of an unverified host-key document can forge attestations.\n';

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

/** Adds pvattest's certificate options (`--no-verify`, `-C`, `--crl`, `--root-ca`, `--offline`) to a command. */
export function addCertificateOptions(cmd: Command): Command {
  return cmd
    .option('--no-verify', 'do not verify the host-key documents (insecure; prints a warning)')
    .option('-C, --cert <FILE>', 'certificate: IBM Z signing key and intermediate CA (repeatable)', collectList)
    .option('--crl <FILE>', 'certificate revocation list (repeatable)', collectList)
    .option('--root-ca <FILE>', 'root CA to trust instead of the configured set')
    .option('--offline', 'do not download CRLs');
}

/** A host key ready for a key slot. */
export interface ResolvedHostKey {
  readonly path: string;
  readonly publicCoords: Uint8Array;
}

/** Reads (and unless --no-verify, verifies) the host-key documents, in the order given. */
export async function resolveHostKeys(io: CliIo, opts: HostKeyOptions): Promise<ResolvedHostKey[]> {
  return (await resolveHostKeysWithReport(io, opts)).keys;
}

/**
 * Like `resolveHostKeys`, and also returns the verification report as plain JSON (undefined with --no-verify).
 * The first HKD that fails stops everything with its code, naming the file.
 */
export async function resolveHostKeysWithReport(
  io: CliIo,
  opts: HostKeyOptions,
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
      publicCoords: naming(path, () => readHostKeyDocument(readFileBounded(io.cwd, path, 1024 * 1024)).publicCoords),
    }));
    return { keys, report: undefined };
  }
  if (opts.at !== undefined && Number.isNaN(Date.parse(opts.at)))
    throw new AttestError('ERR_CLI_USAGE', `--at: not an ISO time: '${opts.at}'`);
  const report = await verifyHkdFiles({
    hkdPaths: opts.hostKeyDocument,
    certPaths: opts.cert ?? [],
    crlPaths: opts.crl ?? [],
    ...(opts.rootCa !== undefined ? { rootCaPath: opts.rootCa } : {}),
    offline: opts.offline === true,
    ...(opts.at !== undefined ? { at: new Date(opts.at) } : {}),
    cwd: io.cwd,
  });
  return {
    keys: verifiedHostKeys(report).map((k) => ({ path: k.name, publicCoords: k.publicCoords })),
    report: hkdReportToJson(report),
  };
}
