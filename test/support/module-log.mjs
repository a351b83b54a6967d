// `node --import ./test/support/module-log.mjs …`: records the URL of every module the process resolves (ES
// imports, and the entry of every package reached through one) into the file named by $SE_ATTEST_MODULE_LOG,
// one per line. Used to check which modules a command loads (test/cli/lazy-commands.test.ts).
import { register } from 'node:module';

const log = process.env.SE_ATTEST_MODULE_LOG;
if (log) register('./module-log-hooks.mjs', import.meta.url, { data: { log } });
