/**
 * The `se-attest` command line: commander parses the arguments and dispatches to one module per command.
 * Exit codes follow pvattest (0 / 1 / 2).
 *
 * How a command is added — the pattern every command follows, so that a one-shot `se-attest verify` starts
 * about as fast as `node -e 0` and `--help` loads no implementation at all (`npm run bench cli` measures it):
 *
 * 1. Flags and help go in `main/cli/flags/<group>.ts`: `export function register<Group>Commands(program, io)`
 *    declares the commands, options and help texts. A flags module imports only commander, `../options.js`,
 *    `../io.js`, other flags modules and `import type` of anything else — no engine, service, store, transport
 *    or fs module (test/cli/lazy-commands.test.ts fails when one does).
 * 2. The work goes in `main/cli/commands/<group>.ts` (or one module per command): exported `run…(io, opts)`
 *    functions that read and write files, call services or the engine, and print. The action loads it:
 *      .action(async (opts: XOptions) => (await import('../commands/x.js')).runX(io, opts))
 *    A command whose rarely used option needs a heavy module imports that module inside the run function
 *    (as `check` does for `-k` and `--firmware`).
 * 3. Add the group to COMMAND_GROUPS below (in the order `--help` lists them): its top-level command names and
 *    its register function. A run registers only the group its first argument names (all of them for the
 *    top-level `--help`, `help` or an unknown command); test/cli/lazy-commands.test.ts checks the names.
 *
 * The shipped CLI (bin/se-attest.cjs) runs an esbuild bundle of this module (scripts/build-cli.mjs): the flags
 * and commander in one file, every implementation in its own chunk loaded by the `import()` above.
 */
import { Command, CommanderError } from 'commander';
import { CliExit, EXIT_ERROR, EXIT_OK, describeError, processIo, type CliIo } from './io.js';
import { registerAttestCommands } from './flags/attest.js';
import { registerDemoCommands } from './flags/demo.js';
import { registerEngineCommands } from './flags/engine.js';
import { registerEvidenceCommands } from './flags/evidence.js';
import { registerHkdCommands } from './flags/hkd.js';
import { registerOpenCommand } from './flags/open.js';
import { registerReportCommands } from './flags/report.js';
import { registerReleaseCommands } from './flags/release.js';
import { registerSecretCommands } from './flags/secret.js';
import { registerStoreCommands } from './flags/store.js';

export { describeError } from './io.js';

/** A group of commands: the top-level names it registers, and the function that registers their flags. */
export interface CommandGroup {
  readonly names: readonly string[];
  readonly register: (program: Command, io: CliIo) => void;
}

/** Every command group, in `--help` order. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['create', 'verify', 'check', 'extract-hdr', 'perform'], register: registerEngineCommands },
  { names: ['hkd'], register: registerHkdCommands },
  { names: ['guest', 'trust', 'history', 'audit'], register: registerStoreCommands },
  { names: ['attest'], register: registerAttestCommands },
  { names: ['demo'], register: registerDemoCommands },
  { names: ['evidence'], register: registerEvidenceCommands },
  { names: ['open'], register: registerOpenCommand },
  { names: ['report'], register: registerReportCommands },
  { names: ['secret'], register: registerSecretCommands },
  { names: ['release'], register: registerReleaseCommands },
];

/** Applies the program's output and exit handling to `cmd` and every command below it. */
function configureTree(cmd: Command, io: CliIo): void {
  for (const sub of cmd.commands) {
    sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    configureTree(sub, io);
  }
}

/**
 * Builds the commander program bound to `io`: with `command`, only the group that defines it (when one does),
 * else every group.
 */
export function buildProgram(io: CliIo, command?: string): Command {
  const program = new Command('se-attest');
  program
    .description('SE Attestation Workstation: create, perform, verify and check IBM Secure Execution attestations')
    .version('0.1.0', '--version')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  const named = COMMAND_GROUPS.filter((g) => command !== undefined && g.names.includes(command));
  for (const group of named.length > 0 ? named : COMMAND_GROUPS) group.register(program, io);
  configureTree(program, io);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io, argv[0]);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT_OK;
      }
      return EXIT_ERROR;
    }
    io.err(`error: ${describeError(error)}\n`);
    return EXIT_ERROR;
  }
}
