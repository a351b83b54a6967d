/**
 * `se-attest evidence export` and `se-attest evidence verify` (issue 7): write the annual evidence bundle from
 * the store, and re-verify a bundle (directory or zip) offline, one line per check.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { AttestError } from '../../../shared/errors/index.js';
import { exportEvidenceBundle, type EvidenceExportResult } from '../../services/evidence/export.js';
import { exportStoreEvidence, workstationKeyDir } from '../../services/evidence/store-export.js';
import { openStore } from '../../store/index.js';
import type { EvidenceSource } from '../../services/evidence/source.js';
import { verifyEvidenceBundle } from '../../services/evidence/verify.js';
import { collectList, resolvePath } from '../files.js';
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

interface ExportOptions {
  db: string;
  from: string;
  to: string;
  guest?: string[];
  output: string;
  zip?: boolean;
  organisation?: string;
  keyDir?: string;
}

/** Adds `evidence export` and `evidence verify` to the program. */
export function registerEvidenceCommands(program: Command, io: CliIo, deps: EvidenceCommandDeps = {}): void {
  const evidence = program
    .command('evidence')
    .description('annual audit evidence: export a signed bundle, re-verify it offline');
  evidence
    .command('export')
    .description(
      'export every attestation of a period as a signed, re-verifiable bundle (report.pdf, evidence.json, raw files)',
    )
    .requiredOption('--db <PATH>', 'the workstation database')
    .requiredOption('--from <DATE>', 'period start (YYYY-MM-DD = 00:00 UTC, or an ISO time)')
    .requiredOption(
      '--to <DATE>',
      'period end (YYYY-MM-DD = through the end of that day UTC, or an exclusive ISO time)',
    )
    .option('--guest <NAME>', 'only this guest; repeatable or comma-separated', collectList)
    .requiredOption('-o, --output <DIR>', 'bundle directory (must not exist or be empty); with --zip, the zip file')
    .option('--zip', 'write one zip file instead of a directory')
    .option('--organisation <NAME>', 'organisation named on the report', undefined)
    .option('--key-dir <DIR>', 'directory of the workstation signing key (created on first use)')
    .action(async (opts: ExportOptions) => {
      const from = parsePeriodBound(opts.from, false, '--from');
      const to = parsePeriodBound(opts.to, true, '--to');
      const dbPath = resolvePath(io.cwd, opts.db);
      const keyDir = opts.keyDir
        ? resolvePath(io.cwd, opts.keyDir)
        : (deps.keyDir ?? io.env.SE_ATTEST_KEY_DIR ?? workstationKeyDir(dbPath));
      const common = {
        from,
        to,
        ...(opts.guest ? { guestNames: opts.guest } : {}),
        zip: opts.zip === true,
        keyDir,
        organisation: opts.organisation ?? io.env.SE_ATTEST_ORGANISATION ?? 'unspecified organisation',
        ...(deps.now ? { now: deps.now } : {}),
      };
      let r: EvidenceExportResult;
      if (deps.openSource) {
        const source = await deps.openSource(dbPath);
        try {
          r = await exportEvidenceBundle({ ...common, source, out: resolvePath(io.cwd, opts.output) });
        } finally {
          await source.close?.();
        }
      } else {
        // The workstation's own database: the export is also recorded in its audit log.
        const store = openStore({ path: dbPath });
        try {
          r = await exportStoreEvidence({ ...common, store, destination: resolvePath(io.cwd, opts.output) });
        } finally {
          store.close();
        }
      }
      io.out(`evidence bundle: ${r.path}\n`);
      io.out(
        `guests: ${r.guests}, attestations: ${r.attestations} (${r.verified} verified, ${r.failed} failed), files: ${r.files}\n`,
      );
      io.out(`signed by workstation key ${r.fingerprint}\n`);
      io.out(`audit head hash: ${r.auditHeadHash ?? '-'}\n`);
      throw new CliExit(EXIT_OK);
    });
  evidence
    .command('verify')
    .description(
      're-verify an evidence bundle offline: signature, digests, files, measurements, HKD chains, audit chain',
    )
    .argument('<DIR_OR_ZIP>', 'bundle directory or zip file')
    .option('--trusted-key <FILE>', 'the workstation public key (PEM) the bundle must be signed with')
    .option('--format <FORMAT>', 'text or json', 'text')
    .action(async (path: string, opts: { trustedKey?: string; format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new AttestError('ERR_CLI_USAGE', `--format: expected text or json, got ${opts.format}`);
      let trustedKey: Buffer | undefined;
      if (opts.trustedKey !== undefined) {
        try {
          trustedKey = readFileSync(resolvePath(io.cwd, opts.trustedKey));
        } catch {
          throw new AttestError('ERR_CLI_FILE_READ', `Cannot open \`${opts.trustedKey}\``, { path: opts.trustedKey });
        }
      }
      const v = await verifyEvidenceBundle(resolvePath(io.cwd, path), trustedKey ? { trustedKey } : {});
      if (opts.format === 'json') io.out(`${JSON.stringify(v, null, 2)}\n`);
      else {
        for (const r of v.results) {
          const line = `${r.ok ? 'PASS' : 'FAIL'} ${r.check}${r.file ? ` ${r.file}` : ''}: ${r.detail}${r.code ? ` (${r.code})` : ''}\n`;
          if (r.ok) io.out(line);
          else io.err(line);
        }
        io.out(v.ok ? `bundle verified: ${v.attestations} attestations, ${v.files} files\n` : 'bundle NOT verified\n');
      }
      throw new CliExit(v.ok ? EXIT_OK : EXIT_ATTESTATION_FAILED);
    });
}
