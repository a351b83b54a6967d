/**
 * The `se-attest` command line: parses arguments with commander and dispatches to one module per command.
 * Commands only do file I/O and call services or the engine. Exit codes follow pvattest (0 / 1 / 2).
 */
import { Command, CommanderError } from 'commander';
import { isAttestError } from '../../shared/errors/index.js';
import { CliExit, EXIT_ERROR, EXIT_OK, processIo, type CliIo } from './io.js';
import { registerAttestCommands } from './commands/attest.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerEngineCommands } from './commands/engine.js';
import { registerEvidenceCommands } from './commands/evidence.js';
import { registerHkdCommands } from './commands/hkd.js';
import { registerOpenCommand } from './commands/open.js';
import { registerStoreCommands } from './commands/store-commands.js';

/** Builds the commander program bound to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('se-attest');
  program
    .description('SE Attestation Workstation: create, perform, verify and check IBM Secure Execution attestations')
    .version('0.1.0', '--version')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  registerEngineCommands(program, io);
  registerHkdCommands(program, io);
  registerStoreCommands(program, io);
  registerAttestCommands(program, io);
  registerDemoCommands(program, io);
  registerEvidenceCommands(program, io);
  registerOpenCommand(program, io);
  for (const sub of program.commands) {
    sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  return program;
}

/** Formats an error for one line of stderr: the code and the message, never secrets. */
export function describeError(error: unknown): string {
  if (isAttestError(error)) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
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
