/** `se-attest demo [--dir DIR] [--fresh]`: the demo workspace, attested end to end (see main/demo/run-demo.ts). */
import { resolve } from 'node:path';
import { systemContext } from '../../engine/crypto/context.js';
import { runDemo } from '../../demo/run-demo.js';
import { CliExit, EXIT_ERROR, type CliIo } from '../io.js';

/** Runs `demo`. */
export async function runDemoCommand(io: CliIo, opts: { dir: string; fresh?: boolean }): Promise<void> {
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
}
