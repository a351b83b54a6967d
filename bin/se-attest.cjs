#!/usr/bin/env node
// Entry point of the `se-attest` CLI: runs the bundled CLI (dist/cli, built by `npm install` through `prepare`
// with scripts/build-cli.mjs: one small entry, each command's implementation loaded only when it runs). A
// CommonJS script, as is dist/cli/main.cjs: an ES-module entry would start Node's ES-module loader, which costs
// ≈ 10 ms of every run (`npm run bench cli`).
'use strict';
require('../dist/cli/main.cjs')
  .runCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
