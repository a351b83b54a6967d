/** Flags and help of `open`; the work is in main/cli/commands/open.ts, loaded when the command runs. */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** Registers `open` on `program`. */
export function registerOpenCommand(program: Command, io: CliIo): void {
  program
    .command('open')
    .description('print a fresh one-time URL of the running workstation (web mode), without restarting it')
    .option('--db <path>', 'the database the workstation was started on')
    .option('--port <n>', 'the port the workstation listens on')
    .action(async (opts: { db?: string; port?: string }) => (await import('../commands/open.js')).runOpen(io, opts));
}
