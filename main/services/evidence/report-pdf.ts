/**
 * The auditor's report.pdf of an evidence bundle (pdfkit, streamed to disk) and the PDF of one attestation's
 * report. The bundle report: a cover (organisation, the period as two inclusive dates, generation time,
 * workstation key fingerprint, the outcome totals), a summary per guest, the host-key documents named by host,
 * then per guest a timeline of the period (one mark per attestation coloured by outcome, gaps without a verified
 * attestation shaded, counted from the later of the period start and the guest's creation) followed by its
 * table and its secret releases (issue 14: secret name, kind, request SHA-256, the gating attestations and their
 * outcomes, the result; never a value). Every row is measured before it is drawn (long values wrap, nothing
 * overprints the next line), guests flow on without a page each (no mostly empty pages), and every page says
 * "Page n of N".
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type {
  EvidenceAttestationRecord,
  EvidenceDocument,
  EvidenceGuestSummary,
  EvidenceReleaseRecord,
  EvidenceTrustRecord,
} from '../../../shared/types/evidence.js';
import { OUTCOME_LABELS, OUTCOMES, type Outcome, type OutcomeCounts } from '../../../shared/types/verdict.js';

/** Inputs of `writeReportPdf`. */
export interface WriteReportPdfParams {
  readonly path: string;
  /** evidence.json without the attestation list. */
  readonly document: Omit<EvidenceDocument, 'attestations'>;
  /** Attestations ordered by guest, then time. */
  readonly attestations: AsyncIterable<EvidenceAttestationRecord>;
  /** Gaps longer than this are shaded and listed (default 8 days). */
  readonly gapWarningSeconds?: number;
}

type Doc = PDFKit.PDFDocument;

const RED = '#b00020';
const BLACK = '#000000';
const GREY = '#555555';
const LIGHT = '#dddddd';
const GAP_FILL = '#f6c6c6';
const BEFORE_FILL = '#eeeeee';
/** One colour per outcome (marks, labels). */
export const OUTCOME_COLOURS: Readonly<Record<Outcome, string>> = {
  verified: '#1b7f3b',
  'policy-violation': '#d9480f',
  mismatch: '#b00020',
  error: '#6a1b9a',
  cancelled: '#777777',
  interrupted: '#8d6e63',
};
const MARGIN = 40;
const PAGE_WIDTH = 595.28; // A4 in points
const PAGE_HEIGHT = 841.89;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
/** Lowest y of content; the page number goes below it. */
const PAGE_BOTTOM = PAGE_HEIGHT - MARGIN - 14;
const DAY = 86_400;
const MONO = 'Courier';
const MONO_SIZE = 6.5;

/** "12 d 3 h" style duration. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / DAY);
  const h = Math.floor((seconds % DAY) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** The period [from, to) as two inclusive dates (`2027-01-01` to `2027-12-31`); times when not whole days. */
export function inclusivePeriod(fromIso: string, toIso: string): { from: string; to: string } {
  const from = new Date(fromIso);
  const to = new Date(toIso);
  const wholeDays = (d: Date) => d.getTime() % 86_400_000 === 0;
  if (wholeDays(from) && wholeDays(to))
    return {
      from: from.toISOString().slice(0, 10),
      to: new Date(to.getTime() - 86_400_000).toISOString().slice(0, 10),
    };
  return { from: from.toISOString(), to: new Date(to.getTime() - 1).toISOString() };
}

const shortHex = (hex: string | null | undefined, n = 16): string =>
  hex ? (hex.length > n ? `${hex.slice(0, n)}…` : hex) : '-';
const time = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** An HKD's host as its subject names it: the OU (IBM puts the machine there) over the CN, one per line. */
export function hkdHostName(t: Pick<EvidenceTrustRecord, 'subjectCn' | 'subjectOu'> | undefined): string {
  if (!t || (!t.subjectCn && !t.subjectOu)) return 'unknown host';
  return [t.subjectOu, t.subjectCn ? `CN ${t.subjectCn}` : null].filter(Boolean).join('\n');
}

/** The table of HKDs by host (header repeated on each page). */
function hkdTable(
  p: Pager,
  hkds: readonly Pick<EvidenceTrustRecord, 'sha256' | 'subjectCn' | 'subjectOu' | 'serial'>[],
  size: number,
): void {
  const header = headerRow(p, HKD_COLS, size);
  p.onNewPage = header;
  header();
  if (hkds.length === 0) row(p, HKD_COLS, ['none recorded', '', ''], size, GREY);
  for (const h of hkds) row(p, HKD_COLS, [hkdHostName(h), h.serial ?? '-', h.sha256], size, BLACK);
  p.onNewPage = undefined;
}

/** Columns of an HKD table. */
const HKD_COLS: Column[] = [
  { title: 'Host (subject OU, CN)', width: 195 },
  { title: 'Serial', width: 140, mono: true },
  { title: 'SHA-256', width: CONTENT_WIDTH - 335, mono: true },
];

