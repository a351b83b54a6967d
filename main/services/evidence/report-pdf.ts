/**
 * The human-readable report.pdf of an evidence bundle (pdfkit, streamed to disk page by page): cover,
 * per-guest summary table, then per guest every attestation with verdict, time, CUID, PHKHs, user data, HKD
 * chain verdict and CRL state. Failures are printed in red; gaps between verified attestations longer than
 * `gapWarningSeconds` get their own red line.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type {
  EvidenceAttestationRecord,
  EvidenceDocument,
  EvidenceGuestSummary,
} from '../../../shared/types/evidence.js';

/** Inputs of `writeReportPdf`. */
export interface WriteReportPdfParams {
  readonly path: string;
  /** evidence.json without the attestation list. */
  readonly document: Omit<EvidenceDocument, 'attestations'>;
  /** Attestations ordered by guest, then time. */
  readonly attestations: AsyncIterable<EvidenceAttestationRecord>;
  /** Gaps longer than this are highlighted (default 8 days). */
  readonly gapWarningSeconds?: number;
}

const RED = '#b00020';
const BLACK = '#000000';
const GREY = '#555555';
const MARGIN = 40;
const PAGE_BOTTOM = 842 - MARGIN - 14; // A4 height in points
const DAY = 86_400;

/** "12 d 3 h" style duration. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / DAY);
  const h = Math.floor((seconds % DAY) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

const short = (hex: string | null | undefined, n = 16): string =>
  hex ? (hex.length > n ? `${hex.slice(0, n)}…` : hex) : '-';
const isFailure = (a: EvidenceAttestationRecord): boolean =>
  a.verdict !== 'verified' || a.hkdChain.verdict === 'failed';

/** Writes the report; resolves when the file is complete. */
export async function writeReportPdf(p: WriteReportPdfParams): Promise<void> {
  const gapWarning = p.gapWarningSeconds ?? 8 * DAY;
  const d = p.document;
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: `SE attestation evidence ${d.period.from} – ${d.period.to}`,
      Author: d.organisation,
      Subject: `workstation key ${d.workstationKey.fingerprint}`,
    },
  });
  const out = createWriteStream(p.path);
  doc.pipe(out);
  const done = finished(out);

  // Cover
  doc.font('Helvetica-Bold').fontSize(22).text('Secure Execution attestation evidence', { align: 'left' });
  doc.moveDown(1.5).font('Helvetica').fontSize(12);
  const cover: [string, string, boolean][] = [
    ['Organisation', d.organisation, false],
    ['Period', `${d.period.from} to ${d.period.to} (end exclusive)`, false],
    ['Generated at', d.generatedAt, false],
    ['Workstation key fingerprint', d.workstationKey.fingerprint, true],
    ['Guests', String(d.totals.guests), false],
    ['Attestations', `${d.totals.attestations} (${d.totals.verified} verified, ${d.totals.failed} failed)`, false],
    ['Audit log', `${d.audit.entries} entries, head hash`, false],
    ['', d.audit.headHash ?? '-', true],
  ];
  for (const [k, v, mono] of cover) {
    // identifiers never wrap (a wrapped fingerprint cannot be compared by eye or by text search)
    if (mono) {
      if (k) doc.font('Helvetica-Bold').fontSize(12).text(`${k}:`, MARGIN);
      const y = doc.y;
      doc.font('Courier').fontSize(9).text(v, MARGIN, y, { lineBreak: false });
      doc.x = MARGIN;
      doc.y = y + 12;
    } else doc.font('Helvetica-Bold').fontSize(12).text(`${k}: `, { continued: true }).font('Helvetica').text(v);
    doc.moveDown(0.3);
  }
  doc.moveDown(1).fontSize(9).fillColor(GREY);
  doc.text(
    'This report is the readable view of evidence.json. Every file of the bundle is listed with its SHA-256 in manifest.intoto.json ' +
      '(an in-toto Statement in a DSSE envelope signed with the Ed25519 key whose fingerprint is printed above). ' +
      'Re-verify offline with: se-attest evidence verify <bundle> --trusted-key <key.pem>. Each attestations/<id>/ folder is accepted by ' +
      'pvattest verify -i response.bin --arpk arpk.key --hdr se-header.bin.',
  );
  doc.fillColor(BLACK);

  // Summary table
  doc.addPage();
  doc.font('Helvetica-Bold').fontSize(16).text('Summary per guest');
  const cols = [
    { title: 'Guest', x: MARGIN, w: 150 },
    { title: 'Attestations', x: 195, w: 60 },
    { title: 'Verified', x: 258, w: 50 },
    { title: 'Failed', x: 310, w: 40 },
    { title: 'Longest gap', x: 352, w: 70 },
    { title: 'HKDs used', x: 425, w: 130 },
  ];
  let y = doc.y + 8;
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(9).fillColor(BLACK);
    for (const c of cols) doc.text(c.title, c.x, y, { width: c.w, lineBreak: false });
    y += 14;
  };
  header();
  for (const g of d.guests) {
    if (y > PAGE_BOTTOM) {
      doc.addPage();
      y = MARGIN;
      header();
    }
    summaryRow(doc, g, cols, y, gapWarning);
    y += 13;
  }

  // Per-guest lists
  let current: string | undefined;
  let lastVerifiedMs: number | undefined;
  const guestByName = new Map(d.guests.map((g) => [g.name, g]));
  const listCols = [
    { title: 'Time (started)', x: MARGIN, w: 105 },
    { title: 'Verdict', x: 147, w: 62 },
    { title: 'CUID', x: 211, w: 105 },
    { title: 'HKD chain', x: 318, w: 60 },
    { title: 'CRL', x: 380, w: 55 },
    { title: 'Id', x: 437, w: 118 },
  ];
  const listHeader = () => {
    doc.font('Helvetica-Bold').fontSize(8).fillColor(BLACK);
    for (const c of listCols) doc.text(c.title, c.x, y, { width: c.w, lineBreak: false });
    y += 12;
  };
  const ensure = (h: number) => {
    if (y + h > PAGE_BOTTOM) {
      doc.addPage();
      y = MARGIN;
      listHeader();
    }
  };
  const startGuest = (name: string) => {
    doc.addPage();
    y = MARGIN;
    const g = guestByName.get(name);
    doc.font('Helvetica-Bold').fontSize(14).fillColor(BLACK).text(`Guest ${name}`, MARGIN, y, { lineBreak: false });
    y += 20;
    if (g) {
      doc
        .font('Helvetica')
        .fontSize(9)
        .fillColor(g.failed > 0 ? RED : BLACK);
      doc.text(
        `${g.attestations} attestations, ${g.verified} verified, ${g.failed} failed; longest gap ${formatDuration(g.longestGapSeconds)}`,
        MARGIN,
        y,
        {
          lineBreak: false,
        },
      );
      y += 16;
    }
    listHeader();
  };
  const gapLine = (fromMs: number, toMs: number) => {
    const secs = (toMs - fromMs) / 1000;
    if (secs <= gapWarning) return;
    ensure(12);
    doc.font('Helvetica-Bold').fontSize(8).fillColor(RED);
    doc.text(
      `GAP: ${formatDuration(secs)} without a verified attestation (${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()})`,
      MARGIN,
      y,
      {
        lineBreak: false,
      },
    );
    y += 12;
  };
  const periodFrom = Date.parse(d.period.from);
  const periodEnd = Math.min(Date.parse(d.period.to), Date.parse(d.generatedAt));
  for await (const a of p.attestations) {
    if (a.guest !== current) {
      if (current !== undefined) gapLine(lastVerifiedMs ?? periodFrom, periodEnd);
      current = a.guest;
      lastVerifiedMs = undefined;
      startGuest(a.guest);
    }
    const t = Date.parse(a.startedAt);
    if (a.verdict === 'verified') {
      gapLine(lastVerifiedMs ?? periodFrom, t);
      lastVerifiedMs = t;
    }
    ensure(22);
    const bad = isFailure(a);
    doc
      .font(bad ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(8)
      .fillColor(bad ? RED : BLACK);
    const cells = [
      a.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      a.verdict === 'verified' ? 'VERIFIED' : a.verdict.toUpperCase(),
      a.cuid ?? '-',
      a.hkdChain.verdict,
      a.hkdChain.crlState,
      a.id,
    ];
    cells.forEach((text, i) =>
      doc.text(text, listCols[i]!.x, y, { width: listCols[i]!.w, lineBreak: false, ellipsis: true }),
    );
    y += 10;
    doc
      .font('Courier')
      .fontSize(6.5)
      .fillColor(bad ? RED : GREY);
    const phkhs = [
      ...a.requestPhkhs.map((h) => `slot ${short(h)}`),
      a.imagePhkh ? `img ${short(a.imagePhkh)}` : '',
      a.attestationPhkh ? `att ${short(a.attestationPhkh)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const extra =
      bad && (a.verdictCode || a.errorCode || a.hkdChain.code)
        ? `  ${a.verdictCode ?? a.errorCode ?? a.hkdChain.code}`
        : '';
    doc.text(`PHKH ${phkhs || '-'}  user data ${short(a.userData, 24)}${extra}`, MARGIN + 8, y, {
      width: 515,
      lineBreak: false,
      ellipsis: true,
    });
    y += 11;
  }
  if (current !== undefined) gapLine(lastVerifiedMs ?? periodFrom, periodEnd);
  // guests without any attestation in the period
  for (const g of d.guests) {
    if (g.attestations > 0) continue;
    startGuest(g.name);
    doc
      .font('Helvetica-Bold')
      .fontSize(9)
      .fillColor(RED)
      .text('No attestation in this period.', MARGIN, y, { lineBreak: false });
  }
  doc.end();
  await done;
}

function summaryRow(
  doc: PDFKit.PDFDocument,
  g: EvidenceGuestSummary,
  cols: { x: number; w: number }[],
  y: number,
  gapWarning: number,
): void {
  const cells: [string, boolean][] = [
    [g.name, g.failed > 0 || g.verified === 0],
    [String(g.attestations), g.attestations === 0],
    [String(g.verified), false],
    [String(g.failed), g.failed > 0],
    [formatDuration(g.longestGapSeconds), g.longestGapSeconds > gapWarning],
    [g.hkdSha256.length === 0 ? '-' : g.hkdSha256.map((h) => h.slice(0, 8)).join(' '), false],
  ];
  cells.forEach(([text, bad], i) => {
    doc
      .font(bad ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(8.5)
      .fillColor(bad ? RED : BLACK);
    doc.text(text, cols[i]!.x, y, { width: cols[i]!.w, lineBreak: false, ellipsis: true });
  });
  doc.fillColor(BLACK);
}
