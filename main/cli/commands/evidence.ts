/**
 * `se-attest evidence export` and `se-attest evidence verify` (issue 7): write the annual evidence bundle from
 * the store, and re-verify a bundle (directory or zip) offline, one line per check. Flags: main/cli/flags/evidence.ts.
 */
import { AttestError } from '../../../shared/errors/index.js';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../services/evidence/export.js';
import { DEFAULT_ORGANISATION, exportStoreEvidence, workstationKeyDir } from '../../services/evidence/store-export.js';
import type { EvidenceSource } from '../../services/evidence/source.js';
import { describeOutcomes, verifyEvidenceBundle } from '../../services/evidence/verify.js';
import { openWorkspace } from '../../services/workspace.js';
import { readFileBounded, refuseSpecialFile, resolvePath } from '../../fs/index.js';
import { CliExit, EXIT_ATTESTATION_FAILED, EXIT_OK, type CliIo } from '../io.js';

/** What the evidence commands need from the application. */
export interface EvidenceCommandDeps {
  /** Opens `dbPath` as an EvidenceSource (tests); by default the SQLite store is read and the export audited. */
  readonly openSource?: (dbPath: string) => EvidenceSource | Promise<EvidenceSource>;
  /** Directory of the workstation's Ed25519 key (default $SE_ATTEST_KEY_DIR, else `keys/` beside the database). */
  readonly keyDir?: string;
  readonly now?: () => Date;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Parses `--from`/`--to`: a date (UTC midnight; for `--to` the end of that day) or an ISO time. */
export function parsePeriodBound(value: string, end: boolean, flag: string): Date {
  const d = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime()))
    throw new AttestError('ERR_CLI_USAGE', `${flag}: not a date or ISO-8601 time: ${value}`);
  return end && DATE_ONLY.test(value) ? new Date(d.getTime() + 86_400_000) : d;
}

/** `evidence export`'s options as parsed. */
export interface ExportOptions {
  db: string;
  from: string;
  to: string;
  guest?: string[];
  output: string;
  zip?: boolean;
  organisation?: string;
  keyDir?: string;
}

/** Runs `evidence export` (flags in main/cli/flags/evidence.ts). */
export async function runEvidenceExport(io: CliIo, opts: ExportOptions, deps: EvidenceCommandDeps): Promise<void> {
  const from = parsePeriodBound(opts.from, false, '--from');
  const to = parsePeriodBound(opts.to, true, '--to');
  const dbPath = resolvePath(io.cwd, opts.db);
  refuseSpecialFile(dbPath);
  const keyDir = opts.keyDir
    ? resolvePath(io.cwd, opts.keyDir)
    : (deps.keyDir ?? io.env.SE_ATTEST_KEY_DIR ?? workstationKeyDir(dbPath));
  const common = {
    from,
    to,
    ...(opts.guest ? { guestNames: opts.guest } : {}),
    zip: opts.zip === true,
    keyDir,
    // the workstation's store remembers the organisation; an injected source has no settings
    ...((opts.organisation ?? io.env.SE_ATTEST_ORGANISATION)
      ? { organisation: (opts.organisation ?? io.env.SE_ATTEST_ORGANISATION)! }
      : {}),
    ...(deps.now ? { now: deps.now } : {}),
  };
  let r: EvidenceExportResult;
  if (deps.openSource) {
    const source = await deps.openSource(dbPath);
    try {
      r = await exportEvidenceBundle({
        organisation: DEFAULT_ORGANISATION,
        ...common,
        source,
        out: resolvePath(io.cwd, opts.output),
      });
    } finally {
      await source.close?.();
    }
  } else {
    // The workstation's own database: the export is also recorded in its audit log.
    const store = openWorkspace(dbPath);
    try {
      r = await exportStoreEvidence({ ...common, store, destination: resolvePath(io.cwd, opts.output) });
    } finally {
      store.close();
    }
  }
  io.out(`evidence bundle: ${r.path}\n`);
  io.out(`guests: ${r.guests}, attestations: ${r.attestations} (${describeOutcomes(r.outcomes)}), files: ${r.files}\n`);
  io.out(`signed by workstation key ${r.fingerprint}\n`);
  io.out(`audit head hash: ${r.auditHeadHash ?? '-'}\n`);
  throw new CliExit(EXIT_OK);
}

/** A workstation public key file larger than this is not read (a PEM Ed25519 key is about 113 bytes). */
const MAX_TRUSTED_KEY_FILE_SIZE = 64 * 1024;

/** Runs `evidence verify` (flags in main/cli/flags/evidence.ts). */
export async function runEvidenceVerify(
  io: CliIo,
  path: string,
  opts: { trustedKey?: string; format: string },
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new AttestError('ERR_CLI_USAGE', `--format: expected text or json, got ${opts.format}`);
  const trustedKey =
    opts.trustedKey !== undefined
      ? Buffer.from(readFileBounded(opts.trustedKey, MAX_TRUSTED_KEY_FILE_SIZE, { cwd: io.cwd }))
      : undefined;
  refuseSpecialFile(path, { cwd: io.cwd, directory: true }); // a FIFO or device as the bundle: coded, never read
  const v = await verifyEvidenceBundle(resolvePath(io.cwd, path), trustedKey ? { trustedKey } : {});
  if (opts.format === 'json') io.out(`${JSON.stringify(v, null, 2)}\n`);
  else {
    for (const r of v.results) {
      const line = `${r.ok ? 'PASS' : 'FAIL'} ${r.check}${r.file ? ` ${r.file}` : ''}: ${r.detail}${r.code ? ` (${r.code})` : ''}\n`;
      if (r.ok) io.out(line);
      else io.err(line);
    }
    const counts = v.outcomes ? ` (${describeOutcomes(v.outcomes)})` : '';
    if (!v.ok) io.out('bundle NOT verified\n');
    else if (v.signer.authenticated)
      io.out(
        `bundle verified: ${v.attestations} attestations${counts}, ${v.files} files, signed by the trusted key ${v.signer.fingerprint ?? '-'}\n`,
      );
    else {
      // gpg's "not certified with a trusted signature": intact and consistent, but the signer is unknown
      io.err(
        `WARNING: the signer was NOT authenticated (ERR_EVIDENCE_SIGNER_UNAUTHENTICATED): the bundle is intact and ` +
          `consistent, but it is signed by whatever key it carries.\n` +
          `Signing key fingerprint: ${v.signer.fingerprint ?? '-'}\n` +
          `Compare it with the workstation's published key, or pass --trusted-key FILE.\n`,
      );
      io.out(
        `bundle consistent, signer not authenticated: ${v.attestations} attestations${counts}, ${v.files} files, signing key ${v.signer.fingerprint ?? '-'}\n`,
      );
    }
  }
  throw new CliExit(v.ok ? EXIT_OK : EXIT_ATTESTATION_FAILED);
}
