/**
 * Issue 13 ("A CLI that starts fast"): each command loads its dependencies only when it runs, and `--help` of any
 * command loads no implementation. Checked three ways: the flags modules' imports (the registration pattern of
 * main/cli/main.ts), the modules a child process actually resolves for a command (test/support/module-log.mjs),
 * and the shipped bundle (scripts/build-cli.mjs) — built here — which runs the same commands with the same output
 * while loading one file per command. Timings are `npm run bench cli`'s, not a test's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { COMMAND_GROUPS } from '../../main/cli/main.js';
import { memoryIo } from '../../main/cli/io.js';
import { buildCli, ENTRY, lazyCommandModules } from '../../scripts/build-cli.mjs';
import { tempDir } from '../support/cli.js';
import { IBM_CERTS, INTEROP, ibmChainOptions } from '../support/vectors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** tsx's loader, by URL: the child's working directory may lie outside the repository. */
const TSX = import.meta.resolve('tsx');
const FLAGS = join(ROOT, 'main/cli/flags');
const RS = join(INTEROP, 'rs-min');
const KEYS = join(INTEROP, 'keys');
const tmp = tempDir('se-attest-lazy-');
const BUNDLE = join(ROOT, 'test-output', `cli-bundle-${process.pid}`);
after(() => {
  tmp.cleanup();
  rmSync(BUNDLE, { recursive: true, force: true });
});

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The value imports (not `import type`) and dynamic imports of a source file. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const out = { static: [] as string[], dynamic: [] as string[] };
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (m[4]) out.dynamic.push(m[4]);
    else if (!m[2]) out.static.push(m[3]!);
  }
  return out;
}

/** What a flags module may import at load time. */
function allowedInFlags(spec: string): boolean {
  return (
    spec === 'commander' ||
    /^\.\/[a-z-]+\.js$/.test(spec) ||
    spec === '../options.js' ||
    spec === '../io.js' ||
    spec.startsWith('../../../shared/') ||
    spec === '../../demo/defaults.js'
  );
}

describe('the registration pattern (main/cli/main.ts)', () => {
  test('flags modules import only commander, other flags, the CLI helpers and shared/ — commands lazily', () => {
    const offenders: string[] = [];
    for (const name of readdirSync(FLAGS)) {
      const { static: s, dynamic: d } = importsOf(join(FLAGS, name));
      for (const spec of s) if (!allowedInFlags(spec)) offenders.push(`${name} → ${spec}`);
      for (const spec of d) if (!/^\.\.\/commands\/[a-z0-9-]+\.js$/.test(spec)) offenders.push(`${name} ⇢ ${spec}`);
    }
    for (const helper of ['main/cli/options.ts', 'main/cli/io.ts'])
      for (const spec of importsOf(join(ROOT, helper)).static)
        if (!spec.startsWith('../../shared/')) offenders.push(`${helper} → ${spec}`);
    assert.deepEqual(offenders, []);
    assert.ok(lazyCommandModules().includes('verify'), 'the bundler finds the lazily loaded commands');
  });
  test('the check notices a flags module importing an implementation', () => {
    assert.equal(allowedInFlags('../commands/verify.js'), false);
    assert.equal(allowedInFlags('../../engine/formats/se-header.js'), false);
    assert.equal(allowedInFlags('../../fs/index.js'), false);
    assert.equal(allowedInFlags('ssh2'), false);
  });
  test('every group lists exactly the top-level commands it registers', () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command('se-attest');
      group.register(program, memoryIo(tmp.dir));
      assert.deepEqual(
        program.commands.map((c) => c.name()),
        [...group.names],
      );
    }
    const all = COMMAND_GROUPS.flatMap((g) => g.names);
    assert.equal(new Set(all).size, all.length, 'no command in two groups');
  });
});

