// Development entry (run through tsx): the same CLI as bin/se-attest.cjs without the build step.
import { runCli } from '../main/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