/** Short text of one HKD in a table row: the host (OU, else CN) and the SHA-256 short; the HKD table has the rest. */
function hkdLabel(sha: string, byHash: Map<string, EvidenceTrustRecord>): string {
  const t = byHash.get(sha);
  return `${t?.subjectOu ?? t?.subjectCn ?? 'unknown host'} (${sha.slice(0, 8)})`;
}

/** A page-aware writer: measured rows, page breaks with a repeated header. */
class Pager {
  y = MARGIN;
  onNewPage: (() => void) | undefined;
  constructor(readonly doc: Doc) {}
  newPage(): void {
    this.doc.addPage();
    this.y = MARGIN;
    this.onNewPage?.();
  }
  /** Makes room for `h` points, breaking the page when needed. */
  ensure(h: number): void {
    if (this.y + h > PAGE_BOTTOM) this.newPage();
  }
  /** Text at (x, y) in a width; returns its height. Never auto-paginates. */
  text(s: string, x: number, width: number): number {
    return place(this.doc, s, x, this.y, width);
  }
}

/** Courier's advance: 600/1000 em for every glyph. */
const MONO_ADVANCE = 0.6;

/**
 * Height of `s` in `width` with the current font: one line when it fits (cheap), else measured wrapped.
 * `monoSize`: the text is Courier at that size, whose width is arithmetic (pdfkit's per-glyph kerning lookups
 * dominate the time of a year's PDF).
 */
function measure(doc: Doc, s: string, width: number, monoSize?: number): number {
  const w = monoSize !== undefined ? s.length * MONO_ADVANCE * monoSize : doc.widthOfString(s);
  if (!s.includes('\n') && w <= width) return doc.currentLineHeight(true);
  return doc.heightOfString(s, { width });
}

/** Draws `s` at (x, y), wrapped in `width` when it does not fit on one line; returns its height. */
function place(doc: Doc, s: string, x: number, y: number, width: number, h = measure(doc, s, width)): number {
  if (h <= doc.currentLineHeight(true) + 0.01) doc.text(s, x, y, { lineBreak: false });
  else doc.text(s, x, y, { width, height: h + 2 });
  return h;
}

interface Column {
  readonly title: string;
  readonly width: number;
  readonly mono?: boolean;
}

/** The parts of pdfkit's standard font (`doc._font`, its AFM metrics in `.font`) that `fastStandardFont` wraps. */
interface StandardFont {
  widthOfString(text: string, size: number, features?: unknown): number;
  font: {
    kernPairs: Record<string, number>;
    glyphWidths: Record<string, number>;
    glyphsForString(text: string): string[];
    advancesForGlyphs(glyphs: readonly string[]): number[];
  };
}

/**
 * What `fastStandardFont` remembers per font: the widths of at most FONT_MEMO_LIMIT distinct texts (then it starts
 * again) of at most FONT_MEMO_MAX_LENGTH characters. The repeated cell texts are short and few; a long text (a
 * row's detail line) is unique. (Keeping encodings too, an object per glyph, saved ≈ 0.2 CPU-s for ≈ 80 MiB of
 * peak RSS: not kept.)
 */
const FONT_MEMO_LIMIT = 2_048;
const FONT_MEMO_MAX_LENGTH = 64;

/**
 * Speeds up pdfkit's standard font `name` in `doc`, with the same numbers, so the file is unchanged
 * (`test/services/evidence/report-pdf.test.ts` compares). A year's report (10,000 rows) spent ≈ 3 of its ≈ 5
 * CPU-seconds in pdfkit's metrics (`npm run bench evidence`, profiled):
 * - each pair of adjacent glyphs is looked up as the string `left + '\0' + right` in an object of ~2,700
 *   kerning pairs, for every measurement and again for every text drawn: answered here from maps built once
 *   per font (glyph → width, left glyph → right glyph → kerning);
 * - a cell text that repeats on every row (outcome, HKD, chain state, CUID) is measured again for each row (and
 *   again when drawn): its width is kept per string.
 * Left alone when pdfkit's font object does not look as expected (another pdfkit version): slower, never different.
 */