/** Runs `se-attest ARGS` in a child (from the sources, or from `bundle`) and returns what it resolved. */
function runLogged(
  args: readonly string[],
  opts: { cwd?: string; bundle?: string } = {},
): { code: number | null; stdout: string; stderr: string; modules: string[]; caches: string[]; builtins: string[] } {
  const log = join(tmp.dir, `modules-${Math.random().toString(36).slice(2)}.log`);
  const entry = opts.bundle
    ? [
        '--input-type=module',
        '-e',
        // the bundle's scripts are loaded by its own loader (main/cli/code-cache.ts), which lists them
        [
          `import { appendFileSync } from 'node:fs';`,
          `import { pathToFileURL } from 'node:url';`,
          `import { runCli, loadedScripts } from ${JSON.stringify(join(opts.bundle, ENTRY))};`,
          'process.exitCode = await runCli(process.argv.slice(1));',
          `const loaded = loadedScripts();`,
          `for (const s of loaded) appendFileSync(process.env.SE_ATTEST_MODULE_LOG, pathToFileURL(${JSON.stringify(opts.bundle)} + '/' + s.file).href + '\\n');`,
          `appendFileSync(process.env.SE_ATTEST_MODULE_LOG, 'caches ' + JSON.stringify(loaded.map((s) => s.cache)) + '\\n');`,
          // which of Node's own modules the run loaded (process.moduleLoadList: 'NativeModule net', ...)
          `appendFileSync(process.env.SE_ATTEST_MODULE_LOG, 'builtins ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n');`,
        ].join('\n'),
        '--',
      ]
    : [join(ROOT, 'test/support/cli-child.ts')];
  const r = spawnSync(
    process.execPath,
    [
      ...(opts.bundle ? [] : ['--import', TSX]),
      '--import',
      join(ROOT, 'test/support/module-log.mjs'),
      ...entry,
      ...args,
    ],
    { cwd: opts.cwd ?? RS, env: { ...process.env, SE_ATTEST_MODULE_LOG: log }, encoding: 'utf8' },
  );
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    // nothing resolved
  }
  const modules = [
    ...new Set(
      text
        .split('\n')
        .filter((u) => u.startsWith('file://'))
        .map((u) => relative(ROOT, new URL(u).pathname)),
    ),
  ].sort();
  const caches = /^caches (.*)$/m.exec(text);
  const builtins = /^builtins (.*)$/m.exec(text);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/\nmaxRSS=\d+\n$/, ''),
    modules,
    caches: caches ? (JSON.parse(caches[1]!) as string[]) : [],
    builtins: builtins ? (JSON.parse(builtins[1]!) as string[]) : [],
  };
}

/** The packages among the resolved modules. */
function packages(modules: readonly string[]): string[] {
  return [
    ...new Set(
      modules
        .filter((m) => m.startsWith('node_modules/'))
        .map((m) => {
          const parts = m.split('/');
          return parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!;
        }),
    ),
  ].sort();
}

const IMPLEMENTATION = /^main\/(cli\/commands|engine|services|store|transport|fs|sim|demo\/(?!defaults))/;
const HEAVY = ['@peculiar/x509', 'better-sqlite3', 'fflate', 'pdfkit', 'reflect-metadata', 'ssh2', 'tsyringe', 'yauzl'];
/** The X.509 schemas the verifier reads certificates and CRLs with (main/engine/pki/x509.ts). */
const X509_SCHEMAS = '@peculiar/asn1-x509';

