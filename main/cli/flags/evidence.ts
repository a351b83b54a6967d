/** Flags and help of `evidence export|verify`; the work is in main/cli/commands/evidence.ts, loaded on use. */
import type { Command } from 'commander';
import type { EvidenceCommandDeps, ExportOptions } from '../commands/evidence.js';
import type { CliIo } from '../io.js';
import { collectList } from '../options.js';

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
    .option('--organisation <NAME>', 'organisation named on the report (remembered for the workspace)', undefined)
    .option('--key-dir <DIR>', 'directory of the workstation signing key (created on first use)')
    .action(async (opts: ExportOptions) => (await import('../commands/evidence.js')).runEvidenceExport(io, opts, deps));
  evidence
    .command('verify')
    .description(
      're-verify an evidence bundle offline: signature, digests, files, measurements, HKD chains, audit chain',
    )
    .argument('<DIR_OR_ZIP>', 'bundle directory or zip file')
    .option('--trusted-key <FILE>', 'the workstation public key (PEM) the bundle must be signed with')
    .option('--format <FORMAT>', 'text or json', 'text')
    .action(async (path: string, opts: { trustedKey?: string; format: string }) =>
      (await import('../commands/evidence.js')).runEvidenceVerify(io, path, opts),
    );
}
