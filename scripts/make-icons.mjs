#!/usr/bin/env node
// Draws the application icon (a shield with a check mark) as SVG and renders it into the files
// electron-builder.yml names: assets/icon.svg (source), assets/icons/<N>x<N>.png (Linux icon set and the
// sizes below), assets/icon.png (1024 px), assets/icon.ico (Windows) and assets/icon.icns (macOS).
// Every PNG size is rendered from the vector (crisper than downscaling); .ico/.icns are built by png2icons.
// Usage: node scripts/make-icons.mjs [--out DIR]   (default DIR: assets/; the generated files are committed)
import { Resvg } from '@resvg/resvg-js';
import png2icons from 'png2icons';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

/** Pixel sizes rendered into <out>/icons/. */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

/** The icon drawn on a 1024 x 1024 canvas: blue shield, light rim, white check mark. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1024" height="1024" viewBox="0 0 1024 1024">
  <defs>
    <linearGradient id="body" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2f6fd6"/>
      <stop offset="1" stop-color="#0f3577"/>
    </linearGradient>
  </defs>
  <path d="M512 72 L872 196 V468 C872 712 716 880 512 960 C308 880 152 712 152 468 V196 Z" fill="url(#body)"/>
  <path d="M512 136 L812 240 V468 C812 676 684 818 512 890 C340 818 212 676 212 468 V240 Z"
        fill="none" stroke="#ffffff" stroke-opacity="0.35" stroke-width="24" stroke-linejoin="round"/>
  <path d="M336 508 L464 636 L700 380" fill="none" stroke="#ffffff" stroke-width="104"
        stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`;

/** Renders the icon SVG to a PNG buffer of the given square size. */
export function renderPng(size) {
  const resvg = new Resvg(ICON_SVG, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' });
  return resvg.render().asPng();
}

/** Writes every icon file into outDir; returns the paths written. */
export async function makeIcons(outDir) {
  const written = [];
  const put = async (path, data) => {
    await writeFile(path, data);
    written.push(path);
  };
  await mkdir(join(outDir, 'icons'), { recursive: true });
  await put(join(outDir, 'icon.svg'), ICON_SVG);
  let largest = null;
  for (const size of ICON_SIZES) {
    const png = renderPng(size);
    await put(join(outDir, 'icons', `${size}x${size}.png`), png);
    if (size === 1024) largest = png;
  }
  await put(join(outDir, 'icon.png'), largest);
  const ico = png2icons.createICO(largest, png2icons.BICUBIC2, 0, false, true);
  const icns = png2icons.createICNS(largest, png2icons.BICUBIC2, 0);
  if (ico === null || icns === null) throw new Error('png2icons could not convert the 1024 px icon');
  await put(join(outDir, 'icon.ico'), ico);
  await put(join(outDir, 'icon.icns'), icns);
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--out');
  const outDir = resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : join(root, 'assets'));
  const t0 = Date.now();
  const files = await makeIcons(outDir);
  console.log(`${files.length} icon files written to ${outDir} in ${Date.now() - t0} ms`);
}