describe('what a command loads (child processes from the sources)', { timeout: 300_000 }, () => {
  for (const args of [
    ['--help'],
    ['verify', '--help'],
    ['create', '--help'],
    ['check', '--help'],
    ['hkd', 'verify', '--help'],
    ['guest', 'list', '--help'],
    ['attest', '--help'],
    ['evidence', 'verify', '--help'],
  ]) {
    test(`${args.join(' ')}: no command implementation, no package but commander`, () => {
      const r = runLogged(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: se-attest/);
      assert.deepEqual(
        r.modules.filter((m) => IMPLEMENTATION.test(m)),
        [],
      );
      assert.deepEqual(packages(r.modules), ['commander']);
    });
  }
  test('verify: its engine modules only — no X.509 stack, SSH, SQLite, PDF or zip', () => {
    const r = runLogged(['verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.includes('main/cli/commands/verify.ts'));
    assert.deepEqual(packages(r.modules), ['commander']);
    assert.deepEqual(
      r.modules.filter((m) => /^main\/(services|store|transport|engine\/pki)\//.test(m)),
      [],
    );
    assert.equal(r.modules.includes('main/cli/commands/check.ts'), false, 'only the command that runs');
  });
  test('check without -k loads no X.509 stack; with -k it does (loaded on demand)', () => {
    const plain = runLogged(['check', 'resp.bin', join(tmp.dir, 'c1.yaml'), '-q']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(packages(plain.modules), ['commander']);
    assert.equal(plain.modules.includes('main/services/firmware-verify.ts'), false);
    const withKey = runLogged(['check', 'resp.bin', join(tmp.dir, 'c2.yaml'), '-q', '-k', join(KEYS, 'hostA.crt')]);
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.ok(packages(withKey.modules).includes(X509_SCHEMAS));
  });
  test('extract-hdr and create --no-verify: no SSH, SQLite, PDF or zip', () => {
    const x = runLogged(['extract-hdr', '-o', join(tmp.dir, 'x.hdr'), join(KEYS, 'se-image-plain.img')]);
    assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(packages(x.modules), ['commander']);
    const c = runLogged([
      'create',
      '-k',
      join(KEYS, 'hostA.crt'),
      '--no-verify',
      '-a',
      join(tmp.dir, 'a'),
      '-o',
      join(tmp.dir, 'r'),
    ]);
    assert.equal(c.code, 0, c.stderr);
    for (const p of HEAVY) assert.equal(packages(c.modules).includes(p), false, p);
  });
  test('create, verified: the X.509 schemas, not @peculiar/x509 (which makes certificates) or its container', () => {
    const c = runLogged([
      'create',
      '-k',
      join(IBM_CERTS, 'host.crt'),
      ...ibmChainOptions(),
      '-a',
      join(tmp.dir, 'va'),
      '-o',
      join(tmp.dir, 'vr'),
    ]);
    assert.equal(c.code, 0, c.stderr);
    assert.ok(packages(c.modules).includes(X509_SCHEMAS), packages(c.modules).join());
    for (const p of HEAVY) assert.equal(packages(c.modules).includes(p), false, p);
  });
});

describe('the bundled CLI (scripts/build-cli.mjs)', { timeout: 300_000 }, () => {
  let bundled: Record<string, string[]> = {};
  before(async () => {
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    bundled = (await buildCli({ outdir: BUNDLE })).packages;
  });
  test('commander is bundled once, into cli.cjs: no command file carries a second copy', () => {
    const withCommander = Object.keys(bundled).filter((f) => bundled[f]!.includes('commander'));
    assert.deepEqual(withCommander, ['cli.cjs']);
    assert.ok(
      Object.keys(bundled).some((f) => f.startsWith('commands/create/') && bundled[f]!.includes(X509_SCHEMAS)),
      'the build reports what each file bundles',
    );
  });
  test("commander's child_process is loaded only on use: --help, verify and create do not load it", () => {
    const C = IBM_CERTS;
    for (const args of [
      ['--help'],
      ['verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '-o', join(tmp.dir, 'cp.yaml')],
      [
        'create',
        '-k',
        join(C, 'host.crt'),
        ...ibmChainOptions(),
        '-a',
        join(tmp.dir, 'cp.a'),
        '-o',
        join(tmp.dir, 'cp.r'),
      ],
    ]) {
      const r = runLogged(args, { bundle: BUNDLE });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.builtins.includes('crypto') || args[0] === '--help', `${args[0]}: the list is read`);
      assert.deepEqual(
        r.builtins.filter((m) => m === 'child_process' || m === 'dgram'),
        [],
        args[0],
      );
    }
  });
  const inBundle = (m: string) => relative(relative(ROOT, BUNDLE), m);
  test('verify: same output and YAML as from the sources, loading the entry, cli.cjs and its own file only', () => {
    const args = (out: string) => ['verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '-o', out];
    const src = runLogged(args(join(tmp.dir, 'src.yaml')));
    const bun = runLogged(args(join(tmp.dir, 'bun.yaml')), { bundle: BUNDLE });
    assert.equal(bun.code, 0, bun.stderr);
    assert.deepEqual([bun.code, bun.stdout, bun.stderr], [src.code, src.stdout, src.stderr]);
    assert.equal(readFileSync(join(tmp.dir, 'bun.yaml'), 'utf8'), readFileSync(join(RS, 'expected.yaml'), 'utf8'));
    assert.deepEqual(bun.modules.map(inBundle), ['cli.cjs', 'commands/verify/index.cjs', ENTRY]);
  });
  test('--help of a command loads cli.cjs only; errors keep their codes across files', () => {
    const help = runLogged(['check', '--help'], { bundle: BUNDLE });
    assert.equal(help.code, 0);
    assert.deepEqual(help.modules.map(inBundle), ['cli.cjs', ENTRY]);
    const missing = runLogged(['verify', '-i', 'nope.bin', '-a', 'arp.key', '--hdr', 'hdr.input'], { bundle: BUNDLE });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'error: Cannot open `nope.bin`: ENOENT (ERR_FS_OPEN)\n');
    const mismatch = runLogged(['verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input'], {
      bundle: BUNDLE,
      cwd: join(INTEROP, 'tamper-meas'),
    });
    assert.equal(mismatch.code, 2, 'CliExit from a command file is recognised by the entry');
  });
  test("check -k loads the X.509 chunk beside check's file, only then; --firmware its HTTP chunk", () => {
    const files = (r: { modules: string[] }) => r.modules.map(inBundle);
    const plain = runLogged(['check', 'resp.bin', join(tmp.dir, 'b1.yaml')], { bundle: BUNDLE });
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(
      files(plain).every((m) => m === ENTRY || m === 'cli.cjs' || m.startsWith('commands/check/')),
      files(plain).join(),
    );
    assert.equal(
      files(plain).some((m) => /host-key-document|firmware-verify/.test(m)),
      false,
      files(plain).join(),
    );
    const withKey = runLogged(['check', 'resp.bin', join(tmp.dir, 'b2.yaml'), '-k', join(KEYS, 'hostA.crt')], {
      bundle: BUNDLE,
    });
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.ok(
      files(withKey).some((m) => /^commands\/check\/host-key-document-/.test(m)),
      files(withKey).join(),
    );
    assert.equal(
      files(withKey).some((m) => /firmware-verify/.test(m)),
      false,
    );
  });
  test('create, verified and --no-verify: the same request format and messages as the sources; the second run from the code cache', () => {
    for (const [label, flags] of [
      ['verified', ibmChainOptions()],
      ['--no-verify', ['--no-verify']],
    ] as const) {
      const args = (tag: string) => [
        'create',
        '-k',
        join(IBM_CERTS, 'host.crt'),
        ...flags,
        '-a',
        join(tmp.dir, `${tag}.arpk`),
        '-o',
        join(tmp.dir, `${tag}.req`),
      ];
      const src = runLogged(args(`src-${label}`));
      const first = runLogged(args(`b1-${label}`), { bundle: BUNDLE });
      const second = runLogged(args(`b2-${label}`), { bundle: BUNDLE });
      for (const bun of [first, second]) {
        assert.equal(bun.code, 0, bun.stderr);
        assert.deepEqual([bun.code, bun.stdout, bun.stderr], [src.code, src.stdout, src.stderr], label);
      }
      // a request is random (keys, nonce); its size and header are not
      const req = (tag: string) => readFileSync(join(tmp.dir, `${tag}.req`));
      assert.equal(req(`b2-${label}`).length, req(`src-${label}`).length, label);
      assert.deepEqual(req(`b2-${label}`).subarray(0, 16), req(`src-${label}`).subarray(0, 16), label);
      assert.ok(
        second.caches.length > 1 && second.caches.every((c) => c === 'accepted'),
        `${label}: ${second.caches.join()}`,
      );
    }
  });
});