export function fastStandardFont(doc: Doc, name: string): void {
  doc.font(name);
  const f = (doc as unknown as { _font?: Partial<StandardFont> })._font;
  const afm = f?.font;
  if (
    !f ||
    !afm ||
    typeof f.widthOfString !== 'function' ||
    typeof afm.advancesForGlyphs !== 'function' ||
    typeof afm.glyphsForString !== 'function' ||
    typeof afm.kernPairs !== 'object' ||
    afm.kernPairs === null ||
    typeof afm.glyphWidths !== 'object' ||
    afm.glyphWidths === null
  )
    return;
  const kerning = new Map<string, Map<string, number>>();
  for (const [pair, amount] of Object.entries(afm.kernPairs)) {
    const cut = pair.indexOf('\0');
    if (cut < 0) return; // not the key format known here: keep pdfkit's own lookups
    const left = pair.slice(0, cut);
    let rights = kerning.get(left);
    if (!rights) kerning.set(left, (rights = new Map()));
    rights.set(pair.slice(cut + 1), amount);
  }
  const widths = new Map(Object.entries(afm.glyphWidths));
  // pdfkit: advances[i] = (glyphWidths[g[i]] || 0) + (kernPairs[g[i] + '\0' + g[i + 1]] || 0)
  afm.advancesForGlyphs = (glyphs: readonly string[]): number[] => {
    const advances = new Array<number>(glyphs.length);
    for (let i = 0; i < glyphs.length; i++) {
      const left = glyphs[i]!;
      const kern = i + 1 < glyphs.length ? kerning.get(left)?.get(glyphs[i + 1]!) : undefined;
      advances[i] = (widths.get(left) || 0) + (kern || 0);
    }
    return advances;
  };
  // pdfkit: the sum of the advances at 1000 units, times size / 1000 (the sum is what is kept)
  const widthOfString = f.widthOfString.bind(f);
  const glyphsOf = afm.glyphsForString.bind(afm);
  const unitWidths = new Map<string, number>();
  f.widthOfString = (text: string, size: number, features?: unknown) => {
    if (features !== undefined) return widthOfString(text, size, features);
    const memo = text.length <= FONT_MEMO_MAX_LENGTH;
    let w = memo ? unitWidths.get(text) : undefined;
    if (w === undefined) {
      w = 0;
      for (const advance of afm.advancesForGlyphs!(glyphsOf(`${text}`))) w += advance;
      if (memo) {
        if (unitWidths.size >= FONT_MEMO_LIMIT) unitWidths.clear();
        unitWidths.set(text, w);
      }
    }
    return w * (size / 1000);
  };
}

/** Heights of table cells already measured (font, size, width, text → points); fonts are the built-in AFM ones. */
const MEASURED = new Map<string, number>();

/** Draws one table row of measured cells; returns its height. */
function row(
  p: Pager,
  cols: readonly Column[],
  cells: readonly string[],
  size: number,
  colour: string,
  bold = false,
): number {
  const doc = p.doc;
  let h = 0;
  const fontOf = (c: Column) => (c.mono ? MONO : bold ? 'Helvetica-Bold' : 'Helvetica');
  const heights = cols.map((c, i) => {
    const text = cells[i] ?? '';
    const fontSize = c.mono ? Math.min(size, 7) : size;
    // outcome labels, HKD names and chain states repeat on every row: measured once
    const key = `${fontOf(c)}|${fontSize}|${c.width}|${text}`;
    let ch = MEASURED.get(key);
    if (ch === undefined) {
      doc.font(fontOf(c)).fontSize(fontSize);
      ch = measure(doc, text, c.width - 3, c.mono ? fontSize : undefined);
      if (MEASURED.size < 100_000) MEASURED.set(key, ch);
    }
    h = Math.max(h, ch);
    return ch;
  });
  p.ensure(h + 2);
  let x = MARGIN;
  doc.fillColor(colour);
  cols.forEach((c, i) => {
    doc.font(fontOf(c)).fontSize(c.mono ? Math.min(size, 7) : size);
    place(doc, cells[i] ?? '', x, p.y, c.width - 3, heights[i]);
    x += c.width;
  });
  p.y += h + 2;
  return h;
}

/** Draws a table's header row (bold column titles); the returned function draws it again on each new page. */
function headerRow(p: Pager, cols: readonly Column[], size: number): () => void {
  return () => {
    row(
      p,
      cols,
      cols.map((c) => c.title),
      size,
      BLACK,
      true,
    );
  };
}

/** A paragraph across the content width (measured, page-aware). */
function paragraph(p: Pager, s: string, font: string, size: number, colour: string, indent = 0): void {
  p.doc.font(font).fontSize(size).fillColor(colour);
  const h = measure(p.doc, s, CONTENT_WIDTH - indent);
  p.ensure(h);
  place(p.doc, s, MARGIN + indent, p.y, CONTENT_WIDTH - indent, h);
  p.y += h + 1;
}

/** "12 verified, 3 policy violation, …" of non-zero counts. */
function countsLine(c: OutcomeCounts): string {
  const parts = OUTCOMES.filter((o) => c[o] > 0).map((o) => `${c[o]} ${OUTCOME_LABELS[o]}`);
  return parts.length > 0 ? parts.join(', ') : 'no attestation';
}

