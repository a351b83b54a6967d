/** Formatting helpers shared by views: one time format everywhere (`YYYY-MM-DD HH:MM UTC`), ISO dates. */

/** A date as `YYYY-MM-DD HH:MM UTC`, or an em dash. */
import { shortDn } from '../../shared/dn.js';

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '\u2014';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A date as `YYYY-MM-DD` (UTC), or an em dash. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '\u2014';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

const ISO_IN_TEXT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

/** A message with every ISO timestamp inside it written in the app's one time format. */
export function formatTimesIn(text: string): string {
  return text.replace(ISO_IN_TEXT, (m) => formatDateTime(m));
}

/** Relative age such as `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAge(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const ms = now.getTime() - Date.parse(iso);
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** Milliseconds as `850 ms` or `2.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A long hex string shortened for tables: first 8 … last 8. */
export function shortenHex(hex: string): string {
  return hex.length <= 20 ? hex : `${hex.slice(0, 8)}\u2026${hex.slice(-8)}`;
}

export { parseDn, shortDn } from '../../shared/dn.js';

/** The last part of a path (file names in messages and tables). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** How a certificate, CRL or file is named in a sentence: a DN by its short name, a path by its file name. */
export function itemName(nameOrPath: string): string {
  return /^\s*[A-Za-z]{1,12}=/.test(nameOrPath) ? shortDn(nameOrPath) : baseName(nameOrPath);
}
