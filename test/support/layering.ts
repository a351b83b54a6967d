/**
 * The layering checker: a table of layers (repository folders or files) says what each may import — other
 * layers (path prefixes), single files of other layers, and packages — and `checkLayers` reads every source
 * file under the table's top folders and lists each import the table does not allow. Fed by a table so the
 * same function checks the real tree (test/main/layering.test.ts, test/renderer/layering.test.ts) and a
 * fixture tree with known violations (test/main/fixtures/layering/), which shows the check can fail.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** What one layer may import besides itself. */
export interface LayerRule {
  /** Repository paths (folders or files) it may import from; a folder allows everything under it. */
  readonly may: readonly string[];
  /** Packages it may import: exact names, or a prefix ending in `*` (`node:*`). */
  readonly packages: readonly string[];
}

/** Layer (a repository folder or file, `/`-separated) → its rule. A file belongs to the longest key above it. */
export type LayerTable = Readonly<Record<string, LayerRule>>;

/** What `checkLayers` found. */
export interface LayerReport {
  /** Source files read. */
  readonly checked: number;
  /** `file → import (why)` for every import the table does not allow. */
  readonly offenders: readonly string[];
  /** Source files under the table's top folders that no layer covers (so nothing checks them). */
  readonly unruled: readonly string[];
  /** Layers of the table that hold no source file (a renamed or removed folder). */
  readonly empty: readonly string[];
}

const SOURCE = /\.tsx?$/;
/** Static imports and re-exports (`import … from`, `export … from`, `import '…'`) and literal dynamic imports. */
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

/** The TypeScript sources (`.ts`, `.tsx`) under `dir`, recursively; none if it does not exist. */
export function sourceFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE.test(name) ? [full] : [];
  });
}

/** Lines of comment (`//`, `/*`, ` * `): examples in documentation are not imports. */
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*)/;

/** The text of `file` without its comment lines. */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !COMMENT_LINE.test(line))
    .join('\n');
}

/** Every module specifier `file` imports or re-exports (statically, or by a literal dynamic import). */
export function importsOf(file: string): string[] {
  return [...codeOf(file).matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

const within = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

/** The layer of a repository path: the longest table key at or above it (undefined: no layer covers it). */
export function layerOf(table: LayerTable, path: string): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table))
    if (within(path, key) && (best === undefined || key.length > best.length)) best = key;
  return best;
}

/** The package an import specifier names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
export function packageOf(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function allowsPackage(rule: LayerRule, spec: string): boolean {
  return rule.packages.some((p) =>
    p.endsWith('*') ? spec.startsWith(p.slice(0, -1)) : p === spec || p === packageOf(spec),
  );
}

/** The repository path (`/`-separated, `.js` read as `.ts`) a relative import of `file` points to. */
function targetOf(root: string, file: string, spec: string): string {
  const path = relative(root, resolve(dirname(file), spec))
    .split('\\')
    .join('/');
  return path.replace(/\.js$/, '.ts');
}

/** Checks every source file under the top folders of `table` (below `root`) against the table. */
export function checkLayers(root: string, table: LayerTable): LayerReport {
  const tops = [...new Set(Object.keys(table).map((k) => k.split('/')[0]!))];
  const offenders: string[] = [];
  const unruled: string[] = [];
  const seen = new Set<string>();
  let checked = 0;
  for (const top of tops) {
    for (const file of sourceFiles(join(root, top))) {
      const rel = relative(root, file).split('\\').join('/');
      const layer = layerOf(table, rel);
      if (layer === undefined) {
        unruled.push(rel);
        continue;
      }
      seen.add(layer);
      checked++;
      const rule = table[layer]!;
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) {
          const target = targetOf(root, file, spec);
          const targetLayer = layerOf(table, target);
          if (targetLayer === layer || rule.may.some((p) => within(target, p))) continue;
          offenders.push(`${rel} → ${target} (${layer} may not import ${targetLayer ?? 'a path outside every layer'})`);
        } else if (!allowsPackage(rule, spec)) {
          offenders.push(`${rel} → package ${spec} (${layer} may not use it)`);
        }
      }
    }
  }
  const empty = Object.keys(table).filter((k) => !seen.has(k));
  return { checked, offenders, unruled, empty };
}