/** Numbers every page "Page n of N" (pages are buffered). */
function numberPages(doc: Doc, footer: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing below the content area must not add a page
    doc.font('Helvetica').fontSize(7).fillColor(GREY);
    doc.text(footer, MARGIN, PAGE_HEIGHT - MARGIN + 2, { width: CONTENT_WIDTH / 2, lineBreak: false });
    doc.text(`Page ${i + 1} of ${range.count}`, MARGIN + CONTENT_WIDTH / 2, PAGE_HEIGHT - MARGIN + 2, {
      width: CONTENT_WIDTH / 2,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
}

/** The failed policy checks of an attestation, expected vs seen, as lines. */
function violationLines(a: Pick<EvidenceAttestationRecord, 'checks'>): string[] {
  return a.checks
    .filter((c) => !c.passed)
    .flatMap((c) => [
      `${c.check} (${c.code}): ${c.message}`,
      `    expected: ${c.expected || '-'}`,
      `    seen:     ${c.seen ?? '(nothing)'}`,
    ]);
}

/** The detail line of an attestation below its row. */
function detailLine(a: EvidenceAttestationRecord): string {
  const phkhs = [
    ...a.requestPhkhs.map((h) => `slot ${shortHex(h)}`),
    a.imagePhkh ? `img ${shortHex(a.imagePhkh)}` : '',
    a.attestationPhkh ? `att ${shortHex(a.attestationPhkh)}` : '',
  ]
    .filter(Boolean)
    .join('  ');
  // a policy violation's checks follow on their own lines
  const why =
    a.outcome === 'verified' || a.outcome === 'policy-violation'
      ? ''
      : `  ${a.outcomeCode ? `${a.outcomeCode}: ` : ''}${a.outcomeReason}`;
  return `id ${a.id}  PHKH ${phkhs || '-'}  user data ${a.userData ? shortHex(a.userData, 24) : '-'}${why}`;
}

/** Draws the timeline of one guest: the period, the time before the guest existed, gaps, one mark per attestation. */
function timeline(
  p: Pager,
  span: { from: number; to: number; start: number; end: number },
  marks: readonly { t: number; outcome: Outcome }[],
  gaps: readonly { from: number; to: number }[],
): void {
  const doc = p.doc;
  const h = 26;
  p.ensure(h + 16);
  const x0 = MARGIN;
  const w = CONTENT_WIDTH;
  const y0 = p.y;
  const xOf = (t: number) => x0 + (Math.min(Math.max(t, span.from), span.to) - span.from) * (w / (span.to - span.from));
  doc.save();
  doc.rect(x0, y0, w, h).fillColor('#fafafa').fill();
  if (span.start > span.from)
    doc
      .rect(x0, y0, xOf(span.start) - x0, h)
      .fillColor(BEFORE_FILL)
      .fill();
  for (const g of gaps)
    doc
      .rect(xOf(g.from), y0, Math.max(0.5, xOf(g.to) - xOf(g.from)), h)
      .fillColor(GAP_FILL)
      .fill();
  for (const m of marks) {
    const x = xOf(m.t);
    doc
      .moveTo(x, y0 + 3)
      .lineTo(x, y0 + h - 3)
      .lineWidth(1.2)
      .strokeColor(OUTCOME_COLOURS[m.outcome])
      .stroke();
  }
  doc.rect(x0, y0, w, h).lineWidth(0.5).strokeColor(LIGHT).stroke();
  doc.restore();
  // month ticks
  doc.font('Helvetica').fontSize(5.5).fillColor(GREY);
  const first = new Date(span.from);
  let tick = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
  if (tick < span.from) tick = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1);
  const months = (span.to - span.from) / (30 * 86_400_000);
  const step = months > 18 ? 3 : 1;
  let i = 0;
  while (tick < span.to) {
    if (i++ % step === 0) {
      const d = new Date(tick);
      doc.text(d.toISOString().slice(0, 7), xOf(tick) - 12, y0 + h + 1, { width: 30, lineBreak: false });
    }
    const d = new Date(tick);
    tick = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  p.y = y0 + h + 10;
}

/** The legend of outcome colours and shadings. */
function legend(p: Pager): void {
  const doc = p.doc;
  p.ensure(12);
  let x = MARGIN;
  doc.font('Helvetica').fontSize(7);
  const item = (fill: string, label: string, bar: boolean) => {
    if (bar)
      doc
        .rect(x, p.y + 1, 2, 7)
        .fillColor(fill)
        .fill();
    else
      doc
        .rect(x, p.y + 1, 9, 7)
        .fillColor(fill)
        .fill();
    x += bar ? 5 : 12;
    doc.fillColor(BLACK).text(label, x, p.y, { lineBreak: false });
    x += doc.widthOfString(label) + 10;
  };
  for (const o of OUTCOMES) item(OUTCOME_COLOURS[o], OUTCOME_LABELS[o], true);
  item(GAP_FILL, 'gap without a verified attestation', false);
  item(BEFORE_FILL, 'before the guest existed', false);
  p.y += 12;
}

const SUMMARY_COLS: Column[] = [
  { title: 'Guest', width: 105 },
  { title: 'Attest.', width: 38 },
  ...OUTCOMES.map((o) => ({ title: OUTCOME_LABELS[o], width: o === 'policy-violation' || o === 'mismatch' ? 52 : 44 })),
  { title: 'Longest gap', width: 56 },
];
SUMMARY_COLS.push({ title: 'HKDs', width: CONTENT_WIDTH - SUMMARY_COLS.reduce((s, c) => s + c.width, 0) });

const LIST_COLS: Column[] = [
  { title: 'Started (UTC)', width: 78 },
  { title: 'Outcome', width: 64 },
  { title: 'CUID', width: 140, mono: true },
  { title: 'HKD (host, SHA-256)', width: CONTENT_WIDTH - 78 - 64 - 140 - 64 },
  { title: 'HKD chain / CRL', width: 64 },
];

const RELEASE_COLS: Column[] = [
  { title: 'Started (UTC)', width: 78 },
  { title: 'Secret (release)', width: 86 },
  { title: 'Kind', width: 36 },
  { title: 'Request SHA-256', width: 80, mono: true },
  { title: 'Gated by (attestation: outcome)', width: 120 },
];
RELEASE_COLS.push({ title: 'Result', width: CONTENT_WIDTH - RELEASE_COLS.reduce((s, c) => s + c.width, 0) });

/** The result column of a release: released / failed at a step (code) / interrupted / pending; the store's lock. */
function releaseResult(
  x: Pick<EvidenceReleaseRecord, 'status' | 'failedStep' | 'errorCode' | 'locked' | 'kind'>,
): string {
  if (x.status === 'released') return x.kind === 'uv' ? `released${x.locked ? ', store locked' : ''}` : 'released';
  if (x.status === 'failed')
    return `FAILED at ${x.failedStep ?? '?'}${x.errorCode ? ` (${x.errorCode})` : ''}${x.locked ? ', store locked' : ''}`;
  return x.status === 'interrupted' ? 'INTERRUPTED' : 'pending';
}

/** The table of a guest's secret releases (header repeated on each page). */
function releaseTable(p: Pager, list: readonly EvidenceReleaseRecord[]): void {
  const header = headerRow(p, RELEASE_COLS, 7);
  p.ensure(40);
  p.y += 6;
  p.doc.font('Helvetica-Bold').fontSize(10).fillColor(BLACK);
  p.y += p.text(`Secret releases (${list.length})`, MARGIN, CONTENT_WIDTH) + 3;
  header();
  p.onNewPage = header;
  for (const x of list) {
    const gates = x.gatingAttestations.map(
      (g) => `${g.role} ${g.id}: ${g.outcome ? OUTCOME_LABELS[g.outcome] : 'not in the bundle'}`,
    );
    const bad = x.status !== 'released' || x.gatingAttestations.some((g) => g.outcome !== 'verified');
    const secret = x.secretName && x.secretName !== x.release ? `${x.secretName} (${x.release})` : x.release;
    row(
      p,
      RELEASE_COLS,
      [
        time(x.startedAt),
        secret,
        x.kind,
        x.requestSha256 ? shortHex(x.requestSha256) : x.bindingSha256 ? `key ${shortHex(x.bindingSha256, 12)}` : '-',
        gates.join('\n') || 'none',
        releaseResult(x),
      ],
      7,
      bad ? RED : BLACK,
      x.status !== 'released',
    );
  }
  p.onNewPage = undefined;
}

/** Writes the bundle report; resolves when the file is complete. */
export async function writeReportPdf(p: WriteReportPdfParams): Promise<void> {
  const gapWarning = p.gapWarningSeconds ?? 8 * DAY;
  const d = p.document;
  const period = inclusivePeriod(d.period.from, d.period.to);
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `SE attestation evidence ${period.from} to ${period.to}`,
      Author: d.organisation,
      Subject: `workstation key ${d.workstationKey.fingerprint}`,
    },
  });
  for (const font of ['Helvetica', 'Helvetica-Bold', MONO]) fastStandardFont(doc, font);
  const out = createWriteStream(p.path);
  doc.pipe(out);
  const done = finished(out);
  const pager = new Pager(doc);
  const byHash = new Map(d.trust.filter((t) => t.role === 'hkd').map((t) => [t.sha256, t]));

  // Cover
  doc.font('Helvetica-Bold').fontSize(20).fillColor(BLACK);
  pager.y += pager.text('Secure Execution attestation evidence', MARGIN, CONTENT_WIDTH) + 14;
  const field = (k: string, v: string, mono = false) => {
    doc.font('Helvetica-Bold').fontSize(10.5).fillColor(BLACK);
    const kh = pager.text(k ? `${k}:` : '', MARGIN, 150);
    doc.font(mono ? MONO : 'Helvetica').fontSize(mono ? 8.5 : 10.5);
    const vh = pager.text(v, MARGIN + 150, CONTENT_WIDTH - 150);
    pager.y += Math.max(kh, vh) + 4;
  };
  field('Organisation', d.organisation);
  field('Period', `${period.from} to ${period.to} (both inclusive)`);
  field('Generated at', time(d.generatedAt));
  field('Workstation key', d.workstationKey.fingerprint, true);
  field('Guests', String(d.totals.guests));
  field('Attestations', String(d.totals.attestations));
  const sent = d.releases.filter((x) => x.status === 'released').length;
  field('Secret releases', `${d.releases.length} (${sent} released, ${d.releases.length - sent} not)`);
  field('Audit log', `${d.audit.entries} entries, head hash`);
  field('', d.audit.headHash ?? '-', true);
  pager.y += 8;
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BLACK);
  pager.y += pager.text('Outcomes of the period', MARGIN, CONTENT_WIDTH) + 4;
  for (const o of OUTCOMES) {
    doc
      .rect(MARGIN, pager.y + 2, 8, 8)
      .fillColor(OUTCOME_COLOURS[o])
      .fill();
    doc
      .font(o === 'verified' ? 'Helvetica' : 'Helvetica-Bold')
      .fontSize(10)
      .fillColor(BLACK);
    doc.text(`${OUTCOME_LABELS[o]}: ${d.totals.outcomes[o]}`, MARGIN + 14, pager.y, { lineBreak: false });
    pager.y += 14;
  }
  pager.y += 4;
  paragraph(
    pager,
    'Only "verified" counts as verified: the measurement recomputed from the bundled files matched AND every check of ' +
      'the policy recorded with the attestation passed. "policy violation": the measurement matched but a policy check ' +
      'failed (expected and seen values are listed). "measurement mismatch": the measurement did not verify. ' +
      '"error", "cancelled", "interrupted": nothing could be judged.',
    'Helvetica',
    8,
    GREY,
  );
  pager.y += 4;
  paragraph(
    pager,
    'This report is the readable view of evidence.json. Every file of the bundle is listed with its SHA-256 in ' +
      'manifest.intoto.json (an in-toto Statement in a DSSE envelope signed with the Ed25519 key whose fingerprint is ' +
      'printed above). Re-verify offline with: se-attest evidence verify <bundle> --trusted-key <key.pem>. Each ' +
      'attestations/<id>/ folder is accepted by pvattest verify -i response.bin --arpk arpk.key --hdr se-header.bin.',
    'Helvetica',
    8,
    GREY,
  );
  pager.y += 12;

  // Summary per guest (continues on the cover page when there is room)
  const summaryHeader = () =>
    row(
      pager,
      SUMMARY_COLS,
      SUMMARY_COLS.map((c) => c.title),
      7.5,
      BLACK,
      true,
    );
  pager.ensure(60);
  doc.font('Helvetica-Bold').fontSize(13).fillColor(BLACK);
  pager.y += pager.text('Summary per guest', MARGIN, CONTENT_WIDTH) + 4;
  pager.onNewPage = summaryHeader;
  summaryHeader();
  for (const g of d.guests) summaryRow(pager, g, gapWarning);
  pager.onNewPage = undefined;

  // Host-key documents by host
  pager.y += 10;
  const hkds = d.trust.filter((t) => t.role === 'hkd');
  pager.ensure(40);
  doc.font('Helvetica-Bold').fontSize(13).fillColor(BLACK);
  pager.y += pager.text('Host-key documents used', MARGIN, CONTENT_WIDTH) + 4;
  hkdTable(pager, hkds, 7.5);
  pager.y += 6;
  legend(pager);

  // Per guest: timeline, then the table
  const guestByName = new Map(d.guests.map((g) => [g.name, g]));
  const periodFrom = Date.parse(d.period.from);
  const periodTo = Date.parse(d.period.to);
  const periodEnd = Math.min(periodTo, Date.parse(d.generatedAt));
  const listHeader = () =>
    row(
      pager,
      LIST_COLS,
      LIST_COLS.map((c) => c.title),
      7,
      BLACK,
      true,
    );
  const drawGuest = (g: EvidenceGuestSummary | undefined, name: string, list: EvidenceAttestationRecord[]) => {
    // a guest starts on a new page only when its heading, timeline and a few rows do not fit
    pager.onNewPage = undefined;
    if (pager.y + 150 > PAGE_BOTTOM) pager.newPage();
    else pager.y += 14;
    const created = g?.createdAt ? Date.parse(g.createdAt) : Number.NaN;
    const start = Number.isNaN(created) ? periodFrom : Math.max(periodFrom, created);
    doc.font('Helvetica-Bold').fontSize(13).fillColor(BLACK);
    pager.y += pager.text(`Guest ${name}`, MARGIN, CONTENT_WIDTH) + 2;
    const counts = g?.outcomes;
    const bad = list.some((a) => a.outcome !== 'verified') || list.length === 0;
    paragraph(
      pager,
      `${list.length} attestations: ${counts ? countsLine(counts) : 'no attestation'}; longest gap without a verified attestation ${formatDuration(g?.longestGapSeconds ?? 0)}` +
        (g?.createdAt ? `; guest created ${time(g.createdAt)}` : ''),
      'Helvetica',
      8.5,
      bad ? RED : BLACK,
    );
    pager.y += 3;
    // gaps: from the later of period start and creation, between verified attestations, to the period end
    const gaps: { from: number; to: number }[] = [];
    let last = start;
    for (const a of list) {
      if (a.outcome !== 'verified') continue;
      const t = Math.max(Date.parse(a.startedAt), start);
      if ((t - last) / 1000 > gapWarning) gaps.push({ from: last, to: t });
      last = Math.max(last, t);
    }
    if (start < periodEnd && (periodEnd - last) / 1000 > gapWarning) gaps.push({ from: last, to: periodEnd });
    timeline(
      pager,
      { from: periodFrom, to: periodTo, start, end: periodEnd },
      list.map((a) => ({ t: Date.parse(a.startedAt), outcome: a.outcome })),
      gaps,
    );
    for (const gap of gaps)
      paragraph(
        pager,
        `GAP: ${formatDuration((gap.to - gap.from) / 1000)} without a verified attestation (${time(new Date(gap.from).toISOString())} to ${time(new Date(gap.to).toISOString())})`,
        'Helvetica-Bold',
        7.5,
        RED,
      );
    const released = releasesOf.get(name) ?? [];
    releasesOf.delete(name);
    if (list.length === 0) paragraph(pager, 'No attestation in this period.', 'Helvetica-Bold', 8.5, RED);
    else {
      pager.y += 3;
      listHeader();
      pager.onNewPage = listHeader;
      for (const a of list) attestationRow(pager, a, byHash);
      pager.onNewPage = undefined;
    }
    if (released.length > 0) releaseTable(pager, released);
  };
  const releasesOf = new Map<string, EvidenceReleaseRecord[]>();
  for (const x of d.releases) releasesOf.set(x.guest, [...(releasesOf.get(x.guest) ?? []), x]);

  let current: string | undefined;
  let buffer: EvidenceAttestationRecord[] = [];
  for await (const a of p.attestations) {
    if (a.guest !== current) {
      if (current !== undefined) drawGuest(guestByName.get(current), current, buffer);
      current = a.guest;
      buffer = [];
    }
    buffer.push(a);
  }
  if (current !== undefined) drawGuest(guestByName.get(current), current, buffer);
  // guests without any attestation in the period
  for (const g of d.guests) if (g.attestations === 0) drawGuest(g, g.name, []);
  // releases of guests drawn nowhere else (removed since, no attestation in the period)
  for (const name of [...releasesOf.keys()]) drawGuest(undefined, name, []);
  numberPages(doc, `${d.organisation} · ${period.from} to ${period.to}`);
  doc.end();
  await done;
}

