#!/usr/bin/env node
// Entry point of the `se-attest` CLI: runs the bundled CLI (dist/cli, built by `npm install` through `prepare`
// with scripts/build-cli.mjs: one small entry, each command's implementation loaded only when it runs).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
