/**
 * Issue 13: no unused error codes. The lists in shared/errors/<area>.ts are append only, so a code nobody raises
 * any more stays in its list, marked `// deprecated` on its line and named in the README; every other code is
 * raised or handled somewhere in the shipped sources (main/, shared/, renderer/, bin/).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ERROR_CODES } from '../../shared/errors/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ERRORS_DIR = join(ROOT, 'shared/errors');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sources(full, out);
    else if (/\.(ts|tsx)$/.test(name) && !full.startsWith(ERRORS_DIR)) out.push(full);
  }
  return out;
}

/** Per code: is it marked deprecated in its list? */
function listedCodes(): Map<string, boolean> {
  const codes = new Map<string, boolean>();
  for (const name of readdirSync(ERRORS_DIR)) {
    if (name === 'index.ts') continue;
    for (const line of readFileSync(join(ERRORS_DIR, name), 'utf8').split('\n')) {
      for (const m of line.matchAll(/'(ERR_[A-Z0-9_]+)'/g)) codes.set(m[1]!, /\/\/\s*deprecated\b/.test(line));
    }
  }
  return codes;
}

test('every error code is used, or marked deprecated in its list and in the README', () => {
  const codes = listedCodes();
  assert.deepEqual([...codes.keys()].sort(), [...ERROR_CODES].sort(), 'the lists are what the union holds');
  const text = ['main', 'shared', 'renderer', 'bin']
    .flatMap((d) => sources(join(ROOT, d)))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const used = (code: string) => new RegExp(`\\b${code}\\b`).test(text);
  const unusedLive = [...codes].filter(([code, deprecated]) => !deprecated && !used(code)).map(([c]) => c);
  assert.deepEqual(unusedLive, [], 'unused codes: raise them where they belong, or mark them // deprecated');
  const deprecated = [...codes].filter(([, d]) => d).map(([c]) => c);
  assert.deepEqual(deprecated.filter(used), [], 'a code marked deprecated is raised: drop the mark');
  assert.deepEqual(
    deprecated.filter((c) => !readme.includes(c)),
    [],
    "the README's list of deprecated codes names each one",
  );
});
