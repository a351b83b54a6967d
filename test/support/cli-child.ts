/**
 * A child process running the CLI from the TypeScript sources: `node --import tsx test/support/cli-child.ts ARGS`.
 * After the command it writes its peak RSS (`process.resourceUsage().maxRSS`, KiB) as the last stderr line
 * `maxRSS=N`, for memory tests (issue 12).
 */
import { runCli } from '../../main/cli/main.js';

const code = await runCli(process.argv.slice(2));
process.stderr.write(`\nmaxRSS=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
