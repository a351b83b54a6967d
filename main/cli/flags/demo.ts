/** Flags and help of `demo`; the work is in main/cli/commands/demo.ts, loaded when the command runs. */
import type { Command } from 'commander';
import { DEFAULT_DEMO_DIR } from '../../demo/defaults.js';
import type { CliIo } from '../io.js';

/** Registers `demo` on `program`. */
export function registerDemoCommands(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'create a demo workspace (DEMO PKI, three simulated secure guests), attest them all, export and verify evidence',
    )
    .option('--dir <DIR>', 'demo workspace folder', DEFAULT_DEMO_DIR)
    .option('--fresh', 'recreate the workspace from scratch')
    .action(async (opts: { dir: string; fresh?: boolean }) =>
      (await import('../commands/demo.js')).runDemoCommand(io, opts),
    );
}
