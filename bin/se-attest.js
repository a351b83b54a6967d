#!/usr/bin/env node
// Entry point of the `se-attest` CLI: runs the compiled CLI (built by `npm install` through `prepare`).
import { runCli } from '../dist/main/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
