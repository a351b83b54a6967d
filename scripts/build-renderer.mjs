#!/usr/bin/env node
// Builds the renderer (React + zustand) into dist-renderer/: app.js, app.css and an index.html whose CSP
// meta tag matches the web bridge's CSP header. Also bundles the Electron preload to CommonJS
// (dist-preload/preload.cjs), because a sandboxed preload cannot load ES modules from disk.
// Usage: node scripts/build-renderer.mjs [--dev]   (--dev: no minification, inline source maps)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dev = process.argv.includes('--dev');
const defaultOutdir = join(root, 'dist-renderer');

/** The renderer's CSP: the same directives as the bridge's and Electron's headers (shared/csp.json). */
export const RENDERER_CSP = JSON.parse(readFileSync(join(root, 'shared', 'csp.json'), 'utf8')).join('; ');

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP.replace("; frame-ancestors 'none'", '')}" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>SE Attestation Workstation</title>
    <link rel="icon" type="image/svg+xml" href="./favicon.svg" />
    <link rel="stylesheet" href="./app.css" />
  </head>
  <body>
    <div id="root"></div>
    <script src="./app.js"></script>
  </body>
</html>
`;

/** Builds renderer and preload; returns the output folders. `outdir`: renderer output (tests use a temp folder). */
export async function buildRenderer({ dev: isDev = dev, outdir = defaultOutdir, preload = true } = {}) {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'renderer/index.tsx') },
    bundle: true,
    outdir,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: !isDev,
    sourcemap: isDev ? 'inline' : false,
    define: { 'process.env.NODE_ENV': JSON.stringify(isDev ? 'development' : 'production') },
    logLevel: 'warning',
    legalComments: 'none',
  });
  await writeFile(join(outdir, 'index.html'), INDEX_HTML);
  // The app icon as favicon (browsers ask for one on every load; the bridge serves it even before sign-in).
  await copyFile(join(root, 'assets', 'icon.svg'), join(outdir, 'favicon.svg'));
  await copyFile(join(root, 'assets', 'icon.ico'), join(outdir, 'favicon.ico'));
  if (!preload) return { outdir, preloadOut: undefined };
  const preloadOut = join(root, 'dist-preload');
  await build({
    entryPoints: [join(root, 'main/preload/preload.ts')],
    bundle: true,
    outfile: join(preloadOut, 'preload.cjs'),
    format: 'cjs',
    platform: 'node',
    target: ['node20'],
    external: ['electron'],
    logLevel: 'warning',
  });
  return { outdir, preloadOut };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const { outdir: o } = await buildRenderer();
  console.log(`renderer built into ${o} in ${Date.now() - t0} ms`);
}
