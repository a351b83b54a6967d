/**
 * `npm run bench`: prints one JSON line per measured operation. Arguments select suites by name
 * (engine, pki, store, fleet, evidence, ui, cli, secret); default all.
 */
import { runCliBench } from './cli.js';
import { runEngineBench } from './engine.js';
import { runEvidenceBench } from './evidence.js';
import { runFleetBench } from './fleet.js';
import { runPkiBench } from './pki.js';
import { runSecretBench } from './secret.js';
import { runStoreBench } from './store.js';
import { runUiBench } from './ui.js';

const suites: Record<string, () => Promise<object[]>> = {
  engine: runEngineBench,
  pki: runPkiBench,
  store: runStoreBench,
  fleet: runFleetBench,
  evidence: runEvidenceBench,
  ui: runUiBench,
  cli: runCliBench,
  secret: runSecretBench,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  for (const record of await run()) process.stdout.write(`${JSON.stringify(record)}\n`);
}
