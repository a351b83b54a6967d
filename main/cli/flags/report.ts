/** Flags and help of `report`; the work is in main/cli/commands/report.ts, loaded on use. */
import { Option, type Command } from 'commander';
import type { ReportOptions } from '../commands/report.js';
import type { CliIo } from '../io.js';

/** Adds `report` to the program. */
export function registerReportCommands(program: Command, io: CliIo): void {
  program
    .command('report')
    .description("export one attestation's report (outcome, policy checks with expected vs seen, HKDs by host)")
    .argument('<ID>', 'the attestation id (as `se-attest history` lists it)')
    .option(
      '--db <path>',
      'database file (default: $SE_ATTEST_DB or ~/.local/share/se-attestation-workstation/workstation.db)',
    )
    .requiredOption('-o, --output <FILE>', 'the report file to write')
    .addOption(
      new Option('--format <FORMAT>', 'pdf or json (default: from the file name, else pdf)').choices(['pdf', 'json']),
    )
    .action(async (id: string, opts: ReportOptions) => (await import('../commands/report.js')).runReport(io, id, opts));
}
