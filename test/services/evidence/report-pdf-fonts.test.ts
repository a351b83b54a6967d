/**
 * Issues 11/12 (a year's evidence export < 10 s): report-pdf.ts's faster metrics for pdfkit's standard fonts
 * (`fastStandardFont`: kerning from maps, widths kept per string) give exactly pdfkit's numbers,
 * so the PDF is byte for byte the one pdfkit alone writes. Speed is `npm run bench evidence`'s.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import PDFDocument from 'pdfkit';
import { fastStandardFont } from '../../../main/services/evidence/report-pdf.js';

const FONTS = ['Helvetica', 'Helvetica-Bold', 'Courier'];
const CreationDate = new Date('2027-01-01T00:00:00Z');

/** Every printable WinAnsi character, each pair of a kerning-heavy set, and texts of the report's rows. */
function samples(): string[] {
  const chars = [];
  for (let c = 0x20; c < 0x100; c++) if (c < 0x7f || c >= 0xa0) chars.push(String.fromCharCode(c));
  const out = [chars.join(''), '', ' ', '€…‘’“”•–—™'];
  const kerned = 'AVTWYLPFkrvwy.,-:;oaeo\'"';
  for (const a of kerned) for (const b of kerned) out.push(a + b, `${a}${b}${a}`);
  out.push(
    '2027-03-04 05:06:07Z',
    'policy violation',
    'Host 0042 (ab12cd34); Host 0043 (ef56aa90)',
    'verified / fresh',
    'id 123  PHKH slot 24933f75ee107c80…  img 24933f75ee107c80…  user data -',
    '    expected: 24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05',
    'Tj  AWAY  Tâche  Ÿves',
  );
  return out;
}

function pdf(patched: boolean): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, info: { CreationDate } });
  if (patched) for (const f of FONTS) fastStandardFont(doc, f);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  let y = 40;
  for (const [i, s] of samples().entries()) {
    // twice: the second measures from what the first remembered
    for (let k = 0; k < 2; k++) {
      doc.font(FONTS[i % FONTS.length]!).fontSize(6 + (i % 7));
      doc.text(s, 40, y, i % 3 === 0 ? { lineBreak: false } : { width: 120 + (i % 5) * 40 });
      y = doc.y > 780 ? (doc.addPage(), 40) : doc.y;
    }
  }
  doc.end();
  return done;
}

describe('fast standard-font metrics (main/services/evidence/report-pdf.ts)', () => {
  test("widths and encodings are pdfkit's own, for every font, size and sample", () => {
    const plain = new PDFDocument();
    const fast = new PDFDocument();
    for (const f of FONTS) fastStandardFont(fast, f);
    type Font = { encode(t: string): unknown };
    for (const f of FONTS)
      for (const size of [5.5, 7, 10.5, 20])
        for (const s of [...samples(), ...samples()]) {
          plain.font(f).fontSize(size);
          fast.font(f).fontSize(size);
          assert.equal(fast.widthOfString(s), plain.widthOfString(s), `${f} ${size} ${JSON.stringify(s)}`);
          const font = (d: PDFKit.PDFDocument) => (d as unknown as { _font: Font })._font;
          assert.deepEqual(font(fast).encode(s), font(plain).encode(s), `${f} ${JSON.stringify(s)}`);
        }
  });
  test('the same PDF, byte for byte, as pdfkit alone writes', async () => {
    const [a, b] = await Promise.all([pdf(false), pdf(true)]);
    assert.ok(a.length > 10_000);
    assert.ok(a.equals(b), 'identical files');
  });
});
