/** Reads a PDF back with poppler's pdftotext (installed on the machine): its text, and its words with their boxes. */
import { execFileSync } from 'node:child_process';

/** The text of a PDF in layout mode. */
export function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** One word and its box (points, origin top left). */
export interface PdfWord {
  readonly text: string;
  readonly xMin: number;
  readonly yMin: number;
  readonly xMax: number;
  readonly yMax: number;
}

/** Every page's size and words (`pdftotext -bbox`). */
export function pdfWords(path: string): { width: number; height: number; words: PdfWord[] }[] {
  const html = execFileSync('pdftotext', ['-bbox', path, '-'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const pages: { width: number; height: number; words: PdfWord[] }[] = [];
  const re =
    /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
  for (const m of html.matchAll(re)) {
    if (m[1] !== undefined) pages.push({ width: Number(m[1]), height: Number(m[2]), words: [] });
    else
      pages[pages.length - 1]!.words.push({
        text: m[7]!,
        xMin: Number(m[3]),
        yMin: Number(m[4]),
        xMax: Number(m[5]),
        yMax: Number(m[6]),
      });
  }
  return pages;
}

/** Pairs of words on one page whose boxes overlap by more than `tolerance` points each way (overprinted text). */
export function overlappingWords(words: readonly PdfWord[], tolerance = 0.8): [PdfWord, PdfWord][] {
  const sorted = [...words].sort((a, b) => a.yMin - b.yMin);
  const out: [PdfWord, PdfWord][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j]!;
      if (b.yMin >= a.yMax - tolerance) break;
      const dx = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
      const dy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
      if (dx > tolerance && dy > tolerance) out.push([a, b]);
    }
  }
  return out;
}