function summaryRow(p: Pager, g: EvidenceGuestSummary, gapWarning: number): void {
  const bad = g.attestations === 0 || g.outcomes.verified < g.attestations;
  const cells = [
    g.name,
    String(g.attestations),
    ...OUTCOMES.map((o) => String(g.outcomes[o])),
    formatDuration(g.longestGapSeconds) + (g.longestGapSeconds > gapWarning ? ' !' : ''),
    g.hkdSha256.length === 0 ? '-' : g.hkdSha256.map((h) => h.slice(0, 8)).join(' '),
  ];
  row(p, SUMMARY_COLS, cells, 7.5, bad ? RED : BLACK, bad);
}

function attestationRow(p: Pager, a: EvidenceAttestationRecord, byHash: Map<string, EvidenceTrustRecord>): void {
  const bad = a.outcome !== 'verified' || a.hkdChain.verdict === 'failed';
  const colour = a.outcome === 'verified' ? (bad ? RED : BLACK) : OUTCOME_COLOURS[a.outcome];
  const cells = [
    time(a.startedAt),
    OUTCOME_LABELS[a.outcome],
    a.cuid ?? '-',
    a.hkdSha256.length === 0 ? '-' : a.hkdSha256.map((h) => hkdLabel(h, byHash)).join('; '),
    `${a.hkdChain.verdict} / ${a.hkdChain.crlState}`,
  ];
  // the row, its detail line and its violations stay together on one page
  const doc = p.doc;
  const details = [detailLine(a), ...violationLines(a)];
  doc.font(MONO).fontSize(MONO_SIZE);
  const heights = details.map((t) => measure(doc, t, CONTENT_WIDTH - 8, MONO_SIZE));
  const detailHeight = heights.reduce((s, h) => s + h + 1, 0);
  p.ensure(14 + detailHeight);
  row(p, LIST_COLS, cells, 7, colour, bad);
  doc
    .font(MONO)
    .fontSize(MONO_SIZE)
    .fillColor(bad ? colour : GREY);
  details.forEach((t, i) => {
    if (i > 0) doc.fillColor(RED);
    p.y += place(doc, t, MARGIN + 8, p.y, CONTENT_WIDTH - 8, heights[i]) + 1;
  });
  p.y += 2;
}

