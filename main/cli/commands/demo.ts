/** `se-attest demo [--dir DIR] [--fresh]`: the demo workspace, attested end to end (see main/demo/run-demo.ts). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { systemContext } from '../../engine/index.js';
import { runDemo } from '../../demo/run-demo.js';
import { DEFAULT_DEMO_DIR } from '../../demo/workspace.js';
import { CliExit, EXIT_ERROR, type CliIo } from '../io.js';

/** Registers `demo` on `program`. */
export function registerDemoCommands(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'create a demo workspace (DEMO PKI, three simulated secure guests), attest them all, export and verify evidence',
    )
    .option('--dir <DIR>', 'demo workspace folder', DEFAULT_DEMO_DIR)
    .option('--fresh', 'recreate the workspace from scratch')
    .action(async (opts: { dir: string; fresh?: boolean }) => {
      const result = await runDemo({
        dir: resolve(io.cwd, opts.dir),
        displayDir: opts.dir,
        ...(opts.fresh ? { fresh: true } : {}),
        ctx: systemContext(),
        print: (line) => io.out(`${line}\n`),
      });
      if (!result.ok) {
        io.err('error: the demo did not end as expected (see above)\n');
        throw new CliExit(EXIT_ERROR);
      }
    });
}
