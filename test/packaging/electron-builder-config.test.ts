// Keeps electron-builder.yml honest without running electron-builder (it needs the Electron runtime, which
// cannot be downloaded everywhere): schema validation against app-builder-lib's own scheme.json, the targets
// and metadata issue 8 asks for, icons and launchers at the paths the file names, what ends up in app.asar,
// native-module handling, and that no install hook rebuilds native modules for Electron.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;

type Json = Record<string, unknown>;

/** Reads a JSON file relative to the project root. */
function readJson(rel: string): Json {
  return JSON.parse(readFileSync(join(root, rel), 'utf8')) as Json;
}

const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Json;
const pkg = readJson('package.json');
const schema = readJson('node_modules/app-builder-lib/scheme.json');

/** Returns config[key] as an object (fails the test if it is not one). */
function getSection(key: string): Json {
  const v = config[key];
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${key} must be an object`);
  return v as Json;
}

/** Returns the target names of a platform section (strings or {target} objects). */
function listTargets(platform: string): string[] {
  const t = getSection(platform)['target'];
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => (typeof x === 'string' ? x : String((x as Json)['target'])));
}

/** Returns the package.json bin entry of the CLI, relative to the app root. */
function getCliBin(): string {
  return String((pkg['bin'] as Json)['se-attest']);
}

/** Tells whether a project path ends up in app.asar under the `files` patterns (last matching pattern wins). */
function isShipped(path: string): boolean {
  const patterns = config['files'];
  assert.ok(Array.isArray(patterns));
  let shipped = false;
  for (const p of patterns as string[]) {
    if (p.startsWith('!')) {
      if (minimatch(path, p.slice(1), { dot: true })) shipped = false;
    } else if (minimatch(path, p, { dot: true })) {
      shipped = true;
    }
  }
  return shipped;
}

/** Reads width and height from a PNG's IHDR chunk, checking the signature. */
function readPngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(b.toString('latin1', 12, 16), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Compiled scheme.json, with the options electron-builder itself uses minus type coercion (so stricter). */
const validateConfig = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('electron-builder.yml', () => {
  test('validates against the schema shipped in app-builder-lib', () => {
    const ok = validateConfig(config);
    assert.ok(ok, `schema errors: ${JSON.stringify(validateConfig.errors, null, 1)}`);
  });

  test('the schema check rejects a misspelt key and a wrongly typed value', () => {
    assert.equal(validateConfig({ ...config, asarUnpak: ['**/*.node'] }), false);
    assert.equal(validateConfig({ ...config, linux: { ...getSection('linux'), target: 42 } }), false);
  });

  test('targets: Linux AppImage and deb, Windows NSIS, macOS dmg', () => {
    assert.deepEqual(listTargets('linux').sort(), ['AppImage', 'deb']);
    assert.deepEqual(listTargets('win'), ['nsis']);
    assert.deepEqual(listTargets('mac'), ['dmg']);
  });

  test('app id is reverse-DNS and the product is named', () => {
    assert.match(String(config['appId']), /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*){2,}$/);
    assert.equal(config['productName'], 'SE Attestation Workstation');
  });

  test('deb metadata electron-builder requires: a homepage and a maintainer e-mail', () => {
    const author = pkg['author'];
    const authorEmail = typeof author === 'object' && author !== null ? (author as Json)['email'] : undefined;
    const maintainer = getSection('linux')['maintainer'];
    assert.ok(typeof pkg['homepage'] === 'string' || pkg['repository'] !== undefined, 'package.json needs "homepage"');
    assert.ok(typeof authorEmail === 'string' || typeof maintainer === 'string', 'package.json needs author.email');
  });
});

describe('icons', () => {
  const dirs = getSection('directories');

  test('build resources are assets/ and every icon path the yml names exists', () => {
    assert.equal(dirs['buildResources'], 'assets');
    for (const platform of ['linux', 'win', 'mac']) {
      const icon = getSection(platform)['icon'];
      assert.equal(typeof icon, 'string', `${platform}.icon`);
      assert.ok(String(icon).startsWith('assets/'), `${platform}.icon lives in assets/`);
      assert.ok(existsSync(join(root, String(icon))), `${platform}.icon ${String(icon)} exists`);
    }
  });

  test('the Linux icon set holds real PNGs from 16 to 1024 px, named by size', () => {
    const dir = join(root, String(getSection('linux')['icon']));
    const names = readdirSync(dir).filter((n) => n.endsWith('.png'));
    const sizes = names.map((n) => Number(/^(\d+)x\1\.png$/.exec(n)?.[1])).sort((a, b) => a - b);
    assert.ok(!sizes.includes(NaN), `unexpected names: ${names.join(', ')}`);
    for (const s of [16, 32, 48, 64, 128, 256, 512, 1024]) assert.ok(sizes.includes(s), `${s}x${s}.png`);
    for (const s of sizes) assert.deepEqual(readPngSize(join(dir, `${s}x${s}.png`)), { width: s, height: s });
    assert.deepEqual(readPngSize(join(root, 'assets/icon.png')), { width: 1024, height: 1024 });
  });

  test('the Windows .ico has a 256 px image and the macOS .icns is well-formed', () => {
    const ico = readFileSync(join(root, String(getSection('win')['icon'])));
    assert.equal(ico.readUInt16LE(0), 0);
    assert.equal(ico.readUInt16LE(2), 1, 'ICO type');
    const count = ico.readUInt16LE(4);
    assert.ok(count >= 4, `${count} images`);
    const widths = Array.from({ length: count }, (_, i) => ico[6 + 16 * i] || 256);
    assert.ok(widths.includes(256) && widths.includes(16), `widths ${widths.join(',')}`);
    const icns = readFileSync(join(root, String(getSection('mac')['icon'])));
    assert.equal(icns.toString('latin1', 0, 4), 'icns');
    assert.equal(icns.readUInt32BE(4), icns.length, 'icns length field');
  });
});

describe('package contents', () => {
  test('files ships the compiled app, renderer, preload and CLI but not TypeScript sources', () => {
    const files = config['files'] as string[];
    for (const p of ['dist/**', 'dist-renderer/**', 'dist-preload/**', 'bin/**']) assert.ok(files.includes(p), p);
    assert.ok(isShipped(String(pkg['main'])), `package.json main ${String(pkg['main'])}`);
    assert.ok(isShipped('dist/main/cli/main.js'));
    assert.ok(isShipped('dist/cli/main.cjs'), 'the bundled CLI bin/se-attest.cjs runs');
    assert.ok(isShipped('dist-renderer/index.html'));
    assert.ok(isShipped('dist-preload/preload.cjs'));
    assert.ok(isShipped(getCliBin()), 'the se-attest bin entry');
    assert.equal(isShipped('bin/se-attest.ts'), false);
    assert.equal(isShipped('main/cli/main.ts'), false);
    assert.equal(isShipped('test/packaging/electron-builder-config.test.ts'), false);
  });

  test('the CLI launchers are shipped as resources and start the app binary in Node mode', () => {
    const extra = config['extraResources'] as Json[];
    const entry = extra.find((e) => e['to'] === 'bin');
    assert.ok(entry, 'extraResources entry to bin/');
    const from = join(root, String(entry['from']));
    for (const name of entry['filter'] as string[]) assert.ok(existsSync(join(from, name)), name);
    const sh = readFileSync(join(from, 'se-attest'), 'utf8');
    assert.ok(sh.startsWith('#!/bin/sh\n'));
    assert.ok((statSync(join(from, 'se-attest')).mode & 0o111) !== 0, 'se-attest is executable');
    const linuxExe = String(getSection('linux')['executableName']);
    const productName = String(config['productName']);
    for (const text of [sh, readFileSync(join(from, 'se-attest.cmd'), 'utf8')]) {
      assert.match(text, /ELECTRON_RUN_AS_NODE=1/);
      assert.ok(text.replaceAll('\\', '/').includes(`app.asar/${getCliBin()}`), 'runs the package.json bin entry');
    }
    assert.ok(sh.includes(`/${linuxExe}"`), `Linux executable ${linuxExe}`);
    assert.ok(sh.includes(`MacOS/${productName}"`), 'macOS executable');
    assert.ok(readFileSync(join(from, 'se-attest.cmd'), 'utf8').includes(`${productName}.exe`), 'Windows executable');
  });

  test('native addons are unpacked from app.asar, and only dist.mjs rebuilds them for Electron', () => {
    const unpack = config['asarUnpack'] as string[];
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    assert.ok(existsSync(join(root, addon)), 'better-sqlite3 addon path is current');
    assert.ok(
      unpack.some((p) => minimatch(addon, p, { dot: true })),
      `asarUnpack covers ${addon}`,
    );
    assert.equal(config['npmRebuild'], false);
    const scripts = pkg['scripts'] as Record<string, string>;
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
      const cmd = scripts[hook] ?? '';
      assert.doesNotMatch(cmd, /install-app-deps|electron-rebuild|@electron\/rebuild|dist\.mjs/, `${hook}: ${cmd}`);
    }
    assert.equal(scripts['dist'], 'node scripts/dist.mjs');
  });
});