/** Inputs of `writeAttestationReportPdf`. */
export interface WriteAttestationReportPdfParams {
  readonly path: string;
  readonly report: AttestationReportDocument;
}

/** One attestation's report (`se-attest report ID --format json`, the report screen's export). */
export interface AttestationReportDocument {
  readonly kind: 'se-attestation-report';
  readonly schemaVersion: string;
  readonly generatedAt: string;
  readonly attestation: EvidenceAttestationRecord;
  /** The HKDs the request was encrypted for, named by host. */
  readonly hkds: readonly Pick<EvidenceTrustRecord, 'sha256' | 'subject' | 'subjectCn' | 'subjectOu' | 'serial'>[];
}

/** Writes one attestation's report as a PDF. */
export async function writeAttestationReportPdf(p: WriteAttestationReportPdfParams): Promise<void> {
  const a = p.report.attestation;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `Attestation ${a.id} of ${a.guest}`, Subject: `outcome ${a.outcome}` },
  });
  for (const font of ['Helvetica', 'Helvetica-Bold', MONO]) fastStandardFont(doc, font);
  const out = createWriteStream(p.path);
  doc.pipe(out);
  const done = finished(out);
  const pager = new Pager(doc);
  doc.font('Helvetica-Bold').fontSize(18).fillColor(BLACK);
  pager.y += pager.text(`Attestation ${a.id} of guest ${a.guest}`, MARGIN, CONTENT_WIDTH) + 8;
  doc.font('Helvetica-Bold').fontSize(14).fillColor(OUTCOME_COLOURS[a.outcome]);
  pager.y += pager.text(`Outcome: ${OUTCOME_LABELS[a.outcome]}`, MARGIN, CONTENT_WIDTH) + 2;
  paragraph(pager, `${a.outcomeCode ? `${a.outcomeCode}: ` : ''}${a.outcomeReason}`, 'Helvetica', 9, BLACK);
  pager.y += 8;
  const cols: Column[] = [
    { title: '', width: 130 },
    { title: '', width: CONTENT_WIDTH - 130, mono: true },
  ];
  const fields: [string, string][] = [
    ['Started', time(a.startedAt)],
    ['Finished', a.finishedAt ? time(a.finishedAt) : '-'],
    ['Recorded status', a.status],
    ['Measurement', `${a.measurementResult}${a.measurementCode ? ` (${a.measurementCode})` : ''}`],
    ['CUID', a.cuid ?? '-'],
    ['User data', a.userData ?? '-'],
    ['Image PHKH', a.imagePhkh ?? '-'],
    ['Attestation PHKH', a.attestationPhkh ?? '-'],
    ['Measurement (HMAC)', a.measurement ?? '-'],
    ['Request key slots', a.requestPhkhs.join(' ') || '-'],
    [
      'HKD chain',
      `${a.hkdChain.verdict} / CRLs ${a.hkdChain.crlState}${a.hkdChain.code ? ` (${a.hkdChain.code})` : ''}`,
    ],
    ['Policy source', a.policySource],
    ['Error', a.errorCode ? `${a.errorCode}: ${a.errorMessage ?? ''}` : '-'],
  ];
  for (const [k, v] of fields) row(pager, cols, [k, v], 8.5, BLACK);
  pager.y += 10;
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BLACK);
  pager.y += pager.text('Policy checks (expected vs seen)', MARGIN, CONTENT_WIDTH) + 4;
  const checkCols: Column[] = [
    { title: 'Check', width: 95 },
    { title: 'Result', width: 50 },
    { title: 'What it means', width: CONTENT_WIDTH - 145 },
  ];
  row(
    pager,
    checkCols,
    checkCols.map((c) => c.title),
    8,
    BLACK,
    true,
  );
  if (a.checks.length === 0)
    row(pager, checkCols, [a.policy ? 'not evaluated' : 'no policy recorded', '', ''], 8, GREY);
  for (const c of a.checks) {
    const colour = c.passed ? BLACK : RED;
    row(pager, checkCols, [c.check, c.passed ? 'passed' : 'FAILED', c.message], 8, colour, !c.passed);
    paragraph(pager, `expected: ${c.expected || '-'}`, MONO, 7, colour, 12);
    paragraph(pager, `seen:     ${c.seen ?? '(nothing)'}`, MONO, 7, colour, 12);
    pager.y += 3;
  }
  pager.y += 10;
  doc.font('Helvetica-Bold').fontSize(12).fillColor(BLACK);
  pager.y += pager.text('Host-key documents', MARGIN, CONTENT_WIDTH) + 4;
  hkdTable(pager, p.report.hkds, 8);
  numberPages(doc, `Generated ${time(p.report.generatedAt)}`);
  doc.end();
  await done;
}
